"""OptimalAllocator: a linear programme (HiGHS) that maximises the quote value the batch fills.

Structure first: orders on one basket and side form a group and share one variable, the group's
fill ratio t_g in [0, 1] (each member gets t_g of its own cap). For clean orders this loses
nothing, since every shared constraint depends only on the group's total; for orders holding
credits the group's need at full fill is a chord over their convex needs, an upper bound that
is exact at t = 0 and t = 1. So the LP has one variable per (index, side), not per order, plus
one per bought constituent with house inventory (the part of the need inventory does not cover):

    maximise    sum_g value_g * t_g                         (quote value of filled index units)
    subject to  sum_g need_gj * t_g <= capacity_j           per constituent and side
                sum_g need_gj * t_g - b_j <= inventory_j    bought constituents with inventory
                sum_j notional_j * (need or b_j) <= cap     the batch's quote notional
                0 <= t_g <= 1, b_j >= 0

Ties are broken toward fairness lexicographically: a second LP maximises the smallest fill
ratio among the groups, holding the value within a relative 1e-9 of the first optimum (HiGHS
works to a 1e-7 feasibility tolerance, so in practice the value is held to that). That is one
max-min pass, not a full lexicographic max-min: when value alone leaves some index at zero, the
second pass cannot lift anyone. Maximising value may starve an index whose constituents are
worth more to another; ``proportional_floor`` bounds that (t_g >= floor x the ratio the
proportional rule gives g, which is always feasible; at 1 no index does worse than under the
rule). Within a group every member gets the same ratio of its cap, which is proportional
fairness. Rows are scaled to 1 by their bound and the objective by the largest value, so HiGHS
sees numbers near 1.

The floats become Decimal ratios (to 1e-9, HiGHS's own accuracy, so 0.9999999999 is 1), split
on each basket's grid, ``make_feasible`` re-checks every constraint exactly (shrinking what
HiGHS's tolerance let through), and ``top_up`` hands the steps that rounding left unused back
to the least filled orders.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.allocation import make_feasible, split_group, top_up
from tradewind.desks.index.solver.errors import SolverConfigError
from tradewind.desks.index.solver.grid import EXACT
from tradewind.desks.index.solver.problem import (
    Allocation,
    AllocationProblem,
    CapacityKey,
    DemandGroup,
)
from tradewind.desks.index.solver.proportional import ProportionalAllocator, proportional_ratios

__all__ = ["OptimalAllocator"]

log = get_logger("desks.index.solver")

_RATIO_QUANTUM = Decimal("1e-9")  # HiGHS solves to ~1e-9: finer digits are noise


class OptimalAllocator:
    """Maximises filled quote value (LP, HiGHS), ties toward the largest smallest fill ratio."""

    name = "optimal"

    def __init__(
        self,
        *,
        fairness: bool = True,
        optimum_tolerance: float = 1e-9,
        proportional_floor: float = 0.0,
    ) -> None:
        """``proportional_floor`` in [0, 1]: every index (and side) gets at least this share of
        the fill ratio the proportional rule would give it (0: value alone decides; 1: no index
        ever does worse than under the proportional rule, so the LP's gain is a Pareto gain)."""
        if not 0 <= optimum_tolerance < 1:
            raise SolverConfigError(
                "OptimalAllocator",
                "optimum_tolerance",
                f"must be in [0, 1), got {optimum_tolerance}",
            )
        if not 0 <= proportional_floor <= 1:
            raise SolverConfigError(
                "OptimalAllocator",
                "proportional_floor",
                f"must be in [0, 1], got {proportional_floor}",
            )
        self._fairness = fairness
        self._tolerance = optimum_tolerance
        self._floor = proportional_floor

    def allocate(self, problem: AllocationProblem) -> Allocation:
        with localcontext(EXACT):
            return self._allocate(problem)

    def _allocate(self, problem: AllocationProblem) -> Allocation:
        active = [g for g in problem.groups if g.blocked is None and g.value > 0]
        if not active:
            return make_feasible(problem, {})
        if len(active) == 1:
            # one index and side: the LP has one variable, so its optimum is the largest ratio
            # every constraint allows, found exactly (no floats, nothing for the repair to do)
            allocation: Allocation = {}
            split_group(active[0], _largest_ratio(problem, active[0]), allocation, {})
            allocation = make_feasible(problem, allocation)
            top_up(problem, allocation)
            return allocation
        ratios = self._solve(problem, active)
        if ratios is None:
            # θ = 0 is always feasible, so HiGHS failing means numerical trouble: stay useful
            log.warning("solver_lp_failed", groups=len(active), fallback="proportional")
            return ProportionalAllocator().allocate(problem)
        allocation = {}
        for group, ratio in zip(active, ratios, strict=True):
            clipped = min(1.0, max(0.0, float(ratio)))
            exact = Decimal(clipped).quantize(_RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)
            split_group(group, Fraction(exact), allocation, {})
        allocation = make_feasible(problem, allocation)
        # leftover steps go first where the LP meant them: the groups rounding cut the most
        shortfall = {
            id(group): ratio * group.clean_steps
            - sum(
                int(allocation[slot.index] / group.basket.quantity_step)
                for slot in group.members
                if slot.credit is None
            )
            for group, ratio in zip(active, ratios, strict=True)
        }
        top_up(problem, allocation, sorted(active, key=lambda group: -shortfall[id(group)]))
        return allocation

    def _solve(self, problem: AllocationProblem, active: list[DemandGroup]) -> list[float] | None:
        keys: list[CapacityKey] = sorted(
            {(symbol, group.side) for group in active for symbol in group.need},
            key=lambda key: (key[0], key[1].value),
        )
        position = {key: index for index, key in enumerate(keys)}
        with_inventory = [
            key for key in keys if key[1] is OrderSide.BUY and problem.capacities[key].inventory > 0
        ]
        aux = {key: len(active) + index for index, key in enumerate(with_inventory)}
        n_vars = len(active) + len(with_inventory)

        # need[j, g]: base units of key j group g needs at full fill
        need = np.zeros((len(keys), len(active)))
        for column, group in enumerate(active):
            for symbol, amount in group.need.items():
                need[position[(symbol, group.side)], column] = float(amount)
        upper = np.ones(n_vars)
        upper[len(active) :] = np.inf
        lower = np.zeros(n_vars)
        if self._floor > 0:
            # the proportional ratios are feasible, so a share of them is a safe lower bound;
            # a hair under it keeps HiGHS's tolerance from calling the bound infeasible
            floors = proportional_ratios(problem).groups
            for column, group in enumerate(active):
                ratio = floors.get((group.basket.symbol, group.side), Fraction(0))
                lower[column] = float(ratio) * self._floor * (1 - 1e-9)

        rows: list[np.ndarray] = []
        bounds: list[float] = []
        notional = np.zeros(n_vars)
        net_factor = float(problem.net_factor)
        for row_index, key in enumerate(keys):
            capacity = problem.capacities[key]
            net = float(capacity.net)
            per_unit = float(capacity.limit_price)
            if key[1] is OrderSide.BUY:
                per_unit /= net_factor
            if net <= 0:
                upper[: len(active)][need[row_index] > 0] = 0.0
                lower[: len(active)][need[row_index] > 0] = 0.0
                continue
            row = np.zeros(n_vars)
            row[: len(active)] = need[row_index] / net
            rows.append(row)
            bounds.append(1.0)
            if key in aux:
                row = np.zeros(n_vars)
                row[: len(active)] = need[row_index] / net
                row[aux[key]] = -1.0 / net
                rows.append(row)
                bounds.append(float(capacity.inventory) / net)
                notional[aux[key]] = per_unit
            else:
                notional[: len(active)] += per_unit * need[row_index]
        batch_cap = float(problem.batch_cap)
        rows.append(notional / batch_cap)
        bounds.append(1.0)

        values = np.array([float(group.value) for group in active])
        objective = np.zeros(n_vars)
        objective[: len(active)] = -values / values.max()
        a_ub = np.vstack(rows)
        b_ub = np.array(bounds)
        var_bounds = list(zip(lower, upper, strict=True))
        first = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=var_bounds, method="highs")
        if first.status != 0:
            return None
        ratios = [float(value) for value in first.x[: len(active)]]
        optimum = -float(first.fun)
        if not self._fairness or len(active) < 2 or optimum <= 0:
            return ratios

        # second pass: variables + t; t <= θ_g for every group; value >= optimum (1 - tol)
        width = n_vars + 1
        fair_rows = np.zeros((len(active) + 1, width))
        fair_rows[: len(active), n_vars] = 1.0
        fair_rows[np.arange(len(active)), np.arange(len(active))] = -1.0
        fair_rows[len(active), :n_vars] = objective
        fair_bounds = np.zeros(len(active) + 1)
        fair_bounds[len(active)] = -optimum * (1 - self._tolerance)
        second = linprog(
            np.eye(1, width, n_vars).ravel() * -1.0,
            A_ub=np.vstack([np.hstack([a_ub, np.zeros((a_ub.shape[0], 1))]), fair_rows]),
            b_ub=np.concatenate([b_ub, fair_bounds]),
            bounds=[*var_bounds, (0.0, 1.0)],
            method="highs",
        )
        if second.status != 0:
            log.info("solver_fairness_pass_skipped", status=int(second.status))
            return ratios
        return [float(value) for value in second.x[: len(active)]]


def _largest_ratio(problem: AllocationProblem, group: DemandGroup) -> Fraction:
    """The largest fill ratio in [0, 1] one group may have alone, exactly.

    Each capacity bounds it by capacity / need; the batch cap bounds it where the needs'
    notional, convex and piecewise linear in the ratio (house inventory covers a bought
    constituent up to ratio inventory / need, free of notional), reaches the cap.
    """
    best = Fraction(1)
    slope = Fraction(0)  # notional per unit of ratio, of the needs inventory does not cover
    kinks: list[tuple[Fraction, Fraction]] = []  # (ratio where inventory runs out, slope added)
    net_factor = Fraction(problem.net_factor)
    for symbol, need in group.need.items():
        capacity = problem.capacities[(symbol, group.side)]
        amount = Fraction(need)
        best = min(best, Fraction(capacity.net) / amount)
        per_unit = amount * Fraction(capacity.limit_price)
        if group.side is OrderSide.BUY:
            per_unit /= net_factor
            if capacity.inventory > 0:
                kinks.append((Fraction(capacity.inventory) / amount, per_unit))
                continue
        slope += per_unit
    budget = Fraction(problem.batch_cap)
    at = Fraction(0)
    spent = Fraction(0)
    for kink, added in sorted(kinks):
        if kink >= best:
            break
        if spent + slope * (kink - at) > budget:
            break
        spent += slope * (kink - at)
        at = kink
        slope += added
    if slope > 0:
        best = min(best, at + (budget - spent) / slope)
    return max(Fraction(0), best)
