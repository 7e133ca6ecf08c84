"""Values a book answers with: levels, depth, and what taking liquidity would cost.

Prices in quote units per base unit, quantities in base units, notionals in quote units,
impact and slippage as signed fractions (0.001 = 10 bps) where positive means worse for the taker.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.enums import OrderSide

__all__ = ["BookDepth", "BookLevel", "FillEstimate"]


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level: ``qty`` base units resting at ``price``."""

    price: Decimal
    qty: Decimal


@dataclass(frozen=True, slots=True)
class BookDepth:
    """The best levels of each side, best first."""

    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FillEstimate:
    """What sweeping the book as a taker on ``side`` would fill, ignoring fees.

    ``complete`` is False when the book ran out before the requested size; ``filled_qty`` then
    says how much it had. ``vwap`` is None when nothing fills. ``impact`` is relative to the mid
    before the trade and ``slippage`` relative to the best price on the side taken, both None
    without a mid / best price.
    """

    side: OrderSide
    filled_qty: Decimal
    notional: Decimal
    vwap: Decimal | None
    worst_price: Decimal | None
    levels_consumed: int
    complete: bool
    impact: Decimal | None
    slippage: Decimal | None
