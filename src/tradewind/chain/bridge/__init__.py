"""The bridge between the desk's chains: Across's own SpokePool and a simulated relayer.

spoke_pool.py  RelayData, SpokePoolContract, Erc20Contract: contract calls as requests/views
merkle.py      RelayerRefundLeaf, RefundTree: the refund leaves and their Merkle tree
hub.py         RefundHub: the hub's role (root bundles) played by the spoke pools' owner key
relayer.py     Relayer: fills deposits on the destination chain, is repaid on the origin
cli.py         ``tradewind chain relayer``: the relayer as a process (demo, local chains)
"""

from __future__ import annotations

from tradewind.chain.bridge.hub import RefundHub, RefundPaid, bundle_intent, repay_intent
from tradewind.chain.bridge.merkle import RefundTree, RelayerRefundLeaf
from tradewind.chain.bridge.relayer import (
    InvalidRelayerConfigError,
    Relayer,
    RelayerLeg,
    RelayerPolicy,
    RelayOutcome,
    RelayStatus,
    fill_intent,
)
from tradewind.chain.bridge.spoke_pool import (
    ZERO_ADDRESS,
    Erc20Contract,
    FillStatus,
    MalformedRelayError,
    RelayData,
    SpokePoolContract,
)

__all__ = [
    "ZERO_ADDRESS",
    "Erc20Contract",
    "FillStatus",
    "InvalidRelayerConfigError",
    "MalformedRelayError",
    "RefundHub",
    "RefundPaid",
    "RefundTree",
    "RelayData",
    "RelayOutcome",
    "RelayStatus",
    "Relayer",
    "RelayerLeg",
    "RelayerPolicy",
    "RelayerRefundLeaf",
    "SpokePoolContract",
    "bundle_intent",
    "fill_intent",
    "repay_intent",
]
