"""Fees per venue: maker and taker rates in basis points, charged in any asset.

The fee of a fill is ``rate · notional`` where the notional is ``price · qty`` in the quote
asset. It is charged in ``asset``: the quote asset as is; the base asset as ``rate · qty``; any
other asset (BNB, say) converted at ``asset_price`` (quote per unit of that asset), which must
then be given. Exact Decimal arithmetic throughout; a negative rate is a rebate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.enums import LiquiditySide

__all__ = ["FeeSchedule"]

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker / taker rates in bps; ``asset`` None: the instrument's quote asset."""

    maker_bps: Decimal = Decimal(0)
    taker_bps: Decimal = Decimal(0)
    asset: str | None = None
    asset_price: Decimal | None = None  # quote per unit of ``asset`` (another asset only)

    def fee(
        self, *, price: Decimal, qty: Decimal, liquidity: LiquiditySide, base: str, quote: str
    ) -> tuple[Decimal, str]:
        """(fee, asset) of one fill of ``qty`` base at ``price`` quote per base."""
        rate = (self.maker_bps if liquidity is LiquiditySide.MAKER else self.taker_bps) / _BPS
        asset = self.asset or quote
        if asset == quote:
            return rate * price * qty, asset
        if asset == base:
            return rate * qty, asset
        if self.asset_price is None or self.asset_price <= 0:
            raise ValueError(f"fees in {asset} need a positive asset_price in {quote}")
        return rate * price * qty / self.asset_price, asset
