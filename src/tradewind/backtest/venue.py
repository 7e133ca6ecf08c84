"""BacktestVenue: the node's VenueAdapter over replayed markets, with latency and fee models.

    market data (engine) ─▶ on_depth / on_trade ─▶ InstrumentMarket (the venue's book, our
                                                   queues, maker fills)
                                               └─▶ after market-data latency: depth diffs and
                                                   trade ticks to the node's streams
    node ─▶ submit / cancel ─▶ after entry / cancel latency: arrive at the venue (match, rest,
                               cancel) ─▶ after response latency: the ack and the user-stream
                               reports back to the node

The node's ExecutionEngine awaits ``submit`` and ``cancel`` as it would a venue's REST call: the
await ends when the (simulated) response arrives, so an order is "in flight" between the call
and its arrival and can be overtaken by market data. A cancel that arrives after its order
filled is refused (``OrderNotFound``, recorded as ``cancel_rejected``); the fill stands.

Depth streamed to the node is the venue's own sequence (update ids 1, 2, ...), whatever the
data's ids were: a data snapshot reaches the node as a diff that replaces every level, so the
node's book never has to resync. Data sequence checks (Binance U/u) happen here: a gap or a
crossed book is either an error (``gap_policy="error"``) or a resync (drop the book, warn,
serve nothing until the data's next snapshot).

All times ns on the engine's clock; every record goes to the RunRecorder.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.feeds.events import DepthEvent, TradeEvent
from tradewind.backtest.fees import FeeSchedule
from tradewind.backtest.latency import ConstantLatency, LatencyModel
from tradewind.backtest.matching import FillSink, InstrumentMarket, SimOrder
from tradewind.backtest.queue_models import QueueModel, RiskAverseQueue
from tradewind.backtest.recorder import RunRecorder
from tradewind.backtest.scheduler import BacktestClock, Scheduler
from tradewind.backtest.units import Scale
from tradewind.book.depth_sync import DepthDiff, DepthSnapshot
from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from tradewind.core.instruments import Instrument
from tradewind.core.market import TradeTick
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.rate_limiter import RateLimit, RateLimitKind
from tradewind.venues.base import (
    DepositAddress,
    DiffHandler,
    OrderNotFound,
    OrderRequest,
    ReportHandler,
    StatusHandler,
    StreamStatus,
    Subscription,
    TradeHandler,
    UnknownSymbol,
    VenueRejected,
    VenueReport,
)

__all__ = ["BacktestVenue", "GapPolicy", "ListedInstrument", "VenueLatency"]

log = get_logger("backtest.venue")

GapPolicy = Literal["resync", "error"]
_UNLIMITED = (RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * 1_000_000_000, 10**12),)
_ZERO_LATENCY = ConstantLatency(0)
_E = TypeVar("_E")
_KINDS = {
    OrderType.LIMIT: "limit",
    OrderType.LIMIT_MAKER: "limit_maker",
    OrderType.MARKET: "market",
}


@dataclass(frozen=True, slots=True)
class VenueLatency:
    """One-way latencies (ns): request entry and cancel to the venue, responses and
    market data from it."""

    entry: LatencyModel = _ZERO_LATENCY
    cancel: LatencyModel = _ZERO_LATENCY
    response: LatencyModel = _ZERO_LATENCY
    market_data: LatencyModel = _ZERO_LATENCY


@dataclass(frozen=True, slots=True)
class ListedInstrument:
    """An instrument this venue lists and the integer scale its data is replayed in."""

    instrument: Instrument
    scale: Scale


class _Handle(Generic[_E]):
    """A subscription that only has to stop delivering."""

    def __init__(self, registry: list[_E], entry: _E) -> None:
        self._registry = registry
        self._entry = entry

    async def close(self) -> None:
        if self._entry in self._registry:
            self._registry.remove(self._entry)


@dataclass(slots=True)
class _Tracked:
    order: SimOrder
    request: OrderRequest
    market: _Market
    status: OrderStatus = OrderStatus.NEW
    ts: int = 0


@dataclass(slots=True, eq=False)
class _Market:
    """Everything the venue keeps per instrument."""

    listed: ListedInstrument
    sim: InstrumentMarket
    label: str  # "BTC/USDT@binance" for records
    base: str
    quote: str
    depth: list[DiffHandler] = field(default_factory=list)
    trades: list[TradeHandler] = field(default_factory=list)
    sequence: int = 0  # update id of the depth streamed to the node
    synced: bool = False  # the venue has a book (from a snapshot, or from diffs without ids)
    first_after_snapshot: bool = False
    top: tuple[int | None, int | None] = (None, None)
    dropped: int = 0  # diffs dropped while waiting for a snapshot
    fills: list[FillReport] = field(default_factory=list)
    price_text: Callable[[int], str] = str
    qty_text: Callable[[int], str] = str


class BacktestVenue:
    """A simulated venue for one account: replayed books, our orders' queues, latencies, fees.

    ``balances`` are the account's starting balances by asset; ``queue_model`` estimates queue
    positions (tradewind.backtest.queue_models); ``gap_policy`` says what a data sequence gap
    or a crossed book does.
    """

    def __init__(
        self,
        name: str,
        instruments: list[ListedInstrument],
        *,
        clock: BacktestClock,
        scheduler: Scheduler,
        recorder: RunRecorder,
        balances: Mapping[str, Decimal] | None = None,
        fees: FeeSchedule | None = None,
        latency: VenueLatency | None = None,
        queue_model: QueueModel | None = None,
        gap_policy: GapPolicy = "resync",
    ) -> None:
        self._name = name
        self._clock = clock
        self._scheduler = scheduler
        self._recorder = recorder
        self._fees = fees or FeeSchedule()
        self._latency = latency or VenueLatency()
        self._queue_model = queue_model or RiskAverseQueue()
        self._gap_policy = gap_policy
        self.initial_balances = {a: Decimal(q) for a, q in (balances or {}).items()}
        self._balances = dict(self.initial_balances)
        self._markets: dict[str, _Market] = {}
        for listed in instruments:
            symbol = listed.instrument.symbol
            market = _Market(
                listed=listed,
                sim=InstrumentMarket(self._queue_model, self._fill_sink(symbol)),
                label=f"{symbol}@{name}",
                base=listed.instrument.base,
                quote=listed.instrument.quote,
            )
            # the same levels and sizes come back again and again: format each once
            market.price_text = _memo(listed.scale.price_text)
            market.qty_text = _memo(listed.scale.qty_text)
            self._markets[symbol] = market
        self._users: list[ReportHandler] = []
        self._orders: dict[str, _Tracked] = {}
        self._order_ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._md_last = 0  # market data reaches the node in order: never before the previous
        self._user_last = 0  # likewise responses and user-stream reports
        self.resyncs = 0

    # -- the adapter's identity ----------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def last_usage_headers(self) -> Mapping[str, str]:
        return {}

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        # no venue to protect: declared so the node's provisional limiter is lifted
        return _UNLIMITED

    def market(self, symbol: str) -> InstrumentMarket:
        """The simulated market of ``symbol`` ("BTC/USDT"), for inspection."""
        return self._market(symbol).sim

    def _market(self, symbol: str) -> _Market:
        try:
            return self._markets[symbol]
        except KeyError:
            raise UnknownSymbol(self._name, f"unknown symbol {symbol!r}") from None

    # -- market data in (from the engine) ------------------------------------------------------

    def on_depth(self, symbol: str, event: DepthEvent, source: str) -> None:
        """Apply one depth event of the data to the venue's book and pass it on to the node."""
        market = self._markets[symbol]
        sim = market.sim
        book = sim.book
        if event.snapshot:
            before = (dict(book.bids), dict(book.asks)) if market.depth else None
            sim.load(event.bids, event.asks)
            book.update_id = event.last_id
            market.synced = True
            market.first_after_snapshot = event.last_id >= 0
            if before is not None:
                self._stream_replacement(market, before)
            self._sample(market)
            return
        if event.first_id >= 0:
            if not market.synced:
                market.dropped += 1
                return
            last = book.update_id
            if event.last_id <= last:
                return  # older than the book: Binance says drop it
            if market.first_after_snapshot:
                if not event.first_id <= last + 1 <= event.last_id:
                    self._fault(
                        market,
                        source,
                        event.line,
                        f"the first diff after the snapshot "
                        f"(U={event.first_id} u={event.last_id}) does not cover "
                        f"update {last + 1}",
                    )
                    return
                market.first_after_snapshot = False
            elif event.first_id != last + 1:
                self._fault(
                    market,
                    source,
                    event.line,
                    f"gap in update ids: expected U={last + 1}, got U={event.first_id}",
                )
                return
            book.update_id = event.last_id
        elif not market.synced:
            market.synced = True  # data without ids (synthetic): diffs build the book
        sim.apply(event)
        if (
            book.best_bid is not None
            and book.best_ask is not None
            and book.best_bid >= book.best_ask
        ):
            self._fault(market, source, event.line, "the book is crossed after this update")
            return
        if market.depth:
            self._stream_levels(market, event.bids, event.asks)
        if market.top != (book.best_bid, book.best_ask):
            self._sample(market)

    def on_trade(self, symbol: str, event: TradeEvent) -> None:
        """A public print: our resting orders it reaches fill; the node sees the tick."""
        market = self._markets[symbol]
        market.sim.trade(event)
        if market.trades:
            scale = market.listed.scale
            now = self._clock.now_ns()
            tick = TradeTick(
                venue=self._name,
                symbol=market.listed.instrument.symbol,
                trade_id=event.trade_id,
                price=scale.price(event.price),
                qty=scale.qty(event.qty),
                aggressor=OrderSide.BUY if event.taker_buys else OrderSide.SELL,
                ts_event=event.ts,
                ts_init=now,
            )
            handlers = list(market.trades)
            self._to_node(lambda: [handler(tick) for handler in handlers])

    def _fault(self, market: _Market, source: str, line: int, reason: str) -> None:
        if self._gap_policy == "error":
            raise BacktestDataError(source, line, reason)
        log.warning(
            "backtest_book_resync",
            venue=self._name,
            symbol=market.label,
            source=source,
            line=line,
            reason=reason,
        )
        self.resyncs += 1
        before = (dict(market.sim.book.bids), dict(market.sim.book.asks)) if market.depth else None
        market.sim.clear()
        market.synced = False
        if before is not None:
            self._stream_replacement(market, before)
        self._sample(market)

    def _sample(self, market: _Market) -> None:
        book = market.sim.book
        market.top = (book.best_bid, book.best_ask)
        self._recorder.market(
            self._clock.now_ns(), market.label, market.listed.scale, book.best_bid, book.best_ask
        )

    def _stream_replacement(
        self, market: _Market, before: tuple[dict[int, int], dict[int, int]]
    ) -> None:
        book = market.sim.book
        bids = [(p, 0) for p in before[0] if p not in book.bids] + list(book.bids.items())
        asks = [(p, 0) for p in before[1] if p not in book.asks] + list(book.asks.items())
        self._stream_levels(market, bids, asks)

    def _stream_levels(
        self, market: _Market, bids: list[tuple[int, int]], asks: list[tuple[int, int]]
    ) -> None:
        price, qty = market.price_text, market.qty_text
        market.sequence += 1
        now = self._clock.now_ns()
        diff = DepthDiff(
            first_update_id=market.sequence,
            final_update_id=market.sequence,
            bids=tuple((price(p), qty(q)) for p, q in bids),
            asks=tuple((price(p), qty(q)) for p, q in asks),
            ts_event=now,
            ts_init=now,
        )
        handlers = market.depth
        if len(handlers) == 1:
            handler = handlers[0]
            self._to_node(lambda: handler(diff))
        else:
            targets = list(handlers)
            self._to_node(lambda: [h(diff) for h in targets])

    def _to_node(self, deliver: Callable[[], object]) -> None:
        now = self._clock.now_ns()
        at = now + self._latency.market_data.sample(now)
        if at <= now and self._md_last <= now:
            deliver()
            return
        at = max(at, self._md_last)
        self._md_last = at
        self._scheduler.at(at, deliver)

    # -- streams -------------------------------------------------------------------------------

    async def load_instruments(self) -> list[Instrument]:
        return [market.listed.instrument for market in self._markets.values()]

    async def depth_snapshot(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        market = self._market(symbol)
        book, scale = market.sim.book, market.listed.scale
        now = self._clock.now_ns()
        bids = sorted(book.bids.items(), reverse=True)[:limit]
        asks = sorted(book.asks.items())[:limit]
        return DepthSnapshot(
            last_update_id=market.sequence,
            bids=tuple((scale.price_text(p), scale.qty_text(q)) for p, q in bids),
            asks=tuple((scale.price_text(p), scale.qty_text(q)) for p, q in asks),
            ts_event=now,
            ts_init=now,
        )

    async def stream_depth(
        self, symbol: str, on_diff: DiffHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        market = self._market(symbol)
        market.depth.append(on_diff)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "backtest")
        return _Handle(market.depth, on_diff)

    async def stream_trades(
        self, symbol: str, on_trade: TradeHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        market = self._market(symbol)
        market.trades.append(on_trade)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "backtest")
        return _Handle(market.trades, on_trade)

    async def stream_user(
        self, on_report: ReportHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        self._users.append(on_report)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "backtest")
        return _Handle(self._users, on_report)

    # -- orders --------------------------------------------------------------------------------

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        market = self._market(order.symbol)
        kind = _KINDS.get(order.order_type)
        if kind is None:
            raise VenueRejected(self._name, f"{order.order_type} orders are not supported")
        scale = market.listed.scale
        try:
            price = None if kind == "market" or order.price is None else scale.ticks_of(order.price)
            qty = scale.lots_of(order.quantity)
        except ValueError as exc:
            raise VenueRejected(self._name, str(exc)) from None
        if kind != "market" and price is None:
            raise VenueRejected(self._name, "a limit order needs a price")
        now = self._clock.now_ns()
        self._record(now, order, "submitted")
        future: asyncio.Future[OrderStatusReport] = asyncio.get_running_loop().create_future()
        sim = SimOrder(
            next(self._order_ids),
            order.client_order_id,
            order.side is OrderSide.BUY,
            kind,
            price,
            qty,
            order.time_in_force.value,
        )
        arrive = now + self._latency.entry.sample(now)
        if arrive <= now:
            self._arrive(market, order, sim, future)  # no latency: no trip through the loop
        else:
            self._scheduler.at(arrive, lambda: self._arrive(market, order, sim, future))
        return await future

    def _arrive(
        self,
        market: _Market,
        request: OrderRequest,
        order: SimOrder,
        future: asyncio.Future[OrderStatusReport],
    ) -> None:
        now = self._clock.now_ns()
        if request.client_order_id in self._orders:
            self._respond(future, VenueRejected(self._name, "Duplicate order sent.", code=-2010))
            return
        tracked = _Tracked(order, request, market, ts=now)
        self._orders[request.client_order_id] = tracked
        reason = market.sim.place(order)
        if reason:
            tracked.status = OrderStatus.REJECTED
            self._record(now, request, "rejected", reason)
            self._respond(future, VenueRejected(self._name, reason, code=-2010))
            return
        self._record(now, request, "accepted")
        if order.open:
            tracked.status = OrderStatus.PARTIALLY_FILLED if order.filled else OrderStatus.NEW
        elif order.leaves:
            tracked.status = OrderStatus.EXPIRED
            self._record(now, request, "expired", "no more liquidity within the limit")
        self._quote(market, request.client_order_id)
        self._respond(future, self._report(tracked))

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        market = self._market(symbol)
        now = self._clock.now_ns()
        tracked = self._orders.get(client_order_id)
        if tracked is not None:
            self._record(now, tracked.request, "cancel_requested")
        future: asyncio.Future[OrderStatusReport] = asyncio.get_running_loop().create_future()
        arrive = now + self._latency.cancel.sample(now)
        if arrive <= now:
            self._cancel_arrives(market, client_order_id, future)
        else:
            self._scheduler.at(
                arrive, lambda: self._cancel_arrives(market, client_order_id, future)
            )
        return await future

    def _cancel_arrives(
        self, market: _Market, client_order_id: str, future: asyncio.Future[OrderStatusReport]
    ) -> None:
        now = self._clock.now_ns()
        tracked = self._orders.get(client_order_id)
        if tracked is None or not tracked.order.open:
            if tracked is not None:
                self._record(now, tracked.request, "cancel_rejected", f"order is {tracked.status}")
            self._respond(future, OrderNotFound(self._name, "Unknown order sent.", code=-2011))
            return
        market.sim.remove(tracked.order)
        tracked.status = OrderStatus.CANCELED
        tracked.ts = now
        self._record(now, tracked.request, "canceled")
        self._quote(market, client_order_id)
        report = self._report(tracked)
        self._to_user([report])
        self._respond(future, report)

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        self._market(symbol)
        tracked = self._orders.get(client_order_id)
        return None if tracked is None else self._report(tracked)

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        return [
            self._report(t)
            for t in self._orders.values()
            if t.order.open and (symbol is None or t.request.symbol == symbol)
        ]

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        fills = self._market(symbol).fills
        if from_trade_id is None:
            return list(fills)
        after = int(from_trade_id)
        return [f for f in fills if int(f.trade_id) > after]

    async def balances(self) -> dict[str, Balance]:
        return {
            asset: Balance(asset=asset, free=qty, locked=Decimal(0))
            for asset, qty in sorted(self._balances.items())
            if qty
        }

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        raise VenueRejected(self._name, "a backtest venue takes no deposits")

    async def close(self) -> None:
        for market in self._markets.values():
            market.depth.clear()
            market.trades.clear()
        self._users.clear()

    # -- fills ---------------------------------------------------------------------------------

    def _fill_sink(self, symbol: str) -> FillSink:
        def sink(order: SimOrder, price: int, lots: int, is_maker: bool) -> None:
            self._on_fill(self._markets[symbol], order, price, lots, is_maker)

        return sink

    def _on_fill(
        self, market: _Market, order: SimOrder, price_ticks: int, lots: int, is_maker: bool
    ) -> None:
        now = self._clock.now_ns()
        tracked = self._orders[order.client_order_id]
        scale = market.listed.scale
        price, qty = scale.price(price_ticks), scale.qty(lots)
        liquidity = LiquiditySide.MAKER if is_maker else LiquiditySide.TAKER
        fee, fee_asset = self._fees.fee(
            price=price, qty=qty, liquidity=liquidity, base=market.base, quote=market.quote
        )
        sign = 1 if order.is_buy else -1
        balances = self._balances
        balances[market.base] = balances.get(market.base, Decimal(0)) + sign * qty
        balances[market.quote] = balances.get(market.quote, Decimal(0)) - sign * price * qty
        balances[fee_asset] = balances.get(fee_asset, Decimal(0)) - fee
        tracked.status = OrderStatus.FILLED if not order.leaves else OrderStatus.PARTIALLY_FILLED
        tracked.ts = now
        side = tracked.request.side
        self._recorder.fill(
            now, order.client_order_id, market.label, side, price, qty, fee, fee_asset, liquidity
        )
        fill = FillReport(
            venue=self._name,
            symbol=market.listed.instrument.symbol,
            trade_id=str(next(self._trade_ids)),
            venue_order_id=str(order.order_id),
            client_order_id=order.client_order_id,
            side=side,
            price=price,
            qty=qty,
            fee=fee,
            fee_asset=fee_asset,
            liquidity_side=liquidity,
            ts_event=now,
            ts_init=now,
        )
        market.fills.append(fill)
        if is_maker:
            # a taker fill is reported with the order's ack; a maker fill is news
            self._quote(market, order.client_order_id)
        self._to_user([fill, self._report(tracked)])

    # -- responses -----------------------------------------------------------------------------

    def _report(self, tracked: _Tracked) -> OrderStatusReport:
        order, request = tracked.order, tracked.request
        scale = tracked.market.listed.scale
        return OrderStatusReport(
            venue=self._name,
            symbol=request.symbol,
            venue_order_id=str(order.order_id),
            client_order_id=request.client_order_id,
            side=request.side,
            order_type=request.order_type,
            status=tracked.status,
            quantity=request.quantity,
            filled_qty=scale.qty(order.filled),
            price=request.price,
            ts_event=tracked.ts,
            ts_init=self._clock.now_ns(),
        )

    def _response_at(self) -> int:
        now = self._clock.now_ns()
        at = max(now + self._latency.response.sample(now), self._user_last)
        self._user_last = at
        return at

    def _to_user(self, reports: list[VenueReport]) -> None:
        handlers = list(self._users)

        def deliver() -> None:
            for report in reports:
                for handler in handlers:
                    handler(report)

        at = self._response_at()
        if at <= self._clock.now_ns():
            deliver()
        else:
            self._scheduler.at(at, deliver)

    def _respond(
        self, future: asyncio.Future[OrderStatusReport], outcome: OrderStatusReport | Exception
    ) -> None:
        def deliver() -> None:
            if future.done():
                return
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        at = self._response_at()
        if at <= self._clock.now_ns():
            deliver()
        else:
            self._scheduler.at(at, deliver)

    # -- records -------------------------------------------------------------------------------

    def _record(
        self,
        now: int,
        request: OrderRequest,
        action: Literal[
            "submitted",
            "accepted",
            "rejected",
            "cancel_requested",
            "canceled",
            "cancel_rejected",
            "expired",
        ],
        reason: str = "",
    ) -> None:
        self._recorder.order(
            now,
            request.client_order_id,
            f"{request.symbol}@{self._name}",
            request.side,
            request.price,
            request.quantity,
            action,
            reason,
        )

    def _quote(self, market: _Market, client_order_id: str) -> None:
        strategy = self._recorder.strategy_of.get(client_order_id, "")
        owner = self._recorder.strategy_of
        sim, scale = market.sim, market.listed.scale
        bids = [
            p
            for p, orders in sim.own_bids.items()
            if any(owner.get(o.client_order_id, "") == strategy for o in orders)
        ]
        asks = [
            p
            for p, orders in sim.own_asks.items()
            if any(owner.get(o.client_order_id, "") == strategy for o in orders)
        ]
        self._recorder.quote(
            self._clock.now_ns(),
            strategy,
            market.label,
            scale.price(max(bids)) if bids else None,
            scale.price(min(asks)) if asks else None,
        )


def _memo(format_units: Callable[[int], str], limit: int = 1 << 16) -> Callable[[int], str]:
    cache: dict[int, str] = {}

    def cached(units: int) -> str:
        text = cache.get(units)
        if text is None:
            if len(cache) >= limit:
                cache.clear()
            text = cache[units] = format_units(units)
        return text

    return cached
