"""EVM chains: local nodes, contracts, connector, transaction manager, collateral routing."""
