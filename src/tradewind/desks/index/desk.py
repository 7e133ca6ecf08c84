"""IndexDesk: the index desk at run time — journal, state, solver loop, legs, gateway outputs.

    deposits (CollateralSource) ─┐
    orders / cancels (gateway) ──┼─▶ check ─▶ journal (durable) ─▶ state.apply ─▶ outputs
    fills (LegRunner) ───────────┘                                      │
                                                                        ├─▶ invoices (store)
    solver loop: books ─▶ BatchPlanning ─▶ journal BatchPlanned          └─▶ gateway sessions
                 ─▶ LegRunner.send ─▶ wait terminal ─▶ journal BatchClosed

Every input is journaled before it is applied and applied in journal order under one lock, so
the state after a kill -9 is the replay of the journal, whatever the moment of the kill. Venue
orders are journaled (inside BatchPlanned, with deterministic client ids) before they are sent;
on restart the engine reconciles them with the venue and the runner sends only those the engine
never saw. Fills are keyed by venue trade id, so each counts once however often it is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from tradewind.book.depth_sync import ReadyBook
from tradewind.common.logging import get_logger
from tradewind.core.clock import TimerClock, seconds_to_ns
from tradewind.core.enums import OrderSide
from tradewind.core.fills import Fill
from tradewind.desks.index.collateral_source import CollateralDeposit, CollateralSource
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    IndexEvent,
    IndexOrderAccepted,
    IndexOrderCancelled,
    IndexTokensReturned,
    LotRecorded,
    PlannedLeg,
)
from tradewind.desks.index.journal import DeskJournal
from tradewind.desks.index.legs import LegOrder, LegRunner
from tradewind.desks.index.planning import BatchPlanning, basket_of
from tradewind.desks.index.report_log import DEFAULT_REPORTS_KEPT, NumberedReport, ReportLog
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice, Output
from tradewind.desks.index.solver import BatchPlanner, BookLevels, quantity_possible
from tradewind.desks.index.state import IndexDeskState
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService

__all__ = ["DeskRejection", "IndexDesk", "OutputPublisher"]

log = get_logger("desks.index.desk")

T = TypeVar("T")


class DeskRejection(ValueError):
    """An order, cancel or quote the desk refuses; ``reason`` goes back to the client."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class OutputPublisher(Protocol):
    """Pushes a desk output to the sessions of one account (the gateway's publisher)."""

    async def publish(self, chain_id: int, address: str, msg_type: str, body: object) -> int: ...


class InvoiceListener(Protocol):
    """Told of every invoice once it is stored (the chain's minter, in the chain issue)."""

    async def on_invoice(self, invoice: MintInvoice) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskTimings:
    """Seconds: how often the solver looks for work, and how long to wait for books at start."""

    batch_interval_s: float = 0.1
    book_timeout_s: float = 30.0
    book_levels: int = 20


class IndexDesk:
    """Runs one index desk on one venue. Amounts in each index's quote asset, ts in ns."""

    def __init__(
        self,
        *,
        state: IndexDeskState,
        journal: DeskJournal,
        engine: ExecutionEngine,
        market_data: MarketDataService,
        planner: BatchPlanner,
        source: CollateralSource,
        clock: TimerClock,
        timings: DeskTimings | None = None,
        reports_kept: int = DEFAULT_REPORTS_KEPT,
    ) -> None:
        self.state = state
        self.journal = journal
        self.engine = engine
        self.market_data = market_data
        self._planner = planner
        self._source = source
        self._clock = clock
        self._timings = timings or DeskTimings()
        self._runner = LegRunner(engine, self._on_leg_fill)
        self._lock = asyncio.Lock()
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-journal")
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._planning: BatchPlanning | None = None
        self._batches = 0
        self.publishers: list[OutputPublisher] = []
        self.invoice_listeners: list[InvoiceListener] = []
        self.batches_closed = 0
        self._restored = (0, 0)  # (journal events, invoices) replayed by restore()
        # every output of self.state goes through it once, in order, so numbers match a refold
        self.reports = ReportLog(reports_kept)

    # -- life cycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Replay the journal, start the engine (reconciling with the venue), then trade.

        On a TradingNode the node does the middle step: it calls ``restore``, reconciles every
        venue, then ``run`` (tradewind.desks.index.runtime wires it so).
        """
        await self.restore()
        await self.engine.start()
        await self.run()

    async def restore(self) -> None:
        """Replay the journal and learn the legs in flight (before the engine reconciles, so
        fills it finds are attributed to their batch)."""
        events = await self._db(lambda: list(self.journal.replay()))
        invoices: list[MintInvoice] = []
        for event in events:
            if isinstance(event, BatchPlanned):
                self._batches += 1
            outputs = self.state.apply(event)
            self.reports.record(outputs)
            invoices += [o for o in outputs if isinstance(o, MintInvoice)]
        # an invoice applied before a kill but not stored yet is stored now (idempotent)
        await self._db(lambda: [self.journal.put_invoice(i) for i in invoices])
        for batch in self.state.open_batches():
            self._runner.track(self._legs(batch.batch_id, batch.legs))
        self._restored = (len(events), len(invoices))

    async def run(self, *, source: bool = True) -> None:
        """With the engine reconciled: hand over fills, sync the books, take deposits, trade.

        ``source=False``: the collateral source is started by its owner (a node component)
        with ``on_deposit`` as its sink.
        """
        journal_events, invoices = self._restored
        await self._runner.sweep()
        self._planning = BatchPlanning(
            self.state, self._planner, self.engine.instruments, venue=self.engine.venue
        )
        # all books at once: a venue SDK may pause before each subscription (0.5 s for Binance's)
        constituents = self._planning.constituents()
        await asyncio.gather(
            *(self.market_data.subscribe(self.engine.instrument(s)) for s in constituents)
        )
        await asyncio.gather(
            *(
                self.market_data.wait_synced(s, timeout_s=self._timings.book_timeout_s)
                for s in constituents
            )
        )
        if source:
            await self._source.start(self.on_deposit)
        self._loop_task = asyncio.create_task(self._solver_loop(), name="index-solver")
        log.info(
            "index_desk_started",
            journal_events=journal_events,
            open_orders=len(self.state.open_orders()),
            open_batches=len(self.state.open_batches()),
            invoices=invoices,
        )

    async def stop(self, *, kernel: bool = True, source: bool = True) -> None:
        """Stop the loop (a batch in flight is finished by the next start), then the parts;
        ``kernel=False`` / ``source=False`` leave the market data and the engine / the collateral
        source to their owner (the node and its components)."""
        if source:
            await self._source.stop()
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if kernel:
            await self.market_data.close()
            await self.engine.stop()
        await self._db(self.journal.close)
        self._io.shutdown(wait=True)

    async def _db(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._io, call)

    # -- inputs --------------------------------------------------------------------------------
    async def on_deposit(self, deposit: CollateralDeposit) -> None:
        """Credit a deposit once (a redelivered deposit id changes nothing)."""
        await self._record(
            CollateralDeposited(
                deposit_id=deposit.deposit_id,
                chain_id=deposit.chain_id,
                address=deposit.address,
                asset=deposit.asset,
                amount=deposit.amount,
                routing_fees=deposit.routing_fees,
                ts=deposit.ts_ns,
            )
        )

    async def on_tokens_returned(self, event: IndexTokensReturned) -> None:
        """Index tokens a user sent back for redemption (credited once per return id)."""
        await self._record(event)

    async def new_order(
        self,
        *,
        chain_id: int,
        address: str,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        amount: Decimal,
    ) -> None:
        """Accept the order or raise DeskRejection (then nothing was journaled)."""
        event = IndexOrderAccepted(
            chain_id=chain_id,
            address=address,
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            amount=amount,
            ts=self._clock.now_ns(),
        )
        async with self._lock:
            problem = self.state.check_new_order(event)
            if problem is not None:
                raise DeskRejection(problem)
            await self._record_locked(event)
        self._wake.set()

    async def cancel_order(
        self, *, chain_id: int, address: str, client_order_id: str, cancel_id: str, amount: Decimal
    ) -> None:
        """Cancel up to ``amount`` of the unfilled part, or raise DeskRejection."""
        event = IndexOrderCancelled(
            chain_id=chain_id,
            address=address,
            client_order_id=client_order_id,
            cancel_id=cancel_id,
            amount=amount,
            ts=self._clock.now_ns(),
        )
        async with self._lock:
            problem = self.state.check_cancel(event)
            if problem is not None:
                raise DeskRejection(problem)
            await self._record_locked(event)

    def quote(self, symbol: str, side: OrderSide, amount: Decimal) -> Decimal:
        """Index quantity ``amount`` collateral buys now (buy), or collateral ``amount`` index
        tokens return (sell), after fees and book depth; DeskRejection if it cannot say."""
        definition = self.state.definitions.get(symbol)
        if definition is None:
            raise DeskRejection(f"unknown index {symbol}")
        books = self._books(c.symbol for c in definition.constituents)
        missing = [c.symbol for c in definition.constituents if c.symbol not in books]
        if missing:
            raise DeskRejection(f"no live book for {', '.join(missing)}")
        return quantity_possible(
            basket_of(definition), side, amount, books, self.engine.instruments
        )

    async def record_invoice_tx(self, invoice_id: str, tx_hash: str) -> bool:
        """Put an invoice's mint/burn transaction on the stored invoice (once)."""
        return await self._db(lambda: self.journal.record_invoice_tx(invoice_id, tx_hash))

    async def unsettled_invoices(self) -> list[MintInvoice]:
        """Stored invoices with nothing settled on chain yet (for the chain link's restart)."""
        return await self._db(self.journal.invoices_without_tx)

    async def outputs_since(
        self, chain_id: int, address: str, since_ns: int
    ) -> list[NumberedReport]:
        """The fill reports and invoices of ``(chain_id, address)`` stamped at or after
        ``since_ns``, as they were sent (numbered), oldest first: the journal folded again into
        a fresh state (its outputs are the live run's). Cost: one pass over the journal."""

        def fold() -> list[NumberedReport]:
            state = self.state.fresh()
            numbering = ReportLog(keep=0)
            found: list[NumberedReport] = []
            for event in self.journal.replay():
                found += [
                    report
                    for report in numbering.record(state.apply(event))
                    if (report.output.chain_id, report.output.address) == (chain_id, address)
                    and report.output.ts >= since_ns
                ]
            return found

        return await self._db(fold)

    async def outputs_after(self, chain_id: int, address: str, seen: int) -> list[NumberedReport]:
        """The fill reports and invoices of ``(chain_id, address)`` numbered above ``seen``,
        oldest first, from memory. Raises ``SeqNumInFuture`` / ``ReportsNotKept``."""
        async with self._lock:
            # under the lock: no output is between being applied and being recorded
            return self.reports.after(chain_id, address, seen)

    # -- journal + state -----------------------------------------------------------------------
    async def _record(self, event: IndexEvent) -> list[Output]:
        async with self._lock:
            return await self._record_locked(event)

    async def _record_locked(self, event: IndexEvent) -> list[Output]:
        if self.state.has_applied(event.key):
            return []
        fresh = await self._db(lambda: self.journal.append(event))
        if not fresh:
            return []
        outputs = self.state.apply(event)
        numbered = self.reports.record(outputs)
        invoices = [o for o in outputs if isinstance(o, MintInvoice)]
        if invoices:
            await self._db(lambda: [self.journal.put_invoice(i) for i in invoices])
        await self._emit(numbered)
        return outputs

    async def _emit(self, numbered: Iterable[NumberedReport]) -> None:
        for report in numbered:
            output = report.output
            if isinstance(output, IndexOrderFillReport):
                msg_type = "IndexOrderFill"
            else:
                msg_type = "MintInvoice"
                for listener in self.invoice_listeners:
                    await listener.on_invoice(output)
            log.info(
                "index_output",
                msg_type=msg_type,
                chain_id=output.chain_id,
                client_order_id=output.client_order_id,
                status=str(getattr(output, "status", "")),
                filled=str(getattr(output, "filled_quantity", getattr(output, "quantity", ""))),
            )
            for publisher in self.publishers:
                try:
                    await publisher.publish(
                        output.chain_id, output.address, msg_type, report.body()
                    )
                except Exception:
                    # a publisher's failure must not undo what is journaled
                    log.exception("index_output_publish_failed", msg_type=msg_type)

    async def _on_leg_fill(self, batch_id: str, fill: Fill) -> None:
        await self._record(
            LotRecorded(
                venue=fill.venue,
                trade_id=fill.trade_id,
                batch_id=batch_id,
                client_order_id=fill.client_order_id or "",
                symbol=fill.symbol,
                side=fill.side,
                price=fill.price,
                qty=fill.qty,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                ts=fill.ts_event,
            )
        )

    # -- solver loop ---------------------------------------------------------------------------
    async def _solver_loop(self) -> None:
        while True:
            try:
                worked = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("index_solver_step_failed")
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await self._clock.wait_for(
                        self._wake.wait(), seconds_to_ns(self._timings.batch_interval_s)
                    )

    async def step(self) -> bool:
        """Finish the open batch, or plan and run the next one; whether there was work."""
        open_batches = self.state.open_batches()
        if open_batches:
            for batch in open_batches:
                await self._finish(batch.batch_id, self._legs(batch.batch_id, batch.legs))
            return True
        planning = self._planning
        if planning is None:
            return False
        async with self._lock:
            books = self._books(planning.constituents())
            event = planning.plan(
                books, batch_id=f"B{self._batches + 1:09d}", ts=self._clock.now_ns()
            )
            if event is None:
                return False
            self._batches += 1
            await self._record_locked(event)
        legs = self._legs(event.batch_id, event.legs)
        log.info("index_batch_planned", batch_id=event.batch_id, legs=len(legs))
        await self._finish(event.batch_id, legs)
        return True

    async def _finish(self, batch_id: str, legs: list[LegOrder]) -> None:
        await self._runner.send(legs)
        await self._runner.wait_done(legs)
        await self._runner.sweep({leg.client_order_id for leg in legs})
        await self._record(BatchClosed(batch_id=batch_id, ts=self._clock.now_ns()))
        self.batches_closed += 1

    @staticmethod
    def _legs(batch_id: str, planned: Iterable[PlannedLeg]) -> list[LegOrder]:
        return [
            LegOrder(
                batch_id=batch_id,
                client_order_id=leg.client_order_id,
                symbol=leg.symbol,
                side=leg.side,
                quantity=leg.quantity,
                limit_price=leg.limit_price,
            )
            for leg in planned
        ]

    def _books(self, symbols: Iterable[str]) -> Mapping[str, BookLevels]:
        books: dict[str, BookLevels] = {}
        for symbol in symbols:
            view = self.market_data.view(symbol)
            if not isinstance(view, ReadyBook):
                continue  # a constituent without a fresh book gets no leg this batch
            depth = view.book.depth(self._timings.book_levels)
            books[symbol] = BookLevels(
                bids=tuple((level.price, level.qty) for level in depth.bids),
                asks=tuple((level.price, level.qty) for level in depth.asks),
            )
        return books
