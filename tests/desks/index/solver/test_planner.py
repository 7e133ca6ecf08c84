"""BatchPlanner end to end: targets, legs, inventory, reasons, caps, and exact feasibility."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver import (
    BasketError,
    BatchPlanner,
    HouseFill,
    IndexBasket,
    MissingInstrumentError,
    OptimalAllocator,
    OrderDemandError,
    PlannedLeg,
    ProportionalAllocator,
    ScaledUnits,
    SolverConfig,
    SolverInputError,
)

if TYPE_CHECKING:
    from conftest import Market  # type: ignore[import-not-found]

D = Decimal
BUY = OrderSide.BUY
SELL = OrderSide.SELL

CONFIG = SolverConfig(
    price_threshold=D("0.01"),
    depth_levels=3,
    liquidity_fraction=D("0.5"),
    max_order_volley=D(100_000),
    max_batch_volley=D(1_000_000),
    max_in_flight_volley=D(2_000_000),
    min_notional_padding=D(0),
)


@pytest.fixture
def two(market: Market) -> tuple:
    """BTC at 100 / ETH at 10 (ticks 0.01, steps 0.001), deep books; TW2 = 1 BTC + 10 ETH."""
    books = {
        "BTC/USDT": market.book(bids=[("99.99", "100")], asks=[("100.00", "100")]),
        "ETH/USDT": market.book(bids=[("9.99", "1000")], asks=[("10.00", "1000")]),
    }
    instruments = {s: market.instrument(s, min_notional="5") for s in ("BTC/USDT", "ETH/USDT")}
    basket = market.basket("TW2", {"BTC/USDT": "0.1", "ETH/USDT": "1"}, mint="0.001")
    return basket, books, instruments


def test_a_fresh_buy_is_planned_to_its_collateral(
    market: Market, two: tuple, check_plan: Callable[..., list[str]]
) -> None:
    basket, books, instruments = two
    order = market.order("o1", basket, "1000")
    plan = BatchPlanner(CONFIG).plan([order], books, instruments)
    # at the limits (101.00, 10.10) a token costs 10.1 + 10.1 = 20.2, plus 0.1%: 20.2202
    # 1000 / 20.2202 = 49.455... -> 49.455 tokens
    assert plan.target_units == {"o1": D("49.455")}
    assert dict(plan.targets["o1"]) == {"BTC/USDT": D("4.9455"), "ETH/USDT": D("49.455")}
    assert plan.legs == (
        PlannedLeg(
            symbol="BTC/USDT",
            side=BUY,
            quantity=D("4.946"),
            limit_price=D("101.00"),
            needed=D("4.9455"),
        ),
        PlannedLeg(
            symbol="ETH/USDT",
            side=BUY,
            quantity=D("49.455"),
            limit_price=D("10.10"),
            needed=D("49.455"),
        ),
    )
    assert plan.skipped == {} and plan.exhausted == frozenset()
    assert check_plan(plan, [order], books, instruments, CONFIG) == []


def test_targets_of_a_fresh_order_read_as_a_plain_mapping() -> None:
    units = {"A/USDT": D("0.1"), "B/USDT": D("3")}
    targets = ScaledUnits(units, D("2.5"))
    assert targets == {"A/USDT": D("0.25"), "B/USDT": D("7.5")}
    assert list(targets) == ["A/USDT", "B/USDT"] and len(targets) == 2
    assert targets["B/USDT"] == D("7.5")
    assert dict(targets.items()) == {"A/USDT": D("0.25"), "B/USDT": D("7.5")}


def test_partly_filled_order_only_targets_what_it_lacks(
    market: Market, two: tuple, check_plan: Callable[..., list[str]]
) -> None:
    basket, books, instruments = two
    # filled 1 token (0.1 BTC + 1 ETH) and 0.05 BTC beyond: needs less BTC to reach 2
    order = market.order("o1", basket, "20.2202", assigned={"BTC/USDT": "0.15", "ETH/USDT": "1"})
    plan = BatchPlanner(CONFIG).plan([order], books, instruments)
    # collateral 20.2202 buys: 0.05 BTC credit covers half a token's BTC; at T = 2:
    # BTC 0.05 (5.05) + ETH 1 (10.1) = 15.15 x 1.001 = 15.16515 <= 20.2202; at 2.3: 23.23 +
    assert plan.target_units["o1"] > D(2)
    targets = dict(plan.targets["o1"])
    total = plan.target_units["o1"]
    assert targets == {
        "BTC/USDT": total * D("0.1") - D("0.15"),
        "ETH/USDT": total * D(1) - D(1),
    }
    assert check_plan(plan, [order], books, instruments, CONFIG) == []


def test_house_inventory_goes_first_to_the_oldest_order(
    market: Market, two: tuple, check_plan: Callable[..., list[str]]
) -> None:
    basket, books, instruments = two
    orders = [
        market.order("new", basket, "202.202", sequence=2),  # 10 tokens: 1 BTC
        market.order("old", basket, "202.202", sequence=1),
    ]
    inventory = {"BTC/USDT": D("1.5")}
    plan = BatchPlanner(CONFIG).plan(orders, books, instruments, inventory)
    assert plan.target_units == {"new": D(10), "old": D(10)}
    assert plan.inventory_use == {"old": {"BTC/USDT": D(1)}, "new": {"BTC/USDT": D("0.5")}}
    legs = {leg.symbol: leg for leg in plan.legs}
    assert legs["BTC/USDT"].needed == D("0.5") and legs["BTC/USDT"].quantity == D("0.500")
    assert legs["ETH/USDT"].quantity == D(20)
    assert check_plan(plan, orders, books, instruments, CONFIG, inventory) == []


def test_inventory_alone_can_serve_a_constituent(
    market: Market, two: tuple, check_plan: Callable[..., list[str]]
) -> None:
    basket, books, instruments = two
    order = market.order("o1", basket, "202.202")
    inventory = {"BTC/USDT": D(5)}
    plan = BatchPlanner(CONFIG).plan([order], books, instruments, inventory)
    assert [leg.symbol for leg in plan.legs] == ["ETH/USDT"]
    assert plan.inventory_use == {"o1": {"BTC/USDT": D(1)}}
    assert check_plan(plan, [order], books, instruments, CONFIG, inventory) == []


def test_sell_order_sells_the_basket_at_bid_limits(
    market: Market, two: tuple, check_plan: Callable[..., list[str]]
) -> None:
    basket, books, instruments = two
    order = market.order("s1", basket, "2.5", side=SELL)
    plan = BatchPlanner(CONFIG).plan([order], books, instruments)
    assert plan.target_units == {"s1": D("2.5")}
    legs = {leg.symbol: leg for leg in plan.legs}
    assert legs["BTC/USDT"] == PlannedLeg(
        symbol="BTC/USDT",
        side=SELL,
        quantity=D("0.250"),
        limit_price=D("99.00"),
        needed=D("0.25"),
    )
    assert legs["ETH/USDT"].limit_price == D("9.90") and legs["ETH/USDT"].quantity == D("2.5")
    assert check_plan(plan, [order], books, instruments, CONFIG) == []


def test_sell_leg_rounds_down_without_inventory_and_up_with_it(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    books = {"X/USDT": market.book(bids=[("10", "100")], asks=[("10.01", "100")])}
    instruments = {"X/USDT": market.instrument("X/USDT", step="0.01")}
    basket = market.basket("I", {"X/USDT": "0.003"}, step="1")
    order = market.order("s1", basket, "5", side=SELL)  # 0.015 X to sell
    bare = BatchPlanner(CONFIG).plan([order], books, instruments)
    assert [(leg.quantity, leg.needed) for leg in bare.legs] == [(D("0.01"), D("0.015"))]
    stocked = BatchPlanner(CONFIG).plan([order], books, instruments, {"X/USDT": D("0.005")})
    assert [leg.quantity for leg in stocked.legs] == [D("0.02")]
    assert check_plan(stocked, [order], books, instruments, CONFIG, {"X/USDT": D("0.005")}) == []


def test_reasons_for_orders_the_batch_leaves_out(market: Market, two: tuple) -> None:
    basket, books, instruments = two
    other = market.basket("SOLO", {"SOL/USDT": "1"})
    instruments = {**instruments, "SOL/USDT": market.instrument("SOL/USDT")}
    orders = [
        market.order("no-book", other, "100"),
        market.order("dust", basket, "0.01"),
        market.order("capped", basket, "1000", volley_cap="0.01"),
        market.order("sold-out", basket, "0.0001", side=SELL),
        market.order("fine", basket, "100"),
    ]
    plan = BatchPlanner(CONFIG).plan(orders, books, instruments)
    assert plan.skipped == {
        "no-book": "no_book:SOL/USDT",
        "dust": "exhausted",
        "capped": "volley_cap",
        "sold-out": "exhausted",
    }
    assert plan.exhausted == frozenset({"dust", "sold-out"})
    assert set(plan.target_units) == {"fine"}


def test_nothing_is_planned_past_the_in_flight_cap(market: Market, two: tuple) -> None:
    basket, books, instruments = two
    order = market.order("o1", basket, "1000")
    plan = BatchPlanner(CONFIG).plan([order], books, instruments, in_flight_quote=D(2_000_000))
    assert plan.skipped == {"o1": "in_flight_cap"} and plan.legs == ()
    partly = BatchPlanner(CONFIG).plan(
        [order], books, instruments, in_flight_quote=D(2_000_000) - D(300)
    )
    assert partly.notional <= D(300) and partly.target_units["o1"] > 0


def test_no_liquidity_within_the_limit(market: Market) -> None:
    books = {"X/USDT": market.book(bids=[("9", "1")], asks=[("10", "0.001")])}
    instruments = {"X/USDT": market.instrument("X/USDT", step="0.001")}
    basket = market.basket("I", {"X/USDT": "1"})
    # half of 0.001 is below one step: nothing to plan on
    plan = BatchPlanner(CONFIG).plan([market.order("o1", basket, "100")], books, instruments)
    assert plan.skipped == {"o1": "no_liquidity:X/USDT"}


def test_a_leg_that_cannot_be_made_valid_sidelines_its_orders_and_frees_the_rest(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    books = {
        "X/USDT": market.book(bids=[("10", "100")], asks=[("10.01", "100")]),
        "Y/USDT": market.book(bids=[("10", "100")], asks=[("10.01", "100")]),
    }
    instruments = {
        "X/USDT": market.instrument("X/USDT", min_notional="50"),
        "Y/USDT": market.instrument("Y/USDT"),
    }
    both = market.basket("XY", {"X/USDT": "1", "Y/USDT": "1"})
    only_y = market.basket("Y", {"Y/USDT": "1"})
    orders = [
        market.order("xy", both, "2", side=SELL),  # 2 X: 20 quote < 50, no inventory to pad
        market.order("y", only_y, "3", side=SELL),
    ]
    plan = BatchPlanner(CONFIG).plan(orders, books, instruments)
    assert plan.skipped["xy"].startswith("leg_refused:X/USDT:")
    assert plan.target_units == {"y": D(3)}
    assert [leg.symbol for leg in plan.legs] == ["Y/USDT"]
    assert check_plan(plan, orders, books, instruments, CONFIG) == []


def test_padding_never_takes_the_batch_past_its_cap(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    symbols = [f"C{i}/USDT" for i in range(5)]
    books = {s: market.book(bids=[("9.99", "1000")], asks=[("10", "1000")]) for s in symbols}
    instruments = {s: market.instrument(s, min_notional="20") for s in symbols}
    basket = market.basket("I", {s: "0.1" for s in symbols})
    orders = [market.order("o1", basket, "1000")]
    config = SolverConfig(
        price_threshold=D("0.01"),
        liquidity_fraction=D(1),
        max_order_volley=D(10_000),
        max_batch_volley=D(150),  # needs fit; five legs padded to 20 each would not
        max_in_flight_volley=D(10_000),
        min_notional_padding=D("0.1"),
    )
    for allocator in (OptimalAllocator(), ProportionalAllocator()):
        plan = BatchPlanner(config, allocator).plan(orders, books, instruments)
        assert plan.notional <= D(150), allocator.name
        assert all(leg.notional >= D(22) for leg in plan.legs)
        assert check_plan(plan, orders, books, instruments, config) == []


def test_bad_input_is_refused(market: Market, two: tuple) -> None:
    basket, books, instruments = two
    planner = BatchPlanner(CONFIG)
    order = market.order("o1", basket, "100")
    with pytest.raises(OrderDemandError):
        planner.plan([order, order], books, instruments)
    with pytest.raises(MissingInstrumentError):
        planner.plan([order], books, {"BTC/USDT": instruments["BTC/USDT"]})
    foreign = market.basket("TW2E", {"BTC/USDT": "0.1"}, quote="EUR")
    with pytest.raises(MissingInstrumentError):
        planner.plan([market.order("e", foreign, "1")], books, instruments)
    twin = market.basket("TW2", {"BTC/USDT": "0.2", "ETH/USDT": "1"})
    with pytest.raises(BasketError):
        planner.plan([order, market.order("o2", twin, "100")], books, instruments)
    with pytest.raises(SolverInputError):
        planner.plan([order], books, instruments, {"BTC/USDT": D(-1)})
    with pytest.raises(SolverInputError):
        planner.plan([order], books, instruments, in_flight_quote=D(-1))


def test_the_same_input_gives_the_same_plan(market: Market, two: tuple) -> None:
    basket, books, instruments = two
    orders = [market.order(f"o{i}", basket, str(100 * (i + 1)), sequence=i) for i in range(5)]
    first = BatchPlanner(CONFIG).plan(orders, books, instruments)
    second = BatchPlanner(CONFIG).plan(list(orders), books, instruments)
    assert first.legs == second.legs and first.target_units == second.target_units


@st.composite
def desks(draw: st.DrawFn) -> tuple:
    symbols = [f"C{i}/USDT" for i in range(draw(st.integers(1, 4)))]
    specs = {}
    for symbol in symbols:
        mid = draw(st.integers(2, 3000))
        levels = draw(st.lists(st.integers(1, 5000), min_size=0, max_size=4))
        asks = [(str(D(mid) + D(i + 1) / 10), str(D(q) / 100)) for i, q in enumerate(levels)]
        bids = [(str(D(mid) - D(i + 1) / 10), str(D(q) / 100)) for i, q in enumerate(levels)]
        specs[symbol] = (bids, asks, draw(st.sampled_from(["0", "5", "50"])))
    baskets = []
    for index in range(draw(st.integers(1, 3))):
        members = draw(st.lists(st.sampled_from(symbols), min_size=1, max_size=3, unique=True))
        units = {s: str(D(draw(st.integers(1, 300))) / 1000) for s in members}
        baskets.append((f"I{index}", units))
    orders = []
    for index in range(draw(st.integers(1, 10))):
        basket = draw(st.integers(0, len(baskets) - 1))
        side = draw(st.sampled_from(["buy", "buy", "sell"]))
        amount = (
            str(draw(st.integers(1, 50_000)))
            if side == "buy"
            else str(D(draw(st.integers(1, 5000))) / 100)
        )
        partial = draw(st.sampled_from([None, None, "0.5", "1.3"]))
        cap = draw(st.sampled_from([None, None, "500"]))
        orders.append((f"o{index}", basket, side, amount, partial, cap))
    inventory = {s: str(D(draw(st.integers(0, 500))) / 100) for s in symbols}
    knobs = draw(
        st.fixed_dictionaries(
            {
                "fraction": st.sampled_from(["1", "0.5", "0.2"]),
                "taker": st.sampled_from(["0", "0.001"]),
                "batch": st.sampled_from(["300", "5000", "1000000"]),
                "padding": st.sampled_from(["0", "0.05"]),
                "in_flight": st.sampled_from(["0", "900"]),
            }
        )
    )
    return specs, baskets, orders, inventory, knobs


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(desk=desks(), optimal=st.booleans())
def test_every_plan_meets_every_constraint(
    market: Market, check_plan: Callable[..., list[str]], desk: tuple, optimal: bool
) -> None:
    specs, basket_specs, order_specs, inventory_spec, knobs = desk
    books = {s: market.book(bids=b, asks=a) for s, (b, a, _) in specs.items()}
    instruments = {
        s: market.instrument(s, step="0.001", min_notional=n) for s, (_, _, n) in specs.items()
    }
    baskets = [
        market.basket(name, units, step="0.001", mint="0.002", redeem="0.002")
        for name, units in basket_specs
    ]
    orders = []
    for i, (key, b, side, amount, partial, cap) in enumerate(order_specs):
        basket = baskets[b]
        assigned = None
        if partial is not None:
            # uneven credits: the first constituent ahead of the others
            first = next(iter(basket.units))
            assigned = {
                s: str(u * D(partial) * (D("1.5") if s == first else 1))
                for s, u in basket.units.items()
            }
        orders.append(
            market.order(
                key,
                basket,
                amount,
                side=BUY if side == "buy" else SELL,
                assigned=assigned,
                sequence=i,
                volley_cap=cap,
            )
        )
    config = SolverConfig(
        price_threshold=D("0.003"),
        depth_levels=3,
        liquidity_fraction=D(knobs["fraction"]),
        max_order_volley=D(20_000),
        max_batch_volley=D(knobs["batch"]),
        max_in_flight_volley=D(1_000_000),
        min_notional_padding=D(knobs["padding"]),
        taker_fee_rate=D(knobs["taker"]),
    )
    inventory = {s: D(q) for s, q in inventory_spec.items()}
    allocator = OptimalAllocator() if optimal else ProportionalAllocator()
    in_flight = D(knobs["in_flight"])
    plan = BatchPlanner(config, allocator).plan(orders, books, instruments, inventory, in_flight)
    event(f"legs: {min(len(plan.legs), 3)}, skipped: {min(len(plan.skipped), 2)}")
    assert check_plan(plan, orders, books, instruments, config, inventory, in_flight) == []


def _min_notional_market(market: Market) -> tuple[dict, dict, IndexBasket]:
    books = {
        "X/USDT": market.book(bids=[("10", "100")], asks=[("10.01", "100")]),
        "Y/USDT": market.book(bids=[("10", "100")], asks=[("10.01", "100")]),
    }
    instruments = {
        "X/USDT": market.instrument("X/USDT", min_notional="50"),
        "Y/USDT": market.instrument("Y/USDT"),
    }
    return books, instruments, market.basket("XY", {"X/USDT": "1", "Y/USDT": "1"})


def test_the_house_takes_a_sell_leg_under_the_minimum_when_it_holds_the_asset(
    market: Market, check_plan: Callable[..., list[str]]
) -> None:
    books, instruments, basket = _min_notional_market(market)
    order = market.order("xy", basket, "2", side=SELL)  # 2 X: 20 quote < 50
    house = {"X/USDT": D("0.5")}  # too little to pad the leg up to 5 X
    plan = BatchPlanner(CONFIG).plan([order], books, instruments, house)
    assert plan.target_units == {"xy": D(2)} and plan.dead_ends == {}
    assert plan.house_fills == (HouseFill(symbol="X/USDT", quantity=D(2), price=D("10.005")),)
    assert [leg.symbol for leg in plan.legs] == ["Y/USDT"]
    assert check_plan(plan, [order], books, instruments, CONFIG, house) == []


def test_sells_no_batch_can_progress_are_named_with_the_reason(market: Market) -> None:
    books, instruments, basket = _min_notional_market(market)
    orders = [
        market.order("a", basket, "2", side=SELL),
        market.order("b", basket, "2.5", side=SELL),  # together 4.5 X: still under 5
    ]
    plan = BatchPlanner(CONFIG).plan(orders, books, instruments)
    assert plan.house_fills == () and plan.legs == ()
    assert set(plan.dead_ends) == {"a", "b"}
    assert plan.dead_ends["a"].startswith("no batch can sell its X/USDT leg: 4.5 X at 9.9")
    assert "house holds no X" in plan.dead_ends["a"]
    # a third order makes the leg large enough: nobody is a dead end, all are planned
    orders.append(market.order("c", basket, "1", side=SELL))
    plan = BatchPlanner(CONFIG).plan(orders, books, instruments)
    assert plan.dead_ends == {} and set(plan.target_units) == {"a", "b", "c"}
