"""A planner that keeps what it worked out for unchanged orders between batches plans exactly
what a fresh planner plans, batch after batch, as orders come, fill and go."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver import (
    BatchPlan,
    BatchPlanner,
    OrderDemand,
    ProportionalAllocator,
    SolverConfig,
)

if TYPE_CHECKING:
    from conftest import Market  # type: ignore[import-not-found]

D = Decimal
CONFIG = SolverConfig(
    price_threshold=D("0.02"),
    depth_levels=3,
    liquidity_fraction=D("0.5"),
    max_order_volley=D(10**6),
    max_batch_volley=D(10**9),
    max_in_flight_volley=D(10**9),
)


def _digits(plan: BatchPlan) -> str:
    """The plan's figures as written (so 2.50 and 2.5 differ), in a fixed order."""
    return repr(
        (
            plan.legs,
            sorted(plan.target_units.items()),
            sorted((k, sorted(v.items())) for k, v in plan.targets.items()),
            sorted((k, sorted(v.items())) for k, v in plan.inventory_use.items()),
            plan.house_fills,
        )
    )


def _same(left: BatchPlan, right: BatchPlan) -> None:
    # equal down to each Decimal's digits, not only in value
    assert _digits(left) == _digits(right)
    assert left.legs == right.legs
    assert left.target_units == right.target_units
    assert {k: dict(v.items()) for k, v in left.targets.items()} == {
        k: dict(v.items()) for k, v in right.targets.items()
    }
    assert left.inventory_use == right.inventory_use
    assert left.skipped == right.skipped and left.exhausted == right.exhausted
    assert left.house_fills == right.house_fills and left.dead_ends == right.dead_ends


_ORDER = st.tuples(
    st.sampled_from(["buy", "buy", "sell"]),
    st.integers(1, 4000),  # buy: quote collateral; sell: tokens x 100
    st.one_of(st.none(), st.tuples(st.integers(1, 300), st.lists(st.integers(0, 50)))),
)

_CHANGE = st.sampled_from(["keep", "copy", "fill", "shrink"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    units=st.lists(
        st.sampled_from(["0.5", "1", "0.013", "2.25", "0.0007"]), min_size=1, max_size=5
    ),
    batches=st.lists(
        st.tuples(st.lists(_ORDER, min_size=1, max_size=6), st.lists(_CHANGE, max_size=6)),
        min_size=1,
        max_size=4,
    ),
    proportional=st.booleans(),
)
def test_a_planner_that_remembers_plans_what_a_fresh_one_plans(
    market: Market,
    units: list[str],
    batches: list[tuple[list[tuple], list[str]]],
    proportional: bool,
) -> None:
    symbols = [f"C{i}/USDT" for i in range(len(units))]
    instruments = {s: market.instrument(s, step="0.0001") for s in symbols}
    basket = market.basket("I", dict(zip(symbols, units, strict=True)), step="0.01")
    remembering = BatchPlanner(CONFIG, ProportionalAllocator() if proportional else None)
    open_orders: dict[str, OrderDemand] = {}
    count = 0
    for number, (new, changes) in enumerate(batches):
        # the first constituent's book moves every other batch; the others stay put
        books = {
            s: market.book(
                bids=[(str(90 + i + number % 2 * (i == 0)), "40")],
                asks=[(str(91 + i + number % 2 * (i == 0)), "40")],
            )
            for i, s in enumerate(symbols)
        }
        # open orders are handed over as they were (the same object or an equal copy), fill
        # (new assigned quantities) or shrink (a partial cancel: less remaining)
        for change, key in zip(changes, sorted(open_orders), strict=False):
            old = open_orders[key]
            assigned = dict(old.assigned)
            remaining = old.remaining
            if change == "keep":
                continue
            if change == "fill":
                assigned = {s: old.assigned.get(s, D(0)) + D("0.0013") for s in symbols}
            if change == "shrink":
                remaining = remaining / 20
            open_orders[key] = OrderDemand(
                key=key, basket=basket, side=old.side, remaining=remaining,
                assigned=assigned, sequence=old.sequence,
            )  # fmt: skip
        for side, amount, held in new:
            count += 1
            assigned: dict[str, Decimal] = {}
            if held is not None:
                filled, extras = held
                for n, symbol in enumerate(symbols):
                    extra = D(extras[n] if n < len(extras) else 0) / 37
                    assigned[symbol] = D(filled) / 100 * D(units[n]) * (1 + extra)
            key = f"o{count}"
            open_orders[key] = OrderDemand(
                key=key, basket=basket,
                side=OrderSide.BUY if side == "buy" else OrderSide.SELL,
                remaining=D(amount) if side == "buy" else D(amount) / 100,
                assigned=assigned, sequence=count,
            )  # fmt: skip
        orders = list(open_orders.values())
        fresh = BatchPlanner(CONFIG, ProportionalAllocator() if proportional else None)
        _same(remembering.plan(orders, books, instruments), fresh.plan(orders, books, instruments))
        # the same orders again (the desk plans every 100 ms): the same plan
        _same(remembering.plan(orders, books, instruments), fresh.plan(orders, books, instruments))
        # orders that ended leave
        for key in sorted(open_orders)[::3]:
            del open_orders[key]


def test_an_order_with_less_left_is_planned_afresh(market: Market) -> None:
    books = {"X/USDT": market.book(bids=[("99", "1000")], asks=[("101", "1000")])}
    instruments = {"X/USDT": market.instrument("X/USDT")}
    basket = market.basket("I", {"X/USDT": "1"})
    held = {"X/USDT": D("0.5")}
    planner = BatchPlanner(CONFIG)
    before = OrderDemand(key="o", basket=basket, side=OrderSide.BUY, remaining=D(1000),
                         assigned=held)  # fmt: skip
    assert planner.plan([before], books, instruments).target_units["o"] > D(9)
    after = OrderDemand(key="o", basket=basket, side=OrderSide.BUY, remaining=D(300),
                        assigned=held)  # fmt: skip
    plan = planner.plan([after], books, instruments)
    _same(plan, BatchPlanner(CONFIG).plan([after], books, instruments))
    assert plan.target_units["o"] < D(4)
