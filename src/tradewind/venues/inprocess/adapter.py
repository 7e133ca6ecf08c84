"""InProcessAdapter: the VenueAdapter interface straight onto the sim MatchingEngine, no network.

For backtests and latency benchmarks: every call runs synchronously inside the engine and the
resulting reports and depth diffs are delivered before the call returns. Symbols are mapped
"BTC/USDT" ↔ "BTCUSDT" from the engine's SymbolSpecs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from tradewind.book.depth_sync import DepthDiff, DepthSnapshot
from tradewind.core.balances import Balance
from tradewind.core.clock import Clock, LiveClock
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from tradewind.core.instruments import Instrument, InstrumentFilters
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
)
from tradewind.venues.sim.engine import (
    EngineEvent,
    MatchingEngine,
    NewOrder,
    OrderUpdated,
    SimError,
    TradeExecuted,
)
from tradewind.venues.sim.engine import Fill as SimFill
from tradewind.venues.sim.engine import OrderStatus as SimStatus
from tradewind.venues.sim.engine import OrderType as SimType
from tradewind.venues.sim.engine import OrderView as SimOrder
from tradewind.venues.sim.engine import Side as SimSide
from tradewind.venues.sim.engine import TimeInForce as SimTif

__all__ = ["InProcessAdapter"]

_MS = 1_000_000
_STATUS = {
    SimStatus.NEW: OrderStatus.NEW,
    SimStatus.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
    SimStatus.FILLED: OrderStatus.FILLED,
    SimStatus.CANCELED: OrderStatus.CANCELED,
    SimStatus.REJECTED: OrderStatus.REJECTED,
    SimStatus.EXPIRED: OrderStatus.EXPIRED,
    SimStatus.EXPIRED_IN_MATCH: OrderStatus.EXPIRED,
}
_TYPES = {
    SimType.LIMIT: OrderType.LIMIT,
    SimType.MARKET: OrderType.MARKET,
    SimType.LIMIT_MAKER: OrderType.LIMIT_MAKER,
}
_SIM_TYPES = {value: key for key, value in _TYPES.items()}
_UNKNOWN_ORDER = frozenset({-2011, -2013})
_UNLIMITED = (RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * 1_000_000_000, 10**12),)
_E = TypeVar("_E")


class _Handle(Generic[_E]):
    """A subscription that only has to stop delivering."""

    def __init__(self, registry: list[_E], entry: _E) -> None:
        self._registry = registry
        self._entry = entry

    async def close(self) -> None:
        if self._entry in self._registry:
            self._registry.remove(self._entry)


class InProcessAdapter:
    """One account on an in-process MatchingEngine (created with ``emit_events=True``)."""

    def __init__(
        self,
        engine: MatchingEngine,
        account_id: str,
        *,
        venue: str = "inprocess",
        clock: Clock | None = None,
    ) -> None:
        if not engine.has_account(account_id):
            raise ValueError(f"the engine has no account {account_id!r}")
        self._engine = engine
        self._account = account_id
        self._venue = venue
        self._clock = clock or LiveClock()
        self._to_venue: dict[str, str] = {}
        self._to_unified: dict[str, str] = {}
        for spec in engine.specs.values():
            unified = f"{spec.base_asset}/{spec.quote_asset}"
            self._to_venue[unified] = spec.symbol
            self._to_unified[spec.symbol] = unified
        self._depth: list[tuple[str, DiffHandler]] = []  # (venue symbol, handler)
        self._users: list[ReportHandler] = []
        self._trades: list[tuple[str, TradeHandler]] = []  # (venue symbol, handler)
        engine.add_listener(self._on_engine_event)

    @property
    def name(self) -> str:
        return self._venue

    @property
    def last_usage_headers(self) -> Mapping[str, str]:
        return {}

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        # no network and no venue to protect: declared so that a caller's provisional limiter
        # (tradewind.oms.rate_limiter.provisional_limiter) is lifted, as a real venue's would be
        return _UNLIMITED

    def _venue_symbol(self, symbol: str) -> str:
        try:
            return self._to_venue[symbol]
        except KeyError:
            raise UnknownSymbol(self._venue, f"unknown symbol {symbol!r}") from None

    # -- instruments and depth -----------------------------------------------------------------

    async def load_instruments(self) -> list[Instrument]:
        out = []
        for unified, venue_symbol in self._to_venue.items():
            spec = self._engine.specs[venue_symbol]
            filters = InstrumentFilters(
                tick_size=spec.tick_size,
                step_size=spec.step_size,
                min_qty=spec.min_qty,
                max_qty=spec.max_qty,
                min_notional=spec.min_notional,
                max_notional=spec.max_notional or None,
                market_step_size=spec.market_step_size or None,
                market_min_qty=spec.market_min_qty,
                market_max_qty=spec.market_max_qty or None,
            )
            out.append(Instrument(venue=self._venue, symbol=unified, filters=filters))
        return out

    async def depth_snapshot(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        snap = self._engine.depth(self._venue_symbol(symbol), limit)
        now = self._clock.now_ns()
        return DepthSnapshot(
            last_update_id=snap.last_update_id,
            bids=tuple(snap.bids),
            asks=tuple(snap.asks),
            ts_event=now,
            ts_init=now,
        )

    async def stream_depth(
        self, symbol: str, on_diff: DiffHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        entry = (self._venue_symbol(symbol), on_diff)
        self._depth.append(entry)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "in process")
        return _Handle(self._depth, entry)

    def publish_depth(self) -> int:
        """Deliver pending book changes of every streamed symbol; returns diffs delivered.

        Called after every engine event; call it yourself after driving the engine directly
        with ``emit_events`` off or through another account without events.
        """
        delivered = 0
        seen: set[str] = set()
        for venue_symbol, _handler in list(self._depth):
            if venue_symbol in seen:
                continue
            seen.add(venue_symbol)
            changes = self._engine.take_depth_changes(venue_symbol)
            if changes is None:
                continue
            now = self._clock.now_ns()
            diff = DepthDiff(
                first_update_id=changes.first_update_id,
                final_update_id=changes.final_update_id,
                bids=tuple(changes.bids),
                asks=tuple(changes.asks),
                ts_event=now,
                ts_init=now,
            )
            for other_symbol, handler in list(self._depth):
                if other_symbol == venue_symbol:
                    handler(diff)
                    delivered += 1
        return delivered

    async def stream_trades(
        self, symbol: str, on_trade: TradeHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        entry = (self._venue_symbol(symbol), on_trade)
        self._trades.append(entry)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "in process")
        return _Handle(self._trades, entry)

    def _on_trade(self, event: TradeExecuted) -> None:
        trade = event.trade
        tick = TradeTick(
            venue=self._venue,
            symbol=self._to_unified[trade.symbol],
            trade_id=str(trade.trade_id),
            price=trade.price,
            qty=trade.qty,
            aggressor=OrderSide.SELL if trade.is_buyer_maker else OrderSide.BUY,
            ts_event=trade.time * _MS,
            ts_init=self._clock.now_ns(),
        )
        for venue_symbol, handler in list(self._trades):
            if venue_symbol == trade.symbol:
                handler(tick)

    # -- user stream ---------------------------------------------------------------------------

    async def stream_user(
        self, on_report: ReportHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        self._users.append(on_report)
        if on_status is not None:
            on_status(StreamStatus.CONNECTED, "in process")
        return _Handle(self._users, on_report)

    def _on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, TradeExecuted):
            if self._trades:
                self._on_trade(event)
        elif isinstance(event, OrderUpdated):
            if self._users and event.order.account_id == self._account:
                now = self._clock.now_ns()
                if event.fill is not None:
                    fill = self._fill(event.fill, event.order.client_order_id, now)
                    for handler in list(self._users):
                        handler(fill)
                status = self._order(event.order, now)
                for handler in list(self._users):
                    handler(status)
            if self._depth:
                self.publish_depth()

    def _order(self, view: SimOrder, now: int) -> OrderStatusReport:
        price = view.price
        return OrderStatusReport(
            venue=self._venue,
            symbol=self._to_unified[view.symbol],
            venue_order_id=str(view.order_id),
            client_order_id=view.orig_client_order_id or view.client_order_id,
            side=OrderSide.BUY if view.side is SimSide.BUY else OrderSide.SELL,
            order_type=_TYPES[view.type],
            status=_STATUS[view.status],
            quantity=view.orig_qty,
            filled_qty=view.executed_qty,
            price=price if price > 0 else None,
            ts_event=view.update_time * _MS,
            ts_init=now,
        )

    def _fill(self, fill: SimFill, client_order_id: str | None, now: int) -> FillReport:
        return FillReport(
            venue=self._venue,
            symbol=self._to_unified[fill.symbol],
            trade_id=str(fill.trade_id),
            venue_order_id=str(fill.order_id),
            client_order_id=client_order_id,
            side=OrderSide.BUY if fill.is_buyer else OrderSide.SELL,
            price=fill.price,
            qty=fill.qty,
            fee=fill.commission,
            fee_asset=fill.commission_asset,
            liquidity_side=LiquiditySide.MAKER if fill.is_maker else LiquiditySide.TAKER,
            ts_event=fill.time * _MS,
            ts_init=now,
        )

    # -- orders --------------------------------------------------------------------------------

    def _rejected(self, exc: SimError) -> VenueRejected:
        if exc.code in _UNKNOWN_ORDER:
            return OrderNotFound(self._venue, exc.msg, code=exc.code)
        return VenueRejected(self._venue, exc.msg, code=exc.code)

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        is_market = order.order_type is OrderType.MARKET
        try:
            sim_type = _SIM_TYPES[order.order_type]
        except KeyError:
            raise VenueRejected(
                self._venue, f"{order.order_type} orders are not supported"
            ) from None
        request = NewOrder(
            symbol=self._venue_symbol(order.symbol),
            side=SimSide.BUY if order.side is OrderSide.BUY else SimSide.SELL,
            type=sim_type,
            quantity=order.quantity,
            price=None if is_market else order.price,
            time_in_force=SimTif(order.time_in_force.value.upper())
            if sim_type is SimType.LIMIT
            else None,
            client_order_id=order.client_order_id,
        )
        try:
            result = self._engine.place(self._account, request)
        except SimError as exc:
            raise self._rejected(exc) from None
        return self._order(result.order, self._clock.now_ns())

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        venue_symbol = self._venue_symbol(symbol)
        try:
            if venue_order_id is not None:
                view = self._engine.cancel(
                    self._account, venue_symbol, order_id=int(venue_order_id)
                )
            else:
                view = self._engine.cancel(
                    self._account, venue_symbol, client_order_id=client_order_id
                )
        except SimError as exc:
            raise self._rejected(exc) from None
        return self._order(view, self._clock.now_ns())

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        try:
            view = self._engine.get_order(
                self._account, self._venue_symbol(symbol), client_order_id=client_order_id
            )
        except SimError as exc:
            if exc.code in _UNKNOWN_ORDER:
                return None
            raise self._rejected(exc) from None
        return self._order(view, self._clock.now_ns())

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        now = self._clock.now_ns()
        return [self._order(v, now) for v in self._engine.open_orders(self._account, venue_symbol)]

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        venue_symbol = self._venue_symbol(symbol)
        next_id = 0 if from_trade_id is None else int(from_trade_id) + 1
        now = self._clock.now_ns()
        out: list[FillReport] = []
        while True:
            page = self._engine.my_trades(self._account, venue_symbol, from_id=next_id, limit=1000)
            out.extend(self._fill(f, None, now) for f in page)
            if len(page) < 1000:
                return out
            next_id = page[-1].trade_id + 1

    async def balances(self) -> dict[str, Balance]:
        return {
            asset: Balance(asset=asset, free=free, locked=locked)
            for asset, (free, locked) in self._engine.balances(self._account).items()
            if free or locked
        }

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        raise VenueRejected(self._venue, "the in-process venue takes no deposits")

    async def close(self) -> None:
        self._depth.clear()
        self._users.clear()
        self._trades.clear()
