"""Builders for solver inputs and an independent checker of a BatchPlan.

``market`` (session scope, so hypothesis tests may use it) builds instruments, books, baskets
and orders from short strings. ``verify_plan`` re-derives every constraint a plan must meet
from the raw inputs, without the solver's internals, and returns what it breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

import pytest

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.solver import (
    BatchPlan,
    BookLevels,
    IndexBasket,
    OrderDemand,
    SolverConfig,
    price_limit,
)

D = Decimal


class Market:
    """Short-hand constructors for solver inputs (numbers as strings)."""

    @staticmethod
    def instrument(
        symbol: str,
        *,
        tick: str = "0.01",
        step: str = "0.001",
        min_qty: str | None = None,
        max_qty: str = "1000000",
        min_notional: str = "0",
        max_notional: str | None = None,
    ) -> Instrument:
        filters = InstrumentFilters(
            tick_size=D(tick),
            step_size=D(step),
            min_qty=D(min_qty if min_qty is not None else step),
            max_qty=D(max_qty),
            min_notional=D(min_notional),
            max_notional=None if max_notional is None else D(max_notional),
        )
        return Instrument(venue="sim", symbol=symbol, filters=filters)

    @staticmethod
    def book(
        bids: Sequence[tuple[str, str]] = (), asks: Sequence[tuple[str, str]] = ()
    ) -> BookLevels:
        return BookLevels(
            bids=tuple((D(p), D(q)) for p, q in bids), asks=tuple((D(p), D(q)) for p, q in asks)
        )

    @staticmethod
    def basket(
        symbol: str,
        units: Mapping[str, str],
        *,
        step: str = "0.001",
        mint: str = "0",
        redeem: str = "0",
        quote: str = "USDT",
    ) -> IndexBasket:
        return IndexBasket(
            symbol=symbol,
            quote_asset=quote,
            units={name: D(unit) for name, unit in units.items()},
            quantity_step=D(step),
            mint_fee_rate=D(mint),
            redeem_fee_rate=D(redeem),
        )

    @staticmethod
    def order(
        key: str,
        basket: IndexBasket,
        remaining: str,
        *,
        side: OrderSide = OrderSide.BUY,
        assigned: Mapping[str, str] | None = None,
        sequence: int = 0,
        volley_cap: str | None = None,
    ) -> OrderDemand:
        return OrderDemand(
            key=key,
            basket=basket,
            side=side,
            remaining=D(remaining),
            assigned={name: D(q) for name, q in (assigned or {}).items()},
            volley_cap=None if volley_cap is None else D(volley_cap),
            sequence=sequence,
        )


@pytest.fixture(scope="session")
def market() -> Market:
    return Market()


def _floor(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _filled(order: OrderDemand) -> Decimal:
    units = order.basket.units
    if not any(order.assigned.values()):
        return D(0)
    ratio = min(order.assigned.get(s, D(0)) / u for s, u in units.items())
    filled = _floor(ratio, order.basket.quantity_step)
    while any(filled * u > order.assigned.get(s, D(0)) for s, u in units.items()):
        filled -= order.basket.quantity_step
    return filled


def verify_plan(
    plan: BatchPlan,
    orders: Sequence[OrderDemand],
    books: Mapping[str, BookLevels],
    instruments: Mapping[str, Instrument],
    config: SolverConfig,
    inventory: Mapping[str, Decimal] | None = None,
    in_flight: Decimal = Decimal(0),
) -> list[str]:
    """Everything ``plan`` breaks, re-derived from the inputs alone (empty: all good)."""
    inventory = inventory or {}
    broken: list[str] = []
    net = 1 - config.taker_fee_rate
    keys = [order.key for order in orders]
    if set(plan.target_units) & set(plan.skipped):
        broken.append("an order is both planned and skipped")
    if set(plan.target_units) | set(plan.skipped) != set(keys):
        broken.append("planned + skipped is not the set of orders")

    def limit_of(symbol: str, side: OrderSide) -> Decimal:
        book = books[symbol]
        levels = book.asks if side is OrderSide.BUY else book.bids
        return price_limit(
            levels[0][0], config.price_threshold, instruments[symbol].filters.tick_size, side
        )

    def liquidity_of(symbol: str, side: OrderSide) -> Decimal:
        book = books[symbol]
        levels = book.asks if side is OrderSide.BUY else book.bids
        limit = limit_of(symbol, side)
        depth = D(0)
        for price, quantity in levels[: config.depth_levels]:
            if (price > limit) if side is OrderSide.BUY else (price < limit):
                break
            depth += quantity
        filters = instruments[symbol].filters
        usable = _floor(depth * config.liquidity_fraction, filters.step_size)
        return min(usable, _floor(filters.max_qty, filters.step_size))

    wanted: dict[tuple[str, OrderSide], Decimal] = {}
    from_inventory: dict[str, Decimal] = {}
    for order in orders:
        if order.key not in plan.target_units:
            continue
        basket = order.basket
        total = plan.target_units[order.key]
        filled = _filled(order)
        step = basket.quantity_step
        if total <= filled or _floor(total, step) != total:
            broken.append(f"{order.key}: target {total} not a step above filled {filled}")
        cost = D(0)
        targets = dict(plan.targets[order.key])
        for symbol, unit in basket.units.items():
            need = max(D(0), total * unit - order.assigned.get(symbol, D(0)))
            if targets.get(symbol, D(0)) != need:
                broken.append(f"{order.key}: target {symbol} {targets.get(symbol)} != {need}")
            cost += need * limit_of(symbol, order.side)
            key = (symbol, order.side)
            wanted[key] = wanted.get(key, D(0)) + need
        volley = config.max_order_volley
        if order.volley_cap is not None:
            volley = min(volley, order.volley_cap)
        if order.side is OrderSide.BUY:
            if cost * (1 + basket.mint_fee_rate) > order.remaining * net:
                broken.append(f"{order.key}: cost {cost} + fee over collateral {order.remaining}")
            if cost > volley * net:
                broken.append(f"{order.key}: notional {cost} over its volley cap {volley}")
        else:
            if total - filled > order.remaining:
                broken.append(f"{order.key}: sells {total - filled} > remaining {order.remaining}")
            if cost > volley:
                broken.append(f"{order.key}: notional {cost} over its volley cap {volley}")
        for symbol, quantity in plan.inventory_use.get(order.key, {}).items():
            if order.side is not OrderSide.BUY or quantity > targets.get(symbol, D(0)):
                broken.append(f"{order.key}: inventory {symbol} {quantity} beyond its target")
            from_inventory[symbol] = from_inventory.get(symbol, D(0)) + quantity
    for symbol, quantity in from_inventory.items():
        if quantity > inventory.get(symbol, D(0)):
            broken.append(f"{symbol}: {quantity} handed from inventory {inventory.get(symbol)}")

    legs = {(leg.symbol, leg.side): leg for leg in plan.legs}
    if len(legs) != len(plan.legs):
        broken.append("two legs on one symbol and side")
    house = {fill.symbol: fill for fill in plan.house_fills}
    if len(house) != len(plan.house_fills):
        broken.append("two house fills on one symbol")
    for symbol, fill in house.items():
        # the house takes a whole sell leg the venue would refuse, at the mid, if it holds some
        if fill.quantity != wanted.get((symbol, OrderSide.SELL)):
            broken.append(f"{symbol}: house fill {fill.quantity} != sell need")
        if inventory.get(symbol, D(0)) <= 0:
            broken.append(f"{symbol}: house fill while the house holds none")
        if fill.price != books[symbol].mid:
            broken.append(f"{symbol}: house fill at {fill.price}, not the mid")
        if (symbol, OrderSide.SELL) in {(leg.symbol, leg.side) for leg in plan.legs}:
            broken.append(f"{symbol}: both a house fill and a sell leg")
    for (symbol, side), need in wanted.items():
        if side is OrderSide.SELL and symbol in house:
            continue
        from_venue = need - (from_inventory.get(symbol, D(0)) if side is OrderSide.BUY else 0)
        capacity = liquidity_of(symbol, side)
        if side is OrderSide.BUY and from_venue > capacity * net:
            broken.append(f"{symbol} buy: {from_venue} from the venue > liquidity {capacity}")
        if side is OrderSide.SELL and from_venue > capacity:
            broken.append(f"{symbol} sell: {from_venue} > liquidity {capacity}")
        leg = legs.get((symbol, side))
        if from_venue > 0 and leg is None:
            broken.append(f"{symbol} {side}: {from_venue} needed and no leg")
        if leg is not None and side is OrderSide.BUY and leg.quantity * net < from_venue:
            broken.append(f"{symbol} buy leg {leg.quantity} short of {from_venue}")
    bought_back = {s: inventory.get(s, D(0)) - from_inventory.get(s, D(0)) for s in inventory}
    for (symbol, side), leg in legs.items():
        filters = instruments[symbol].filters
        if leg.limit_price != limit_of(symbol, side):
            broken.append(f"{symbol} {side}: limit {leg.limit_price} != {limit_of(symbol, side)}")
        if _floor(leg.quantity, filters.step_size) != leg.quantity or leg.quantity <= 0:
            broken.append(f"{symbol} {side}: quantity {leg.quantity} off the step")
        if leg.quantity < filters.min_qty or leg.quantity > filters.max_qty:
            broken.append(f"{symbol} {side}: quantity {leg.quantity} outside min/max qty")
        if leg.quantity * leg.limit_price < filters.min_notional:
            broken.append(f"{symbol} {side}: notional below min_notional")
        if side is OrderSide.SELL:
            sold = wanted.get((symbol, side), D(0))
            if leg.quantity - sold > bought_back.get(symbol, D(0)):
                broken.append(f"{symbol} sell leg {leg.quantity} beyond {sold} + spare inventory")
    headroom = min(config.max_batch_volley, config.max_in_flight_volley - in_flight)
    if plan.notional > headroom:
        broken.append(f"legs' notional {plan.notional} > headroom {headroom}")
    return broken


@pytest.fixture(scope="session")
def check_plan() -> Callable[..., list[str]]:
    return verify_plan
