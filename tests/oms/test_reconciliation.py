"""Reconciliation outcomes: from local state and venue reports to corrective events."""

from __future__ import annotations

from decimal import Decimal as D

from tradewind.core import (
    FillReport,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderType,
)
from tradewind.oms import (
    DiscrepancyKind,
    FillLedger,
    OrderStateMachine,
    OrderTracker,
    ReconciliationResult,
    reconcile,
)

S = OrderStatus
SEC = 1_000_000_000
NOW = 1_000 * SEC
GRACE = 10 * SEC


def local(
    client_id: str,
    status: OrderStatus,
    *,
    filled: str = "0",
    venue_id: str | None = "v1",
    ts_init: int = NOW - 60 * SEC,
) -> Order:
    return Order(
        client_order_id=client_id,
        strategy_id="s",
        venue="binance",
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(2),
        price=D(100),
        status=status,
        venue_order_id=None if status is S.PENDING_NEW else venue_id,
        filled_qty=D(filled),
        filled_notional=D(filled) * 100,
        ts_init=ts_init,
        ts_last=ts_init,
    )


def report(
    client_id: str | None, status: OrderStatus, filled: str = "0", venue_id: str = "v1"
) -> OrderStatusReport:
    return OrderStatusReport(
        venue="binance",
        symbol="BTC/USDT",
        venue_order_id=venue_id,
        client_order_id=client_id,
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        status=status,
        quantity=D(2),
        filled_qty=D(filled),
        price=D(100),
        ts_event=NOW - SEC,
        ts_init=NOW,
    )


def trade(
    trade_id: str,
    qty: str,
    venue_id: str = "v1",
    client_id: str | None = None,
    ts: int = NOW - 30 * SEC,
) -> FillReport:
    # Binance's trade query names the venue order id only
    return FillReport(
        venue="binance",
        symbol="BTC/USDT",
        trade_id=trade_id,
        venue_order_id=venue_id,
        client_order_id=client_id,
        side=OrderSide.BUY,
        price=D(100),
        qty=D(qty),
        fee=D(0),
        fee_asset="USDT",
        ts_event=ts,
        ts_init=NOW,
    )


def run(
    orders: list[Order],
    reports: list[OrderStatusReport],
    fills: list[FillReport] = (),  # type: ignore[assignment]
    ledger: FillLedger | None = None,
    not_found: tuple[str, ...] = (),
) -> ReconciliationResult:
    return reconcile(
        venue="binance",
        orders=orders,
        reports=reports,
        fills=list(fills),
        applied=ledger or FillLedger(),
        not_found=not_found,
        now_ns=NOW,
        pending_grace_ns=GRACE,
    )


def kinds(result: ReconciliationResult) -> list[str]:
    return [type(event).__name__ for event in result.events]


def test_agreeing_state_is_clean() -> None:
    result = run([local("c1", S.NEW)], [report("c1", S.NEW)])
    assert result.is_clean


def test_pending_order_known_to_the_venue_is_accepted() -> None:
    result = run([local("c1", S.PENDING_NEW)], [report("c1", S.NEW, venue_id="v7")])
    assert kinds(result) == ["OrderAccepted"]
    event = result.events[0]
    assert isinstance(event, OrderAccepted) and event.venue_order_id == "v7"


def test_pending_order_filled_at_the_venue_gets_ack_then_fills() -> None:
    orders = [local("c1", S.PENDING_NEW)]
    result = run(
        orders,
        [report("c1", S.FILLED, filled="2", venue_id="v9")],
        [trade("12", "1.5", venue_id="v9"), trade("11", "0.5", venue_id="v9", ts=NOW - 40 * SEC)],
    )
    assert kinds(result) == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    # fills in venue order: trade 11 happened first
    assert [e.trade_id for e in result.events if isinstance(e, OrderFilled)] == ["11", "12"]
    assert not result.discrepancies
    # the events are accepted by a real state machine and leave the order filled
    machine = OrderStateMachine(orders[0])
    for event in result.events:
        machine.apply(event)
    assert machine.order.status is S.FILLED


def test_missed_partial_fill_and_cancel() -> None:
    result = run(
        [local("c1", S.NEW)], [report("c1", S.CANCELED, filled="0.5")], [trade("5", "0.5")]
    )
    assert kinds(result) == ["OrderFilled", "OrderCanceled"]
    assert result.events[0].client_order_id == "c1"  # matched by venue order id


def test_pending_cancel_confirmed_and_expiry() -> None:
    result = run(
        [local("c1", S.PENDING_CANCEL), local("c2", S.NEW, venue_id="v2")],
        [report("c1", S.CANCELED), report("c2", S.EXPIRED, venue_id="v2")],
    )
    assert kinds(result) == ["OrderCanceled", "OrderExpired"]
    assert isinstance(result.events[1], OrderExpired)


def test_fills_already_applied_are_not_repeated() -> None:
    ledger = FillLedger()
    ledger.apply(trade("5", "0.5").to_fill("c1"))
    result = run(
        [local("c1", S.PARTIALLY_FILLED, filled="0.5")],
        [report("c1", S.PARTIALLY_FILLED, filled="1")],
        [trade("5", "0.5"), trade("6", "0.5")],
        ledger=ledger,
    )
    assert [e.trade_id for e in result.events if isinstance(e, OrderFilled)] == ["6"]


def test_venue_filled_without_the_trades_is_flagged_not_invented() -> None:
    result = run([local("c1", S.NEW)], [report("c1", S.FILLED, filled="2")])
    assert result.events == ()
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.MISSING_FILLS]
    assert "query the order's trades" in result.discrepancies[0].detail


def test_more_filled_locally_than_at_the_venue_is_flagged() -> None:
    result = run([local("c1", S.PARTIALLY_FILLED, filled="1")], [report("c1", S.NEW)])
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.EXCESS_FILLS]


def test_unknown_open_order_and_external_fill() -> None:
    result = run(
        [],
        [report(None, S.NEW, venue_id="manual-1"), report(None, S.FILLED, venue_id="old")],
        [trade("99", "1", venue_id="manual-1")],
    )
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.UNKNOWN_ORDER]
    assert [f.trade_id for f in result.external_fills] == ["99"]
    assert result.events == ()


def test_open_order_without_a_report_needs_a_query() -> None:
    result = run([local("c1", S.NEW), local("c2", S.FILLED, filled="2")], [])
    assert result.to_query == ("c1",)  # closed orders need no query


def test_pending_order_unknown_to_the_venue_is_rejected_after_grace() -> None:
    young = local("young", S.PENDING_NEW, ts_init=NOW - 2 * SEC)
    old = local("old", S.PENDING_NEW, ts_init=NOW - 20 * SEC)
    result = run([young, old], [], not_found=("young", "old"))
    assert kinds(result) == ["OrderRejected"]
    rejected = result.events[0]
    assert isinstance(rejected, OrderRejected) and rejected.client_order_id == "old"
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.AWAITING_VENUE]


def test_acknowledged_order_unknown_to_the_venue_is_flagged() -> None:
    result = run([local("c1", S.NEW)], [], not_found=("c1",))
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.VANISHED]
    assert result.events == ()


def test_closed_here_open_there_is_flagged() -> None:
    result = run([local("c1", S.CANCELED)], [report("c1", S.NEW)])
    assert [d.kind for d in result.discrepancies] == [DiscrepancyKind.OPEN_AT_VENUE]


def test_venue_rejected_a_pending_order() -> None:
    result = run([local("c1", S.PENDING_NEW)], [report("c1", S.REJECTED)])
    assert kinds(result) == ["OrderRejected"]


def test_a_contradiction_is_reported_not_emitted() -> None:
    # both sides closed with the same fills: a terminal order is left alone
    result = run([local("c1", S.FILLED, filled="2")], [report("c1", S.CANCELED, filled="2")])
    assert result.is_clean
    # a correction the state machine refuses is reported, not emitted
    result = run(
        [local("c1", S.NEW)], [report("c1", S.CANCELED)], [trade("1", "3")]
    )  # a 3-unit trade on a 2-unit order
    assert result.discrepancies[0].kind is DiscrepancyKind.REFUSED_EVENT
    assert kinds(result) == ["OrderCanceled"]


def test_events_apply_cleanly_to_the_real_tracker() -> None:
    orders = [local("c1", S.PENDING_NEW), local("c2", S.NEW, venue_id="v2")]
    tracker = OrderTracker(OrderStateMachine(order) for order in orders)
    result = run(
        orders,
        [
            report("c1", S.PARTIALLY_FILLED, filled="1", venue_id="v1"),
            report("c2", S.CANCELED, venue_id="v2"),
        ],
        [trade("7", "1", venue_id="v1")],
    )
    for event in result.events:
        tracker.apply(event)
    assert tracker.get("c1").status is S.PARTIALLY_FILLED  # type: ignore[union-attr]
    assert tracker.get("c2").status is S.CANCELED  # type: ignore[union-attr]
    assert isinstance(result.events[-1], OrderCanceled)
