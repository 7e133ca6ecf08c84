"""Balances: what an account holds of one asset, free to use or locked in open orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks

__all__ = ["Balance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """Holdings of ``asset`` in its own units: ``free`` to trade, ``locked`` by open orders."""

    asset: str
    free: Decimal
    locked: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _checks.text(self, "asset", self.asset)
        _checks.non_negative(self, "free", self.free)
        _checks.non_negative(self, "locked", self.locked)

    @property
    def total(self) -> Decimal:
        return self.free + self.locked
