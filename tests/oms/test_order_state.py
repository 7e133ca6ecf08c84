"""Every event in every state: the legal moves, out-of-order reports and illegal transitions."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.core import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderSubmitted,
    OrderType,
)
from tradewind.oms import (
    DuplicateFill,
    DuplicateSubmission,
    IllegalTransition,
    OrderStateMachine,
    OrderTracker,
    OutOfOrderReport,
    UnknownOrder,
)

S = OrderStatus
BASE: dict[str, Any] = {"client_order_id": "tw-1", "venue": "binance", "symbol": "BTC/USDT"}


def order_in(status: OrderStatus) -> Order:
    # quantity 2; partially filled orders hold 1 @ 100, filled ones 2 @ 100
    filled = {S.PARTIALLY_FILLED: D(1), S.FILLED: D(2)}.get(status, D(0))
    return Order(
        **BASE,
        strategy_id="s",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(2),
        price=D(100),
        status=status,
        venue_order_id=None if status in (S.PENDING_NEW, S.REJECTED) else "v1",
        filled_qty=filled,
        filled_notional=filled * 100,
        ts_init=1,
        ts_last=1,
    )


def make(kind: str, **extra: object) -> OrderEvent:
    common: dict[str, Any] = {**BASE, "ts_event": 5, "ts_init": 6}
    if kind == "accepted":
        return OrderAccepted(**common, venue_order_id="v1")
    if kind == "rejected":
        return OrderRejected(**common, reason="insufficient balance")
    if kind == "pending_cancel":
        return OrderPendingCancel(**common)
    if kind == "cancel_rejected":
        return OrderCancelRejected(**common, reason="unknown order")
    if kind == "canceled":
        return OrderCanceled(**common, venue_order_id="v1")
    if kind == "expired":
        return OrderExpired(**common)
    fields: dict[str, Any] = {
        "venue_order_id": "v1",
        "trade_id": "t9",
        "side": OrderSide.BUY,
        "last_px": D(101),
        "last_qty": D("0.5"),
        "fee": D(0),
        "fee_asset": "USDT",
    }
    fields.update(extra)
    return OrderFilled(**common, **fields)


OOO, ILLEGAL = "out_of_order", "illegal"
OPEN = (S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL)
ALL = (*OPEN, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED)

# expected result of each event in each state: the new status, or how it is refused
TABLE: dict[str, dict[OrderStatus, object]] = {
    "accepted": {
        S.PENDING_NEW: S.NEW,
        S.NEW: OOO,
        S.PARTIALLY_FILLED: OOO,
        S.PENDING_CANCEL: OOO,
        S.FILLED: OOO,
        S.CANCELED: OOO,
        S.EXPIRED: OOO,
        S.REJECTED: ILLEGAL,
    },
    "rejected": {
        S.PENDING_NEW: S.REJECTED,
        S.REJECTED: OOO,
        S.NEW: ILLEGAL,
        S.PARTIALLY_FILLED: ILLEGAL,
        S.PENDING_CANCEL: ILLEGAL,
        S.FILLED: ILLEGAL,
        S.CANCELED: ILLEGAL,
        S.EXPIRED: ILLEGAL,
    },
    "pending_cancel": {
        S.NEW: S.PENDING_CANCEL,
        S.PARTIALLY_FILLED: S.PENDING_CANCEL,
        S.PENDING_CANCEL: OOO,
        S.PENDING_NEW: ILLEGAL,
        S.FILLED: ILLEGAL,
        S.CANCELED: ILLEGAL,
        S.REJECTED: ILLEGAL,
        S.EXPIRED: ILLEGAL,
    },
    "cancel_rejected": {
        S.PENDING_CANCEL: S.NEW,
        S.FILLED: OOO,
        S.CANCELED: OOO,
        S.EXPIRED: OOO,
        S.PENDING_NEW: ILLEGAL,
        S.NEW: ILLEGAL,
        S.PARTIALLY_FILLED: ILLEGAL,
        S.REJECTED: ILLEGAL,
    },
    "canceled": {
        S.PENDING_NEW: S.CANCELED,
        S.NEW: S.CANCELED,
        S.PARTIALLY_FILLED: S.CANCELED,
        S.PENDING_CANCEL: S.CANCELED,
        S.CANCELED: OOO,
        S.FILLED: ILLEGAL,
        S.REJECTED: ILLEGAL,
        S.EXPIRED: ILLEGAL,
    },
    "expired": {
        S.PENDING_NEW: S.EXPIRED,
        S.NEW: S.EXPIRED,
        S.PARTIALLY_FILLED: S.EXPIRED,
        S.PENDING_CANCEL: S.EXPIRED,
        S.EXPIRED: OOO,
        S.FILLED: ILLEGAL,
        S.CANCELED: ILLEGAL,
        S.REJECTED: ILLEGAL,
    },
    "fill": {
        S.PENDING_NEW: S.PARTIALLY_FILLED,
        S.NEW: S.PARTIALLY_FILLED,
        S.PARTIALLY_FILLED: S.PARTIALLY_FILLED,
        S.PENDING_CANCEL: S.PENDING_CANCEL,
        S.FILLED: ILLEGAL,
        S.CANCELED: ILLEGAL,
        S.REJECTED: ILLEGAL,
        S.EXPIRED: ILLEGAL,
    },
}

CASES = [
    (kind, status, expected) for kind, row in TABLE.items() for status, expected in row.items()
]


def test_the_table_covers_every_event_in_every_state() -> None:
    assert all(set(row) == set(ALL) for row in TABLE.values())
    assert len(CASES) == 7 * 8


@pytest.mark.parametrize(("kind", "status", "expected"), CASES, ids=lambda v: str(v))
def test_transition(kind: str, status: OrderStatus, expected: object) -> None:
    machine = OrderStateMachine(order_in(status))
    before = machine.order
    event = make(kind)
    if isinstance(expected, OrderStatus):
        after = machine.apply(event)
        assert after.status is expected
        assert machine.order == after and after.ts_last == 5
        return
    error = OutOfOrderReport if expected == OOO else IllegalTransition
    with pytest.raises(error) as caught:
        machine.apply(event)
    if expected == ILLEGAL:
        assert not isinstance(caught.value, OutOfOrderReport)
    assert machine.order == before  # a refused event changes nothing
    assert caught.value.status is status and caught.value.event is event
    assert str(status) in str(caught.value)


def test_fills_accumulate_to_filled_with_exact_average() -> None:
    machine = OrderStateMachine(order_in(S.NEW))
    machine.apply(make("fill", trade_id="a", last_qty=D("0.5"), last_px=D("100.10")))
    order = machine.apply(make("fill", trade_id="b", last_qty=D("1.5"), last_px=D("100.30")))
    # 0.5 @ 100.10 + 1.5 @ 100.30 = 50.05 + 150.45 = 200.50 over 2 → 100.25
    assert order.status is S.FILLED and order.filled_qty == D(2)
    assert order.avg_fill_price == D("100.25")
    assert machine.trade_ids == frozenset({"a", "b"})


def test_fill_completing_a_pending_cancel_order_is_filled() -> None:
    machine = OrderStateMachine(order_in(S.PENDING_CANCEL))
    assert machine.apply(make("fill", last_qty=D(2))).status is S.FILLED


def test_cancel_rejected_returns_a_partly_filled_order_to_partially_filled() -> None:
    machine = OrderStateMachine(order_in(S.PARTIALLY_FILLED))
    machine.apply(make("pending_cancel"))
    assert machine.apply(make("cancel_rejected")).status is S.PARTIALLY_FILLED


def test_duplicate_fill_is_recognised_even_after_the_order_closed() -> None:
    machine = OrderStateMachine(order_in(S.NEW))
    machine.apply(make("fill", trade_id="x", last_qty=D(2)))
    with pytest.raises(DuplicateFill):
        machine.apply(make("fill", trade_id="x", last_qty=D(2)))
    assert machine.order.filled_qty == D(2)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"last_qty": D("1.5")}, "overfill"),  # 1 held + 1.5 > 2
        ({"side": OrderSide.SELL}, "sell fill on a buy order"),
        ({"venue_order_id": "other"}, "differs from known v1"),
    ],
)
def test_contradicting_fills_are_illegal(extra: dict[str, Any], needle: str) -> None:
    machine = OrderStateMachine(order_in(S.PARTIALLY_FILLED))
    before = machine.order
    with pytest.raises(IllegalTransition, match=needle):
        machine.apply(make("fill", **extra))
    assert machine.order == before


def test_event_for_another_order_is_illegal() -> None:
    machine = OrderStateMachine(order_in(S.NEW))
    other = OrderCanceled(
        client_order_id="tw-2", venue="binance", symbol="BTC/USDT", ts_event=0, ts_init=0
    )
    with pytest.raises(IllegalTransition, match="tw-2"):
        machine.apply(other)


def submitted(client_id: str = "tw-1") -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=client_id,
        venue="binance",
        symbol="BTC/USDT",
        strategy_id="s",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(2),
        price=D(100),
        ts_event=1,
        ts_init=1,
    )


def test_tracker_never_submits_a_known_id_twice() -> None:
    tracker = OrderTracker()
    order = tracker.submit(submitted())
    assert order.status is S.PENDING_NEW and "tw-1" in tracker and len(tracker) == 1
    with pytest.raises(DuplicateSubmission):
        tracker.submit(submitted())
    # still refused once the first order is closed (the venue would accept the id again)
    tracker.apply(make("accepted"))
    tracker.apply(make("canceled"))
    with pytest.raises(DuplicateSubmission, match="canceled"):
        tracker.submit(submitted())


def test_tracker_lookup_and_open_orders() -> None:
    tracker = OrderTracker()
    tracker.submit(submitted("tw-1"))
    tracker.submit(submitted("tw-2"))
    tracker.apply(make("accepted"))
    assert tracker.by_venue_order_id("binance", "v1") == tracker.get("tw-1")
    assert [o.client_order_id for o in tracker.open_orders("binance")] == ["tw-1", "tw-2"]
    tracker.apply(make("expired"))
    assert [o.client_order_id for o in tracker.open_orders()] == ["tw-2"]
    assert tracker.open_orders(symbol="ETH/USDT") == ()
    with pytest.raises(UnknownOrder):
        tracker.apply(
            OrderCanceled(
                client_order_id="nope", venue="binance", symbol="BTC/USDT", ts_event=0, ts_init=0
            )
        )
