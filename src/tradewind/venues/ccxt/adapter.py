"""CcxtAdapter: any CCXT exchange through ``ccxt.pro`` (REST and WebSocket), tested with binance.

Depth: CCXT keeps its own book per stream and exposes its ``nonce`` (the venue's last update id).
This adapter turns consecutive book states into DepthDiffs (U = previous nonce + 1, u = nonce,
absolute quantities of the changed levels), so the kernel keeps its own book exactly as it does
for the native Binance adapter. After a stream error the baseline is forgotten, so the next diff
shows a gap and the kernel's book resyncs from a snapshot.

User data: watchOrders and watchMyTrades loops; after a reconnect the adapter replays open orders
and the fills after the last trade id it delivered per symbol.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import ccxt
import ccxt.pro as ccxtpro

from tradewind.book.depth_sync import DepthDiff, DepthSnapshot
from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.core.enums import OrderType
from tradewind.core.instruments import Instrument
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.rate_limiter import RateLimit, RateLimiter
from tradewind.venues.base import (
    DepositAddress,
    DiffHandler,
    MalformedPayload,
    OrderNotFound,
    OrderRequest,
    RateLimitedByVenue,
    ReportHandler,
    ReportSequenceGuard,
    StatusHandler,
    StreamStatus,
    Subscription,
    TradeHandler,
    UnknownSymbol,
    VenueRejected,
    VenueReport,
    VenueUnavailable,
    reject_input,
    rejecting,
)
from tradewind.venues.ccxt import parsing

__all__ = ["CcxtAdapter"]

log = get_logger("venues.ccxt")

_Levels = dict[Decimal, Decimal]


class _Loop:
    """A background task that ``close`` cancels and awaits."""

    def __init__(self, task: asyncio.Task[None], extra: list[asyncio.Task[None]] | None = None):
        self._tasks = [task, *(extra or [])]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class CcxtAdapter:
    """A VenueAdapter over one ``ccxt.pro`` exchange instance (which it owns and closes)."""

    def __init__(
        self,
        exchange: Any,
        *,
        name: str | None = None,
        limiter: RateLimiter | None = None,
        clock: TimerClock | None = None,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        settle_s: float = 0.5,
    ) -> None:
        self._exchange = exchange
        self._name = name or str(exchange.id)
        self._limiter = limiter
        self._clock = clock or LiveClock()
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._settle_s = settle_s
        self._known: set[str] = set()
        self._rate_limits: tuple[RateLimit, ...] = ()
        self._last_headers: dict[str, str] = {}
        self._loops: list[_Loop] = []
        self._guard = ReportSequenceGuard(self._name)
        self._last_trade_ids: dict[str, str] = {}
        self.venue_refusals = 0

    @classmethod
    def for_binance(
        cls,
        *,
        name: str,
        rest_url: str,
        ws_url: str,
        api_key: str,
        api_secret: str,
        limiter: RateLimiter | None = None,
        clock: TimerClock | None = None,
    ) -> CcxtAdapter:
        """ccxt.pro.binance aimed at ``rest_url`` / ``ws_url`` (a Binance-compatible venue)."""
        from tradewind.venues.sim.clients import ccxt_binance_config, point_ccxt_at

        exchange = ccxtpro.binance(ccxt_binance_config(rest_url, ws_url, api_key, api_secret))
        point_ccxt_at(exchange, rest_url, ws_url)
        return cls(exchange, name=name, limiter=limiter, clock=clock)

    @property
    def name(self) -> str:
        return self._name

    @property
    def last_usage_headers(self) -> Mapping[str, str]:
        return self._last_headers

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        return self._rate_limits

    # -- REST plumbing -------------------------------------------------------------------------

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        sent = self._clock.now_ns()
        try:
            result = await getattr(self._exchange, method)(*args, **kwargs)
        except ccxt.RateLimitExceeded:
            raise self._refused(429, sent) from None
        except ccxt.DDoSProtection:
            raise self._refused(418, sent) from None
        except ccxt.OrderNotFound as exc:
            raise OrderNotFound(self._name, str(exc)) from None
        except ccxt.BadSymbol as exc:
            raise UnknownSymbol(self._name, str(exc)) from None
        except ccxt.NetworkError as exc:
            raise VenueUnavailable(self._name, f"{method}: {exc}") from None
        except ccxt.ExchangeError as exc:
            raise VenueRejected(self._name, str(exc)) from None
        self._note_headers(200, sent)
        return result

    def _note_headers(self, status: int, sent: int) -> None:
        headers = getattr(self._exchange, "last_response_headers", None) or {}
        self._last_headers = {str(k).lower(): str(v) for k, v in dict(headers).items()}
        if self._limiter is not None:
            self._limiter.on_response(status, self._last_headers, sent_ns=sent)

    def _refused(self, status: int, sent: int) -> RateLimitedByVenue:
        self.venue_refusals += 1
        self._note_headers(status, sent)
        retry = self._last_headers.get("retry-after")
        return RateLimitedByVenue(
            self._name, status, int(retry) if retry and retry.isdigit() else None
        )

    def _check_symbol(self, symbol: str) -> str:
        if symbol not in self._known:
            raise UnknownSymbol(self._name, f"unknown symbol {symbol!r}")
        return symbol

    # -- instruments and depth -----------------------------------------------------------------

    async def load_instruments(self) -> list[Instrument]:
        markets = await self._call("load_markets", True)
        out: list[Instrument] = []
        for market in markets.values():
            instrument = parsing.instrument(self._name, market)
            if instrument is not None:
                out.append(instrument)
        self._known = {i.symbol for i in out}
        return out

    async def depth_snapshot(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        book = await self._call("fetch_order_book", self._check_symbol(symbol), limit)
        nonce = book.get("nonce")
        if not isinstance(nonce, int):
            raise MalformedPayload(self._name, f"order book of {symbol} has no nonce")
        now = self._clock.now_ns()
        return DepthSnapshot(
            last_update_id=nonce,
            bids=parsing.levels(self._name, book.get("bids"), "bids"),
            asks=parsing.levels(self._name, book.get("asks"), "asks"),
            ts_event=now,
            ts_init=now,
        )

    async def stream_depth(
        self, symbol: str, on_diff: DiffHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        self._check_symbol(symbol)
        first = await self._clock.wait_for(
            self._exchange.watch_order_book(symbol), seconds_to_ns(30)
        )
        baseline = self._book_state(first)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "connected")
        task = asyncio.create_task(self._depth_loop(symbol, baseline, on_diff, on_status))
        loop = _Loop(task)
        self._loops.append(loop)
        return loop

    async def stream_trades(
        self, symbol: str, on_trade: TradeHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        self._check_symbol(symbol)
        # the first call subscribes; its (cached) trades are history, not news
        first = await self._clock.wait_for(self._exchange.watch_trades(symbol), seconds_to_ns(30))
        seen = _newest_trade_key(first)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "connected")
        task = asyncio.create_task(self._trade_loop(symbol, seen, on_trade, on_status))
        loop = _Loop(task)
        self._loops.append(loop)
        return loop

    async def _trade_loop(
        self,
        symbol: str,
        seen: int,
        on_trade: TradeHandler,
        on_status: StatusHandler | None,
    ) -> None:
        delay = self._backoff_s
        connected = True
        while True:
            try:
                trades = await self._exchange.watch_trades(symbol)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if connected and on_status is not None:
                    on_status(StreamStatus.DISCONNECTED, str(exc) or type(exc).__name__)
                connected = False
                await self._clock.sleep(seconds_to_ns(delay))
                delay = min(self._max_backoff_s, delay * 2)
                continue
            if not connected:
                connected, delay = True, self._backoff_s
                if on_status is not None:
                    on_status(StreamStatus.CONNECTED, "reconnected")
            seen = self.accept_public_trades(symbol, trades, seen, on_trade)

    def accept_public_trades(
        self, symbol: str, trades: Any, seen: int, on_trade: TradeHandler
    ) -> int:
        """Deliver the trades newer than trade id ``seen`` (watchTrades re-sends its cache);
        malformed ones are rejected. Returns the newest trade id delivered or seen."""
        if not isinstance(trades, list):
            reject_input(self._name, "public_trade", error=f"not a list: {type(trades).__name__}")
            return seen
        now = self._clock.now_ns()
        for raw in trades:
            try:
                tick = parsing.trade_tick(self._name, raw, symbol, now)
            except (MalformedPayload, UnknownSymbol) as exc:
                reject_input(self._name, "public_trade", symbol=symbol, error=exc.message)
                continue
            if not tick.trade_id.isdigit():
                reject_input(self._name, "public_trade", symbol=symbol, error="id not numeric")
                continue
            key = int(tick.trade_id)
            if key <= seen:
                continue
            seen = key
            on_trade(tick)
        return seen

    def _book_state(self, book: Mapping[str, Any]) -> tuple[int, _Levels, _Levels] | None:
        nonce = book.get("nonce")
        if not isinstance(nonce, int):
            reject_input(self._name, "order_book_without_nonce", symbol=book.get("symbol"))
            return None
        try:
            bids = dict(parsing.levels(self._name, list(book.get("bids") or []), "bids"))
            asks = dict(parsing.levels(self._name, list(book.get("asks") or []), "asks"))
        except MalformedPayload as exc:
            reject_input(self._name, "order_book", error=exc.message)
            return None
        return nonce, bids, asks

    async def _depth_loop(
        self,
        symbol: str,
        state: tuple[int, _Levels, _Levels] | None,
        on_diff: DiffHandler,
        on_status: StatusHandler | None,
    ) -> None:
        delay = self._backoff_s
        connected = True
        while True:
            try:
                book = await self._exchange.watch_order_book(symbol)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if connected and on_status is not None:
                    on_status(StreamStatus.DISCONNECTED, str(exc) or type(exc).__name__)
                connected = False
                state = None  # the next diff must show a gap: the kernel resyncs
                await self._clock.sleep(seconds_to_ns(delay))
                delay = min(self._max_backoff_s, delay * 2)
                continue
            if not connected:
                connected = True
                delay = self._backoff_s
                log.info("stream_reconnected", stream=f"{self._name}:depth:{symbol}")
                if on_status is not None:
                    on_status(StreamStatus.CONNECTED, "reconnected")
            new_state = self._book_state(book)
            if new_state is None:
                continue
            if state is not None and new_state[0] > state[0]:
                on_diff(self._diff(state, new_state))
            if state is None or new_state[0] >= state[0]:
                state = new_state

    def _diff(
        self, old: tuple[int, _Levels, _Levels], new: tuple[int, _Levels, _Levels]
    ) -> DepthDiff:
        def changed(before: _Levels, after: _Levels) -> tuple[tuple[Decimal, Decimal], ...]:
            out = [(p, q) for p, q in after.items() if before.get(p) != q]
            out.extend((p, Decimal(0)) for p in before if p not in after)
            return tuple(out)

        now = self._clock.now_ns()
        return DepthDiff(
            first_update_id=old[0] + 1,
            final_update_id=new[0],
            bids=changed(old[1], new[1]),
            asks=changed(old[2], new[2]),
            ts_event=now,
            ts_init=now,
        )

    # -- user data -----------------------------------------------------------------------------

    async def stream_user(
        self, on_report: ReportHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        reconnected = asyncio.Event()

        async def on_reconnected() -> None:
            if on_status is not None:
                on_status(StreamStatus.CONNECTED, "reconnected")
            try:
                for report in await self.reconciliation_reports():
                    self._deliver(report, on_report, replay=True)
            except Exception as exc:
                log.warning("reconcile_failed", venue=self._name, error=str(exc))

        def on_error(exc: Exception) -> None:
            if on_status is not None:
                on_status(StreamStatus.DISCONNECTED, str(exc) or type(exc).__name__)

        orders = asyncio.create_task(
            self._watch_loop(
                "watch_orders", self._on_orders(on_report), on_error, on_reconnected, reconnected
            )
        )
        trades = asyncio.create_task(
            self._watch_loop(
                "watch_my_trades", self._on_trades(on_report), on_error, None, reconnected
            )
        )
        # let the user-data subscription settle
        await self._clock.sleep(seconds_to_ns(self._settle_s))
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "connected")
        loop = _Loop(orders, [trades])
        self._loops.append(loop)
        return loop

    async def _watch_loop(
        self,
        method: str,
        handle: Callable[[list[Any]], object],
        on_error: Callable[[Exception], None],
        on_reconnected: Callable[[], Awaitable[None]] | None,
        _shared: asyncio.Event,
    ) -> None:
        delay = self._backoff_s
        while True:
            watch = asyncio.ensure_future(getattr(self._exchange, method)())
            try:
                items = await watch
            except asyncio.CancelledError:
                watch.cancel()
                raise
            except Exception as exc:
                log.warning("user_stream_error", venue=self._name, method=method, error=str(exc))
                if on_reconnected is not None:
                    on_error(exc)
                await self._clock.sleep(seconds_to_ns(delay))
                delay = min(self._max_backoff_s, delay * 2)
                if on_reconnected is not None:
                    # resubscribe first, then replay what the gap may have hidden
                    retry = asyncio.ensure_future(getattr(self._exchange, method)())
                    await self._clock.sleep(seconds_to_ns(self._settle_s))
                    await on_reconnected()
                    try:
                        items = await retry
                    except asyncio.CancelledError:
                        retry.cancel()
                        raise
                    except Exception:
                        continue
                else:
                    continue
            delay = self._backoff_s
            handle(items)

    def _on_orders(self, on_report: ReportHandler) -> Callable[[list[Any]], int]:
        return lambda orders: self.accept_orders(orders, on_report)

    def _on_trades(self, on_report: ReportHandler) -> Callable[[list[Any]], int]:
        return lambda trades: self.accept_trades(trades, on_report)

    def accept_orders(self, orders: Any, on_report: ReportHandler) -> int:
        """Validate CCXT order updates and deliver the admitted ones; returns how many."""
        if not isinstance(orders, list):
            reject_input(self._name, "order_update", error=f"not a list: {type(orders).__name__}")
            return 0
        now = self._clock.now_ns()
        delivered = 0
        for order in orders:
            try:
                report = parsing.order_report(self._name, order, self._known, now)
            except (MalformedPayload, UnknownSymbol) as exc:
                reject_input(self._name, "order_update", error=exc.message)
                continue
            if self._guard.admit(report):
                on_report(report)
                delivered += 1
        return delivered

    def accept_trades(self, trades: Any, on_report: ReportHandler) -> int:
        """Validate CCXT trades of ours and deliver the new ones; returns how many.

        watchMyTrades re-sends its cached trades, so an already-delivered one is dropped quietly.
        """
        if not isinstance(trades, list):
            reject_input(self._name, "trade_update", error=f"not a list: {type(trades).__name__}")
            return 0
        now = self._clock.now_ns()
        delivered = 0
        for trade in trades:
            try:
                fill = parsing.fill_report(self._name, trade, self._known, now)
            except (MalformedPayload, UnknownSymbol) as exc:
                reject_input(self._name, "trade_update", error=exc.message)
                continue
            delivered += self._deliver(fill, on_report, replay=True)
        return delivered

    def _deliver(self, report: VenueReport, on_report: ReportHandler, replay: bool = False) -> bool:
        if not self._guard.admit(report, replay=replay):
            return False
        if isinstance(report, FillReport):
            held = self._last_trade_ids.get(report.symbol)
            if held is None or _trade_key(report.trade_id) > _trade_key(held):
                self._last_trade_ids[report.symbol] = report.trade_id
        on_report(report)
        return True

    async def reconciliation_reports(self) -> list[VenueReport]:
        """Open orders, then fills after the last delivered trade id of every symbol traded."""
        reports: list[VenueReport] = list(await self.open_orders())
        symbols = set(self._last_trade_ids) | {r.symbol for r in reports}
        for symbol in sorted(symbols):
            reports.extend(await self.fills_since(symbol, self._last_trade_ids.get(symbol)))
        return reports

    # -- orders --------------------------------------------------------------------------------

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        symbol = self._check_symbol(order.symbol)
        params: dict[str, Any] = {"clientOrderId": order.client_order_id}
        if order.order_type is OrderType.LIMIT:
            params["timeInForce"] = order.time_in_force.value.upper()
        elif order.order_type is OrderType.LIMIT_MAKER:
            params["postOnly"] = True
        elif order.order_type is not OrderType.MARKET:
            raise VenueRejected(self._name, f"{order.order_type} orders are not supported")
        kind = "market" if order.order_type is OrderType.MARKET else "limit"
        # ccxt takes numbers; the strings of exact decimals keep every digit
        placed = await self._call(
            "create_order",
            symbol,
            kind,
            order.side.value,
            str(order.quantity),
            None if order.price is None else str(order.price),
            params,
        )
        return self._order(placed, fallback_client_id=order.client_order_id)

    def _order(self, payload: Any, fallback_client_id: str | None = None) -> OrderStatusReport:
        if isinstance(payload, dict) and not payload.get("clientOrderId") and fallback_client_id:
            payload = {**payload, "clientOrderId": fallback_client_id}
        if isinstance(payload, dict) and payload.get("type") == "limit" and payload.get("postOnly"):
            payload = {**payload, "type": "limit_maker"}
        with rejecting(self._name, "order"):
            return parsing.order_report(self._name, payload, self._known, self._clock.now_ns())

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        self._check_symbol(symbol)
        if venue_order_id is None:
            found = await self.order_status(symbol, client_order_id)
            if found is None:
                raise OrderNotFound(self._name, f"no order {client_order_id}")
            venue_order_id = found.venue_order_id
        cancelled = await self._call("cancel_order", venue_order_id, symbol)
        if isinstance(cancelled, dict):
            # the venue names the cancel request's own id here; the order's id is ours
            cancelled = {**cancelled, "clientOrderId": client_order_id}
        return self._order(cancelled)

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        self._check_symbol(symbol)
        try:
            order = await self._call(
                "fetch_order", None, symbol, {"origClientOrderId": client_order_id}
            )
        except OrderNotFound:
            return None
        return self._order(order)

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        if symbol is not None:
            self._check_symbol(symbol)
        else:
            # binance warns when fetching every symbol's open orders at once; the weight is known
            self._exchange.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
        orders = await self._call("fetch_open_orders", symbol)
        if not isinstance(orders, list):
            reject_input(self._name, "order", error="open orders are not a list")
            raise MalformedPayload(self._name, "open orders are not a list")
        return [self._order(o) for o in orders]

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        self._check_symbol(symbol)
        out: list[FillReport] = []
        next_id = 0 if from_trade_id is None else _trade_key(from_trade_id) + 1
        while True:
            params = {"fromId": next_id} if self._exchange.id == "binance" else {}
            trades = await self._call("fetch_my_trades", symbol, None, 1000, params)
            now = self._clock.now_ns()
            with rejecting(self._name, "my_trades", symbol=symbol):
                if not isinstance(trades, list):
                    raise MalformedPayload(self._name, "my trades are not a list")
                page = [parsing.fill_report(self._name, t, self._known, now) for t in trades]
            if from_trade_id is not None:
                floor = _trade_key(from_trade_id)
                page = [f for f in page if _trade_key(f.trade_id) > floor]
            out.extend(page)
            if len(trades) < 1000 or self._exchange.id != "binance" or not page:
                return sorted(out, key=lambda f: _trade_key(f.trade_id))
            next_id = _trade_key(page[-1].trade_id) + 1

    async def balances(self) -> dict[str, Balance]:
        raw = await self._call("fetch_balance")
        with rejecting(self._name, "balance"):
            return parsing.balances(self._name, raw)

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        raw = await self._call("fetch_deposit_address", coin, {"network": network})
        address = raw.get("address")
        if not isinstance(address, str) or not address:
            raise MalformedPayload(self._name, "deposit address payload has no address")
        return DepositAddress(
            coin=coin, network=network, address=address, tag=raw.get("tag") or None
        )

    async def close(self) -> None:
        loops, self._loops = self._loops, []
        for loop in loops:
            await loop.close()
        with contextlib.suppress(Exception):
            await self._exchange.close()


def _trade_key(trade_id: str) -> int:
    try:
        return int(trade_id)
    except ValueError:
        raise MalformedPayload("ccxt", f"trade id {trade_id!r} is not numeric") from None


def _newest_trade_key(trades: Any) -> int:
    """The largest numeric trade id in a watchTrades answer (-1 if none)."""
    newest = -1
    for trade in trades if isinstance(trades, list) else ():
        trade_id = trade.get("id") if isinstance(trade, Mapping) else None
        if isinstance(trade_id, str) and trade_id.isdigit():
            newest = max(newest, int(trade_id))
    return newest
