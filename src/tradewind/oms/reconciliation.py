"""Reconciliation: compare local orders with what the venue reports and derive the corrections.

Input: our orders on one venue, the venue's status reports (its open orders plus any order we
asked about), its trades since the last one we saw, the fills we already applied, and the ids
the venue said it does not know. Output: the order events that bring local state in line, in an
order the state machine accepts, plus everything that needs a human or another query.

Pure: nothing is applied here. The caller publishes ``events`` (each already dry-run through a
copy of the order's state machine) and books ``external_fills`` (trades of orders we did not
place) in the account ledger.

    local PENDING_NEW, venue knows it    → OrderAccepted (then fills, then a terminal event)
    venue trade we have not applied      → OrderFilled
    venue CANCELED / EXPIRED / REJECTED  → OrderCanceled / OrderExpired / OrderRejected
    venue FILLED                         → the missing fills (never a made-up fill)
    local open, venue: unknown id        → OrderRejected once older than the grace period
    local open, venue: no report         → listed in ``to_query``
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tradewind.core.enums import OrderStatus
from tradewind.core.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from tradewind.core.fills import Fill, FillKey
from tradewind.core.orders import Order
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.order_state import OrderStateError, OrderStateMachine

__all__ = ["Discrepancy", "DiscrepancyKind", "ReconciliationResult", "reconcile"]


class DiscrepancyKind(StrEnum):
    """What reconciliation could not fix by itself."""

    UNKNOWN_ORDER = "unknown_order"  # open at the venue, not placed by us
    MISSING_FILLS = "missing_fills"  # the venue filled more than the trades we hold
    EXCESS_FILLS = "excess_fills"  # we hold more filled than the venue reports
    OPEN_AT_VENUE = "open_at_venue"  # closed locally but open at the venue
    VANISHED = "vanished"  # acknowledged once, now unknown to the venue
    AWAITING_VENUE = "awaiting_venue"  # pending and unknown to the venue, within grace
    REFUSED_EVENT = "refused_event"  # a correction the state machine refused


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One problem: ``kind``, the order it concerns (either id may be None), and the detail."""

    kind: DiscrepancyKind
    client_order_id: str | None
    venue_order_id: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class ReconciliationResult:
    """Corrective ``events`` in apply order; ``to_query``: client ids needing a status query."""

    events: tuple[OrderEvent, ...]
    discrepancies: tuple[Discrepancy, ...]
    to_query: tuple[str, ...]
    external_fills: tuple[Fill, ...]

    @property
    def is_clean(self) -> bool:
        return not (self.events or self.discrepancies or self.to_query or self.external_fills)


_TERMINAL_EVENT = {
    OrderStatus.CANCELED: OrderCanceled,
    OrderStatus.EXPIRED: OrderExpired,
}


def reconcile(
    *,
    venue: str,
    orders: Iterable[Order],
    reports: Sequence[OrderStatusReport],
    fills: Sequence[FillReport],
    applied: Container[FillKey],
    not_found: Collection[str] = (),
    trade_ids: Mapping[str, frozenset[str]] | None = None,
    now_ns: int,
    pending_grace_ns: int,
) -> ReconciliationResult:
    """The corrections that make our ``orders`` on ``venue`` agree with the venue's reports.

    ``applied``: (venue, trade id) keys already applied (a FillLedger works). ``trade_ids``:
    per client order id, trade ids its state machine already holds (default: none).
    ``not_found``: client ids the venue answered "unknown order" for. ``pending_grace_ns``: how
    long a submitted order may stay unknown to the venue before it is declared rejected (its
    request may still be in flight).
    """
    run = _Run(venue, orders, trade_ids or {}, now_ns)
    run.match_reports(reports)
    run.match_fills(fills, applied)
    for client_id in list(run.machines):
        run.settle(client_id, set(not_found), pending_grace_ns)
    return ReconciliationResult(
        events=tuple(run.events),
        discrepancies=tuple(run.problems),
        to_query=tuple(run.to_query),
        external_fills=tuple(run.external),
    )


class _Run:
    """The working state of one reconciliation."""

    def __init__(
        self,
        venue: str,
        orders: Iterable[Order],
        trade_ids: Mapping[str, frozenset[str]],
        now_ns: int,
    ) -> None:
        self.venue = venue
        self.now = now_ns
        local = sorted(
            (order for order in orders if order.venue == venue),
            key=lambda order: (order.ts_init, order.client_order_id),
        )
        # copies: reconciliation dry-runs every correction, the caller's state is untouched
        self.machines = {
            order.client_order_id: OrderStateMachine(
                order, trade_ids.get(order.client_order_id, frozenset())
            )
            for order in local
        }
        self.by_venue_id = {
            order.venue_order_id: order.client_order_id
            for order in local
            if order.venue_order_id is not None
        }
        self.report_of: dict[str, OrderStatusReport] = {}
        self.fills_of: dict[str, list[FillReport]] = {}
        self.events: list[OrderEvent] = []
        self.problems: list[Discrepancy] = []
        self.to_query: list[str] = []
        self.external: list[Fill] = []

    def _ours(self, client_id: str | None, venue_order_id: str) -> str | None:
        if client_id is not None and client_id in self.machines:
            return client_id
        return self.by_venue_id.get(venue_order_id)

    def match_reports(self, reports: Sequence[OrderStatusReport]) -> None:
        for report in reports:
            if report.venue != self.venue:
                continue
            client_id = self._ours(report.client_order_id, report.venue_order_id)
            if client_id is None:
                if report.status.is_open:
                    self._problem(
                        DiscrepancyKind.UNKNOWN_ORDER,
                        report.client_order_id,
                        report.venue_order_id,
                        f"{report.side} {report.quantity} {report.symbol} open at the venue",
                    )
                continue
            self.report_of[client_id] = report
            self.by_venue_id[report.venue_order_id] = client_id

    def match_fills(self, fills: Sequence[FillReport], applied: Container[FillKey]) -> None:
        for fill in sorted(fills, key=_fill_order):
            if fill.venue != self.venue or (fill.venue, fill.symbol, fill.trade_id) in applied:
                continue
            client_id = self._ours(fill.client_order_id, fill.venue_order_id)
            if client_id is None:
                self.external.append(fill.to_fill())
                continue
            self.fills_of.setdefault(client_id, []).append(fill)

    def settle(self, client_id: str, not_found: set[str], grace_ns: int) -> None:
        machine = self.machines[client_id]
        report = self.report_of.get(client_id)
        if report is not None and machine.order.status is OrderStatus.PENDING_NEW:
            if report.status is OrderStatus.REJECTED:
                self._emit(machine, OrderRejected, report.ts_event, reason="venue reports rejected")
                return
            self._emit(
                machine, OrderAccepted, report.ts_event, venue_order_id=report.venue_order_id
            )
        for fill in self.fills_of.get(client_id, ()):
            if fill.trade_id not in machine.trade_ids:
                self._apply(
                    machine,
                    OrderFilled.from_fill(
                        fill.to_fill(client_id), client_order_id=client_id, ts_init=self.now
                    ),
                )
        if report is None:
            self._unreported(machine, client_id in not_found, grace_ns)
        else:
            self._compare(machine, report)

    def _compare(self, machine: OrderStateMachine, report: OrderStatusReport) -> None:
        order = machine.order
        if order.filled_qty < report.filled_qty:
            self._problem(
                DiscrepancyKind.MISSING_FILLS,
                order.client_order_id,
                report.venue_order_id,
                f"venue filled {report.filled_qty}, trades held cover {order.filled_qty}: "
                "query the order's trades",
            )
        elif order.filled_qty > report.filled_qty:
            self._problem(
                DiscrepancyKind.EXCESS_FILLS,
                order.client_order_id,
                report.venue_order_id,
                f"venue filled {report.filled_qty}, we applied {order.filled_qty}",
            )
        terminal = _TERMINAL_EVENT.get(report.status)
        if terminal is not None and order.status.is_open:
            self._emit(machine, terminal, report.ts_event, venue_order_id=report.venue_order_id)
        elif report.status.is_open and order.status.is_terminal:
            self._problem(
                DiscrepancyKind.OPEN_AT_VENUE,
                order.client_order_id,
                report.venue_order_id,
                f"{order.status} here, {report.status} at the venue: cancel it there",
            )

    def _unreported(self, machine: OrderStateMachine, unknown: bool, grace_ns: int) -> None:
        order = machine.order
        if not order.status.is_open:
            return
        if not unknown:
            self.to_query.append(order.client_order_id)
            return
        if order.status is not OrderStatus.PENDING_NEW:
            self._problem(
                DiscrepancyKind.VANISHED,
                order.client_order_id,
                order.venue_order_id,
                f"{order.status} here, unknown to the venue",
            )
        elif self.now - order.ts_init >= grace_ns:
            self._emit(machine, OrderRejected, self.now, reason="unknown to the venue")
        else:
            self._problem(
                DiscrepancyKind.AWAITING_VENUE,
                order.client_order_id,
                None,
                f"submitted {self.now - order.ts_init} ns ago, not yet known to the venue",
            )

    def _emit(
        self, machine: OrderStateMachine, kind: type[OrderEvent], ts_event: int, **fields: object
    ) -> None:
        order = machine.order
        event = kind(
            client_order_id=order.client_order_id,
            venue=order.venue,
            symbol=order.symbol,
            ts_event=ts_event,
            ts_init=self.now,
            **fields,
        )
        self._apply(machine, event)

    def _apply(self, machine: OrderStateMachine, event: OrderEvent) -> None:
        try:
            machine.apply(event)
        except OrderStateError as exc:
            self._problem(
                DiscrepancyKind.REFUSED_EVENT,
                machine.order.client_order_id,
                machine.order.venue_order_id,
                str(exc),
            )
            return
        self.events.append(event)

    def _problem(
        self, kind: DiscrepancyKind, client_id: str | None, venue_order_id: str | None, detail: str
    ) -> None:
        self.problems.append(Discrepancy(kind, client_id, venue_order_id, detail))


def _fill_order(fill: FillReport) -> tuple[int, int, str]:
    numeric = int(fill.trade_id) if fill.trade_id.isdigit() else -1
    return (fill.ts_event, numeric, fill.trade_id)
