"""The allocation problem: orders grouped by basket and side, constituent capacities, the cap.

    AllocationProblem
      ├─ groups      DemandGroup per (index symbol, side)
      │     └─ members   OrderSlot: baseline (filled), credits, own cap in index units
      ├─ capacities  Capacity per (constituent, side): limit price, venue liquidity, inventory
      └─ batch_cap   quote notional the batch's needs may reach

Each order i adds ``x_i`` index units over its filled quantity ``f_i`` (a multiple of the
basket's step, 0 <= x_i <= cap_i). What it then needs of constituent j is
``need_ij = max(0, x_i * u_j - c_ij)`` with ``c_ij = assigned_ij - f_i * u_j`` (>= 0), the
credit it already holds beyond its baseline. An order with no credit is *clean*: its need is
linear in x_i, so a group of clean orders only ever matters through the sum of their x_i.

Exact (Decimal) constraints a feasible allocation meets, which ``check`` verifies:
  per order       0 <= x_i <= cap_i, x_i on the grid (cap_i already holds collateral, the
                  remaining index quantity and the order's volley cap)
  per capacity    sum_i need_ij <= liquidity_j * (1 - taker_fee) + inventory_j (buy),
                  sum_i need_ij <= liquidity_j (sell)
  batch           sum_buy max(0, N_j - inv_j) * p_j / (1 - taker_fee) + sum_sell N_j * p_j
                  <= batch_cap, with N_j = sum_i need_ij
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.grid import EXACT, ZERO, floor_to
from tradewind.desks.index.solver.inputs import IndexBasket, OrderDemand

__all__ = [
    "Allocation",
    "AllocationProblem",
    "Capacity",
    "CapacityKey",
    "DemandGroup",
    "OrderSlot",
    "capacity_fits",
    "check",
    "constituent_totals",
    "needs_notional_fits",
    "order_need",
]

CapacityKey = tuple[str, OrderSide]
"""(constituent symbol, side of the leg)."""

Allocation = dict[int, Decimal]
"""Slot index → additional index units x_i (a multiple of the basket's quantity step)."""


@dataclass(slots=True, kw_only=True)
class OrderSlot:
    """One order as the allocators see it; index units are index tokens, credit base units."""

    index: int
    demand: OrderDemand
    filled: Decimal
    credit: dict[str, Decimal] | None  # None: clean (no credit on any constituent)
    reach: Decimal  # past this many index units every credit is used up (0 when clean)
    cap: Decimal  # the most x_i this order's own limits allow, on the grid, > 0
    cap_steps: int  # cap in whole quantity steps

    @property
    def step(self) -> Decimal:
        return self.demand.basket.quantity_step


@dataclass(slots=True, kw_only=True)
class DemandGroup:
    """Orders on one basket and side. ``need``: base units per constituent if every member got
    its whole cap (an upper bound on what any fill ratio t in [0, 1] needs, divided by t);
    ``value``: quote value of the members' caps at mid prices."""

    basket: IndexBasket
    side: OrderSide
    members: list[OrderSlot] = field(default_factory=list)
    clean_cap: Decimal = ZERO  # sum of the clean members' caps
    clean_steps: int = 0  # the same in whole quantity steps
    need: dict[str, Decimal] = field(default_factory=dict)
    credit: dict[str, Decimal] = field(default_factory=dict)  # sum of the members' credits
    value: Decimal = ZERO
    unit_value: Decimal = ZERO  # quote value of one index token at mid prices
    blocked: str | None = None  # why nothing can be allocated, or None


@dataclass(slots=True, kw_only=True)
class Capacity:
    """What the batch may take of one constituent on one side.

    ``liquidity``: venue base units (gross) legs may take; ``inventory``: house base units usable
    before buying (buys only); ``net_factor``: base units an order receives per unit a leg takes
    (1 - taker fee on a buy, 1 on a sell). Prices in quote per base.
    """

    symbol: str
    side: OrderSide
    limit_price: Decimal
    liquidity: Decimal
    inventory: Decimal
    net_factor: Decimal

    @property
    def net(self) -> Decimal:
        """Base units the orders may receive in total."""
        return self.liquidity * self.net_factor + self.inventory


@dataclass(slots=True, kw_only=True)
class AllocationProblem:
    """Everything an allocator needs (see the module docstring for the constraints)."""

    groups: list[DemandGroup]
    capacities: dict[CapacityKey, Capacity]
    batch_cap: Decimal
    net_factor: Decimal  # 1 - taker fee

    def slots(self) -> list[OrderSlot]:
        return [slot for group in self.groups for slot in group.members]


def order_need(slot: OrderSlot, symbol: str, unit: Decimal, units: Decimal) -> Decimal:
    """Base units of ``symbol`` (``unit`` per index token) the order needs to add ``units``."""
    need = units * unit
    if slot.credit is not None:
        need -= slot.credit.get(symbol, ZERO)
        if need < 0:
            return ZERO
    return need


def constituent_totals(
    problem: AllocationProblem, allocation: Allocation
) -> dict[CapacityKey, Decimal]:
    """N_j per (constituent, side): base units all orders need under ``allocation``.

    Members past their reach (clean ones always) need x_i u_j - c_ij of every constituent, so
    per group they add up to (sum x_i) u_j less their summed credits; only members short of
    their reach are looked at constituent by constituent.
    """
    totals: dict[CapacityKey, Decimal] = {}
    for group in problem.groups:
        if group.blocked is not None:
            continue
        linear_units = ZERO
        linear_dirty: list[OrderSlot] = []
        short: list[OrderSlot] = []  # dirty members short of their reach (allocated or not)
        for slot in group.members:
            units = allocation.get(slot.index, ZERO)
            if slot.credit is None:
                linear_units += units
            elif units >= slot.reach:
                linear_units += units
                linear_dirty.append(slot)
            else:
                short.append(slot)
        if linear_dirty and len(short) < len(linear_dirty):
            # cheaper to take the few short members' credits off the group's total
            credits = dict(group.credit)
            for slot in short:
                for symbol, extra in (slot.credit or {}).items():
                    credits[symbol] -= extra
        else:
            credits = {}
            for slot in linear_dirty:
                for symbol, extra in (slot.credit or {}).items():
                    credits[symbol] = credits.get(symbol, ZERO) + extra
        kinked = [
            (slot, units) for slot in short if (units := allocation.get(slot.index, ZERO)) > 0
        ]
        if not linear_units and not kinked:
            continue
        for symbol, unit in group.basket.units.items():
            total = linear_units * unit - credits.get(symbol, ZERO)
            for slot, units in kinked:
                total += order_need(slot, symbol, unit, units)
            if total:
                key = (symbol, group.side)
                totals[key] = totals.get(key, ZERO) + total
    return totals


def needs_notional_fits(
    problem: AllocationProblem, totals: Mapping[CapacityKey, Decimal]
) -> tuple[bool, Decimal]:
    """Whether the needs' quote notional fits ``batch_cap``; also the excess (0 when it fits).

    Compared multiplied through by the net factor so no division rounds.
    """
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
    scaled = buys + sells * problem.net_factor
    bound = problem.batch_cap * problem.net_factor
    if scaled <= bound:
        return True, ZERO
    return False, EXACT.divide(scaled - bound, problem.net_factor)


def capacity_fits(capacity: Capacity, total: Decimal) -> bool:
    """Whether ``total`` base units fit the capacity, exactly."""
    return total - capacity.inventory <= capacity.liquidity * capacity.net_factor


def check(problem: AllocationProblem, allocation: Allocation) -> list[str]:
    """Every constraint ``allocation`` breaks, in words (empty when feasible). Exact."""
    with localcontext(EXACT):
        return _check(problem, allocation)


def _check(problem: AllocationProblem, allocation: Allocation) -> list[str]:
    broken: list[str] = []
    for group in problem.groups:
        if group.blocked is not None and any(
            allocation.get(slot.index, ZERO) for slot in group.members
        ):
            broken.append(f"{group.basket.symbol} {group.side}: blocked, yet allocated")
    for slot in problem.slots():
        units = allocation.get(slot.index, ZERO)
        if units < 0 or units > slot.cap:
            broken.append(f"order {slot.demand.key}: {units} outside [0, {slot.cap}]")
        if units and floor_to(units, slot.step) != units:
            broken.append(f"order {slot.demand.key}: {units} off the {slot.step} grid")
    totals = constituent_totals(problem, allocation)
    for key, total in totals.items():
        if not capacity_fits(problem.capacities[key], total):
            broken.append(f"{key[0]} {key[1]}: needs {total} > {problem.capacities[key].net}")
    fits, excess = needs_notional_fits(problem, totals)
    if not fits:
        broken.append(f"batch notional exceeds {problem.batch_cap} by {excess}")
    return broken
