"""Binance kline intervals and the bars that accumulate trades into them.

Intervals open on UTC boundaries: fixed lengths from the epoch, weeks on Mondays (as Binance's
``1w`` bars do; the epoch was a Thursday) and months on the first of the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tradewind.venues.sim.engine import SimError, Trade

_SECOND = 1_000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MONDAY_OFFSET = 4 * _DAY  # 1970-01-05, the first Monday after the epoch
MONTH = "1M"

# interval -> length in ms (0 for the calendar month)
INTERVALS: dict[str, int] = {
    "1s": _SECOND,
    "1m": _MINUTE,
    "3m": 3 * _MINUTE,
    "5m": 5 * _MINUTE,
    "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE,
    "1h": _HOUR,
    "2h": 2 * _HOUR,
    "4h": 4 * _HOUR,
    "6h": 6 * _HOUR,
    "8h": 8 * _HOUR,
    "12h": 12 * _HOUR,
    "1d": _DAY,
    "3d": 3 * _DAY,
    "1w": _WEEK,
    MONTH: 0,
}


def check_interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise SimError(-1120, "Invalid interval.")
    return interval


def _month_start(time_ms: int) -> int:
    moment = datetime.fromtimestamp(time_ms / 1000, tz=UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp()) * 1000


def _add_months(open_ms: int, months: int) -> int:
    moment = datetime.fromtimestamp(open_ms / 1000, tz=UTC)
    index = moment.year * 12 + moment.month - 1 + months
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp()) * 1000


def interval_open(interval: str, time_ms: int) -> int:
    """Open time (epoch ms) of the ``interval`` bar that contains ``time_ms``."""
    length = INTERVALS[interval]
    if interval == MONTH:
        return _month_start(time_ms)
    if interval == "1w":
        return time_ms - (time_ms - _MONDAY_OFFSET) % _WEEK
    return time_ms - time_ms % length


def next_open(interval: str, open_ms: int) -> int:
    return _add_months(open_ms, 1) if interval == MONTH else open_ms + INTERVALS[interval]


def previous_open(interval: str, open_ms: int) -> int:
    return _add_months(open_ms, -1) if interval == MONTH else open_ms - INTERVALS[interval]


def first_open_at_or_after(interval: str, time_ms: int) -> int:
    start = interval_open(interval, time_ms)
    return start if start == time_ms else next_open(interval, start)


@dataclass(frozen=True, slots=True)
class Kline:
    """One candlestick. Times in epoch ms (``close_time`` is the last ms of the bar); prices in
    quote units; volumes in base units, quote volumes in quote units. A bar without trades has
    all prices equal to the previous close and trade ids of -1, as Binance prints it."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trade_count: int
    taker_buy_base_volume: Decimal
    taker_buy_quote_volume: Decimal
    first_trade_id: int
    last_trade_id: int


_ZERO = Decimal(0)


class Bar:
    """A kline being accumulated; mutable, owned by the recorder."""

    __slots__ = (
        "close",
        "close_time",
        "count",
        "first_id",
        "high",
        "last_id",
        "last_qty",
        "low",
        "open",
        "open_time",
        "quote_volume",
        "taker_buy_base",
        "taker_buy_quote",
        "volume",
    )

    def __init__(self, interval: str, open_time: int, trade: Trade) -> None:
        self.open_time = open_time
        self.close_time = next_open(interval, open_time) - 1
        price = trade.price
        self.open = self.high = self.low = self.close = price
        self.volume = self.quote_volume = self.taker_buy_base = self.taker_buy_quote = _ZERO
        self.count = 0
        self.first_id = trade.trade_id
        self.last_id = trade.trade_id
        self.last_qty = trade.qty
        self.add(trade)

    def add(self, trade: Trade) -> None:
        price = trade.price
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.close = price
        self.volume += trade.qty
        self.quote_volume += trade.quote_qty
        if not trade.is_buyer_maker:
            self.taker_buy_base += trade.qty
            self.taker_buy_quote += trade.quote_qty
        self.count += 1
        self.last_id = trade.trade_id
        self.last_qty = trade.qty

    def kline(self, symbol: str, interval: str) -> Kline:
        return Kline(
            symbol,
            interval,
            self.open_time,
            self.close_time,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.quote_volume,
            self.count,
            self.taker_buy_base,
            self.taker_buy_quote,
            self.first_id,
            self.last_id,
        )


def flat_kline(symbol: str, interval: str, open_time: int, price: Decimal) -> Kline:
    """A bar in which nothing traded: every price is the previous close."""
    close_time = next_open(interval, open_time) - 1
    return Kline(
        symbol,
        interval,
        open_time,
        close_time,
        price,
        price,
        price,
        price,
        _ZERO,
        _ZERO,
        0,
        _ZERO,
        _ZERO,
        -1,
        -1,
    )
