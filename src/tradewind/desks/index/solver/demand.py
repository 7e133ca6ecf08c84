"""From OrderDemand to OrderSlot and DemandGroup: baseline, credits and each order's own cap.

An order's own cap is the most index units it could add this batch if liquidity were endless:
a buy is bounded by its collateral (cost at limit prices, grossed up by the taker fee, plus the
mint fee) and by its volley cap; a sell by its remaining quantity and its volley cap. Costs are
convex and piecewise linear in the units added (credits make a constituent free up to a point),
so the cap is found by walking the breakpoints, then confirmed exactly on the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.config import SolverConfig
from tradewind.desks.index.solver.errors import BasketError
from tradewind.desks.index.solver.grid import EXACT, UPWARD, ZERO, floor_to, steps_in
from tradewind.desks.index.solver.inputs import OrderDemand
from tradewind.desks.index.solver.problem import DemandGroup, OrderSlot

__all__ = ["Baseline", "SlotRefusal", "baseline", "credit_value", "group_slots", "order_slot"]

TIE = Decimal("1e-40")
"""Ratios this close (relatively) to the largest may be the largest once rounding is undone."""


@dataclass(frozen=True, slots=True)
class SlotRefusal:
    """Why an order cannot add one step this batch whatever the liquidity; ``exhausted``: ever."""

    reason: str
    exhausted: bool


Baseline = tuple[Decimal, dict[str, Decimal] | None, Decimal]
"""(filled index tokens, credits in base units or None, reach in index tokens): see baseline."""


def baseline(demand: OrderDemand) -> Baseline:
    """The order's filled quantity, its credits (None if none) and their reach.

    Filled = floor(min_j assigned_j / units_j) on the basket's step (index tokens); the credit
    of j is what is assigned beyond filled x units_j (base units); the reach bounds from above
    the index tokens past filled that any credit still covers (max_j credit_j / units_j), so at
    or past it the order needs x x units_j - credit_j of every constituent: linear again.
    Runs under the EXACT context (the planner sets it).
    """
    units = demand.basket.units
    assigned = demand.assigned
    if not any(assigned.values()):
        return ZERO, None, ZERO
    step = demand.basket.quantity_step
    ratios = {symbol: assigned.get(symbol, ZERO) / unit for symbol, unit in units.items()}
    filled = floor_to(min(ratios.values()), step)
    # a 60-digit ratio may round up onto a grid point the exact one sits just below: check
    # exactly the constituents whose ratio is that close to the filled quantity
    close = filled + filled * TIE
    while filled > 0 and any(
        filled * units[symbol] > assigned.get(symbol, ZERO)
        for symbol, ratio in ratios.items()
        if ratio <= close
    ):
        filled -= step
        close = filled + filled * TIE
    credit: dict[str, Decimal] = {}
    for symbol, unit in units.items():
        extra = assigned.get(symbol, ZERO) - filled * unit
        if extra:
            credit[symbol] = extra
    if not credit:
        return filled, None, ZERO
    # the reach comes from the largest ratio; those within rounding of it are redone rounding
    # up, so the bound is never below the exact one
    highest = max(ratios.values())
    near = highest - highest * TIE
    reach = max(
        UPWARD.divide(credit.get(symbol, ZERO), units[symbol])
        for symbol, ratio in ratios.items()
        if ratio >= near
    )
    return filled, credit, reach


def credit_value(credit: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> Decimal:
    """Quote value of an order's credits at ``prices`` (sum_j credit_j x price_j). Exact: the
    value at new prices may also be had as the old value plus credit_j x (new - old price)_j
    over the constituents whose price moved (what the planner does between batches)."""
    return sum((extra * prices[symbol] for symbol, extra in credit.items()), ZERO)


def _cost(
    units: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    credit: Mapping[str, Decimal],
    x: Decimal,
) -> Decimal:
    """Quote cost at ``prices`` of the constituents x more index units need beyond credits."""
    total = ZERO
    for symbol, unit in units.items():
        need = x * unit - credit.get(symbol, ZERO)
        if need > 0:
            total += need * prices[symbol]
    return total


def _units_for_budget(
    units: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    credit: Mapping[str, Decimal],
    budget: Decimal,
) -> Decimal:
    """Index units (off grid) whose cost equals ``budget``: walk the convex cost's breakpoints."""
    points = sorted(
        (EXACT.divide(credit.get(symbol, ZERO), unit), unit * prices[symbol])
        for symbol, unit in units.items()
    )
    at = ZERO
    cost = ZERO
    slope = ZERO
    for start, rise in points:
        if start > at:
            segment = slope * (start - at)
            if cost + segment > budget:
                break
            cost += segment
            at = start
        slope += rise
    return at + EXACT.divide(budget - cost, slope)


def _largest_on_grid(estimate: Decimal, step: Decimal, fits: Callable[[Decimal], bool]) -> Decimal:
    """The largest multiple of ``step`` that ``fits``, starting from an estimate near it."""
    x = floor_to(estimate, step) if estimate > 0 else ZERO
    while x > 0 and not fits(x):
        x -= step
    if fits(x + step):  # the estimate's division rounded down past a grid point
        x += step
    return x


def order_slot(
    index: int,
    demand: OrderDemand,
    prices: Mapping[str, Decimal],
    unit_cost: Decimal,
    config: SolverConfig,
    known: Baseline | None = None,
    valued: Decimal | None = None,
) -> OrderSlot | SlotRefusal:
    """The order's slot, or why it cannot add one step. ``prices``: limit price per constituent
    on the order's side; ``unit_cost``: sum_j units_j x price_j (quote per index token);
    ``known``: the order's baseline when already worked out (it depends on the order alone);
    ``valued``: its credits' ``credit_value`` at ``prices`` when already worked out.
    Runs under the EXACT context (the planner sets it)."""
    basket = demand.basket
    step = basket.quantity_step
    units = basket.units
    filled, credit, reach = known if known is not None else baseline(demand)
    net = 1 - config.taker_fee_rate
    volley = config.max_order_volley
    if demand.volley_cap is not None and demand.volley_cap < volley:
        volley = demand.volley_cap
    remaining = demand.remaining
    if credit is None and demand.side is OrderSide.BUY:
        # the common case (a fresh buy): cost is linear, so count whole steps directly
        step_cost = unit_cost * step
        step_charged = step_cost * (1 + basket.mint_fee_rate)
        collateral = remaining * net
        spendable = volley * net
        steps = int(
            min(collateral / step_charged, spendable / step_cost).to_integral_value(
                rounding=ROUND_FLOOR
            )
        )
        while steps > 0 and (steps * step_charged > collateral or steps * step_cost > spendable):
            steps -= 1  # a quotient rounded up onto a whole number
        if (steps + 1) * step_charged <= collateral and (steps + 1) * step_cost <= spendable:
            steps += 1
        if steps == 0:
            exhausted = step_charged > collateral
            return SlotRefusal("exhausted" if exhausted else "volley_cap", exhausted)
        return OrderSlot(
            index=index,
            demand=demand,
            filled=filled,
            credit=None,
            reach=ZERO,
            cap=step * steps,
            cap_steps=steps,
        )
    no_credit: Mapping[str, Decimal] = credit or {}
    # past its reach an order's cost is linear: x x unit cost less what its credits are worth
    valued_at = valued if valued is not None else credit_value(no_credit, prices)

    def cost(x: Decimal) -> Decimal:
        if credit is None or x >= reach:
            return x * unit_cost - valued_at
        return _cost(units, prices, no_credit, x)

    def estimate(budget: Decimal) -> Decimal:
        if budget <= 0:
            return ZERO
        linear = EXACT.divide(budget + valued_at, unit_cost)
        if credit is None or linear >= reach:
            return linear
        return _units_for_budget(units, prices, no_credit, budget)

    if demand.side is OrderSide.BUY:
        growth = 1 + basket.mint_fee_rate
        collateral = remaining * net

        def collateral_fits(x: Decimal) -> bool:
            return cost(x) * growth <= collateral

        def fits(x: Decimal) -> bool:
            spent = cost(x)
            return spent * growth <= collateral and spent <= volley * net

        budget = min(EXACT.divide(collateral, growth), volley * net)
        cap = _largest_on_grid(estimate(budget), step, fits)
        if cap == 0:
            by_collateral = _largest_on_grid(
                estimate(EXACT.divide(collateral, growth)), step, collateral_fits
            )
            return (
                SlotRefusal("exhausted", True)
                if by_collateral == 0
                else SlotRefusal("volley_cap", False)
            )
    else:
        most = floor_to(remaining, step)
        if most == 0:
            return SlotRefusal("exhausted", True)

        def fits(x: Decimal) -> bool:
            return x <= most and cost(x) <= volley

        cap = _largest_on_grid(min(estimate(volley), most), step, fits)
        if cap == 0:
            return SlotRefusal("volley_cap", False)
    return OrderSlot(
        index=index,
        demand=demand,
        filled=filled,
        credit=credit,
        reach=reach,
        cap=cap,
        cap_steps=steps_in(cap, step),
    )


CreditSums = dict[tuple[str, OrderSide], tuple[tuple[dict[str, Decimal], ...], dict[str, Decimal]]]
"""Per (index symbol, side): the credited members' credit mappings, in order, and their sum."""


def group_slots(
    slots: list[OrderSlot], mids: Mapping[str, Decimal], sums: CreditSums | None = None
) -> list[DemandGroup]:
    """Slots grouped by (index symbol, side), with each group's full-fill need and value.

    ``sums``: the credit sums of the last call, reused for a group whose credited members hold
    the very same credit mappings in the same order (the planner remembers an unchanged order's
    credits as one object); replaced by this call's. Raises BasketError when two orders name one
    index with different baskets.
    """
    groups: dict[tuple[str, OrderSide], DemandGroup] = {}
    dirty: dict[tuple[str, OrderSide], list[OrderSlot]] = {}
    for slot in slots:
        basket = slot.demand.basket
        key = (basket.symbol, slot.demand.side)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DemandGroup(basket=basket, side=slot.demand.side)
            dirty[key] = []
        elif group.basket is not basket and group.basket != basket:
            raise BasketError(
                f"IndexBasket[{basket.symbol!r}]",
                "units",
                f"orders {group.members[0].demand.key!r} and {slot.demand.key!r} carry "
                "different baskets for one index",
            )
        group.members.append(slot)
        if slot.credit is None:
            group.clean_cap += slot.cap
            group.clean_steps += slot.cap_steps
        else:
            dirty[key].append(slot)
    last = dict(sums) if sums is not None else {}
    if sums is not None:
        sums.clear()
    for key, group in groups.items():
        basket = group.basket
        linear_cap = group.clean_cap
        total_cap = group.clean_cap
        kinked: list[OrderSlot] = []  # members whose cap stops short of their reach
        held = tuple(slot.credit for slot in dirty[key] if slot.credit is not None)
        known = last.get(key)
        if (
            known is not None
            and len(known[0]) == len(held)
            and all(a is b for a, b in zip(known[0], held, strict=True))
        ):
            credits = dict(known[1])
        else:
            credits = {}
            for credit in held:
                for symbol, extra in credit.items():
                    credits[symbol] = credits.get(symbol, ZERO) + extra
        if sums is not None:
            sums[key] = (held, dict(credits))
        group.credit = credits
        for slot in dirty[key]:
            total_cap += slot.cap
            if slot.cap >= slot.reach:
                linear_cap += slot.cap
            else:
                kinked.append(slot)
        linear_credit = dict(credits)
        for slot in kinked:
            for symbol, extra in (slot.credit or {}).items():
                linear_credit[symbol] -= extra
        for symbol, unit in basket.units.items():
            need = linear_cap * unit - linear_credit.get(symbol, ZERO)
            for slot in kinked:
                extra = slot.cap * unit - (slot.credit or {}).get(symbol, ZERO)
                if extra > 0:
                    need += extra
            if need > 0:
                group.need[symbol] = need
        group.unit_value = sum((unit * mids[symbol] for symbol, unit in basket.units.items()), ZERO)
        group.value = group.unit_value * total_cap
    return list(groups.values())
