"""The Allocator protocol and what allocators share to land exactly on the grid.

    split_group    a group fill ratio -> each member's x_i in whole steps (largest remainders)
    make_feasible  the exact repair every allocation goes through before use
    top_up         whole steps rounding left unused, handed back to the least filled orders

An allocator proposes x_i (index units per order over its filled quantity); ``make_feasible``
puts each x_i on its grid within [0, cap_i], then re-checks every shared constraint in Decimal
and, while one is broken, shrinks the order that has the largest fill ratio (the newest on a
tie) by the fewest steps that could mend it. Floats inside an allocator can therefore never
leak an infeasible plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, Decimal, localcontext
from fractions import Fraction
from typing import Protocol

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.grid import EXACT, ZERO, floor_to, steps_in
from tradewind.desks.index.solver.problem import (
    Allocation,
    AllocationProblem,
    CapacityKey,
    DemandGroup,
    OrderSlot,
    capacity_fits,
    constituent_totals,
    needs_notional_fits,
    order_need,
)

__all__ = ["Allocator", "make_feasible", "split_group", "top_up"]


class Allocator(Protocol):
    """Decides how many index units each order adds this batch; the result must be feasible."""

    name: str

    def allocate(self, problem: AllocationProblem) -> Allocation:
        """x_i per slot index, multiples of the basket step, meeting every exact constraint."""
        ...


def _ceil_steps(amount: Decimal, per_step: Decimal) -> int:
    steps = EXACT.divide(amount, per_step).to_integral_value(rounding=ROUND_CEILING)
    return max(1, int(steps))


def _shrink(allocation: Allocation, victim: OrderSlot, steps: int) -> None:
    units = allocation[victim.index]
    allocation[victim.index] = max(ZERO, units - victim.step * steps)


def _pick(candidates: list[OrderSlot], allocation: Allocation) -> OrderSlot | None:
    best: OrderSlot | None = None
    best_key: tuple[Decimal, int] | None = None
    for slot in candidates:
        units = allocation.get(slot.index, ZERO)
        if units <= 0:
            continue
        key = (EXACT.divide(units, slot.cap), slot.demand.sequence)
        if best_key is None or key > best_key:
            best, best_key = slot, key
    return best


def _over_capacity(
    problem: AllocationProblem, totals: dict[CapacityKey, Decimal]
) -> tuple[CapacityKey, Decimal] | None:
    for key, total in totals.items():
        capacity = problem.capacities[key]
        if not capacity_fits(capacity, total):
            return key, total - capacity.net
    return None


def make_feasible(problem: AllocationProblem, proposal: Allocation) -> Allocation:
    """``proposal`` on the grid and shrunk until every exact constraint holds."""
    with localcontext(EXACT):
        return _make_feasible(problem, proposal)


def _make_feasible(problem: AllocationProblem, proposal: Allocation) -> Allocation:
    allocation: Allocation = {}
    for group in problem.groups:
        for slot in group.members:
            units = proposal.get(slot.index, ZERO)
            if group.blocked is not None or units <= 0:
                allocation[slot.index] = ZERO
                continue
            if units > slot.cap:
                units = slot.cap
            if EXACT.remainder(units, slot.step):
                units = floor_to(units, slot.step)
            allocation[slot.index] = units
    totals = constituent_totals(problem, allocation)
    while True:
        over = _over_capacity(problem, totals)
        if over is None:
            break
        (symbol, side), excess = over
        users = [
            slot
            for group in problem.groups
            if group.side is side and symbol in group.basket.units
            for slot in group.members
            if order_need(
                slot, symbol, group.basket.units[symbol], allocation.get(slot.index, ZERO)
            )
            > 0
        ]
        victim = _pick(users, allocation)
        if victim is None:  # nobody needs it: cannot happen with a consistent totals map
            raise AssertionError(f"{symbol} {side} over capacity with no order needing it")
        unit = victim.demand.basket.units[symbol]
        _shrink(allocation, victim, _ceil_steps(excess, unit * victim.step))
        totals = constituent_totals(problem, allocation)
    while True:
        fits, excess = needs_notional_fits(problem, totals)
        if fits:
            break
        victim = _pick(problem.slots(), allocation)
        if victim is None:
            raise AssertionError("batch notional over the cap with nothing allocated")
        per_step = victim.step * _unit_notional(problem, victim)
        _shrink(allocation, victim, _ceil_steps(excess, per_step))
        totals = constituent_totals(problem, allocation)
    return allocation


def _unit_notional(problem: AllocationProblem, slot: OrderSlot) -> Decimal:
    """Quote notional of one index token of ``slot``'s basket at limit prices, gross."""
    side = slot.demand.side
    total = ZERO
    for symbol, unit in slot.demand.basket.units.items():
        total += unit * problem.capacities[(symbol, side)].limit_price
    if side is OrderSide.BUY:
        total = EXACT.divide(total, problem.net_factor)
    return total


def split_group(
    group: DemandGroup,
    ratio: Fraction,
    allocation: Allocation,
    dirty_ratios: Mapping[int, Fraction],
) -> None:
    """Give each member ``ratio`` of its cap (a dirty member its own ratio if listed), on the grid.

    Clean members share ``ratio`` x their summed caps: each gets the floor of its share, then the
    whole steps left over go one each to the largest remainders (older first), so rounding
    costs the group less than one step in total instead of up to one step per member. Counted
    in whole steps with integers: exact, and cheap for thousands of members.
    """
    step = group.basket.quantity_step
    numerator, denominator = ratio.numerator, ratio.denominator
    given = 0
    remainders: list[tuple[int, int, OrderSlot]] = []
    for slot in group.members:
        if slot.credit is not None:
            own = dirty_ratios.get(slot.index, ratio)
            allocation[slot.index] = step * (own.numerator * slot.cap_steps // own.denominator)
            continue
        steps, rest = divmod(numerator * slot.cap_steps, denominator)
        allocation[slot.index] = step * steps
        given += steps
        if steps < slot.cap_steps:
            remainders.append((rest, -slot.demand.sequence, slot))
    spare = numerator * group.clean_steps // denominator - given
    if spare <= 0 or not remainders:
        return
    remainders.sort(key=lambda item: (item[0], item[1]), reverse=True)
    for _, _, slot in remainders[:spare]:
        allocation[slot.index] += step


def top_up(
    problem: AllocationProblem,
    allocation: Allocation,
    order: Sequence[DemandGroup] | None = None,
) -> None:
    """Add whole steps to clean members while every exact constraint keeps slack for them.

    Fixes what rounding a float solution onto the grid left unused: per group (in ``order``,
    by default least filled first), the steps its constituents' capacities and the batch cap
    can still take, counted conservatively (as if house inventory covered none of them), go to
    the members with the lowest fill ratio. ``allocation`` must be feasible; it stays feasible.
    """
    with localcontext(EXACT):
        _top_up(problem, allocation, order)


def _top_up(
    problem: AllocationProblem, allocation: Allocation, order: Sequence[DemandGroup] | None
) -> None:
    net_factor = problem.net_factor
    active = [group for group in problem.groups if group.blocked is None and group.clean_cap > 0]

    def ratio_of(group: DemandGroup) -> float:
        clean = sum(
            (allocation.get(slot.index, ZERO) for slot in group.members if slot.credit is None),
            ZERO,
        )
        return float(clean) / float(group.clean_cap)

    if order is None:
        order = sorted(active, key=ratio_of)
    else:
        order = [group for group in order if group.blocked is None and group.clean_cap > 0]
    totals = constituent_totals(problem, allocation)
    for group in order:
        step = group.basket.quantity_step
        steps: int | None = None
        per_step_notional = ZERO
        for symbol, unit in group.basket.units.items():
            key = (symbol, group.side)
            capacity = problem.capacities[key]
            slack = capacity.liquidity * capacity.net_factor + capacity.inventory
            slack -= totals.get(key, ZERO)
            room = steps_in(slack, unit * step) if slack > 0 else 0
            steps = room if steps is None else min(steps, room)
            per_step_notional += unit * step * capacity.limit_price
        if not steps:
            continue
        fits, _ = needs_notional_fits(problem, totals)
        if not fits:
            return
        used = _scaled_notional(problem, totals)
        if group.side is OrderSide.SELL:
            per_step_notional *= net_factor
        spare = problem.batch_cap * net_factor - used
        steps = min(steps, steps_in(spare, per_step_notional))
        added = _hand_out(group, allocation, steps)
        if added:
            for symbol, unit in group.basket.units.items():
                key = (symbol, group.side)
                totals[key] = totals.get(key, ZERO) + added * step * unit


def _hand_out(group: DemandGroup, allocation: Allocation, steps: int) -> int:
    """Give up to ``steps`` steps to the group's clean members, least filled first; how many."""
    step = group.basket.quantity_step
    room = {
        slot.index: slot.cap_steps - steps_in(allocation.get(slot.index, ZERO), step)
        for slot in group.members
        if slot.credit is None
    }
    members = sorted(
        (slot for slot in group.members if slot.credit is None and room[slot.index] > 0),
        key=lambda slot: (
            float(allocation.get(slot.index, ZERO)) / float(slot.cap),
            slot.demand.sequence,
        ),
    )
    given = 0
    while given < steps and members:
        each = max(1, (steps - given) // len(members))
        for slot in members:
            share = min(each, room[slot.index], steps - given)
            if share <= 0:
                continue
            allocation[slot.index] = allocation.get(slot.index, ZERO) + step * share
            room[slot.index] -= share
            given += share
            if given == steps:
                break
        members = [slot for slot in members if room[slot.index] > 0]
    return given


def _scaled_notional(problem: AllocationProblem, totals: dict[CapacityKey, Decimal]) -> Decimal:
    """The needs' notional times the net factor (the form needs_notional_fits compares)."""
    buys = ZERO
    sells = ZERO
    for key, total in totals.items():
        capacity = problem.capacities[key]
        if key[1] is OrderSide.BUY:
            bought = total - capacity.inventory
            if bought > 0:
                buys += bought * capacity.limit_price
        else:
            sells += total * capacity.limit_price
    return buys + sells * problem.net_factor
