"""Positions: the net holding of one symbol on one venue, with exact cost and PnL.

The position keeps the exact cost of what is open instead of an average price. Closing part of a
position removes a pro-rata share of that cost; that one division (cut at 30 decimal places) is
the only rounding, and it only moves value between realised and unrealised PnL: their sum is
always exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Context, Decimal, localcontext

from tradewind.core import _checks
from tradewind.core.errors import DomainValueError
from tradewind.core.fills import Fill
from tradewind.core.identifiers import parse_symbol

__all__ = ["Position"]

# Every position sum runs at 60 digits and a pro-rata cost share is cut at 30 decimal places,
# so values below 10**30 quote units add and subtract exactly: the share's rounding can only
# move value between realised and unrealised, never lose it.
_WIDE = Context(prec=60)
_SHARE_EXPONENT = Decimal("1e-30")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """Net position in ``symbol`` on ``venue``.

    ``quantity`` in base units, signed (+ long, - short). ``cost`` in quote units: the signed cost
    of the open quantity. ``realised_pnl`` and ``fees`` in quote units. Fees paid in the base
    asset reduce the quantity held (a disposal at price zero); fees in a third asset (BNB) are not
    a position effect and are left to the account ledger.
    """

    venue: str
    symbol: str
    quantity: Decimal = _ZERO
    cost: Decimal = _ZERO
    realised_pnl: Decimal = _ZERO
    fees: Decimal = _ZERO
    ts_last: int = 0

    def __post_init__(self) -> None:
        _checks.text(self, "venue", self.venue)
        parse_symbol(self.symbol)
        _checks.finite(self, "quantity", self.quantity)
        _checks.finite(self, "cost", self.cost)
        _checks.finite(self, "realised_pnl", self.realised_pnl)
        _checks.finite(self, "fees", self.fees)
        if self.quantity == 0 and self.cost != 0:
            raise DomainValueError("Position", "cost", "a flat position carries no cost")

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def avg_price(self) -> Decimal | None:
        """Average open price in quote per base, or None when flat (display only: may round)."""
        if self.quantity == 0:
            return None
        return self.cost / self.quantity

    def unrealised_pnl(self, mark: Decimal) -> Decimal:
        """Value of the open quantity at ``mark`` minus its cost, in quote units; exact."""
        _checks.positive(self, "mark", mark)
        with localcontext(_WIDE):
            return self.quantity * mark - self.cost

    def total_pnl(self, mark: Decimal) -> Decimal:
        """Realised + unrealised - fees, in quote units; exact."""
        unrealised = self.unrealised_pnl(mark)
        with localcontext(_WIDE):
            return self.realised_pnl + unrealised - self.fees

    def apply(self, fill: Fill) -> Position:
        """The position after ``fill``; DomainValueError if the fill is for another market."""
        if (fill.venue, fill.symbol) != (self.venue, self.symbol):
            raise DomainValueError(
                "Position",
                "fill",
                f"fill for {fill.venue}:{fill.symbol} applied to {self.venue}:{self.symbol}",
            )
        base, quote = parse_symbol(self.symbol)
        with localcontext(_WIDE):
            after = self._trade(fill.side.sign * fill.qty, fill.price)
            if fill.fee_asset == quote:
                after = replace(after, fees=after.fees + fill.fee)
            elif fill.fee_asset == base and fill.fee != 0:
                after = after._trade(-fill.fee, _ZERO)
        return replace(after, ts_last=max(self.ts_last, fill.ts_event))

    def _trade(self, signed_qty: Decimal, price: Decimal) -> Position:
        quantity, cost, realised = self.quantity, self.cost, self.realised_pnl
        if quantity == 0 or (quantity > 0) == (signed_qty > 0):
            return replace(self, quantity=quantity + signed_qty, cost=cost + signed_qty * price)
        closing = min(abs(signed_qty), abs(quantity))
        if closing == abs(quantity):
            removed = cost  # a full close removes the whole cost: no division, no rounding
        else:
            removed = (cost * closing / abs(quantity)).quantize(_SHARE_EXPONENT)
        direction = 1 if quantity > 0 else -1
        realised += direction * (closing * price) - removed
        remaining = quantity + signed_qty
        if remaining == 0:
            return replace(self, quantity=_ZERO, cost=_ZERO, realised_pnl=realised)
        if (remaining > 0) == (quantity > 0):
            return replace(self, quantity=remaining, cost=cost - removed, realised_pnl=realised)
        # flipped through zero: what is left of the fill opens a new position at its price
        return replace(self, quantity=remaining, cost=remaining * price, realised_pnl=realised)
