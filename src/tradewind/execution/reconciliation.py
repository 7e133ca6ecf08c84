"""Reconciliation: bring one venue's orders and fills in line with what the venue reports (at
start and after every reconnect) — one part of the ExecutionEngine.

    open orders + trades since each symbol's cursor + status of orders open here but not there
        ─▶ tradewind.oms.reconciliation.reconcile ─▶ corrections applied like live reports
        ─▶ cursors advanced ─▶ orders persisted but never sent are resent (same client id)

Fills go through the same path as live ones (ledger, store, bus); fills booked as external
because they arrived before their order's venue id was known are adopted by that order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace

from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.enums import OrderStatus
from tradewind.core.events import BalanceUpdated, OrderFilled
from tradewind.core.instruments import Instrument
from tradewind.core.orders import Order
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.execution.costs import EngineCosts
from tradewind.execution.report_application import ReportApplication
from tradewind.oms.order_state import OrderStateError
from tradewind.oms.rate_limiter import RateLimiter
from tradewind.oms.reconciliation import ReconciliationResult, reconcile
from tradewind.venues.base import OrderNotFound, VenueAdapter

__all__ = ["Reconciliation"]

log = get_logger("execution.engine")


class Reconciliation(ReportApplication):
    """Reconciles one venue; the engine provides the venue calls' limiter, costs and cursors."""

    adapter: VenueAdapter
    instruments: dict[str, Instrument]
    balances: dict[str, Balance]
    _limiter: RateLimiter
    _costs: EngineCosts
    _cursors: dict[str, str]
    _reconcile_lock: asyncio.Lock
    _grace: int
    _restart_grace: int

    async def _send(self, order: Order) -> Order:
        raise NotImplementedError  # the engine sends (tradewind.execution.engine)

    async def reconcile(self) -> ReconciliationResult:
        """Bring orders and fills in line with the venue (after start and every reconnect).

        Fetches open orders, every trade since each symbol's cursor, and the status of orders
        that are open here but not there; applies the corrections; then moves the cursors.
        """
        async with self._reconcile_lock:
            return await self._reconcile()

    async def _reconcile(self, resend_unknown: set[str] | None = None) -> ReconciliationResult:
        await self._limiter.acquire(self._costs.open_orders.weight)
        reports: list[OrderStatusReport] = list(await self.adapter.open_orders(None))
        symbols = {order.symbol for order in self.tracker} | set(self._cursors)
        fetched: dict[str, list[FillReport]] = {}
        for symbol in sorted(symbols):
            fetched[symbol] = await self._trades_since(symbol)
        fill_reports = [fill for fills in fetched.values() for fill in fills]
        reported = {r.client_order_id for r in reports} | {r.venue_order_id for r in reports}
        not_found: set[str] = set()
        for order in self.tracker.open_orders(self.venue):
            if order.client_order_id in reported or order.venue_order_id in reported:
                continue
            status = await self._query(order)
            if status is None:
                not_found.add(order.client_order_id)
            else:
                reports.append(status)
        now = self._clock.now_ns()
        resend = {
            client_id
            for client_id in not_found & (resend_unknown or set())
            if (pending := self.tracker.get(client_id)) is not None
            and now - pending.ts_init >= self._restart_grace
        }
        not_found -= resend
        trade_ids = {}
        for order in self.tracker:
            machine = self.tracker.machine(order.client_order_id)
            if machine is not None and machine.trade_ids:
                trade_ids[order.client_order_id] = machine.trade_ids
        result = reconcile(
            venue=self.venue,
            orders=list(self.tracker),
            reports=reports,
            fills=fill_reports,
            applied=self.ledger,
            not_found=not_found,
            trade_ids=trade_ids,
            now_ns=self._clock.now_ns(),
            pending_grace_ns=self._grace,
        )
        # fills go through the same path as live ones (ledger, store, bus); the rest after
        # venues number trades per symbol: the id alone would let ETH's trade 1 stand for BTC's
        by_trade = {(fill.symbol, fill.trade_id): fill for fill in fill_reports}
        for event in result.events:
            if isinstance(event, OrderFilled):
                await self._on_fill(by_trade[(event.symbol, event.trade_id)])
            else:
                await self._apply_events([event])
        for fill in result.external_fills:
            if self.ledger.apply(fill) and self._store is not None:
                await self._store.record_fill(fill, None)
        for symbol, fills in fetched.items():
            newest = _newest(fill.trade_id for fill in fills)
            if newest is not None:
                self._cursors[symbol] = newest
                if self._store is not None:
                    await self._store.advance_trade_cursor(self.venue, symbol, newest)
        for client_id in sorted(resend):
            unsent = self.tracker.get(client_id)
            if unsent is not None and unsent.status is OrderStatus.PENDING_NEW:
                log.info("order_resent_after_restart", client_order_id=client_id)
                await self._send(unsent)
        adopted = await self._adopt_orphan_fills()
        for problem in result.discrepancies:
            if problem.client_order_id in resend or problem.client_order_id in adopted:
                continue
            log.warning(
                "reconciliation_discrepancy",
                kind=str(problem.kind),
                client_order_id=problem.client_order_id,
                venue_order_id=problem.venue_order_id,
                detail=problem.detail,
            )
        log.info(
            "reconciled",
            venue=self.venue,
            events=len(result.events),
            discrepancies=len(result.discrepancies),
            fetched_fills=len(fill_reports),
        )
        return result

    async def _adopt_orphan_fills(self) -> set[str]:
        """Fills booked as external because they arrived before their order's venue id was
        known (a stream that reports trades without our client id, right after a restart) are
        that order's once the order is known by the id: same trade, now attributed to it.
        Returns the client ids of the orders that took fills."""
        by_venue_id = {o.venue_order_id: o for o in self.tracker if o.venue_order_id}
        adopted: set[str] = set()
        for fill in self.ledger.fills():
            if fill.client_order_id is not None:
                continue
            order = by_venue_id.get(fill.venue_order_id)
            machine = None if order is None else self.tracker.machine(order.client_order_id)
            if order is None or machine is None or order.symbol != fill.symbol:
                continue
            if fill.trade_id in machine.trade_ids:
                continue
            owned = replace(fill, client_order_id=order.client_order_id)
            event = OrderFilled.from_fill(
                owned, client_order_id=order.client_order_id, ts_init=self._clock.now_ns()
            )
            try:
                machine.copy().apply(event)
            except OrderStateError as exc:
                self._refuse_report(fill, str(exc))
                continue
            self.ledger.relabel(owned)
            updated = self.tracker.apply(event)
            if self._store is not None:
                await self._store.attribute_fill(owned, updated)
            log.info(
                "orphan_fill_adopted",
                trade_id=fill.trade_id,
                client_order_id=order.client_order_id,
            )
            await self._bus.publish(event)
            await self._release_held(updated)
            adopted.add(order.client_order_id)
        return adopted

    async def _trades_since(self, symbol: str) -> list[FillReport]:
        """Every trade of ours on ``symbol`` after the cursor, paging until nothing new comes."""
        cursor = self._cursors.get(symbol)
        collected: dict[str, FillReport] = {}
        while True:
            await self._limiter.acquire(self._costs.trades.weight)
            page = await self.adapter.fills_since(symbol, cursor)
            fresh = [
                fill
                for fill in page
                if fill.trade_id not in collected
                and (cursor is None or _after(fill.trade_id, cursor))
            ]
            if not fresh:
                return list(collected.values())
            for fill in fresh:
                collected[fill.trade_id] = fill
            cursor = _newest(fill.trade_id for fill in fresh)

    async def _query(self, order: Order) -> OrderStatusReport | None:
        await self._limiter.acquire(self._costs.query_order.weight)
        try:
            return await self.adapter.order_status(order.symbol, order.client_order_id)
        except OrderNotFound:
            return None

    async def _settle_one(self, client_order_id: str) -> None:
        """Query one order and apply its status (after a cancel found it gone)."""
        order = self.tracker.get(client_order_id)
        if order is None or order.status.is_terminal:
            return
        report = await self._query(order)
        if report is not None:
            await self.on_report(report)

    async def refresh_balances(self) -> dict[str, Balance]:
        """Fetch, store and publish the account's balances."""
        await self._limiter.acquire(self._costs.balances.weight)
        fetched = await self.adapter.balances()
        holdings = list(fetched.values())
        self.balances = {balance.asset: balance for balance in holdings}
        now = self._clock.now_ns()
        if self._store is not None:
            await self._store.save_balances(self.venue, holdings, now)
        if holdings:
            await self._bus.publish(
                BalanceUpdated(
                    venue=self.venue, balances=tuple(holdings), ts_event=now, ts_init=now
                )
            )
        return dict(self.balances)


def _after(trade_id: str, cursor: str) -> bool:
    if trade_id.isdigit() and cursor.isdigit():
        return int(trade_id) > int(cursor)
    return trade_id > cursor


def _newest(trade_ids: Iterable[str]) -> str | None:
    newest: str | None = None
    for trade_id in trade_ids:
        if newest is None or _after(trade_id, newest):
            newest = trade_id
    return newest
