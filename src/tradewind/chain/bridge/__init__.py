"""The bridge between the desk's chains: an Across-style spoke pool and a simulated relayer.

spoke_pool.py  RelayData, SpokePoolContract, Erc20Contract: contract calls as requests/views
relayer.py     Relayer: fills V3 deposits on the destination chain, is repaid on the origin
cli.py         ``tradewind chain relayer``: the relayer as a process (demo, local chains)
"""

from __future__ import annotations

from tradewind.chain.bridge.relayer import (
    InvalidRelayerConfigError,
    Relayer,
    RelayerLeg,
    RelayerPolicy,
    RelayOutcome,
    RelayStatus,
    fill_intent,
    repay_intent,
)
from tradewind.chain.bridge.spoke_pool import (
    ZERO_ADDRESS,
    DepositStatus,
    Erc20Contract,
    MalformedRelayError,
    RelayData,
    SpokePoolContract,
)

__all__ = [
    "ZERO_ADDRESS",
    "DepositStatus",
    "Erc20Contract",
    "InvalidRelayerConfigError",
    "MalformedRelayError",
    "RelayData",
    "RelayOutcome",
    "RelayStatus",
    "Relayer",
    "RelayerLeg",
    "RelayerPolicy",
    "SpokePoolContract",
    "fill_intent",
    "repay_intent",
]
