"""ExecutionEngine: commands in, venue calls out, venue reports back into orders, fills, events.

    SubmitOrder ─▶ pre-trade (round + filters) ─▶ OrderTracker (an id is sent once, ever)
                ─▶ persist PENDING_NEW ─▶ RateLimiter.acquire ─▶ adapter.submit
    CancelOrder ─▶ OrderPendingCancel ─▶ RateLimiter.acquire ─▶ adapter.cancel
    CancelAllOrders ─▶ one CancelOrder per open order of the symbol
    ModifyOrder ─▶ cancel, then the replacement under its own client id (never both live)
    venue reports ─▶ report_application.ReportApplication (tracker, ledger, store, bus)
    start / reconnect ─▶ reconciliation.Reconciliation (venue state ─▶ corrections)

This module holds the lifecycle and the commands; the engine is one object whose parts live in
those two modules. Every state change is applied in memory without an await in between (so
concurrent tasks never see half of it), then written through the StoreWriter, then published.
The order row is on disk before its request leaves, so a kill -9 at any point leaves something
reconciliation can finish: ``start()`` rebuilds the tracker and ledger from the store and
reconciles with the venue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from tradewind.bus.interface import MessageBus
from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.clock import TimerClock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.enums import OrderStatus
from tradewind.core.events import (
    OrderCancelRejected,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.core.fills import Fill
from tradewind.core.instruments import Instrument
from tradewind.core.orders import Order
from tradewind.core.reports import OrderStatusReport
from tradewind.execution.costs import EngineCosts
from tradewind.execution.reconciliation import Reconciliation
from tradewind.execution.store_writer import StoreWriter
from tradewind.oms.fill_ledger import FillLedger
from tradewind.oms.order_state import OrderStateMachine
from tradewind.oms.order_tracker import DuplicateSubmission, OrderTracker, UnknownOrder
from tradewind.oms.pretrade import PreTradeRejection, prepare_order
from tradewind.oms.rate_limiter import RateLimiter
from tradewind.oms.reconciliation import ReconciliationResult
from tradewind.venues.base import (
    OrderNotFound,
    OrderRequest,
    RateLimitedByVenue,
    StreamStatus,
    Subscription,
    VenueAdapter,
    VenueError,
    VenueRejected,
    VenueReport,
)

__all__ = ["EngineCosts", "ExecutionEngine", "UnknownInstrument", "WrongVenue"]

log = get_logger("execution.engine")

_SECOND = 1_000_000_000


class UnknownInstrument(ValueError):
    """A command names a symbol the venue did not list."""


class WrongVenue(ValueError):
    """A command names another venue than the one this engine trades on."""


class ExecutionEngine(Reconciliation):
    """Runs orders on one venue through ``adapter`` (tradewind.venues.base.VenueAdapter).

    ``store``: where state survives a restart (None: memory only). ``pending_grace_ns``: how
    long a sent order may stay unknown to the venue before reconciliation declares it rejected.
    ``submit_retries``: resends of an order refused with 429 (same client id, so never doubled).
    ``reference_price``: quote per base for a symbol (a book mid), to check a market order's
    notional before sending it. ``restart_grace_ns``: at start, a restored PENDING_NEW order the
    venue has never seen is resent (same client id) once it is at least this old: the previous
    process is dead, so only a request already on the wire could still land, within this time.
    """

    def __init__(
        self,
        *,
        adapter: VenueAdapter,
        bus: MessageBus,
        limiter: RateLimiter,
        clock: TimerClock,
        store: StoreWriter | None = None,
        costs: EngineCosts | None = None,
        pending_grace_ns: int = 10 * _SECOND,
        submit_retries: int = 3,
        reference_price: Callable[[str], Decimal | None] | None = None,
        restart_grace_ns: int = _SECOND,
        owns_store: bool = True,
    ) -> None:
        self.adapter = adapter
        self.venue: str = adapter.name
        self._bus = bus
        self._limiter = limiter
        self._clock = clock
        self._store = store
        self._costs = costs or EngineCosts()
        self._grace = pending_grace_ns
        self._retries = submit_retries
        self._reference_price = reference_price
        self._restart_grace = restart_grace_ns
        self._owns_store = owns_store  # False: the store is shared and its owner closes it
        self.tracker = OrderTracker()
        self.ledger = FillLedger()
        self.instruments: dict[str, Instrument] = {}
        self.balances: dict[str, Balance] = {}
        self._cursors: dict[str, str] = {}
        self._held: dict[str, OrderStatusReport] = {}
        self._reconcile_lock = asyncio.Lock()
        self._stream: Subscription | None = None
        self._inbox: asyncio.Queue[VenueReport | None] = asyncio.Queue()
        self._consumer: asyncio.Task[None] | None = None
        self._reconnects: set[asyncio.Task[ReconciliationResult]] = set()
        self._was_disconnected = False
        self.refused_reports = 0
        self.rate_limit_refusals = 0

    @property
    def bus(self) -> MessageBus:
        return self._bus

    @property
    def clock(self) -> TimerClock:
        return self._clock

    # -- life cycle ----------------------------------------------------------------------------

    async def start(
        self, *, stream: bool = True, reconcile_now: bool = True, restore: bool = True
    ) -> None:
        """Restore from the store (unless done already: ``restore=False``), load instruments,
        open the user stream, reconcile."""
        if restore:
            await self.restore()
        await self._limiter.acquire(self._costs.instruments.weight)
        listed = await self.adapter.load_instruments()
        self.instruments = {instrument.symbol: instrument for instrument in listed}
        if self.adapter.rate_limits:
            # the venue's declared limits replace whatever the limiter started with
            self._limiter.update_limits(self.adapter.rate_limits)
        if stream:
            self._consumer = asyncio.create_task(self._consume(), name=f"reports-{self.venue}")
            self._stream = await self.adapter.stream_user(self._enqueue, self._on_stream_status)
        if reconcile_now:
            # orders the previous run persisted but whose request may never have left: the
            # venue is asked about each; those it never saw are sent again, same client id
            restored = {
                order.client_order_id
                for order in self.tracker.open_orders(self.venue)
                if order.status is OrderStatus.PENDING_NEW
            }
            async with self._reconcile_lock:
                await self._reconcile(resend_unknown=restored)
            await self.refresh_balances()
        log.info(
            "execution_engine_started",
            venue=self.venue,
            instruments=len(self.instruments),
            orders=len(self.tracker),
            fills=len(self.ledger),
        )

    async def restore(self) -> None:
        """Rebuild the tracker, the ledger and the cursors from the store."""
        if self._store is None:
            return
        fills = await self._store.load_fills(self.venue)
        trade_ids: dict[str, set[str]] = {}
        for fill in fills:
            if fill.client_order_id is not None:
                trade_ids.setdefault(fill.client_order_id, set()).add(fill.trade_id)
        orders = await self._store.load_orders(self.venue)
        self.tracker = OrderTracker(
            OrderStateMachine(order, frozenset(trade_ids.get(order.client_order_id, ())))
            for order in orders
        )
        self.ledger = FillLedger(fills)
        self._cursors = await self._store.last_trade_ids(self.venue)
        log.info("execution_state_restored", venue=self.venue, orders=len(orders), fills=len(fills))

    async def stop(self) -> None:
        """Close the stream and the venue connection, apply queued reports, flush the store."""
        if self._stream is not None:
            await self._stream.close()
            self._stream = None
        for task in list(self._reconnects):
            task.cancel()
        if self._consumer is not None:
            self._inbox.put_nowait(None)
            await self._consumer
            self._consumer = None
        await self.adapter.close()
        if self._store is not None and self._owns_store:
            await self._store.close()

    async def drain(self) -> None:
        """Wait until every report received so far from the stream has been applied."""
        await self._inbox.join()

    def _enqueue(self, report: VenueReport) -> None:
        # the adapter calls back synchronously; one consumer applies reports in arrival order
        self._inbox.put_nowait(report)

    async def _consume(self) -> None:
        while True:
            report = await self._inbox.get()
            try:
                if report is None:
                    return
                await self.on_report(report)
            except Exception:
                log.exception("venue_report_failed", venue=self.venue)
            finally:
                self._inbox.task_done()

    def _on_stream_status(self, status: StreamStatus, detail: str) -> None:
        log.info("user_stream_status", venue=self.venue, status=str(status), detail=detail)
        if status is StreamStatus.DISCONNECTED:
            self._was_disconnected = True
        elif self._was_disconnected:
            # orders closed while we were away without a fill show up only in a status query
            self._was_disconnected = False
            task = asyncio.create_task(self.reconcile(), name=f"reconcile-{self.venue}")
            self._reconnects.add(task)
            task.add_done_callback(self._reconnects.discard)

    # -- commands ------------------------------------------------------------------------------

    def instrument(self, symbol: str) -> Instrument:
        """The listed instrument of ``symbol``; UnknownInstrument if the venue does not list it."""
        try:
            return self.instruments[symbol]
        except KeyError:
            raise UnknownInstrument(f"{self.venue} lists no instrument {symbol!r}") from None

    async def submit(self, command: SubmitOrder) -> Order | None:
        """Place the order; returns it as tracked, or None when pre-trade checks refused it.

        A client order id already tracked is not sent again (its order is returned as it is).
        Raises WrongVenue / UnknownInstrument for a command this engine cannot place at all.
        """
        if command.venue != self.venue:
            raise WrongVenue(f"engine trades on {self.venue}, command is for {command.venue}")
        instrument = self.instrument(command.symbol)
        known = self.tracker.get(command.client_order_id)
        if known is not None:
            log.info("order_duplicate_submission", client_order_id=known.client_order_id)
            return known
        prepared = prepare_order(
            instrument,
            side=command.side,
            order_type=command.order_type,
            quantity=command.quantity,
            price=command.price,
            reference_price=(
                self._reference_price(command.symbol)
                if self._reference_price is not None and command.price is None
                else None
            ),
        )
        now = self._clock.now_ns()
        if isinstance(prepared, PreTradeRejection):
            log.info(
                "order_refused_pretrade",
                client_order_id=command.client_order_id,
                filter=prepared.filter,
                reason=prepared.reason,
            )
            await self._bus.publish(
                OrderRejected(
                    client_order_id=command.client_order_id,
                    venue=self.venue,
                    symbol=command.symbol,
                    reason=f"pre-trade {prepared.filter}: {prepared.reason}",
                    ts_event=now,
                    ts_init=now,
                )
            )
            return None
        submitted = OrderSubmitted(
            client_order_id=command.client_order_id,
            venue=self.venue,
            symbol=command.symbol,
            strategy_id=command.strategy_id,
            side=prepared.side,
            order_type=prepared.order_type,
            quantity=prepared.quantity,
            price=prepared.price,
            time_in_force=command.time_in_force,
            ts_event=now,
            ts_init=now,
        )
        try:
            order = self.tracker.submit(submitted)
        except DuplicateSubmission as exc:  # another task got there during the await above
            return exc.order
        if self._store is not None:
            await self._store.save_order(order)
        await self._bus.publish(submitted)
        return await self._send(order)

    async def _send(self, order: Order) -> Order:
        cost = self._costs.submit
        for attempt in range(self._retries + 1):
            await self._limiter.acquire(cost.weight, cost.orders)
            try:
                report = await self.adapter.submit(_request_of(order))
            except RateLimitedByVenue as exc:
                self._on_rate_limited(exc)
                if attempt < self._retries:
                    continue  # acquire() now waits out the venue's Retry-After
                await self._apply_events([self._event(order, OrderRejected, reason=exc.message)])
                break
            except VenueRejected as exc:
                await self._apply_events([self._event(order, OrderRejected, reason=exc.message)])
                break
            except VenueError as exc:
                # the request may or may not have reached the venue: reconciliation decides
                log.warning(
                    "order_outcome_unknown", client_order_id=order.client_order_id, error=str(exc)
                )
                break
            await self.on_report(report)
            break
        return self.tracker.get(order.client_order_id) or order

    async def cancel(self, command: CancelOrder) -> Order:
        """Ask the venue to cancel; UnknownOrder if the id was never submitted here."""
        order = self.tracker.get(command.client_order_id)
        if order is None:
            raise UnknownOrder(command.client_order_id)
        if order.status.is_terminal:
            log.info("cancel_of_closed_order", client_order_id=order.client_order_id)
            return order
        if order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
            await self._apply_events([self._event(order, OrderPendingCancel)])
        cost = self._costs.cancel
        await self._limiter.acquire(cost.weight, cost.orders)
        try:
            report = await self.adapter.cancel(
                order.symbol, order.client_order_id, order.venue_order_id
            )
        except VenueError as exc:
            if isinstance(exc, RateLimitedByVenue):
                self._on_rate_limited(exc)
            log.info("cancel_failed", client_order_id=order.client_order_id, error=str(exc))
            current = self.tracker.get(order.client_order_id) or order
            if current.status is OrderStatus.PENDING_CANCEL:
                reason = exc.message if isinstance(exc, VenueError) else str(exc)
                await self._apply_events([self._event(current, OrderCancelRejected, reason=reason)])
            if isinstance(exc, OrderNotFound):
                # gone at the venue (filled or canceled meanwhile): find out which
                await self._settle_one(order.client_order_id)
            return self.tracker.get(order.client_order_id) or current
        await self.on_report(report)
        return self.tracker.get(order.client_order_id) or order

    async def cancel_all(self, command: CancelAllOrders) -> tuple[Order, ...]:
        """Cancel every open order of ``command.symbol``; returns the orders as they end up.

        One cancel per order (the venues we trade have no reliable bulk cancel that reports
        each order back); each goes through ``cancel``, so the bookkeeping is the same.
        """
        if command.venue != self.venue:
            raise WrongVenue(f"engine trades on {self.venue}, command is for {command.venue}")
        self.instrument(command.symbol)
        targets = self.tracker.open_orders(self.venue, command.symbol)
        results = []
        for order in targets:
            results.append(
                await self.cancel(
                    CancelOrder(
                        venue=self.venue,
                        symbol=order.symbol,
                        client_order_id=order.client_order_id,
                        venue_order_id=order.venue_order_id,
                        ts_init=command.ts_init,
                    )
                )
            )
        log.info("cancel_all", venue=self.venue, symbol=command.symbol, orders=len(results))
        return tuple(results)

    async def modify(self, command: ModifyOrder) -> Order | None:
        """Cancel-replace: cancel ``client_order_id``, then place the same order with the new
        quantity/price as ``new_client_order_id``. The replacement is sent only once the
        original is closed without filling completely (never both live at once); its quantity
        is reduced by what the original filled. Returns the replacement, or None when nothing
        was placed (the original filled, or could not be cancelled).
        UnknownOrder if the original was never submitted here.
        """
        if command.venue != self.venue:
            raise WrongVenue(f"engine trades on {self.venue}, command is for {command.venue}")
        original = self.tracker.get(command.client_order_id)
        if original is None:
            raise UnknownOrder(command.client_order_id)
        known = self.tracker.get(command.new_client_order_id)
        if known is not None:
            return known  # this modify already ran: same replacement, never twice
        if original.status.is_open:
            original = await self.cancel(
                CancelOrder(
                    venue=self.venue,
                    symbol=original.symbol,
                    client_order_id=original.client_order_id,
                    venue_order_id=original.venue_order_id,
                    ts_init=command.ts_init,
                )
            )
        if original.status.is_open or original.status is OrderStatus.FILLED:
            log.info(
                "modify_not_replaced",
                client_order_id=original.client_order_id,
                status=str(original.status),
            )
            return None
        quantity = (command.quantity or original.quantity) - original.filled_qty
        if quantity <= 0:
            return None
        return await self.submit(
            SubmitOrder(
                strategy_id=original.strategy_id,
                client_order_id=command.new_client_order_id,
                venue=self.venue,
                symbol=original.symbol,
                side=original.side,
                order_type=original.order_type,
                quantity=quantity,
                price=command.price if command.price is not None else original.price,
                time_in_force=original.time_in_force,
                ts_init=command.ts_init,
            )
        )

    # -- helpers -------------------------------------------------------------------------------

    def _on_rate_limited(self, exc: RateLimitedByVenue) -> None:
        # the adapter already fed the 429/418 and its Retry-After to the shared limiter
        self.rate_limit_refusals += 1
        log.warning("venue_rate_limited", venue=self.venue, status=exc.status, error=exc.message)

    def fills(self) -> tuple[Fill, ...]:
        return self.ledger.fills()

    def position_delta(self) -> dict[str, Decimal]:
        """Per asset, what our fills changed (bought minus sold, less fees): for balance checks."""
        delta: dict[str, Decimal] = {}
        for fill in self.ledger.fills():
            instrument = self.instruments.get(fill.symbol)
            base, quote = (
                fill.symbol.split("/")
                if instrument is None
                else (instrument.base, instrument.quote)
            )
            sign = 1 if fill.side.value == "buy" else -1
            delta[base] = delta.get(base, Decimal(0)) + sign * fill.qty
            delta[quote] = delta.get(quote, Decimal(0)) - sign * fill.qty * fill.price
            delta[fill.fee_asset] = delta.get(fill.fee_asset, Decimal(0)) - fill.fee
        return delta


def _request_of(order: Order) -> OrderRequest:
    return OrderRequest(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=order.quantity,
        price=order.price,
        time_in_force=order.time_in_force,
    )
