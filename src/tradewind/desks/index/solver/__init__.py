"""Index solver: pure batch planning over plain inputs (no state, no I/O).

BatchPlanner(config, allocator).plan(orders, books, instruments, inventory, in_flight)
  │    inputs    IndexBasket, OrderDemand, BookLevels, SolverConfig
  │    limits    price limit per constituent and side, liquidity within it
  │    allocate  OptimalAllocator (LP, HiGHS) or ProportionalAllocator, one Allocator protocol
  │    legs      padded to the venue's step, min qty and min notional
  └──> BatchPlan legs, per-order targets, inventory handed out, reasons for the rest
quantity_possible(basket, side, amount, books, instruments)   a quote, walking book depth
"""

from tradewind.desks.index.solver.allocation import Allocator, make_feasible
from tradewind.desks.index.solver.config import SolverConfig
from tradewind.desks.index.solver.errors import (
    BasketError,
    BookLevelsError,
    MissingInstrumentError,
    OrderDemandError,
    SolverConfigError,
    SolverInputError,
)
from tradewind.desks.index.solver.inputs import BookLevels, IndexBasket, Level, OrderDemand
from tradewind.desks.index.solver.limits import (
    ConstituentLimit,
    constituent_limit,
    depth_within,
    price_limit,
)
from tradewind.desks.index.solver.optimiser import OptimalAllocator
from tradewind.desks.index.solver.plan import (
    BatchPlan,
    HouseFill,
    LackingUnits,
    PlannedLeg,
    ScaledUnits,
)
from tradewind.desks.index.solver.planner import BatchPlanner
from tradewind.desks.index.solver.problem import Allocation, AllocationProblem, check
from tradewind.desks.index.solver.proportional import ProportionalAllocator
from tradewind.desks.index.solver.quote import book_cost, quantity_possible

__all__ = [
    "Allocation",
    "AllocationProblem",
    "Allocator",
    "BasketError",
    "BatchPlan",
    "BatchPlanner",
    "BookLevels",
    "BookLevelsError",
    "ConstituentLimit",
    "HouseFill",
    "IndexBasket",
    "LackingUnits",
    "Level",
    "MissingInstrumentError",
    "OptimalAllocator",
    "OrderDemand",
    "OrderDemandError",
    "PlannedLeg",
    "ProportionalAllocator",
    "ScaledUnits",
    "SolverConfig",
    "SolverConfigError",
    "SolverInputError",
    "book_cost",
    "check",
    "constituent_limit",
    "depth_within",
    "make_feasible",
    "price_limit",
    "quantity_possible",
]
