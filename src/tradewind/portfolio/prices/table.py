"""A synchronous price table for pure code: fetch what a run needs first, then look it up.

Cost basis and PnL are pure functions and take a `PriceLookup(asset, ms)`. `PriceTable.prefetch`
asks an async PriceSource for each needed (asset, time) once, concurrently but bounded; the table
then answers lookups with exactly what the source said (a state, never a guess).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.portfolio.prices.states import NoPrice, Priced, PriceResult

if TYPE_CHECKING:
    from tradewind.portfolio.prices.ccxt_source import PriceSource

__all__ = ["PriceTable"]


class PriceTable:
    """Prefetched price results keyed by (asset, time bucket); asset units in the source's quote.

    `bucket_ms` groups times that share a price (the candle length of the source).
    """

    def __init__(
        self,
        results: Mapping[tuple[str, int], PriceResult] | None = None,
        *,
        bucket_ms: int = 3_600_000,
        par_assets: Iterable[str] = (),
    ) -> None:
        self._results: dict[tuple[str, int], PriceResult] = dict(results or {})
        self._bucket_ms = bucket_ms
        self._par = frozenset(par_assets)

    def bucket(self, at_ms: int) -> int:
        """The bucket a time falls in."""
        return at_ms - at_ms % self._bucket_ms

    def set(self, asset: str, at_ms: int, result: PriceResult) -> None:
        """Record the result for `asset` in the bucket of `at_ms`."""
        self._results[(asset, self.bucket(at_ms))] = result

    def set_price(self, asset: str, at_ms: int, value: Decimal) -> None:
        """Record a fresh price (tests, manual overrides)."""
        self.set(asset, at_ms, Priced(value))

    def __call__(self, asset: str, at_ms: int) -> PriceResult:
        if asset in self._par:
            return Priced(Decimal(1))
        found = self._results.get((asset, self.bucket(at_ms)))
        if found is None:
            return NoPrice(f"no price of {asset} fetched for {at_ms}")
        return found

    async def prefetch(
        self, source: PriceSource, wanted: Iterable[tuple[str, int]], *, concurrency: int = 4
    ) -> None:
        """Ask `source` once per missing (asset, bucket) of `wanted`.

        Assets are fetched concurrently (at most `concurrency` at a time); one asset's buckets
        in time order, so a page of candles fetched for one bucket serves the next from cache.
        """
        todo = sorted(
            {(a, self.bucket(ms)) for a, ms in wanted if a not in self._par} - set(self._results)
        )
        by_asset: dict[str, list[int]] = {}
        for asset, bucket in todo:
            by_asset.setdefault(asset, []).append(bucket)
        gate = asyncio.Semaphore(concurrency)

        async def one_asset(asset: str, buckets: list[int]) -> None:
            async with gate:
                for bucket in buckets:
                    self._results[(asset, bucket)] = await source.historical(asset, bucket)

        await asyncio.gather(*(one_asset(a, b) for a, b in by_asset.items()))
