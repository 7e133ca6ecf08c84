"""The LP allocator against the proportional rule: never worse, strictly better when baskets
share a scarce constituent unevenly, fair on ties, and always exactly feasible."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.solver import (
    AllocationProblem,
    Allocator,
    BatchPlan,
    BatchPlanner,
    BookLevels,
    IndexBasket,
    OptimalAllocator,
    OrderDemand,
    ProportionalAllocator,
    SolverConfig,
    SolverConfigError,
    check,
    make_feasible,
)
from tradewind.desks.index.solver.problem import Allocation

if TYPE_CHECKING:
    from conftest import Market  # type: ignore[import-not-found]

D = Decimal
BUY = OrderSide.BUY
SELL = OrderSide.SELL
WIDE = SolverConfig(
    price_threshold=D(0),
    depth_levels=5,
    liquidity_fraction=D(1),
    max_order_volley=D(10**9),
    max_batch_volley=D(10**9),
    max_in_flight_volley=D(10**9),
    min_notional_padding=D(0),
)


class Recording:
    """Wraps an allocator and keeps every problem it saw with its answer."""

    def __init__(self, inner: Allocator) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[tuple[AllocationProblem, Allocation]] = []

    def allocate(self, problem: AllocationProblem) -> Allocation:
        allocation = self.inner.allocate(problem)
        # the planner reuses its groups round after round and marks them blocked afresh each
        # round: keep the problem as this round saw it
        groups = [replace(group, members=list(group.members)) for group in problem.groups]
        self.calls.append((replace(problem, groups=groups), allocation))
        return allocation


def _unit_value(basket: IndexBasket, books: Mapping[str, BookLevels]) -> Decimal:
    """Quote value of one index token at mid prices."""
    total = D(0)
    for symbol, unit in basket.units.items():
        mid = books[symbol].mid
        assert mid is not None
        total += unit * mid
    return total


def _value(
    plan: BatchPlan, orders: Sequence[OrderDemand], books: Mapping[str, BookLevels]
) -> Decimal:
    """Quote value at mid of the index units the plan adds (orders here start unfilled)."""
    total = D(0)
    for order in orders:
        units = plan.target_units.get(order.key)
        if units is not None:
            total += units * _unit_value(order.basket, books)
    return total


def _shared_scarce(
    market: Market,
) -> tuple[list[OrderDemand], dict[str, BookLevels], dict[str, Instrument]]:
    """A = {X, Y}, B = {X}: 10 X for both, 1 Y for A alone; each wants 10 tokens."""
    books = {
        "X/USDT": market.book(bids=[("99", "50")], asks=[("100", "10")]),
        "Y/USDT": market.book(bids=[("99", "50")], asks=[("100", "1")]),
    }
    instruments = {s: market.instrument(s) for s in books}
    a = market.basket("A", {"X/USDT": "1", "Y/USDT": "1"})
    b = market.basket("B", {"X/USDT": "1"})
    orders = [market.order("a", a, "2000", sequence=1), market.order("b", b, "1000", sequence=2)]
    return orders, books, instruments


def test_lp_strictly_beats_proportional_when_baskets_share_a_scarce_constituent(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    orders, books, instruments = _shared_scarce(market)
    optimal = BatchPlanner(WIDE, OptimalAllocator()).plan(orders, books, instruments)
    proportional = BatchPlanner(WIDE, ProportionalAllocator()).plan(orders, books, instruments)
    # proportional: X split 10/10 of a 20 demand -> 0.5 each; Y 1/10 -> A fills 1, B fills 5
    assert proportional.target_units == {"a": D(1), "b": D(5)}
    # the LP sees A cannot use more than 1 X (Y binds) and gives B the other 9
    assert optimal.target_units == {"a": D(1), "b": D(9)}
    assert _value(optimal, orders, books) > _value(proportional, orders, books)
    for plan in (optimal, proportional):
        assert check_plan(plan, orders, books, instruments, WIDE) == []


def test_ties_are_broken_toward_equal_fill_ratios(market: Market) -> None:
    books = {"X/USDT": market.book(bids=[("99", "50")], asks=[("100", "20")])}
    instruments = {"X/USDT": market.instrument("X/USDT")}
    a = market.basket("A", {"X/USDT": "1"})
    b = market.basket("B", {"X/USDT": "1"})
    # both worth 100 a token per X: any split of the 20 X is value-optimal
    orders = [market.order("a", a, "1000"), market.order("b", b, "3000")]
    plan = BatchPlanner(WIDE, OptimalAllocator()).plan(orders, books, instruments)
    # max-min fill ratio: 10 and 30 wanted, 20 there -> half each
    assert plan.target_units == {"a": D(5), "b": D(15)}


def test_orders_on_one_basket_share_pro_rata_to_their_caps(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    books = {"X/USDT": market.book(bids=[("99", "50")], asks=[("100", "6")])}
    instruments = {"X/USDT": market.instrument("X/USDT")}
    basket = market.basket("A", {"X/USDT": "1"})
    orders = [
        market.order("small", basket, "200", sequence=1),  # wants 2
        market.order("large", basket, "1000", sequence=2),  # wants 10
    ]
    for allocator in (OptimalAllocator(), ProportionalAllocator()):
        plan = BatchPlanner(WIDE, allocator).plan(orders, books, instruments)
        assert plan.target_units == {"small": D(1), "large": D(5)}, allocator.name
        assert check_plan(plan, orders, books, instruments, WIDE) == []


def test_rounding_leftovers_go_to_the_largest_remainders(market: Market) -> None:
    books = {"X/USDT": market.book(bids=[("99", "50")], asks=[("100", "1")])}
    instruments = {"X/USDT": market.instrument("X/USDT")}
    basket = market.basket("A", {"X/USDT": "1"})
    # three equal orders, 1 X for 3 tokens wanted: 0.333 each and one step left over
    orders = [market.order(f"o{i}", basket, "100", sequence=i) for i in range(3)]
    for allocator in (OptimalAllocator(), ProportionalAllocator()):
        plan = BatchPlanner(WIDE, allocator).plan(orders, books, instruments)
        assert sum(plan.target_units.values()) == D(1), allocator.name
        assert sorted(plan.target_units.values()) == [D("0.333"), D("0.333"), D("0.334")]
        assert plan.target_units["o0"] == D("0.334")  # the oldest gets the extra step


_UNITS = st.sampled_from(["0.5", "1", "2", "0.25", "3"])


@st.composite
def scarce_markets(
    draw: st.DrawFn,
) -> tuple[list[tuple[str, dict[str, str]]], dict[str, tuple], list[tuple[str, int, str, str]]]:
    symbols = [f"C{i}/USDT" for i in range(draw(st.integers(2, 4)))]
    baskets = []
    for index in range(draw(st.integers(1, 3))):
        members = draw(st.lists(st.sampled_from(symbols), min_size=1, max_size=3, unique=True))
        baskets.append((f"I{index}", {s: draw(_UNITS) for s in members}))
    books = {}
    for symbol in symbols:
        mid = draw(st.integers(5, 200))
        levels = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
        asks = [(str(mid + 1 + i), str(q)) for i, q in enumerate(levels)]
        bids = [(str(mid - 1 - i), str(q)) for i, q in enumerate(levels) if mid - 1 - i > 0]
        books[symbol] = (bids, asks)
    orders = []
    for index in range(draw(st.integers(1, 8))):
        basket = draw(st.integers(0, len(baskets) - 1))
        side = draw(st.sampled_from(["buy", "buy", "sell"]))
        amount = (
            str(draw(st.integers(50, 20_000))) if side == "buy" else str(draw(st.integers(1, 60)))
        )
        orders.append((f"o{index}", basket, side, amount))
    return baskets, books, orders


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=scarce_markets(), fraction=st.sampled_from(["1", "0.5", "0.1"]))
def test_lp_never_fills_less_value_than_proportional_and_never_breaks_a_constraint(
    market: Market, check_plan: Callable[..., list[str]], case: tuple, fraction: str
) -> None:
    basket_specs, book_specs, order_specs = case
    baskets = [market.basket(name, units) for name, units in basket_specs]
    books = {s: market.book(bids=b, asks=a) for s, (b, a) in book_specs.items()}
    instruments = {s: market.instrument(s) for s in books}
    orders = [
        market.order(key, baskets[b], amount, side=BUY if side == "buy" else SELL, sequence=i)
        for i, (key, b, side, amount) in enumerate(order_specs)
    ]
    config = SolverConfig(
        price_threshold=D("0.02"),
        depth_levels=3,
        liquidity_fraction=D(fraction),
        max_order_volley=D(10**9),
        max_batch_volley=D(10**9),
        max_in_flight_volley=D(10**9),
        min_notional_padding=D(0),
    )
    house = {s: D(1) for s in list(books)[:1]}  # a little inventory, for sells' padding too
    values = {}
    per_group: dict[str, dict[tuple[str, OrderSide], Decimal]] = {}
    allocators = {
        "optimal": OptimalAllocator(),
        "floored": OptimalAllocator(proportional_floor=1),
        "proportional": ProportionalAllocator(),
    }
    for name, inner in allocators.items():
        allocator = Recording(inner)
        plan = BatchPlanner(config, allocator).plan(orders, books, instruments, house)
        assert check_plan(plan, orders, books, instruments, config, house) == [], name
        for problem, allocation in allocator.calls:
            assert check(problem, allocation) == [], name
        values[name] = _value(plan, orders, books)
        totals: dict[tuple[str, OrderSide], Decimal] = {}
        for order in orders:
            key = (order.basket.symbol, order.side)
            totals[key] = totals.get(key, D(0)) + plan.target_units.get(order.key, D(0))
        per_group[name] = totals
    # rounding onto the grid may cost the LP up to a step per (index, side) group
    slack = sum((4 * b.quantity_step * _unit_value(b, books) for b in baskets), D(0))
    assert values["optimal"] >= values["proportional"] - slack
    assert values["floored"] >= values["proportional"] - slack
    # with the floor at 1 no index does worse than under the proportional rule
    for key, units in per_group["proportional"].items():
        assert per_group["floored"][key] >= units - 2 * D("0.001")


def test_make_feasible_shrinks_an_overfull_proposal_until_it_fits(market: Market) -> None:
    orders, books, instruments = _shared_scarce(market)
    recording = Recording(ProportionalAllocator())
    BatchPlanner(WIDE, recording).plan(orders, books, instruments)
    problem, _ = recording.calls[0]
    greedy = {slot.index: slot.cap for slot in problem.slots()}  # everyone in full: 20 X
    assert check(problem, greedy) != []
    repaired = make_feasible(problem, greedy)
    assert check(problem, repaired) == []
    # the fullest (then newest) order gave way first, one constraint at a time
    assert sum(repaired.values()) < sum(greedy.values())
    assert all(units >= 0 for units in repaired.values())


def test_a_failed_lp_falls_back_to_the_proportional_rule(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tradewind.desks.index.solver.optimiser as optimiser

    class Failed:
        status = 4
        x = None
        fun = None

    monkeypatch.setattr(optimiser, "linprog", lambda *args, **kwargs: Failed())
    orders, books, instruments = _shared_scarce(market)
    plan = BatchPlanner(WIDE, OptimalAllocator()).plan(orders, books, instruments)
    assert plan.target_units == {"a": D(1), "b": D(5)}  # what the proportional rule gives


def test_optimum_tolerance_is_validated() -> None:
    with pytest.raises(SolverConfigError):
        OptimalAllocator(optimum_tolerance=1.5)


def test_value_first_may_starve_an_index_and_the_proportional_floor_bounds_it(
    market: Market,
) -> None:
    books = {
        "X/USDT": market.book(bids=[("99", "50")], asks=[("100", "10")]),
        "Y/USDT": market.book(bids=[("99", "50")], asks=[("100", "100")]),
    }
    instruments = {s: market.instrument(s) for s in books}
    rich = market.basket("RICH", {"X/USDT": "1", "Y/USDT": "1"})  # 200 a token per X
    lean = market.basket("LEAN", {"X/USDT": "1"})  # 100 a token per X
    orders = [market.order("rich", rich, "2000"), market.order("lean", lean, "1000")]

    def plan_with(allocator: Allocator) -> dict[str, Decimal]:
        return dict(BatchPlanner(WIDE, allocator).plan(orders, books, instruments).target_units)

    assert plan_with(ProportionalAllocator()) == {"rich": D(5), "lean": D(5)}
    assert plan_with(OptimalAllocator()) == {"rich": D(10)}  # lean: not_allocated
    assert plan_with(OptimalAllocator(proportional_floor=0.5)) == {
        "rich": D("7.5"),
        "lean": D("2.5"),
    }
    assert plan_with(OptimalAllocator(proportional_floor=1)) == {"rich": D(5), "lean": D(5)}
