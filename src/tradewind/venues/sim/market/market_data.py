"""``MarketDataRecorder``: the public market data of ``tradewind sim``, built from its trades.

It listens to the engine and keeps, per symbol and within fixed bounds: the latest trades, the
latest aggregate trades, and sparse bars for every Binance kline interval (a bar exists only
where something traded; queries fill the gaps with flat bars, as Binance does).

An aggregate trade is Binance's: the consecutive trades of one taker order at one price. The
engine emits one operation's events together and ends them with ``BalancesChanged``, so an
aggregate is complete (and pushed to ``on_agg_trade`` callbacks) at the end of the operation
that made it, or when the next trade of its symbol starts another.

The 24 h ticker uses a rolling window of whole minutes, as Binance's rolling statistics do: it
opens on the first minute boundary at or after ``now - 24h`` and closes at ``now``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine import (
    BalancesChanged,
    EngineEvent,
    MatchingEngine,
    SimError,
    Trade,
    TradeExecuted,
)
from tradewind.venues.sim.market.klines import (
    INTERVALS,
    Bar,
    Kline,
    check_interval,
    first_open_at_or_after,
    flat_kline,
    interval_open,
    next_open,
    previous_open,
)

log = get_logger("sim.market_data")

DEFAULT_MAX_TRADES = 10_000
DEFAULT_MAX_KLINES = 1_000
_DAY_MS = 86_400_000
_MINUTE_MS = 60_000
_AGG_MAX_SPAN_MS = 3_600_000
# Minute bars back the 24 h ticker, so at least a day of them (plus one before) is kept.
_MIN_MINUTE_BARS = 1_500
_ZERO = Decimal(0)
_PERCENT_PLACES = Decimal("0.001")
_PRICE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class AggTrade:
    """A Binance aggregate trade: ``agg_id`` (a), ``price`` (p, quote units), ``qty`` (q, base
    units), first/last trade id (f, l), ``time`` (T, epoch ms of its first trade) and whether
    the buyer was the maker (m)."""

    agg_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    first_trade_id: int
    last_trade_id: int
    time: int
    is_buyer_maker: bool


@dataclass(frozen=True, slots=True)
class Ticker24h:
    """Rolling 24 h statistics of one symbol. Prices in quote units, ``volume`` in base,
    ``quote_volume`` in quote, ``price_change_percent`` in percent (3 places), times in epoch
    ms. Without trades in the window the prices are the last known price, the ids -1."""

    symbol: str
    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal
    prev_close_price: Decimal
    last_price: Decimal
    last_qty: Decimal
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    first_id: int
    last_id: int
    count: int


TradeCallback = Callable[[Trade], None]
AggTradeCallback = Callable[[AggTrade], None]
KlineCallback = Callable[[Kline], None]


class _Tape:
    """Everything kept for one symbol."""

    __slots__ = ("aggs", "bars", "kline_dirty", "last_trade", "next_agg_id", "open_taker", "trades")

    def __init__(self, max_trades: int, max_klines: int) -> None:
        self.trades: deque[Trade] = deque(maxlen=max_trades)
        self.aggs: deque[AggTrade] = deque(maxlen=max_trades)
        self.next_agg_id = 1
        # taker order id of the newest aggregate while it can still grow
        self.open_taker: int | None = None
        self.bars: dict[str, deque[Bar]] = {
            interval: deque(
                maxlen=max(max_klines, _MIN_MINUTE_BARS) if interval == "1m" else max_klines
            )
            for interval in INTERVALS
        }
        self.last_trade: Trade | None = None
        self.kline_dirty = False


class MarketDataRecorder:
    """Public trades, aggregate trades, klines and 24 h tickers of an engine's symbols.

    Bounded: ``max_trades`` trades and as many aggregates per symbol, ``max_klines`` bars per
    symbol and interval (minute bars: at least 1,500, for the 24 h window).
    """

    def __init__(
        self,
        engine: MatchingEngine,
        *,
        max_trades: int = DEFAULT_MAX_TRADES,
        max_klines: int = DEFAULT_MAX_KLINES,
    ) -> None:
        if max_trades < 1 or max_klines < 1:
            raise ValueError("max_trades and max_klines must be positive")
        self._tapes = {symbol: _Tape(max_trades, max_klines) for symbol in engine.specs}
        self._trade_callbacks: list[TradeCallback] = []
        self._agg_callbacks: list[AggTradeCallback] = []
        self._kline_callbacks: list[KlineCallback] = []
        self._open_symbols: set[str] = set()
        engine.add_listener(self.on_engine_event)

    # -- subscriptions -------------------------------------------------------------------------
    def on_trade(self, callback: TradeCallback) -> None:
        """Call ``callback`` with every public trade as it happens."""
        self._trade_callbacks.append(callback)

    def on_agg_trade(self, callback: AggTradeCallback) -> None:
        """Call ``callback`` with every aggregate trade once it is complete."""
        self._agg_callbacks.append(callback)

    def on_kline(self, callback: KlineCallback) -> None:
        """Call ``callback`` with the current bar of every interval of a symbol after each
        engine operation that traded it (16 calls per symbol and operation)."""
        self._kline_callbacks.append(callback)

    # -- capture -------------------------------------------------------------------------------
    def on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, TradeExecuted):
            self.record(event.trade)
        elif isinstance(event, BalancesChanged) and self._open_symbols:
            self.flush()

    def record(self, trade: Trade) -> None:
        """Add one trade (the engine listener calls this; tests and replays may too)."""
        tape = self._tapes.get(trade.symbol)
        if tape is None:
            return
        tape.trades.append(trade)
        tape.last_trade = trade
        self._aggregate(tape, trade)
        for interval, bars in tape.bars.items():
            last = bars[-1] if bars else None
            # A clock that stepped back puts its trade in the newest bar rather than reorder.
            if last is not None and trade.time <= last.close_time:
                last.add(trade)
            else:
                bars.append(Bar(interval, interval_open(interval, trade.time), trade))
        tape.kline_dirty = True
        self._open_symbols.add(trade.symbol)
        for callback in self._trade_callbacks:
            callback(trade)

    def _aggregate(self, tape: _Tape, trade: Trade) -> None:
        aggs = tape.aggs
        last = aggs[-1] if aggs else None
        if (
            last is not None
            and tape.open_taker == trade.taker_order_id
            and last.price == trade.price
            and last.last_trade_id + 1 == trade.trade_id
        ):
            aggs[-1] = replace(last, qty=last.qty + trade.qty, last_trade_id=trade.trade_id)
            return
        if last is not None and tape.open_taker is not None:
            self._emit_agg(last)
        aggs.append(
            AggTrade(
                tape.next_agg_id,
                trade.symbol,
                trade.price,
                trade.qty,
                trade.trade_id,
                trade.trade_id,
                trade.time,
                trade.is_buyer_maker,
            )
        )
        tape.next_agg_id += 1
        tape.open_taker = trade.taker_order_id

    def flush(self) -> None:
        """Close the aggregates still growing and push the bars that changed."""
        symbols, self._open_symbols = self._open_symbols, set()
        for symbol in sorted(symbols):
            tape = self._tapes[symbol]
            if tape.open_taker is not None and tape.aggs:
                tape.open_taker = None
                self._emit_agg(tape.aggs[-1])
            if tape.kline_dirty:
                tape.kline_dirty = False
                if self._kline_callbacks:
                    for interval, bars in tape.bars.items():
                        kline = bars[-1].kline(symbol, interval)
                        for callback in self._kline_callbacks:
                            callback(kline)

    def _emit_agg(self, agg: AggTrade) -> None:
        for callback in self._agg_callbacks:
            callback(agg)

    # -- queries -------------------------------------------------------------------------------
    def _tape(self, symbol: str) -> _Tape:
        tape = self._tapes.get(symbol)
        if tape is None:
            raise SimError(-1121, "Invalid symbol.")
        return tape

    def recent_trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        """The latest ``limit`` trades, oldest first."""
        trades = self._tape(symbol).trades
        _check_limit(limit)
        start = max(0, len(trades) - limit)
        return [trades[i] for i in range(start, len(trades))]

    def agg_trades(
        self,
        symbol: str,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[AggTrade]:
        """Aggregate trades, oldest first: from ``from_id`` or ``start_time`` the first
        ``limit``, otherwise the latest ``limit`` (up to ``end_time``); times inclusive, ms."""
        tape = self._tape(symbol)
        _check_limit(limit)
        _check_range(start_time, end_time)
        if (
            start_time is not None
            and end_time is not None
            and (end_time - start_time > _AGG_MAX_SPAN_MS)
        ):
            raise SimError(-1127, "More than 1 hours between startTime and endTime.")
        aggs = list(tape.aggs)
        if from_id is not None and aggs:
            # ids are consecutive, so the position is arithmetic
            aggs = aggs[max(0, from_id - aggs[0].agg_id) :]
        if start_time is not None:
            aggs = aggs[bisect_left(aggs, start_time, key=_agg_time) :]
        if end_time is not None:
            aggs = aggs[: bisect_left(aggs, end_time + 1, key=_agg_time)]
        if from_id is not None or start_time is not None:
            return aggs[:limit]
        return aggs[-limit:]

    def klines(
        self,
        symbol: str,
        interval: str,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
        *,
        now_ms: int | None = None,
    ) -> list[Kline]:
        """Bars opening within [start_time, end_time], oldest first: from ``start_time`` the
        first ``limit``, otherwise the latest ``limit``. Bars start at the first trade kept and
        run to the bar of ``now_ms`` (when given) or of the last trade."""
        tape = self._tape(symbol)
        check_interval(interval)
        _check_limit(limit)
        _check_range(start_time, end_time)
        bars = tape.bars[interval]
        if not bars:
            return []
        low = bars[0].open_time
        high = bars[-1].open_time
        if now_ms is not None:
            high = max(high, interval_open(interval, now_ms))
        if end_time is not None:
            high = min(high, interval_open(interval, end_time))
        if start_time is not None:
            low = max(low, first_open_at_or_after(interval, start_time))
        if high < low:
            return []
        opens: list[int] = []
        if start_time is not None:
            cursor = low
            while cursor <= high and len(opens) < limit:
                opens.append(cursor)
                cursor = next_open(interval, cursor)
        else:
            cursor = high
            while cursor >= low and len(opens) < limit:
                opens.append(cursor)
                cursor = previous_open(interval, cursor)
            opens.reverse()
        by_open = {bar.open_time: bar for bar in bars}
        bar_opens = [bar.open_time for bar in bars]
        before = bisect_left(bar_opens, opens[0])
        previous_close = bars[before - 1].close if before > 0 else bars[0].open
        out: list[Kline] = []
        for open_time in opens:
            bar = by_open.get(open_time)
            if bar is None:
                out.append(flat_kline(symbol, interval, open_time, previous_close))
            else:
                out.append(bar.kline(symbol, interval))
                previous_close = bar.close
        return out

    def current_kline(self, symbol: str, interval: str, now_ms: int) -> Kline | None:
        """The bar of ``interval`` that contains ``now_ms`` (flat when nothing traded in it
        yet); None before the symbol's first trade."""
        tape = self._tape(symbol)
        check_interval(interval)
        bars = tape.bars[interval]
        if not bars:
            return None
        last = bars[-1]
        open_time = interval_open(interval, now_ms)
        if open_time <= last.open_time:
            return last.kline(symbol, interval)
        return flat_kline(symbol, interval, open_time, last.close)

    def ticker_24hr(self, symbol: str, now_ms: int) -> Ticker24h:
        """Statistics of the rolling window [first minute at or after now-24h, now]."""
        tape = self._tape(symbol)
        open_time = first_open_at_or_after("1m", now_ms - _DAY_MS)
        minutes = tape.bars["1m"]
        first_inside = bisect_left(minutes, open_time, key=_bar_open)
        inside = [
            minutes[i] for i in range(first_inside, len(minutes)) if minutes[i].open_time <= now_ms
        ]
        prev_close = minutes[first_inside - 1].close if first_inside > 0 else _ZERO
        if not inside:
            last = tape.last_trade.price if tape.last_trade is not None else _ZERO
            return Ticker24h(
                symbol,
                _ZERO,
                _ZERO,
                _ZERO,
                prev_close,
                last,
                _ZERO,
                last,
                last,
                last,
                _ZERO,
                _ZERO,
                open_time,
                now_ms,
                -1,
                -1,
                0,
            )
        first, last_bar = inside[0], inside[-1]
        volume = sum((bar.volume for bar in inside), _ZERO)
        quote_volume = sum((bar.quote_volume for bar in inside), _ZERO)
        change = last_bar.close - first.open
        return Ticker24h(
            symbol=symbol,
            price_change=change,
            price_change_percent=(change * 100 / first.open).quantize(
                _PERCENT_PLACES, rounding=ROUND_HALF_EVEN
            ),
            weighted_avg_price=(quote_volume / volume).quantize(
                _PRICE_PLACES, rounding=ROUND_HALF_EVEN
            ),
            prev_close_price=prev_close,
            last_price=last_bar.close,
            last_qty=last_bar.last_qty,
            open_price=first.open,
            high_price=max(bar.high for bar in inside),
            low_price=min(bar.low for bar in inside),
            volume=volume,
            quote_volume=quote_volume,
            open_time=open_time,
            close_time=now_ms,
            first_id=first.first_id,
            last_id=last_bar.last_id,
            count=sum(bar.count for bar in inside),
        )


def _agg_time(agg: AggTrade) -> int:
    return agg.time


def _bar_open(bar: Bar) -> int:
    return bar.open_time


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise SimError(-1100, "Illegal characters found in parameter 'limit'; legal range is '1-'.")


def _check_range(start_time: int | None, end_time: int | None) -> None:
    if start_time is not None and end_time is not None and start_time > end_time:
        raise SimError(-1023, "Start time is greater than end time.")
