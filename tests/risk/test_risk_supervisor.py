"""The risk supervisor on a node (TestClock, in-process venue, the example quoter): quote controls
reach the quoter, an unwind hedges the position away at the venue, repay and backup-data calls
reach the protocols, monitoring speeds up and slows down, a volatility jump on the venue's book
trips a breaker for its cooldown; every action is recorded and alerted, fire and release."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from tests.node.inprocess_venue import T0, Venue

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.node import TradingNode
from tradewind.node.config import load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.node.hedger import HEDGER_ID
from tradewind.risk.actions import QuoteControls
from tradewind.risk.alerts import ActionRecord, Alert, AlertDispatcher
from tradewind.risk.engine import Scope, TradingState
from tradewind.risk.readings import MeasureReading
from tradewind.venues.sim.engine import Side


class Readings:
    """A measure source the test sets by hand."""

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.values: dict[tuple[str, str], float | None] = {}

    def set(self, name: str, scope: str, value: float | None) -> None:
        self.values[(name, scope)] = value

    def readings(self) -> list[MeasureReading]:
        now = self.clock.now_ns()
        return [
            MeasureReading(name, scope, value, "ratio", None, now)
            for (name, scope), value in self.values.items()
        ]


class Recorder:
    def __init__(self) -> None:
        self.records: list[ActionRecord] = []

    async def record(self, record: ActionRecord) -> None:
        self.records.append(record)


class Channel:
    name = "memory"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    async def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


class BorrowingQuoter(Quoter):
    """The example quoter standing in for a desk that borrows liquidity and has a backup feed
    (no borrowing desk exists yet): it records the supervisor's calls."""

    def __init__(self, strategy_id: str, config: QuoterConfig) -> None:
        super().__init__(strategy_id, config)
        self.calls: list[tuple[str, str]] = []

    def repay_borrowed(self, target: str, reason: str) -> None:
        self.calls.append(("repay", target))

    def use_backup(self, target: str, reason: str) -> None:
        self.calls.append(("backup", target))

    def use_primary(self, target: str) -> None:
        self.calls.append(("primary", target))


def _plan(name: str, above: float, release: float, *actions: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "measure": "m",
        "scope": "strategy:quoter",
        "above": above,
        "release": release,
        "release_after": 2,
        "actions": [a if isinstance(a, dict) else {"kind": a} for a in actions],
        **extra,
    }


def _node(
    clock: TestClock, venue: Venue, risk: dict[str, Any]
) -> tuple[TradingNode, BorrowingQuoter, Readings, Recorder, Channel]:
    risk = {
        "supervisor": {"interval_ms": 1000, "fast_interval_ms": 250, "default_plans": False},
        **risk,
    }
    node = TradingNode(
        load_node_config({"risk": risk}, environ={}),
        clock=clock,
        adapters={"inproc": venue.adapter},
    )
    quoter = BorrowingQuoter(
        "quoter",
        QuoterConfig(
            instrument="BTC/USDT@inproc",
            quantity=Decimal("0.001"),
            spread_bps=Decimal(100),
            refresh_ns=SECOND_NS,
            bar_ns=3600 * SECOND_NS,
        ),
    )
    node.add(quoter)
    source = Readings(clock)
    node.add_measure_source(source)
    recorder, channel = Recorder(), Channel()
    node.supervisor.recorder = recorder
    node.supervisor.alerts = AlertDispatcher([channel], clock)
    return node, quoter, source, recorder, channel


async def _tick(node: TradingNode, clock: TestClock, seconds: int = 1) -> None:
    for _ in range(seconds):
        clock.advance_by(SECOND_NS)
        await node.drain()
    await node.supervisor.flush()


async def test_quote_controls_widen_and_shrink_the_quote_and_release_back() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    plan = _plan(
        "wide",
        1.0,
        0.5,
        {"kind": "widen_spreads", "factor": "2"},
        {"kind": "shrink_size", "factor": "0.5"},
    )
    node, _, source, recorder, channel = _node(clock, venue, {"plans": [plan]})
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    [(_, price)] = venue.open_orders()
    assert price == Decimal("93060.00")

    source.set("m", "strategy:quoter", 1.5)
    await _tick(node, clock, 2)  # the supervisor sets the controls, the quoter re-prices
    assert node.cache.quote_controls("quoter") == QuoteControls(Decimal(2), Decimal("0.5"))
    [(cid, price)] = venue.open_orders()
    assert price == Decimal("92120.00")  # 200 bps under 94000
    order = node.cache.order(cid)
    assert order is not None and order.quantity == Decimal("0.0005")

    [fired] = node.supervisor.status()["plans"]  # type: ignore[index]
    assert (fired["plan"], fired["scope"], fired["value"]) == ("wide", "strategy:quoter", 1.5)
    source.set("m", "strategy:quoter", 0.7)  # between trigger and release: holds
    await _tick(node, clock, 3)
    assert venue.open_orders()[0][1] == Decimal("92120.00")
    source.set("m", "strategy:quoter", 0.2)
    await _tick(node, clock, 4)
    assert node.cache.quote_controls("quoter") == QuoteControls()
    [(cid, price)] = venue.open_orders()
    assert price == Decimal("93060.00")
    assert [(r.name, r.fired) for r in recorder.records] == [("wide", True), ("wide", False)]
    assert [a.severity for a in channel.alerts] == ["warning", "info"]
    assert channel.alerts[0].title == "risk plan wide fired on strategy:quoter"
    await node.stop()


async def test_unwind_repays_first_then_hedges_the_position_away_at_the_venue() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    plan = _plan("unwind", 0.05, 0.02, "repay_borrowed", "unwind", scope="asset:*")
    plan["measure"] = "net_delta"
    node, quoter, source, recorder, _ = _node(clock, venue, {"plans": [plan]})
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    venue.engine.create_account("seller")
    venue.engine.credit("seller", "BTC", Decimal(2))
    # through the 94000 maker bid and on into ours; then a new maker bid to hedge into
    venue.place(Side.SELL, "93060", "1.001", account="seller")
    venue.place(Side.BUY, "94000", "1")
    await node.drain()
    held = node.cache.position(quoter.instrument).quantity  # 0.001 less the venue's fee
    assert Decimal("0.0009") < held <= Decimal("0.001")
    step = Decimal("0.00001")
    clip = (held / step).to_integral_value(ROUND_DOWN) * step

    source.set("net_delta", "asset:BTC", 0.08)
    await _tick(node, clock)
    await _tick(node, clock)
    assert quoter.calls[0] == ("repay", "asset:BTC")
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    assert not node.cache.quote_controls("quoter").quoting
    [hedge] = node.supervisor.hedger.sent
    assert (hedge.strategy_id, hedge.side.name, hedge.quantity, hedge.price) == (
        HEDGER_ID,
        "SELL",
        clip,
        Decimal("94000"),
    )
    filled = node.cache.order(hedge.client_order_id)
    assert filled is not None and filled.filled_qty == clip
    # sold at the venue: what is left is under the venue's minimum, so no more hedges
    assert node.cache.position(quoter.instrument).quantity == held - clip < step
    await _tick(node, clock)
    assert len(node.supervisor.hedger.sent) == 1
    assert venue.open_orders() == []  # the quoter cancelled its bid and quotes nothing

    source.set("net_delta", "asset:BTC", 0.0)
    await _tick(node, clock, 3)
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE
    assert [(r.name, r.fired) for r in recorder.records] == [("unwind", True), ("unwind", False)]
    await node.stop()


async def test_backup_data_and_faster_monitoring_switch_on_and_back() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    plan = _plan("feed", 0.5, 0.2, "backup_data", "raise_monitoring")
    node, quoter, source, _, _ = _node(clock, venue, {"plans": [plan]})
    await node.start()
    await node.drain()
    assert node.supervisor.interval_ms == 1000
    evaluations = node.supervisor.evaluations
    await _tick(node, clock, 2)
    assert node.supervisor.evaluations == evaluations + 2

    source.set("m", "strategy:quoter", 0.9)
    await _tick(node, clock)
    assert quoter.calls == [("backup", "strategy:quoter")]
    assert node.supervisor.interval_ms == 250
    evaluations = node.supervisor.evaluations
    await _tick(node, clock)  # four evaluations a second now
    assert node.supervisor.evaluations == evaluations + 4

    source.set("m", "strategy:quoter", 0.1)
    await _tick(node, clock)
    assert quoter.calls == [("backup", "strategy:quoter"), ("primary", "strategy:quoter")]
    assert node.supervisor.interval_ms == 1000
    await node.stop()


async def test_a_volatility_jump_trips_the_breaker_and_it_resets_after_the_cooldown() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    breaker = {
        "instrument": "BTC/USDT@inproc",
        "sample_ms": 1,
        "max_move": 0.005,
        "move_window_ms": 5000,
        "cooldown_ms": 10_000,
        "state": "halted",
        "scope": "strategy",
    }
    node, _, _, recorder, channel = _node(clock, venue, {"breakers": [breaker]})
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    assert len(venue.open_orders()) == 1  # mid 95000

    clock.advance_by(SECOND_NS)
    venue.place(Side.SELL, "94500", "1")  # new best ask: mid 94250, -0.79 %
    await node.drain()
    await node.supervisor.flush()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.HALTED
    assert venue.open_orders() == []  # its bid is cancelled at the venue
    assert node.supervisor.status()["breakers"] == [
        {"instrument": "BTC/USDT@inproc", "until_ns": T0 + 11 * SECOND_NS}
    ]
    [trip] = recorder.records
    assert trip.kind == "breaker" and trip.fired and "moved 0.79%" in trip.reason
    assert channel.alerts[0].severity == "critical"

    await _tick(node, clock, 9)
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.HALTED
    await _tick(node, clock, 1)  # the cooldown is over
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE
    assert [(r.kind, r.fired) for r in recorder.records] == [("breaker", True), ("breaker", False)]
    venue.place(Side.BUY, "94010", "1")  # the quoter quotes again on the next book
    await node.drain()
    assert len(venue.open_orders()) == 1
    await node.stop()


async def test_backup_data_moves_the_books_to_the_backup_source_and_back() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    backup = Venue(clock)  # the same venue's data from another source: a higher bid there
    backup.place(Side.BUY, "94500", "1")
    plan = _plan("feed", 0.5, 0.2, "backup_data")
    node, quoter, source, recorder, _ = _node(clock, venue, {"plans": [plan]})
    node.market_data.add_backup("inproc", backup.adapter)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    top = node.cache.top(quoter.instrument)
    assert top is not None and top.best_bid == Decimal(94000)

    source.set("m", "strategy:quoter", 0.9)
    await _tick(node, clock)
    await node.market_data.settle()
    await node.wait_books_synced()
    assert node.market_data.on_backup == {"inproc"}
    top = node.cache.top(quoter.instrument)
    assert top is not None and top.best_bid == Decimal(94500)
    await _tick(node, clock)  # the quoter re-prices on the backup's book; orders still go
    [(_, price)] = venue.open_orders()  # to the primary venue
    assert price == Decimal("93555.00")

    source.set("m", "strategy:quoter", 0.1)
    await _tick(node, clock, 2)
    await node.market_data.settle()
    await node.wait_books_synced()
    assert node.market_data.on_backup == set()
    venue.place(Side.BUY, "94001", "1")  # a book change on the primary reaches the cache again
    await node.drain()
    top = node.cache.top(quoter.instrument)
    assert top is not None and top.best_bid == Decimal(94001)
    assert [(r.name, r.fired) for r in recorder.records] == [("feed", True), ("feed", False)]
    await node.stop()


async def test_a_strategy_breaching_its_limits_is_recorded_and_alerted() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    limits = {"max_orders_per_window": 1, "rate_window_ms": 60_000, "breaches_to_halt": 2}
    node, _, _, recorder, channel = _node(clock, venue, limits)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    venue.place(Side.BUY, "95000", "1")  # the quoter re-prices on its timer: over the rate
    await _tick(node, clock)
    venue.place(Side.BUY, "95100", "1")  # REDUCING and flat: its next bid is a breach too
    await node.drain()
    await node.supervisor.flush()
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.HALTED
    assert [(r.kind, r.name, r.scope) for r in recorder.records] == [
        ("limit", "reducing", "strategy:quoter"),
        ("limit", "halted", "strategy:quoter"),
    ]
    assert recorder.records[0].reason.startswith("breach 1 of 2: risk order_rate:")
    assert [a.severity for a in channel.alerts] == ["warning", "critical"]
    await node.stop()


async def test_the_default_delta_plan_acts_on_the_strategies_quoting_that_asset() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    node, quoter, source, recorder, _ = _node(
        clock, venue, {"supervisor": {"enabled": True, "interval_ms": 1000}}
    )
    await node.start()
    await node.wait_books_synced()
    await node.drain()

    source.set("net_delta", "asset:BTC", -0.03)  # |delta| > 2 %: delta_moderate
    await _tick(node, clock)
    assert node.cache.quote_controls("quoter") == QuoteControls(spread_factor=Decimal("1.5"))
    assert quoter.calls == [("repay", "asset:BTC")]
    source.set("net_delta", "asset:BTC", -0.08)  # > 5 %: delta_high on top
    await _tick(node, clock)
    assert node.cache.quote_controls("quoter") == QuoteControls(Decimal(2), Decimal(1), False)
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.REDUCING
    assert quoter.calls[-1] == ("repay", "asset:BTC")
    source.set("net_delta", "asset:BTC", 0.03)  # under delta_high's release 4 %, over 1.5 %
    await _tick(node, clock, 3)
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE
    assert node.cache.quote_controls("quoter") == QuoteControls(spread_factor=Decimal("1.5"))
    source.set("net_delta", "asset:BTC", 0.01)
    await _tick(node, clock, 3)
    assert node.cache.quote_controls("quoter") == QuoteControls()
    assert [(r.name, r.fired) for r in recorder.records] == [
        ("delta_moderate", True),
        ("delta_high", True),
        ("delta_high", False),
        ("delta_moderate", False),
    ]
    await node.stop()
