"""Live measures of the PMM monitoring framework, as pure computations on snapshots.

    settings       MeasureSettings: the [risk.measures] table, the framework's thresholds
    inventory      position and inventory measures on holdings at oracle prices
    market_risk    VaR/ES (three methods) and correlation from sampled prices
    performance    PnL per token and total, revenue efficiency, gas, flash loans, liquidation
    operations     uptime, RFQ and latency measures over a sliding window
    providers      protocols for inputs the node does not have (wallets, borrowing, gas)

``tradewind.node.live_measures`` feeds them from the node and publishes MeasureReadings.
"""
