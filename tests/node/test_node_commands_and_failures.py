"""The node on the in-process venue and a TestClock: commands it cannot route are rejected as
events with no state change; a failing handler is logged with the strategy id and handled by the
configured policy; timers of several strategies fire in a deterministic order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from tradewind.core import BookUpdated, OrderEvent, OrderSide, TimeEvent
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.core.commands import CancelOrder, ModifyOrder
from tradewind.core.events import OrderCancelRejected, OrderRejected
from tradewind.core.identifiers import InstrumentId
from tradewind.node import ActorState, NodeConfig, NodeState, Strategy, TradingNode
from tradewind.node.config import NodeSection
from tradewind.venues.sim.engine import Side

from .inprocess_venue import T0, Venue

BTC = InstrumentId("BTC/USDT", "inproc")
FIRED: list[tuple[str, int]] = []


class Recorder(Strategy):
    """Records its order events; ``fail_on`` names a handler that raises."""

    def __init__(self, strategy_id: str, fail_on: str = "") -> None:
        super().__init__(strategy_id)
        self.events: list[OrderEvent] = []
        self.books = 0
        self.fail_on = fail_on
        self.subscribe_book(BTC)

    def on_book(self, event: BookUpdated) -> None:
        self.books += 1
        if self.fail_on == "on_book":
            raise RuntimeError("boom in on_book")

    def on_order_event(self, event: OrderEvent) -> None:
        self.events.append(event)

    def on_timer(self, event: TimeEvent) -> None:
        FIRED.append((f"{self.id}:{event.name}", event.ts_event - T0))


async def _node(*strategies: Strategy, policy: str = "continue") -> tuple[TradingNode, Venue]:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = NodeConfig(node=NodeSection(on_handler_error=policy))  # type: ignore[arg-type]
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    for strategy in strategies:
        node.add(strategy)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    return node, venue


async def test_unknown_venue_or_instrument_is_rejected_with_no_state_change() -> None:
    strategy = Recorder("s1")
    node, venue = await _node(strategy)
    bus_rejections: list[OrderRejected] = []
    node.bus.subscribe(OrderRejected, bus_rejections.append)
    engine = node.router.engine("inproc")
    assert engine is not None
    before = (len(engine.tracker), venue.open_orders(), await venue.adapter.balances())

    nowhere = strategy.submit("BTC/USDT@nowhere", OrderSide.BUY, Decimal("0.01"), Decimal(90000))
    unlisted = strategy.submit("ETH/USDT@inproc", OrderSide.BUY, Decimal("0.01"), Decimal(3000))
    strategy.cancel_all("ETH/USDT@inproc")
    await node.drain()

    reasons = {e.client_order_id: e.reason for e in strategy.events if isinstance(e, OrderRejected)}
    assert set(reasons) == {nowhere, unlisted}
    assert "no venue 'nowhere'" in reasons[nowhere]
    assert "lists no instrument 'ETH/USDT'" in reasons[unlisted]
    assert [e.client_order_id for e in bus_rejections] == [nowhere, unlisted]
    after = (len(engine.tracker), venue.open_orders(), await venue.adapter.balances())
    assert after == before
    assert node.cache.order(nowhere) is None and node.cache.orders() == ()

    # a cancel or a modify of an order nobody placed: refused, nothing changes
    cancel_rejections: list[OrderCancelRejected] = []
    node.bus.subscribe(OrderCancelRejected, cancel_rejections.append)
    node.send(CancelOrder(venue="inproc", symbol="BTC/USDT", client_order_id="nope", ts_init=T0))
    node.send(
        ModifyOrder(
            venue="inproc",
            symbol="BTC/USDT",
            client_order_id="nope",
            new_client_order_id="nope-2",
            price=Decimal(90000),
            ts_init=T0,
        )
    )
    await node.drain()
    assert [e.client_order_id for e in cancel_rejections] == ["nope"]
    assert bus_rejections[-1].client_order_id == "nope-2"
    assert "no order 'nope'" in bus_rejections[-1].reason
    assert (len(engine.tracker), venue.open_orders()) == before[:2]
    await node.stop()


@pytest.mark.parametrize(
    ("policy", "strategy_state", "node_state"),
    [
        ("continue", ActorState.RUNNING, NodeState.RUNNING),
        ("stop_strategy", ActorState.FAILED, NodeState.RUNNING),
        ("halt", ActorState.STOPPED, NodeState.HALTED),
    ],
)
async def test_a_failing_handler_is_logged_with_the_strategy_id_and_the_policy_applies(
    policy: str, strategy_state: ActorState, node_state: NodeState
) -> None:
    failing, healthy = Recorder("failing", fail_on="on_book"), Recorder("healthy")
    with capture_logs() as logs:
        node, venue = await _node(failing, healthy, policy=policy)
        venue.place(Side.BUY, "94500", "1")  # another book update
    failures = [e for e in logs if e["event"] == "strategy_handler_failed"]
    assert failures and all(e["strategy_id"] == "failing" for e in failures)
    assert failures[0]["handler"] == "on_book"
    assert failing.state is strategy_state
    assert node.state is node_state
    # the healthy strategy (added second) sees every book unless the first failure halted all
    assert healthy.books == (0 if policy == "halt" else 2)
    assert failing.books == (2 if policy == "continue" else 1)
    health = node.health()
    assert health.actors["failing"] == str(strategy_state)
    assert health.ready is (node_state is NodeState.RUNNING)
    await node.stop()
    assert node.state is NodeState.STOPPED


async def test_timers_of_several_strategies_fire_in_a_deterministic_order() -> None:
    a, b = Recorder("a"), Recorder("b")
    node, _ = await _node(a, b)
    b.set_timer("fast", SECOND_NS)
    a.set_timer("slow", 2 * SECOND_NS)
    a.set_time_alert("once", T0 + 2 * SECOND_NS)
    FIRED.clear()
    assert isinstance(node.clock, TestClock)
    node.clock.advance_by(4 * SECOND_NS)
    s = SECOND_NS
    # by due time, then by the order the timers were set
    assert [
        ("b:fast", 1 * s),
        ("b:fast", 2 * s),
        ("a:slow", 2 * s),
        ("a:once", 2 * s),
        ("b:fast", 3 * s),
        ("b:fast", 4 * s),
        ("a:slow", 4 * s),
    ] == FIRED
    await node.stop()
    assert node.clock.timer_names == ()
