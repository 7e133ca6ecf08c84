"""From a venue's order status report to the order events it implies, given our order's state.

Pure. A status report never makes up a fill: fills only come from FillReports (keyed by trade
id). So a terminal report (CANCELED / EXPIRED) whose filled quantity is ahead of the fills we
hold is *held back* until those fills arrive, otherwise the late fill would land on a closed
order and be refused.

    ours PENDING_NEW + venue REJECTED                 → OrderRejected
    ours PENDING_NEW + venue anything else            → OrderAccepted (+ what follows below)
    ours open + venue CANCELED/EXPIRED, fills caught up → OrderCanceled / OrderExpired
    ours open + venue CANCELED/EXPIRED, fills behind    → held (StatusOutcome.held)
    anything else (a repeat, NEW after NEW, FILLED)   → nothing; fills drive FILLED
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradewind.core.enums import OrderStatus
from tradewind.core.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderRejected,
)
from tradewind.core.orders import Order
from tradewind.core.reports import OrderStatusReport

__all__ = ["StatusOutcome", "events_for_status"]


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """Events to apply in order; ``held``: a terminal report waiting for fills still to come."""

    events: tuple[OrderEvent, ...]
    held: bool = False


def events_for_status(order: Order, report: OrderStatusReport, *, ts_init: int) -> StatusOutcome:
    """The events that move ``order`` to what ``report`` says (see the module table)."""
    events: list[OrderEvent] = []
    ids: dict[str, Any] = {
        "client_order_id": order.client_order_id,
        "venue": order.venue,
        "symbol": order.symbol,
        "ts_event": report.ts_event,
        "ts_init": ts_init,
    }
    if order.status is OrderStatus.PENDING_NEW:
        if report.status is OrderStatus.REJECTED:
            return StatusOutcome((OrderRejected(reason="rejected by the venue", **ids),))
        events.append(OrderAccepted(venue_order_id=report.venue_order_id, **ids))
    if order.status.is_terminal:
        return StatusOutcome(tuple(events))
    if report.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        if report.filled_qty > order.filled_qty:
            return StatusOutcome(tuple(events), held=True)
        kind = OrderCanceled if report.status is OrderStatus.CANCELED else OrderExpired
        events.append(kind(venue_order_id=report.venue_order_id, **ids))
    return StatusOutcome(tuple(events))
