"""ProportionalAllocator: the simple rule the optimiser is measured against.

Each constituent's capacity is shared among the orders in proportion to what they would need of
it at full fill, so every order gets the same fraction rho_j = min(1, capacity_j / demand_j) of
its need of j; each order then fills to its scarcest constituent (the smallest rho_j among those
it needs). If the batch's notional would exceed the cap every order is scaled down alike.
Exact Decimal throughout, then ``make_feasible`` for the rounding.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.allocation import make_feasible, split_group
from tradewind.desks.index.solver.grid import EXACT, ZERO
from tradewind.desks.index.solver.problem import Allocation, AllocationProblem, CapacityKey

__all__ = ["ProportionalAllocator"]

ONE = Fraction(1)


class ProportionalAllocator:
    """Shares each constituent pro rata to demand; orders fill to their scarcest constituent."""

    name = "proportional"

    def allocate(self, problem: AllocationProblem) -> Allocation:
        with localcontext(EXACT):
            return self._allocate(problem)

    def _allocate(self, problem: AllocationProblem) -> Allocation:
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

        ratios: dict[int, Fraction] = {}  # group position → ratio
        dirty: dict[int, Fraction] = {}  # slot index → ratio
        used: dict[CapacityKey, Decimal] = {}
        for position, group in enumerate(active):
            side = group.side
            units = group.basket.units
            ratio = min((share[(symbol, side)] for symbol in group.need), default=ONE)
            ratios[position] = ratio
            approximate = _decimal(ratio)
            for symbol, unit in units.items():
                key = (symbol, side)
                used[key] = used.get(key, ZERO) + approximate * unit * group.clean_cap
            for slot in group.members:
                if slot.credit is None:
                    continue
                needs = {
                    symbol: slot.cap * unit - slot.credit.get(symbol, ZERO)
                    for symbol, unit in units.items()
                }
                own = min(
                    (share[(symbol, side)] for symbol, need in needs.items() if need > 0),
                    default=ONE,
                )
                dirty[slot.index] = own
                own_approximate = _decimal(own)
                for symbol, need in needs.items():
                    if need > 0:
                        key = (symbol, side)
                        used[key] = used.get(key, ZERO) + own_approximate * need

        scale = self._batch_scale(problem, used)
        allocation: Allocation = {}
        scaled_dirty = {index: ratio * scale for index, ratio in dirty.items()}
        for position, group in enumerate(active):
            split_group(group, ratios[position] * scale, allocation, scaled_dirty)
        return make_feasible(problem, allocation)

    @staticmethod
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
