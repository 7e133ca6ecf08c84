"""quantity_possible: what an amount would get right now, walking each constituent's book.

Buy: the most index tokens (a multiple of the quantity step) that ``amount`` collateral pays
for, assets bought level by level up the asks plus the mint fee. The cost of q tokens is convex
and piecewise linear in q (its slope steps up each time a constituent's level runs out), so the
answer is found by walking the merged breakpoints, then confirmed exactly on the grid.
Sell: the collateral ``amount`` index tokens would return, their constituents sold level by
level down the bids, less the taker fee and the redeem fee.

Quote amounts follow the desk's solvency rule at ``quote_precision`` decimal places: what the
user is charged rounds up, what the user is credited rounds down. Zero when the book is empty
or, for a sell, not deep enough for the whole amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.solver.errors import MissingInstrumentError, SolverInputError
from tradewind.desks.index.solver.grid import EXACT, ZERO, ceil_to, floor_to
from tradewind.desks.index.solver.inputs import BookLevels, IndexBasket, Level

__all__ = ["book_cost", "quantity_possible"]


def book_cost(levels: tuple[Level, ...], quantity: Decimal) -> Decimal | None:
    """Quote value of taking ``quantity`` base units from ``levels`` best first; None if the
    levels hold less."""
    left = quantity
    total = ZERO
    for price, size in levels:
        if left <= 0:
            break
        take = size if size < left else left
        total += take * price
        left -= take
    return total if left <= 0 else None


def quantity_possible(
    basket: IndexBasket,
    side: OrderSide,
    amount: Decimal,
    books: Mapping[str, BookLevels],
    instruments: Mapping[str, Instrument],
    *,
    taker_fee_rate: Decimal = ZERO,
    quote_precision: int = 8,
) -> Decimal:
    """Buy: index tokens ``amount`` collateral buys now; sell: collateral ``amount`` index
    tokens return now. Every constituent must have an instrument quoted in the index's asset.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise SolverInputError(
            "quantity_possible", "amount", f"must be a Decimal >= 0, got {amount!r}"
        )
    if not isinstance(taker_fee_rate, Decimal) or not 0 <= taker_fee_rate < 1:
        raise SolverInputError(
            "quantity_possible",
            "taker_fee_rate",
            f"must be a Decimal in [0, 1), got {taker_fee_rate!r}",
        )
    for symbol in basket.units:
        instrument = instruments.get(symbol)
        if instrument is None or instrument.quote != basket.quote_asset:
            raise MissingInstrumentError(
                f"IndexBasket[{basket.symbol!r}]",
                symbol,
                f"needs an instrument quoted in {basket.quote_asset}",
            )
    quantum = Decimal(1).scaleb(-quote_precision)
    with localcontext(EXACT):
        levels: dict[str, tuple[Level, ...]] = {}
        for symbol in basket.units:
            book = books.get(symbol)
            side_levels = book.side(side) if book is not None else ()
            if not side_levels:
                return ZERO
            levels[symbol] = side_levels
        if side is OrderSide.BUY:
            return _buy(basket, amount, levels, 1 - taker_fee_rate, quantum)
        return _sell(basket, amount, levels, 1 - taker_fee_rate, quantum)


def _charged(cost: Decimal, fee_rate: Decimal, quantum: Decimal) -> Decimal:
    """Collateral charged for assets costing ``cost``: both parts rounded up."""
    spent = ceil_to(cost, quantum)
    return spent + ceil_to(spent * fee_rate, quantum)


def _basket_cost(
    basket: IndexBasket, levels: Mapping[str, tuple[Level, ...]], quantity: Decimal, net: Decimal
) -> Decimal | None:
    total = ZERO
    for symbol, unit in basket.units.items():
        cost = book_cost(levels[symbol], EXACT.divide(quantity * unit, net))
        if cost is None:
            return None
        total += cost
    return total


def _buy(
    basket: IndexBasket,
    amount: Decimal,
    levels: Mapping[str, tuple[Level, ...]],
    net: Decimal,
    quantum: Decimal,
) -> Decimal:
    step = basket.quantity_step
    rate = basket.mint_fee_rate

    def fits(quantity: Decimal) -> bool:
        cost = _basket_cost(basket, levels, quantity, net)
        return cost is not None and _charged(cost, rate, quantum) <= amount

    estimate = _walk(basket, levels, net, EXACT.divide(amount, 1 + rate))
    quantity = floor_to(estimate, step)
    while quantity > 0 and not fits(quantity):
        quantity -= step
    while fits(quantity + step):  # the estimate ignores the quote rounding; rarely short
        quantity += step
    return quantity


def _walk(
    basket: IndexBasket, levels: Mapping[str, tuple[Level, ...]], net: Decimal, budget: Decimal
) -> Decimal:
    """Index tokens whose assets cost ``budget`` (off grid), or the most the depth allows."""
    events: list[tuple[Decimal, Decimal | None]] = []  # (tokens, slope change or None: depth out)
    slope = ZERO
    for symbol, unit in basket.units.items():
        per_token = EXACT.divide(unit, net)  # base units bought per index token
        side_levels = levels[symbol]
        slope += per_token * side_levels[0][0]
        depth = ZERO
        for index, (price, size) in enumerate(side_levels):
            depth += size
            following = side_levels[index + 1][0] if index + 1 < len(side_levels) else None
            change = None if following is None else per_token * (following - price)
            events.append((EXACT.divide(depth, per_token), change))
    events.sort(key=lambda event: event[0])
    at = ZERO
    cost = ZERO
    for tokens, change in events:
        segment = slope * (tokens - at)
        if cost + segment >= budget:
            return at + EXACT.divide(budget - cost, slope)
        cost += segment
        at = tokens
        if change is None:
            return at
        slope += change
    return at


def _sell(
    basket: IndexBasket,
    amount: Decimal,
    levels: Mapping[str, tuple[Level, ...]],
    net: Decimal,
    quantum: Decimal,
) -> Decimal:
    quantity = floor_to(amount, basket.quantity_step)
    if quantity == 0:
        return ZERO
    proceeds = ZERO
    for symbol, unit in basket.units.items():
        value = book_cost(levels[symbol], quantity * unit)
        if value is None:
            return ZERO
        proceeds += value
    after_taker = proceeds * net
    fee = ceil_to(after_taker * basket.redeem_fee_rate, quantum)
    credited = floor_to(after_taker - fee, quantum)
    return credited if credited > 0 else ZERO
