"""The risk engine in the node's command path, with the example strategy (the quoter) on a
TestClock and the in-process venue: a refused order is an OrderRejected naming the rule and the
numbers and reaches no venue; a strategy that keeps breaching goes REDUCING, then HALTED, and its
resting order is cancelled at the venue; the kill switch cancels everything and halts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.node.inprocess_venue import T0, Venue

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.core.enums import OrderSide, OrderStatus
from tradewind.core.events import OrderEvent, OrderRejected
from tradewind.node import NodeConfig, Strategy, TradingNode
from tradewind.node.config import load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.risk.engine import Scope, TradingState
from tradewind.risk.readings import MeasureReading
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.engine import Side


def _node(clock: TestClock, venue: Venue, risk: dict[str, object]) -> tuple[TradingNode, Quoter]:
    config = load_node_config({"risk": risk}, environ={})
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    quoter = node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@inproc",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(100),
                refresh_ns=SECOND_NS,
                bar_ns=3600 * SECOND_NS,
            ),
        )
    )
    assert isinstance(quoter, Quoter)
    return node, quoter


def _rejections(node: TradingNode) -> list[OrderRejected]:
    seen: list[OrderRejected] = []

    def keep(event: OrderEvent) -> None:
        if isinstance(event, OrderRejected):
            seen.append(event)

    node.bus.subscribe(OrderEvent, keep)
    return seen


async def test_a_refused_order_is_an_order_rejected_and_reaches_no_venue() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    # the quote, 93060 × 0.001 = 93.06 USDT, is over a 50 USDT limit
    node, quoter = _node(clock, venue, {"max_order_notional": "50"})
    rejected = _rejections(node)
    await node.start()
    await node.wait_books_synced()
    await node.drain()

    assert [e.reason for e in rejected] == ["risk notional: order notional 93.06000 > limit 50"]
    assert venue.open_orders() == []
    assert node.cache.orders() == ()  # no engine saw it: nothing tracked, nothing stored
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    assert node.health().risk["strategy:quoter"] == "reducing"
    assert quoter.quote is None  # the quoter saw the rejection and will quote again
    await node.stop()


async def test_a_breaching_strategy_goes_reducing_then_halted_and_its_orders_are_cancelled() -> (
    None
):
    clock = TestClock(T0)
    venue = Venue(clock)
    # one order per minute: the refresh timer's re-price a second later breaches the rate
    node, _ = _node(
        clock,
        venue,
        {"max_orders_per_window": 1, "rate_window_ms": 60_000, "breaches_to_halt": 3},
    )
    rejected = _rejections(node)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    [(first, price)] = venue.open_orders()
    assert price == Decimal("93060.00")

    venue.place(Side.BUY, "95000", "1")  # a better bid: the quoter re-prices on its timer
    clock.advance_by(SECOND_NS)
    await node.drain()
    assert [e.reason for e in rejected] == [
        "risk order_rate: quoter placed 1 orders in the last 60000 ms (limit 1)"
    ]
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    assert venue.open_orders() == [(first, price)]  # the refused modify changed nothing

    # REDUCING, flat: the quoter's next bids (on each book change) do not reduce anything
    venue.place(Side.BUY, "95100", "1")
    await node.drain()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    venue.place(Side.BUY, "95200", "1")
    await node.drain()
    assert [e.reason for e in rejected[1:3]] == [
        "risk state: strategy quoter is REDUCING: a BUY does not reduce the BTC position 0"
    ] * 2
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.HALTED
    assert venue.open_orders() == []  # cancelled at the venue
    order = node.cache.order(first)
    assert order is not None and order.status is OrderStatus.CANCELED

    venue.place(Side.BUY, "95300", "1")
    await node.drain()
    # every later attempt: refused as HALTED (no more breaches to count)
    assert len(rejected) > 3
    assert {e.reason for e in rejected[3:]} == {"risk state: strategy quoter is HALTED"}
    assert venue.open_orders() == []
    await node.stop()


async def test_the_kill_switch_cancels_everything_and_halts_until_resumed() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    node, _ = _node(clock, venue, {})
    rejected = _rejections(node)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    assert len(venue.open_orders()) == 1

    node.kill_switch("operator: test")
    await node.drain()
    assert venue.open_orders() == []
    assert node.health().risk["global"] == "halted"
    venue.place(Side.BUY, "95000", "1")  # the quoter tries again: refused
    await node.drain()
    assert rejected[-1].reason == "risk state: global is HALTED"
    assert venue.open_orders() == []
    # a global halt is no strategy breach
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE

    node.risk.resume()
    venue.place(Side.BUY, "95100", "1")
    await node.drain()
    [(_, price)] = venue.open_orders()
    assert price == Decimal("94149.00")
    await node.stop()


def test_the_node_config_takes_a_risk_table_and_refuses_unknown_keys() -> None:
    config = load_node_config({"risk": {"max_position": {"BTC": "2.5"}}}, environ={})
    assert config.risk.max_position == {"BTC": Decimal("2.5")}
    assert NodeConfig().risk.max_order_notional is None
    try:
        load_node_config({"risk": {"max_positon": {}}}, environ={})
    except ValueError as exc:
        assert "risk.max_positon" in str(exc)
    else:
        raise AssertionError("an unknown risk key was accepted")


class _OneBid(Strategy):
    """Places one bid on start and leaves it resting when stopped."""

    def on_start(self) -> None:
        self.submit("BTC/USDT@inproc", OrderSide.BUY, Decimal("0.001"), Decimal(90000))


async def test_orders_restored_from_the_store_are_seen_by_the_risk_engine(tmp_path: Path) -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = load_node_config(
        {"node": {"database": f"sqlite:///{tmp_path / 'node.sqlite'}"}}, environ={}
    )
    first = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    first.add(_OneBid("bid"))
    await first.start()
    await first.drain()
    await first.stop()
    [(resting, _)] = venue.open_orders()

    again = InProcessAdapter(venue.engine, "node", venue="inproc", clock=clock)
    second = TradingNode(config, clock=clock, adapters={"inproc": again})
    await second.start()
    assert [o.client_order_id for o in second._risk_view.open_orders()] == [resting]
    second.kill_switch("operator: test")
    await second.drain()
    assert venue.open_orders() == []
    await second.stop()


class _Measure:
    """A measure source the test sets: net delta of the quoter, as a fraction."""

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.value: float | None = None

    def readings(self) -> list[MeasureReading]:
        return [
            MeasureReading(
                "net_delta", "strategy:quoter", self.value, "ratio", None, self.clock.now_ns()
            )
        ]


async def test_action_plans_take_a_strategy_over_its_limit_to_reducing_then_halted() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    plans = [
        {
            "name": "reduce",
            "measure": "net_delta",
            "scope": "strategy:*",
            "above": 0.02,
            "release": 0.01,
            "release_after": 2,
            "actions": [{"kind": "unwind"}],
        },
        {
            "name": "halt",
            "measure": "net_delta",
            "scope": "strategy:*",
            "above": 0.05,
            "release": 0.03,
            "release_after": 2,
            "actions": [{"kind": "halt_quoting"}],
        },
    ]
    node, quoter = _node(
        clock,
        venue,
        {"supervisor": {"interval_ms": 1000, "default_plans": False}, "plans": plans},
    )
    measure = _Measure(clock)
    node.add_measure_source(measure)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    [(first, _)] = venue.open_orders()

    measure.value = 0.03
    clock.advance_by(SECOND_NS)
    await node.drain()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    measure.value = 0.06
    clock.advance_by(SECOND_NS)
    await node.drain()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.HALTED
    assert venue.open_orders() == []  # cancelled at the venue
    order = node.cache.order(first)
    assert order is not None and order.status is OrderStatus.CANCELED
    assert node.health().risk["strategy:quoter"] == "halted"

    # back under both release levels for two evaluations: ACTIVE, and the quoter quotes again
    measure.value = 0.0
    clock.advance_by(2 * SECOND_NS)
    await node.drain()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE
    venue.place(Side.BUY, "94010", "1")
    await node.drain()
    assert len(venue.open_orders()) == 1 and quoter.quote is not None
    await node.stop()
