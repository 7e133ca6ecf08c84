"""ExecutionEngine against a scripted venue: submit, fills once, cancels, refusals, restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.bus import InProcessMessageBus
from tradewind.core import (
    CancelOrder,
    Event,
    FillReport,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderSubmitted,
    OrderType,
    SimulatedClock,
    SubmitOrder,
)
from tradewind.execution.engine import ExecutionEngine, UnknownInstrument, WrongVenue
from tradewind.execution.store_writer import StoreWriter
from tradewind.oms import RateLimit, RateLimiter, RateLimitKind
from tradewind.store import KernelStore

from .fake_venue import T0, FakeVenue


class Harness:
    def __init__(self, venue: FakeVenue, db: Path | None) -> None:
        self.venue = venue
        self.clock = SimulatedClock(T0)
        self.bus = InProcessMessageBus(raise_handler_errors=True)
        self.events: list[Event] = []
        self.bus.subscribe(OrderEvent, self.events.append)
        limiter = RateLimiter(
            [RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * 10**9, 100_000)], clock=self.clock
        )
        store = StoreWriter(KernelStore.open(f"sqlite:///{db}")) if db else None
        self.engine = ExecutionEngine(
            adapter=venue, bus=self.bus, limiter=limiter, clock=self.clock, store=store
        )

    def of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(FakeVenue(), tmp_path / "k.sqlite")
    await harness.engine.start()
    yield harness
    await harness.engine.stop()


def _buy(cid: str = "tw-1", qty: str = "0.0015", price: str = "25000.019") -> SubmitOrder:
    return SubmitOrder(
        strategy_id="s",
        client_order_id=cid,
        venue="fake",
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal(qty),
        price=Decimal(price),
        ts_init=T0,
    )


async def test_submit_rounds_sends_once_and_tracks_the_ack(h: Harness) -> None:
    order = await h.engine.submit(_buy())
    assert order is not None and order.status is OrderStatus.NEW
    # a buy rounds down on both grids: 25000.019 → 25000.01 (tick 0.01), 0.0015 → 0.001
    (request,) = h.venue.requests
    assert (request.price, request.quantity) == (Decimal("25000.01"), Decimal("0.001"))
    assert [type(e) for e in h.events] == [OrderSubmitted, OrderAccepted]
    again = await h.engine.submit(_buy())
    assert again == h.engine.tracker.get("tw-1")
    assert len(h.venue.requests) == 1  # the same client id is never sent twice


async def test_pretrade_and_venue_refusals(h: Harness) -> None:
    # 0.001 × 100 = 0.1 USDT < min notional 5: refused before any request
    assert await h.engine.submit(_buy("tw-small", qty="0.001", price="100")) is None
    assert h.venue.requests == []
    (rejected,) = h.of(OrderRejected)
    assert "min_notional" in rejected.reason  # type: ignore[attr-defined]
    h.venue.reject_next = "Account has insufficient balance"
    order = await h.engine.submit(_buy("tw-2"))
    assert order is not None and order.status is OrderStatus.REJECTED
    with pytest.raises(UnknownInstrument):
        await h.engine.submit(_buy().__class__(**{**_fields(_buy()), "symbol": "DOGE/USDT"}))
    with pytest.raises(WrongVenue):
        await h.engine.submit(_buy().__class__(**{**_fields(_buy()), "venue": "other"}))


def _fields(command: SubmitOrder) -> dict[str, object]:
    return {name: getattr(command, name) for name in command.__dataclass_fields__}


async def test_stream_fills_apply_once_and_fill_the_order(h: Harness) -> None:
    await h.engine.submit(_buy(qty="0.003"))
    first = h.venue.fill("tw-1", "0.001", "25000")
    h.venue.push(first)  # the stream repeats a trade: applied once
    h.venue.fill("tw-1", "0.002", "24999.5")
    await h.engine.drain()
    order = h.engine.tracker.get("tw-1")
    assert order is not None and order.status is OrderStatus.FILLED
    assert len(h.of(OrderFilled)) == 2 and len(h.engine.ledger) == 2
    # 0.001×25000 + 0.002×24999.5 = 25 + 49.999 = 74.999
    assert order.filled_notional == Decimal("74.999")


async def test_cancel_waits_for_a_fill_the_venue_reported_first(h: Harness) -> None:
    await h.engine.submit(_buy(qty="0.003"))
    late = h.venue.fill("tw-1", "0.001", "25000", stream=False)
    canceled = await h.engine.cancel(
        CancelOrder(venue="fake", symbol="BTC/USDT", client_order_id="tw-1", ts_init=T0)
    )
    # the venue says canceled with 0.001 filled, but that trade has not reached us yet
    assert canceled.status is OrderStatus.PENDING_CANCEL
    h.venue.push(late)
    await h.engine.drain()
    order = h.engine.tracker.get("tw-1")
    assert order is not None and order.status is OrderStatus.CANCELED
    assert order.filled_qty == Decimal("0.001")
    assert [type(e).__name__ for e in h.events][-2:] == ["OrderFilled", "OrderCanceled"]


async def test_bad_reports_are_refused_without_state_change(h: Harness) -> None:
    await h.engine.submit(_buy(qty="0.001"))
    before = h.engine.tracker.get("tw-1")
    venue_id = h.venue.orders["tw-1"].venue_order_id
    common = {"venue": "fake", "symbol": "BTC/USDT", "venue_order_id": venue_id,
              "client_order_id": "tw-1", "price": Decimal(1), "fee": Decimal(0),
              "fee_asset": "USDT", "ts_event": T0, "ts_init": T0}  # fmt: skip
    overfill = FillReport(trade_id="91", side=OrderSide.BUY, qty=Decimal("0.002"), **common)
    wrong_side = FillReport(trade_id="92", side=OrderSide.SELL, qty=Decimal("0.001"), **common)
    stranger = OrderStatusReport(
        venue="fake", symbol="BTC/USDT", venue_order_id="555", client_order_id="not-ours",
        side=OrderSide.BUY, order_type=OrderType.LIMIT, status=OrderStatus.NEW,
        quantity=Decimal(1), filled_qty=Decimal(0), ts_event=T0, ts_init=T0,
    )  # fmt: skip
    for report in (overfill, wrong_side, stranger):
        h.venue.push(report)
    await h.engine.drain()
    assert h.engine.refused_reports == 3
    assert h.engine.tracker.get("tw-1") == before
    assert len(h.engine.ledger) == 0 and h.of(OrderFilled) == []


async def test_restart_rebuilds_from_store_and_reconciles_missed_fills(tmp_path: Path) -> None:
    venue = FakeVenue()
    first = Harness(venue, tmp_path / "k.sqlite")
    await first.engine.start()
    await first.engine.submit(_buy("tw-a", qty="0.005"))
    await first.engine.submit(_buy("tw-b", qty="0.002"))
    venue.fill("tw-a", "0.001", "25000")
    await first.engine.drain()
    await first.engine._store.close()  # type: ignore[union-attr]  # a crash: nothing else runs
    # while the kernel is down: three more trades and a cancel happen at the venue
    venue.on_report = None
    venue.fill("tw-a", "0.001", "25000", stream=False)
    venue.fill("tw-a", "0.003", "25001", stream=False)
    venue.fill("tw-b", "0.001", "24000", stream=False)
    await venue.cancel("BTC/USDT", "tw-b")

    second = Harness(venue, tmp_path / "k.sqlite")
    await second.engine.start()
    a, b = second.engine.tracker.get("tw-a"), second.engine.tracker.get("tw-b")
    assert a is not None and a.status is OrderStatus.FILLED and a.filled_qty == Decimal("0.005")
    assert b is not None and b.status is OrderStatus.CANCELED and b.filled_qty == Decimal("0.001")
    # 4 trades at the venue, 4 in the ledger: trade 1 came from the store, 2-4 from reconciliation
    assert sorted(f.trade_id for f in second.engine.fills()) == ["1", "2", "3", "4"]
    assert len(second.of(OrderFilled)) == 3 and len(second.of(OrderCanceled)) == 1
    # resubmitting an intent the first run sent is refused by the restored tracker
    await second.engine.submit(_buy("tw-a", qty="0.005"))
    assert len(venue.requests) == 2
    await second.engine.stop()
    stored = KernelStore.open(f"sqlite:///{tmp_path / 'k.sqlite'}")
    assert stored.last_trade_ids("fake") == {"BTC/USDT": "4"}
    assert len(stored.load_fills()) == 4
    stored.close()


async def test_reconnect_triggers_reconciliation(h: Harness) -> None:
    await h.engine.submit(_buy(qty="0.002"))
    h.venue.fill("tw-1", "0.002", "25000", stream=False)  # lost while the stream was down
    h.venue.reconnect()
    for task in list(h.engine._reconnects):
        await task
    order = h.engine.tracker.get("tw-1")
    assert order is not None and order.status is OrderStatus.FILLED


async def test_restart_resends_only_orders_the_venue_never_saw(tmp_path: Path) -> None:
    venue = FakeVenue()
    first = Harness(venue, tmp_path / "k.sqlite")
    await first.engine.start()
    venue.lose_next = "request"
    lost = await first.engine.submit(_buy("tw-lost"))
    venue.lose_next = "response"
    unacked = await first.engine.submit(_buy("tw-unacked"))
    # both outcomes are unknown to the kernel: neither is rejected, both stay pending
    assert lost is not None and lost.status is OrderStatus.PENDING_NEW
    assert unacked is not None and unacked.status is OrderStatus.PENDING_NEW
    await first.engine._store.close()  # type: ignore[union-attr]  # crash
    assert [r.client_order_id for r in venue.requests] == ["tw-unacked"]

    second = Harness(venue, tmp_path / "k.sqlite")
    second.clock.advance_by(2 * 10**9)  # the restart took 2 s: past the 1 s restart grace
    await second.engine.start()
    # tw-unacked is found by a status query, tw-lost is sent again under the same id
    assert [r.client_order_id for r in venue.requests] == ["tw-unacked", "tw-lost"]
    for cid in ("tw-lost", "tw-unacked"):
        order = second.engine.tracker.get(cid)
        assert order is not None and order.status is OrderStatus.NEW, cid
    await second.engine.stop()
