"""The order state machine, driven by order events, refusing anything that does not fit.

    PENDING_NEW ──accepted──▶ NEW ──fill──▶ PARTIALLY_FILLED ──fill──▶ FILLED
        │  ╲                   │  ╲               │      ╲
        │   ╲ fill             │   cancel sent    │       cancel sent
     rejected ╲                ▼                  ▼
        ▼      ▶ PARTIALLY_   PENDING_CANCEL ◀────┘   (cancel rejected: back to NEW or
     REJECTED     FILLED /      │  fill stays here      PARTIALLY_FILLED by filled quantity)
                  FILLED        ▼
                              CANCELED

    canceled / expired are legal from every open state (IOC remainders expire before an ack).

A refused event raises and changes nothing:
    OutOfOrderReport   a report older than the state it would move (a late ack, a repeat of a
                       terminal report, a cancel-reject after the order closed)
    DuplicateFill      a trade id this order already applied (a kind of OutOfOrderReport)
    IllegalTransition  an event that contradicts the state (a fill after a cancel, an
                       overfill, a reject after an ack, the wrong order)
"""

from __future__ import annotations

from decimal import Decimal
from typing import NoReturn

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderStatus
from tradewind.core.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.core.orders import Order

__all__ = [
    "LEGAL_FROM",
    "DuplicateFill",
    "IllegalTransition",
    "OrderStateError",
    "OrderStateMachine",
    "OutOfOrderReport",
]

log = get_logger("oms.order_state")

S = OrderStatus
_OPEN = frozenset({S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL})

LEGAL_FROM: dict[type[OrderEvent], frozenset[OrderStatus]] = {
    OrderAccepted: frozenset({S.PENDING_NEW}),
    OrderRejected: frozenset({S.PENDING_NEW}),
    OrderPendingCancel: frozenset({S.NEW, S.PARTIALLY_FILLED}),
    OrderCancelRejected: frozenset({S.PENDING_CANCEL}),
    OrderCanceled: _OPEN,
    OrderExpired: _OPEN,
    OrderFilled: _OPEN,
}
"""For each event type, the statuses it may be applied in."""

# statuses in which the event is a late or repeated report rather than a contradiction
_LATE_IN: dict[type[OrderEvent], frozenset[OrderStatus]] = {
    OrderAccepted: frozenset(
        {S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.EXPIRED}
    ),
    OrderRejected: frozenset({S.REJECTED}),
    OrderPendingCancel: frozenset({S.PENDING_CANCEL}),
    OrderCancelRejected: frozenset({S.FILLED, S.CANCELED, S.EXPIRED}),
    OrderCanceled: frozenset({S.CANCELED}),
    OrderExpired: frozenset({S.EXPIRED}),
    OrderFilled: frozenset(),
}


class OrderStateError(Exception):
    """An event was refused; the order is unchanged."""

    def __init__(self, order: Order, event: OrderEvent, reason: str) -> None:
        super().__init__(
            f"{type(event).__name__} refused for order {order.client_order_id} "
            f"in {order.status}: {reason}"
        )
        self.client_order_id = order.client_order_id
        self.status = order.status
        self.event = event
        self.reason = reason


class IllegalTransition(OrderStateError):
    """The event contradicts the order's state."""


class OutOfOrderReport(OrderStateError):
    """The event reports something the order has already moved past (or a repeat)."""


class DuplicateFill(OutOfOrderReport):
    """The fill's trade id was already applied to this order."""


class OrderStateMachine:
    """Owns one order's state; ``apply`` moves it by one event or raises without changing it."""

    __slots__ = ("_order", "_trade_ids")

    def __init__(self, order: Order, trade_ids: frozenset[str] = frozenset()) -> None:
        self._order = order
        self._trade_ids = set(trade_ids)

    @classmethod
    def from_submitted(cls, event: OrderSubmitted) -> OrderStateMachine:
        """A machine in PENDING_NEW for a just-submitted order."""
        return cls(
            Order(
                client_order_id=event.client_order_id,
                strategy_id=event.strategy_id,
                venue=event.venue,
                symbol=event.symbol,
                side=event.side,
                order_type=event.order_type,
                quantity=event.quantity,
                price=event.price,
                time_in_force=event.time_in_force,
                status=OrderStatus.PENDING_NEW,
                ts_init=event.ts_init,
                ts_last=event.ts_event,
            )
        )

    @property
    def order(self) -> Order:
        return self._order

    @property
    def trade_ids(self) -> frozenset[str]:
        return frozenset(self._trade_ids)

    def copy(self) -> OrderStateMachine:
        """An independent machine in the same state (for dry runs such as reconciliation)."""
        return OrderStateMachine(self._order, frozenset(self._trade_ids))

    def apply(self, event: OrderEvent) -> Order:
        """The order after ``event``; raises an OrderStateError subclass and changes nothing."""
        order = self._order
        if (event.client_order_id, event.venue, event.symbol) != (
            order.client_order_id,
            order.venue,
            order.symbol,
        ):
            self._refuse(
                IllegalTransition,
                event,
                f"event is for {event.venue}:{event.symbol}:{event.client_order_id}",
            )
        if isinstance(event, OrderFilled) and event.trade_id in self._trade_ids:
            # checked first: a repeated fill is a duplicate even after the order closed
            self._refuse(DuplicateFill, event, f"trade {event.trade_id} already applied")
        legal = LEGAL_FROM.get(type(event))
        if legal is None:
            self._refuse(IllegalTransition, event, "not an event that moves an order")
        if order.status not in legal:
            late = order.status in _LATE_IN.get(type(event), frozenset())
            self._refuse(
                OutOfOrderReport if late else IllegalTransition,
                event,
                "late or repeated report" if late else f"not allowed from {order.status}",
            )
        updated = self._next(order, event)
        self._order = updated
        if isinstance(event, OrderFilled):
            self._trade_ids.add(event.trade_id)
        return updated

    def _next(self, order: Order, event: OrderEvent) -> Order:
        ts = max(order.ts_last, event.ts_event)
        if isinstance(event, OrderAccepted):
            self._check_venue_id(event, event.venue_order_id)
            return order.evolve(status=S.NEW, venue_order_id=event.venue_order_id, ts_last=ts)
        if isinstance(event, OrderRejected):
            return order.evolve(status=S.REJECTED, ts_last=ts)
        if isinstance(event, OrderPendingCancel):
            return order.evolve(status=S.PENDING_CANCEL, ts_last=ts)
        if isinstance(event, OrderCancelRejected):
            back = S.PARTIALLY_FILLED if order.filled_qty > 0 else S.NEW
            return order.evolve(status=back, ts_last=ts)
        if isinstance(event, OrderCanceled | OrderExpired):
            if event.venue_order_id is not None:
                self._check_venue_id(event, event.venue_order_id)
            status = S.CANCELED if isinstance(event, OrderCanceled) else S.EXPIRED
            return order.evolve(
                status=status,
                venue_order_id=order.venue_order_id or event.venue_order_id,
                ts_last=ts,
            )
        assert isinstance(event, OrderFilled)
        return self._filled(order, event, ts)

    def _filled(self, order: Order, event: OrderFilled, ts: int) -> Order:
        if event.side is not order.side:
            self._refuse(IllegalTransition, event, f"{event.side} fill on a {order.side} order")
        self._check_venue_id(event, event.venue_order_id)
        filled: Decimal = order.filled_qty + event.last_qty
        if filled > order.quantity:
            self._refuse(
                IllegalTransition,
                event,
                f"overfill: {order.filled_qty} + {event.last_qty} > {order.quantity}",
            )
        if filled == order.quantity:
            status = S.FILLED
        elif order.status is S.PENDING_CANCEL:
            status = S.PENDING_CANCEL  # the cancel is still in flight
        else:
            status = S.PARTIALLY_FILLED
        return order.evolve(
            status=status,
            filled_qty=filled,
            filled_notional=order.filled_notional + event.last_px * event.last_qty,
            venue_order_id=order.venue_order_id or event.venue_order_id,
            ts_last=ts,
        )

    def _check_venue_id(self, event: OrderEvent, venue_order_id: str) -> None:
        known = self._order.venue_order_id
        if known is not None and known != venue_order_id:
            self._refuse(
                IllegalTransition,
                event,
                f"venue order id {venue_order_id} differs from known {known}",
            )

    def _refuse(self, error: type[OrderStateError], event: OrderEvent, reason: str) -> NoReturn:
        log.warning(
            "order_event_refused",
            client_order_id=self._order.client_order_id,
            status=str(self._order.status),
            event_type=type(event).__name__,
            error=error.__name__,
            reason=reason,
        )
        raise error(self._order, event, reason)
