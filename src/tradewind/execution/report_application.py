"""Report application: venue reports (REST replies, the user stream, reconciliation queries)
into order events, fills and their persistence — one part of the ExecutionEngine.

    OrderStatusReport ─▶ events_for_status ─▶ OrderTracker ─▶ store ─▶ bus
    FillReport ─▶ FillLedger (a venue, symbol, trade id applies once) ─▶ OrderFilled
               ─▶ store ─▶ bus

Every change is applied in memory without an await in between, then written, then published.
A report that would move an order backwards, or that belongs to no order here, is refused
(``venue_report_refused``) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradewind.bus.interface import MessageBus
from tradewind.common.logging import get_logger
from tradewind.core.clock import TimerClock
from tradewind.core.events import OrderEvent, OrderFilled
from tradewind.core.orders import Order
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.execution.report_events import events_for_status
from tradewind.execution.store_writer import StoreWriter
from tradewind.oms.fill_ledger import FillLedger
from tradewind.oms.order_state import OrderStateError
from tradewind.oms.order_tracker import OrderTracker, UnknownOrder

__all__ = ["ReportApplication"]

log = get_logger("execution.engine")


class ReportApplication:
    """Applies one venue's reports to the tracker and the ledger (the engine's state)."""

    venue: str
    tracker: OrderTracker
    ledger: FillLedger
    refused_reports: int
    _bus: MessageBus
    _clock: TimerClock
    _store: StoreWriter | None
    _held: dict[str, OrderStatusReport]

    async def on_report(self, report: OrderStatusReport | FillReport) -> None:
        """Apply one venue report (from a REST reply, the user stream or a query)."""
        if report.venue != self.venue:
            self._refuse_report(report, "report for another venue")
            return
        if isinstance(report, FillReport):
            await self._on_fill(report)
        elif isinstance(report, OrderStatusReport):
            await self._on_status(report)
        else:
            self._refuse_report(report, "not an order or fill report")

    def _find(self, client_order_id: str | None, venue_order_id: str) -> Order | None:
        if client_order_id is not None:
            order = self.tracker.get(client_order_id)
            if order is not None:
                return order
        return self.tracker.by_venue_order_id(self.venue, venue_order_id)

    async def _on_status(self, report: OrderStatusReport) -> None:
        order = self._find(report.client_order_id, report.venue_order_id)
        if order is None:
            self._refuse_report(report, "status of an order this engine did not place")
            return
        outcome = events_for_status(order, report, ts_init=self._clock.now_ns())
        if outcome.held:
            self._held[order.client_order_id] = report
        await self._apply_events(outcome.events)

    async def _on_fill(self, report: FillReport) -> None:
        if self.ledger.seen(self.venue, report.symbol, report.trade_id):
            log.debug("fill_duplicate", trade_id=report.trade_id)
            return
        order = self._find(report.client_order_id, report.venue_order_id)
        if order is None:
            fill = report.to_fill()
            try:
                self.ledger.apply(fill)
            except ValueError as exc:
                self._refuse_report(report, str(exc))
                return
            log.warning("fill_of_unknown_order", trade_id=report.trade_id, symbol=report.symbol)
            if self._store is not None:
                await self._store.record_fill(fill, None)
            return
        fill = report.to_fill(order.client_order_id)
        event = OrderFilled.from_fill(
            fill, client_order_id=order.client_order_id, ts_init=self._clock.now_ns()
        )
        machine = self.tracker.machine(order.client_order_id)
        assert machine is not None
        try:
            machine.copy().apply(event)  # dry run: refuse before anything changes
            self.ledger.apply(fill)
        except (OrderStateError, ValueError) as exc:
            self._refuse_report(report, str(exc))
            return
        updated = self.tracker.apply(event)
        if self._store is not None:
            await self._store.record_fill(fill, updated)
        await self._bus.publish(event)
        await self._release_held(updated)

    async def _release_held(self, order: Order) -> None:
        held = self._held.get(order.client_order_id)
        if held is None:
            return
        outcome = events_for_status(order, held, ts_init=self._clock.now_ns())
        if not outcome.held:
            del self._held[order.client_order_id]
            await self._apply_events(outcome.events)

    def _refuse_report(self, report: object, reason: str) -> None:
        self.refused_reports += 1
        log.warning(
            "venue_report_refused",
            venue=self.venue,
            report_type=type(report).__name__,
            client_order_id=getattr(report, "client_order_id", None),
            venue_order_id=getattr(report, "venue_order_id", None),
            trade_id=getattr(report, "trade_id", None),
            reason=reason,
        )

    def _event(self, order: Order, kind: type[OrderEvent], **fields: object) -> OrderEvent:
        now = self._clock.now_ns()
        return kind(
            client_order_id=order.client_order_id,
            venue=order.venue,
            symbol=order.symbol,
            ts_event=now,
            ts_init=now,
            **fields,
        )

    async def _apply_events(self, events: Iterable[OrderEvent]) -> None:
        applied: list[OrderEvent] = []
        changed: dict[str, Order] = {}
        for event in events:
            try:
                changed[event.client_order_id] = self.tracker.apply(event)
            except (OrderStateError, UnknownOrder) as exc:
                self._refuse_report(event, str(exc))
                continue
            applied.append(event)
            if (
                event.client_order_id in self._held
                and changed[event.client_order_id].is_open is False
            ):
                del self._held[event.client_order_id]
        if not applied:
            return
        if self._store is not None:
            await self._store.save_orders(changed.values())
        for event in applied:
            await self._bus.publish(event)
