"""Prices from candles: fresh, stale, missing and rate-limited are distinct; candles cached."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest
from sqlalchemy import Engine

from tradewind.portfolio.prices import (
    CcxtPriceSource,
    NoPrice,
    Priced,
    PriceState,
    PriceTable,
    RateLimited,
    StalePrice,
    state_of,
)
from tradewind.portfolio.store import LedgerRepository, PriceCacheRepository

HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01T00:00Z


class FakeExchange:
    """An async CCXT stand-in: hourly candles from a dict, or an error to raise."""

    id = "fakex"
    rateLimit = 50

    def __init__(self, candles: dict[str, dict[int, float]], error: Exception | None = None):
        self.candles = candles
        self.error = error
        self.calls: list[tuple[str, int, int]] = []

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int, limit: int) -> list[Any]:
        self.calls.append((symbol, since, limit))
        if self.error is not None:
            raise self.error
        if symbol not in self.candles:
            raise ccxt_async.BadSymbol(symbol)
        return [
            [o, c, c, c, c, 1.0]
            for o, c in sorted(self.candles[symbol].items())
            if since <= o < since + limit * HOUR
        ]

    async def fetch_ticker(self, symbol: str) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        return {"last": 101.5, "timestamp": T0}


@pytest.fixture
def cache(sqlite_store: Engine) -> PriceCacheRepository:
    return PriceCacheRepository(LedgerRepository(sqlite_store, "alice"))


async def test_close_of_the_containing_candle_is_fresh(cache: PriceCacheRepository) -> None:
    exchange = FakeExchange(
        {"BTC/USDT": {T0: 93000.5, T0 + HOUR: 94000.25, T0 + 2 * HOUR: 95000.0}}
    )
    # At T0 + 2h30 the T0 + 2h candle is still open: it is neither used nor cached.
    source = CcxtPriceSource(exchange, cache, clock_ms=lambda: T0 + 2 * HOUR + HOUR // 2)
    assert await source.historical("BTC", T0 + HOUR + 1234) == Priced(Decimal("94000.25"))
    assert await source.historical("USDT", T0) == Priced(Decimal(1))
    # The candles are now cached: another source on the same cache needs no exchange.
    offline = CcxtPriceSource(None, cache, venue="fakex")
    assert await offline.historical("BTC", T0 + 10) == Priced(Decimal("93000.5"))
    assert len(exchange.calls) == 1
    assert isinstance(await offline.historical("BTC", T0 + 2 * HOUR + 1), StalePrice)


async def test_a_missing_candle_gives_a_stale_price_with_its_age(
    cache: PriceCacheRepository,
) -> None:
    exchange = FakeExchange({"BTC/USDT": {T0: 93000.0}})
    source = CcxtPriceSource(
        exchange, cache, stale_after_ms=6 * HOUR, clock_ms=lambda: T0 + 24 * HOUR
    )
    # Asked at T0 + 3h + 30min: newest candle closed at T0 + 1h -> age 2.5 h.
    assert await source.historical("BTC", T0 + 3 * HOUR + HOUR // 2) == StalePrice(
        Decimal(93000), 2 * HOUR + HOUR // 2
    )
    # Older than the limit: no price, not a stale one.
    result = await source.historical("BTC", T0 + 8 * HOUR)
    assert isinstance(result, NoPrice) and "no 1h candle of BTC/USDT" in result.reason


async def test_unknown_market_and_rate_limit_are_distinct_states(
    cache: PriceCacheRepository,
) -> None:
    source = CcxtPriceSource(FakeExchange({}), cache)
    missing = await source.historical("NOPE", T0)
    assert state_of(missing) is PriceState.NO_PRICE and "NOPE/USDT" in missing.reason  # type: ignore[union-attr]
    limited = CcxtPriceSource(FakeExchange({}, ccxt_async.RateLimitExceeded("429")), cache)
    assert await limited.historical("BTC", T0) == RateLimited(0.05)
    assert await limited.current("BTC") == RateLimited(0.05)
    down = CcxtPriceSource(FakeExchange({}, ccxt_async.NetworkError("reset")), cache)
    assert state_of(await down.historical("BTC", T0)) is PriceState.NO_PRICE


async def test_current_price_is_stale_when_the_ticker_is_old(
    cache: PriceCacheRepository,
) -> None:
    exchange = FakeExchange({})
    fresh = CcxtPriceSource(exchange, cache, clock_ms=lambda: T0 + 1000)
    assert await fresh.current("BTC") == Priced(Decimal("101.5"))
    late = CcxtPriceSource(exchange, cache, clock_ms=lambda: T0 + 2 * 24 * HOUR)
    assert await late.current("BTC") == StalePrice(Decimal("101.5"), 2 * 24 * HOUR)


async def test_price_table_prefetches_each_bucket_once(cache: PriceCacheRepository) -> None:
    exchange = FakeExchange({"BTC/USDT": {T0: 1.0, T0 + HOUR: 2.0}})
    source = CcxtPriceSource(exchange, cache, clock_ms=lambda: T0 + 10 * HOUR)
    table = PriceTable(bucket_ms=HOUR, par_assets={"USD"})
    await table.prefetch(
        source, [("BTC", T0 + 5), ("BTC", T0 + 10), ("BTC", T0 + HOUR + 1), ("USD", T0)]
    )
    assert table("BTC", T0 + 999) == Priced(Decimal(1))
    assert table("BTC", T0 + HOUR) == Priced(Decimal(2))
    assert table("USD", 0) == Priced(Decimal(1))
    assert isinstance(table("ETH", T0), NoPrice)
    # Two buckets asked; the second one was already in the cache the first fetch filled.
    assert len(exchange.calls) == 1
