"""ProportionalAllocator: the simple rule the optimiser is measured against.

Each constituent's capacity is shared among the orders in proportion to what they would need of
it at full fill, so every order gets the same fraction rho_j = min(1, capacity_j / demand_j) of
its need of j; each order then fills to its scarcest constituent (the smallest rho_j among those
it needs). If the batch's notional would exceed the cap every order is scaled down alike.
Exact Decimal throughout, then ``make_feasible`` for the rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.allocation import make_feasible, split_group
from tradewind.desks.index.solver.grid import EXACT, ZERO
from tradewind.desks.index.solver.problem import Allocation, AllocationProblem, CapacityKey

__all__ = ["ProportionalAllocator", "ProportionalRatios", "proportional_ratios"]

ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class ProportionalRatios:
    """The proportional rule's fill ratios, the batch cap's common scale already applied.

    ``groups``: per (index symbol, side), the ratio of the group's scarcest constituent (what
    its clean members get); ``members``: slot index → the own ratio of a member holding credits
    (the scarcest constituent it still needs).
    """

    groups: dict[tuple[str, OrderSide], Fraction]
    members: dict[int, Fraction]


def proportional_ratios(problem: AllocationProblem) -> ProportionalRatios:
    """What the proportional rule gives each group and each member holding credits."""
    with localcontext(EXACT):
        return _ratios(problem)


def _ratios(problem: AllocationProblem) -> ProportionalRatios:
    active = [group for group in problem.groups if group.blocked is None]
    demand: dict[CapacityKey, Decimal] = {}
    for group in active:
        for symbol, need in group.need.items():
            key = (symbol, group.side)
            demand[key] = demand.get(key, ZERO) + need
    # shares as exact fractions: 1/3 of the liquidity must split into exact thirds
    share: dict[CapacityKey, Fraction] = {}
    for key, total in demand.items():
        capacity = problem.capacities[key].net
        share[key] = ONE if capacity >= total else Fraction(capacity) / Fraction(total)

    ratios: dict[tuple[str, OrderSide], Fraction] = {}
    dirty: dict[int, Fraction] = {}
    used: dict[CapacityKey, Decimal] = {}
    for group in active:
        side = group.side
        units = group.basket.units
        ratio = min((share[(symbol, side)] for symbol in group.need), default=ONE)
        ratios[(group.basket.symbol, side)] = ratio
        approximate = _decimal(ratio)
        for symbol, unit in units.items():
            key = (symbol, side)
            used[key] = used.get(key, ZERO) + approximate * unit * group.clean_cap
        # scarcest first: a member's ratio is the share of the first constituent it needs
        scarcest = sorted(group.need, key=lambda symbol: share[(symbol, side)])
        for slot in group.members:
            if slot.credit is None:
                continue
            needs = {
                symbol: slot.cap * unit - slot.credit.get(symbol, ZERO)
                for symbol, unit in units.items()
            }
            own = next((share[(symbol, side)] for symbol in scarcest if needs[symbol] > 0), ONE)
            dirty[slot.index] = own
            own_approximate = _decimal(own)
            for symbol, need in needs.items():
                if need > 0:
                    key = (symbol, side)
                    used[key] = used.get(key, ZERO) + own_approximate * need
    scale = _batch_scale(problem, used)
    return ProportionalRatios(
        groups={key: ratio * scale for key, ratio in ratios.items()},
        members={index: ratio * scale for index, ratio in dirty.items()},
    )


class ProportionalAllocator:
    """Shares each constituent pro rata to demand; orders fill to their scarcest constituent."""

    name = "proportional"

    def allocate(self, problem: AllocationProblem) -> Allocation:
        with localcontext(EXACT):
            ratios = _ratios(problem)
            allocation: Allocation = {}
            for group in problem.groups:
                if group.blocked is None:
                    ratio = ratios.groups[(group.basket.symbol, group.side)]
                    split_group(group, ratio, allocation, ratios.members)
            return make_feasible(problem, allocation)


def _batch_scale(problem: AllocationProblem, used: dict[CapacityKey, Decimal]) -> Fraction:
    """The common factor that brings the batch's notional under the cap (1 if it fits)."""
    buys = ZERO
    sells = ZERO
    for key, total in used.items():
        capacity = problem.capacities[key]
        if key[1] is OrderSide.BUY:
            bought = total - capacity.inventory
            if bought > 0:
                buys += bought * capacity.limit_price
        else:
            sells += total * capacity.limit_price
    notional = EXACT.divide(buys, problem.net_factor) + sells
    if notional <= problem.batch_cap:
        return ONE
    return Fraction(problem.batch_cap) / Fraction(notional)


def _decimal(ratio: Fraction) -> Decimal:
    return EXACT.divide(Decimal(ratio.numerator), Decimal(ratio.denominator))
