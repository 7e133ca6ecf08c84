"""Rebalancing to target weights: the plan of orders, within the venue's filters.

    parse_targets("BTC=0.5,ETH=0.3,USDT=0.2") -> {asset: weight}, weights summing to exactly 1
    plan_rebalance(holdings, prices, targets, quote=, filters=) -> RebalancePlan

Every asset is valued in the quote asset (the cash leg of every order, e.g. USDT); the total is
the sum of the values, each asset's target value its weight times the total, and the order for
an asset is the difference divided by its price, rounded DOWN to the pair's step (never trading
more than the plan asks), a sell when over target, a buy when under. An order under the pair's
minimum quantity or minimum notional is left out and said why; one over the maximum quantity is
capped. Sells come first so their proceeds pay for the buys. Money and quantities are Decimal;
weights shown are floats (ratios).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import InstrumentFilters

__all__ = [
    "AssetLine",
    "PlannedOrder",
    "RebalanceError",
    "RebalancePlan",
    "SkippedOrder",
    "parse_targets",
    "plan_rebalance",
]

_ZERO = Decimal(0)


class RebalanceError(ValueError):
    """Targets or inputs a plan cannot be made from (the message says which)."""


@dataclass(frozen=True, slots=True)
class AssetLine:
    """One asset: held quantity, price and value in the quote, current and target weight."""

    asset: str
    quantity: Decimal
    price: Decimal
    value: Decimal
    weight: float
    target: Decimal
    target_value: Decimal


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    """A market order of the plan: `quantity` base units of `symbol` at about `price` (quote)."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    price: Decimal

    @property
    def notional(self) -> Decimal:
        """quantity x price, in the quote asset."""
        return self.quantity * self.price


@dataclass(frozen=True, slots=True)
class SkippedOrder:
    """A difference the plan does not trade, and why (under the venue's minimums)."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class RebalancePlan:
    """Current versus target, and the orders that close the gap (sells first)."""

    quote: str
    total: Decimal
    lines: tuple[AssetLine, ...]
    orders: tuple[PlannedOrder, ...]
    skipped: tuple[SkippedOrder, ...]


def parse_targets(text: str) -> dict[str, Decimal]:
    """ "BTC=0.5,ETH=0.3,USDT=0.2" -> weights; each in [0, 1], no asset twice, sum exactly 1."""
    targets: dict[str, Decimal] = {}
    for part in text.split(","):
        asset, sep, weight_text = part.partition("=")
        asset = asset.strip().upper()
        if not sep or not asset:
            raise RebalanceError(f"target {part.strip()!r} is not ASSET=WEIGHT")
        try:
            weight = Decimal(weight_text.strip())
        except InvalidOperation:
            raise RebalanceError(f"weight of {asset} is not a number: {weight_text!r}") from None
        if not weight.is_finite() or not _ZERO <= weight <= 1:
            raise RebalanceError(f"weight of {asset} must be between 0 and 1, got {weight_text}")
        if asset in targets:
            raise RebalanceError(f"{asset} is given twice")
        targets[asset] = weight
    total = sum(targets.values(), _ZERO)
    if total != 1:
        raise RebalanceError(f"target weights add up to {total}, not 1")
    return targets


def plan_rebalance(
    holdings: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    targets: Mapping[str, Decimal],
    *,
    quote: str,
    filters: Mapping[str, InstrumentFilters],
) -> RebalancePlan:
    """The orders that bring `holdings` to `targets` (see module docstring).

    `prices[asset]` in quote units per asset unit, `filters["ASSET/QUOTE"]` the pair's filters;
    every asset held or targeted other than the quote needs both. An asset held but not in the
    targets has target 0 (sold).
    """
    assets = sorted({a for a, q in holdings.items() if q != 0} | set(targets) | {quote})
    unpriced = [a for a in assets if a != quote and (prices.get(a) or _ZERO) <= 0]
    if unpriced:
        raise RebalanceError(f"no price in {quote} for {', '.join(unpriced)}")
    unlisted = [a for a in assets if a != quote and f"{a}/{quote}" not in filters]
    if unlisted:
        pairs = ", ".join(f"{a}/{quote}" for a in unlisted)
        raise RebalanceError(f"the venue lists no {pairs} to trade against {quote}")
    price = {a: Decimal(1) if a == quote else prices[a] for a in assets}
    values = {a: holdings.get(a, _ZERO) * price[a] for a in assets}
    total = sum(values.values(), _ZERO)
    if total <= 0:
        raise RebalanceError(f"the holdings are worth {total} {quote}: nothing to rebalance")
    lines = tuple(
        AssetLine(
            a,
            holdings.get(a, _ZERO),
            price[a],
            values[a],
            float(values[a] / total),
            targets.get(a, _ZERO),
            total * targets.get(a, _ZERO),
        )
        for a in assets
    )
    sells: list[PlannedOrder] = []
    buys: list[PlannedOrder] = []
    skipped: list[SkippedOrder] = []
    for line in lines:
        if line.asset == quote or line.target_value == line.value:
            continue
        symbol = f"{line.asset}/{quote}"
        rules = filters[symbol]
        side = OrderSide.SELL if line.value > line.target_value else OrderSide.BUY
        step = rules.market_step_size or rules.step_size
        wanted = abs(line.target_value - line.value) / line.price
        if side is OrderSide.SELL:
            wanted = min(wanted, line.quantity)  # never sell more than is held
        qty = (wanted / step).to_integral_value(rounding=ROUND_DOWN) * step
        max_qty = rules.market_max_qty or rules.max_qty
        if qty > max_qty:
            qty = (max_qty / step).to_integral_value(rounding=ROUND_DOWN) * step
        min_qty = rules.market_min_qty if rules.market_min_qty is not None else rules.min_qty
        reason = ""
        if qty <= 0 or qty < min_qty:
            reason = f"under the minimum quantity {min_qty} {line.asset} (step {step})"
        elif qty * line.price < rules.min_notional:
            reason = f"under the minimum notional {rules.min_notional} {quote}"
        if reason:
            skipped.append(SkippedOrder(symbol, side, qty, reason))
            continue
        (sells if side is OrderSide.SELL else buys).append(
            PlannedOrder(symbol, side, qty, line.price)
        )
    return RebalancePlan(quote, total, lines, (*sells, *buys), tuple(skipped))
