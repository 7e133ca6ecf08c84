"""The choices a cost-basis run takes: lot order, lot pooling, cash assets, tax profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tradewind.portfolio.costbasis.jurisdiction import UNITED_STATES, Jurisdiction

__all__ = ["DEFAULT_CASH_ASSETS", "CostBasisConfig", "CostBasisMethod", "LotPooling"]

DEFAULT_CASH_ASSETS = frozenset({"USD", "USDT", "USDC"})


class CostBasisMethod(StrEnum):
    """Which open lot a disposal consumes first."""

    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    SPECIFIC_ID = "specific_id"


class LotPooling(StrEnum):
    """Whether each account keeps its own lots (per-wallet) or all accounts share one pool."""

    PER_WALLET = "per_wallet"
    POOLED = "pooled"


@dataclass(frozen=True, slots=True)
class CostBasisConfig:
    """Settings of one run. `cash_assets` are valued 1:1 in the report currency and carry no lots.

    The default treats USD and the USD stablecoins USDT and USDC as cash (report currency USD);
    a EUR report passes frozenset({"EUR"}) and prices everything else in EUR.
    """

    method: CostBasisMethod = CostBasisMethod.FIFO
    pooling: LotPooling = LotPooling.PER_WALLET
    jurisdiction: Jurisdiction = UNITED_STATES
    cash_assets: frozenset[str] = field(default=DEFAULT_CASH_ASSETS)
    currency: str = "USD"
    """The report currency: a transaction's own `worth` in it values the whole event."""
