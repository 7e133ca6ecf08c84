"""Prices without a network: imported price histories and ECB rates, read from the store.

`HistorySource` answers from closes imported with `tradewind portfolio prices import` (venue
"import" in the price cache): the candle of any stored length containing the time gives a
Priced; the newest earlier one within `stale_after_ms` a StalePrice; else NoPrice. A EUR report
with only USD-quoted history converts with the ECB reference rate of that day (venue "ecb",
USD per 1 EUR; on a day without a fixing, the last one published in the 4 days before).
`ChainedSource` asks several sources in turn and keeps a tally of who answered what, so a
command can say what was fetched, what came from imports and what is still missing.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.core.clock import LiveClock
from tradewind.portfolio.prices.states import NoPrice, Priced, PriceResult, StalePrice

if TYPE_CHECKING:
    from tradewind.portfolio.prices.ccxt_source import PriceSource
    from tradewind.portfolio.store.price_repository import PriceCacheRepository

__all__ = ["ECB_VENUE", "IMPORT_VENUE", "ChainedSource", "HistorySource"]

IMPORT_VENUE = "import"
ECB_VENUE = "ecb"
_FRAMES = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
_USD_QUOTES = ("USD", "USDT", "USDC")
_FIXING_REACH_MS = 4 * 86_400_000


class HistorySource:
    """Imported closes of `asset/quote` in the store; quote units per asset unit."""

    def __init__(
        self,
        cache: PriceCacheRepository,
        quote: str,
        *,
        par_assets: Iterable[str] = (),
        stale_after_ms: int = 2 * 86_400_000,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self._cache = cache
        self._quote = quote
        self._par = frozenset({quote, *par_assets})
        self._stale_after_ms = stale_after_ms
        self._clock_ms = clock_ms or (lambda: LiveClock().now_ns() // 1_000_000)
        self._loaded: dict[tuple[str, str, str], tuple[list[int], list[Decimal]]] = {}

    def _series(self, venue: str, symbol: str, frame: str) -> tuple[list[int], list[Decimal]]:
        key = (venue, symbol, frame)
        if key not in self._loaded:
            rows = self._cache.closes(venue, symbol, frame, 0, 2**62)
            self._loaded[key] = ([r.open_ms for r in rows], [r.close for r in rows])
        return self._loaded[key]

    def lookup(self, base: str, quote: str, at_ms: int, venue: str = IMPORT_VENUE) -> PriceResult:
        """The close of `base/quote` at `at_ms` from stored candles of any length."""
        symbol = f"{base}/{quote}"
        stale: StalePrice | None = None
        for frame, length in _FRAMES.items():
            opens, closes = self._series(venue, symbol, frame)
            if not opens:
                continue
            index = bisect.bisect_right(opens, at_ms) - 1
            if index < 0:
                continue
            if at_ms < opens[index] + length:
                return Priced(closes[index])
            age = at_ms - (opens[index] + length)
            if age <= self._stale_after_ms and (stale is None or age < stale.age_ms):
                stale = StalePrice(closes[index], age)
        return stale or NoPrice(f"no imported price of {symbol} at {at_ms}")

    def eur_per_usd(self, at_ms: int) -> Decimal | None:
        """1 / (ECB USD per EUR) of the day of `at_ms` or the last fixing before it."""
        opens, closes = self._series(ECB_VENUE, "EUR/USD", "1d")
        index = bisect.bisect_right(opens, at_ms) - 1
        if index < 0 or at_ms - opens[index] > _FIXING_REACH_MS:
            return None
        return 1 / closes[index]

    def _sync(self, asset: str, at_ms: int) -> PriceResult:
        if asset in self._par:
            return Priced(Decimal(1))
        quote = self._quote
        quotes = (
            [quote, *(q for q in _USD_QUOTES if q != quote)] if quote in _USD_QUOTES else [quote]
        )
        best: PriceResult | None = None
        for other in quotes:
            found = self.lookup(asset, other, at_ms)
            if isinstance(found, Priced):
                return found
            if isinstance(found, StalePrice) and best is None:
                best = found
        rate = self.eur_per_usd(at_ms) if quote == "EUR" else None
        if rate is not None:
            for other in _USD_QUOTES:
                found = self.lookup(asset, other, at_ms)
                if isinstance(found, Priced):
                    return Priced(found.value * rate)
                if isinstance(found, StalePrice) and best is None:
                    best = StalePrice(found.value * rate, found.age_ms)
        if best is not None:
            return best
        if quote == "EUR" and rate is None:
            return NoPrice(f"no EUR price of {asset} at {at_ms} and no ECB rate to convert USD")
        return NoPrice(f"no imported price of {asset}/{quote} at {at_ms}")

    async def historical(self, asset: str, at_ms: int) -> PriceResult:
        """Price of one `asset` at `at_ms` in the quote (see module docstring)."""
        return await asyncio.to_thread(self._sync, asset, at_ms)

    async def current(self, asset: str) -> PriceResult:
        """The newest imported price (stale if older than the source allows)."""
        return await self.historical(asset, self._clock_ms())


class ChainedSource:
    """Asks `sources` (name, source) in turn: the first fresh price wins, else the first stale.

    `tally` counts answers per source name (or "missing"); `missing` lists (asset, ms, reason)
    that no source could price (ms -1: the current price).
    """

    def __init__(self, sources: Sequence[tuple[str, PriceSource]]) -> None:
        self._sources = list(sources)
        self.tally: Counter[str] = Counter()
        self.missing: list[tuple[str, int, str]] = []

    async def _ask(self, call: Callable[[PriceSource], object]) -> tuple[str, PriceResult]:
        first: tuple[str, PriceResult] | None = None
        stale: tuple[str, PriceResult] | None = None
        for name, source in self._sources:
            result: PriceResult = await call(source)  # type: ignore[misc]
            if isinstance(result, Priced):
                return name, result
            if isinstance(result, StalePrice) and stale is None:
                stale = (name, result)
            if first is None:
                first = (name, result)
        if stale is not None:
            return stale
        assert first is not None
        return "missing", first[1]

    async def historical(self, asset: str, at_ms: int) -> PriceResult:
        """The first usable answer of the chain for `asset` at `at_ms`."""
        name, result = await self._ask(lambda s: s.historical(asset, at_ms))
        self.tally[name] += 1
        if name == "missing":
            reason = result.reason if isinstance(result, NoPrice) else str(result)
            self.missing.append((asset, at_ms, reason))
        return result

    async def current(self, asset: str) -> PriceResult:
        """The first usable current price."""
        name, result = await self._ask(lambda s: s.current(asset))
        self.tally[name] += 1
        if name == "missing":
            reason = result.reason if isinstance(result, NoPrice) else str(result)
            self.missing.append((asset, -1, reason))  # -1: the current price
        return result
