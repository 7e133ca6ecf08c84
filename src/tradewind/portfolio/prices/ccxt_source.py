"""Prices from a venue's candles (klines) through async CCXT, cached in the store.

The price of an asset at time t is the close of the candle (of `timeframe`) containing t.
If that candle is missing, the newest earlier candle within `stale_after_ms` gives a StalePrice
whose age is measured from that candle's close; nothing within reach gives NoPrice. A venue that
rate-limits the request gives RateLimited. Candles are stored per tenant in the price cache and
read from there first, so one candle is fetched once. With `exchange=None` the source is offline:
it answers from the cache alone (`venue` names whose cached candles to read).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Protocol

import ccxt.async_support as ccxt_async

from tradewind.common.logging import get_logger
from tradewind.portfolio.prices.states import NoPrice, Priced, PriceResult, RateLimited, StalePrice
from tradewind.portfolio.store.price_repository import PriceCacheRepository

__all__ = ["TIMEFRAME_MS", "CcxtPriceSource", "PriceSource"]

_log = get_logger("portfolio.prices")

TIMEFRAME_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
_FETCH_LIMIT = 500


class PriceSource(Protocol):
    """Where prices come from: historical close at a time, and the current price."""

    async def historical(self, asset: str, at_ms: int) -> PriceResult:
        """Price of one unit of `asset` at UTC epoch ms `at_ms`, in the source's quote."""
        ...

    async def current(self, asset: str) -> PriceResult:
        """Price of one unit of `asset` now."""
        ...


class CcxtPriceSource:
    """Candle closes of `asset/quote` on one CCXT exchange; quote units per asset unit.

    `par_assets` are worth exactly 1 quote unit (the quote itself, and whatever the report
    treats as cash). Times are UTC epoch ms; `stale_after_ms` bounds how old a usable price is.
    """

    def __init__(
        self,
        exchange: Any,
        cache: PriceCacheRepository | None = None,
        *,
        venue: str | None = None,
        quote: str = "USDT",
        timeframe: str = "1h",
        stale_after_ms: int = 24 * 3_600_000,
        par_assets: Iterable[str] = (),
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        if timeframe not in TIMEFRAME_MS:
            raise ValueError(f"timeframe must be one of {sorted(TIMEFRAME_MS)}, got {timeframe!r}")
        self._exchange = exchange
        self._cache = cache
        self._quote = quote
        self._timeframe = timeframe
        self._frame_ms = TIMEFRAME_MS[timeframe]
        self._stale_after_ms = stale_after_ms
        self._par = frozenset({quote, *par_assets})
        self._venue = venue or str(getattr(exchange, "id", "venue"))
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))

    def symbol(self, asset: str) -> str:
        """The CCXT symbol priced for `asset`."""
        return f"{asset}/{self._quote}"

    async def historical(self, asset: str, at_ms: int) -> PriceResult:
        """Close of the candle containing `at_ms` (see module docstring for the other states)."""
        if asset in self._par:
            return Priced(Decimal(1))
        symbol = self.symbol(asset)
        open_ms = at_ms - at_ms % self._frame_ms
        start = open_ms - self._stale_after_ms
        candles = await self._cached(symbol, start, open_ms)
        if (not candles or candles[-1][0] != open_ms) and self._exchange is not None:
            try:
                fetched = await self._fetch(symbol, start, open_ms)
            except ccxt_async.RateLimitExceeded as exc:
                return RateLimited(_retry_after(self._exchange, exc))
            except ccxt_async.DDoSProtection as exc:
                return RateLimited(_retry_after(self._exchange, exc))
            except ccxt_async.BadSymbol:
                return NoPrice(f"{self._venue} has no market {symbol}")
            except ccxt_async.NetworkError as exc:
                return NoPrice(f"{self._venue} unreachable: {type(exc).__name__}")
            merged = dict(candles)
            merged.update((o, c) for o, c in fetched.items() if o <= open_ms)
            candles = sorted(merged.items())
        return self._pick(symbol, candles, at_ms, open_ms)

    async def current(self, asset: str) -> PriceResult:
        """Last traded price from the venue's ticker; stale when the ticker is old."""
        if asset in self._par:
            return Priced(Decimal(1))
        symbol = self.symbol(asset)
        if self._exchange is None:
            return await self.historical(asset, self._clock_ms())
        try:
            ticker = await self._exchange.fetch_ticker(symbol)
        except (ccxt_async.RateLimitExceeded, ccxt_async.DDoSProtection) as exc:
            return RateLimited(_retry_after(self._exchange, exc))
        except ccxt_async.BadSymbol:
            return NoPrice(f"{self._venue} has no market {symbol}")
        except ccxt_async.NetworkError as exc:
            return NoPrice(f"{self._venue} unreachable: {type(exc).__name__}")
        last = ticker.get("last") if isinstance(ticker, dict) else None
        if last is None:
            return NoPrice(f"{self._venue} ticker {symbol} has no last price")
        value = Decimal(str(last))
        stamp = ticker.get("timestamp")
        if isinstance(stamp, int):
            age = self._clock_ms() - stamp
            if age > self._stale_after_ms:
                return StalePrice(value, age)
        return Priced(value)

    def _pick(
        self, symbol: str, candles: list[tuple[int, Decimal]], at_ms: int, open_ms: int
    ) -> PriceResult:
        usable = [(o, c) for o, c in candles if o <= open_ms]
        if not usable:
            return NoPrice(f"no {self._timeframe} candle of {symbol} at or before {at_ms}")
        last_open, close = usable[-1]
        if last_open == open_ms:
            return Priced(close)
        age = at_ms - (last_open + self._frame_ms)
        if age > self._stale_after_ms:
            return NoPrice(f"newest {symbol} candle before {at_ms} is {age} ms old")
        return StalePrice(close, age)

    async def _cached(self, symbol: str, start: int, end: int) -> list[tuple[int, Decimal]]:
        if self._cache is None:
            return []
        rows = await asyncio.to_thread(
            self._cache.closes, self._venue, symbol, self._timeframe, start, end
        )
        return [(row.open_ms, row.close) for row in rows]

    async def _fetch(self, symbol: str, start: int, end: int) -> dict[int, Decimal]:
        # One page from the start of the look-back window: it covers the candle asked for and,
        # going forward, the next ones a report will ask for; all of it goes to the cache.
        raw = await self._exchange.fetch_ohlcv(symbol, self._timeframe, start, _FETCH_LIMIT)
        now = self._clock_ms()
        candles: dict[int, Decimal] = {}
        for row in raw or []:
            open_ms, close = int(row[0]), row[4]
            if close is None or open_ms + self._frame_ms > now:
                continue  # a candle still open has no final close yet
            # CCXT hands prices over as floats or strings; str() keeps the digits it printed.
            candles[open_ms] = Decimal(str(close))
        if candles and self._cache is not None:
            await asyncio.to_thread(
                self._cache.store,
                self._venue,
                symbol,
                self._timeframe,
                candles.items(),
                self._clock_ms(),
            )
        _log.info("candles_fetched", venue=self._venue, symbol=symbol, count=len(candles))
        return candles


def _retry_after(exchange: Any, exc: Exception) -> float:
    # CCXT does not expose Retry-After uniformly; its own pacing interval is the honest hint.
    rate_limit_ms = getattr(exchange, "rateLimit", 0) or 0
    _log.info("price_rate_limited", venue=getattr(exchange, "id", "?"), error=type(exc).__name__)
    return float(rate_limit_ms) / 1000.0
