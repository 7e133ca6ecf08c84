"""The sim exchange's mid prices over its public REST API (``/api/v3/ticker/bookTicker``).

    SimMids(rest_url)            an aiohttp session; ``await mids.mid("ETHUSDT")`` -> Decimal
    mids.source("ETHUSDT")       an async callable for ``chain.feeds.FeedFeeder``

Mid = (best bid + best ask) / 2 in quote units. An empty side or a malformed reply raises
``SimMidUnavailableError`` (a feeder then publishes nothing for that step).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Self

import aiohttp

__all__ = ["SimMidUnavailableError", "SimMids"]


class SimMidUnavailableError(RuntimeError):
    """The sim has no two-sided book for the symbol, or answered something unreadable."""


class SimMids:
    """Reads mids from a running sim exchange; use as ``async with``."""

    def __init__(self, rest_url: str, *, timeout_s: float = 5.0) -> None:
        self._url = rest_url.rstrip("/") + "/api/v3/ticker/bookTicker"
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def mid(self, symbol: str) -> Decimal:
        if self._session is None:
            raise RuntimeError("SimMids is used outside `async with`")
        async with self._session.get(self._url, params={"symbol": symbol}) as response:
            if response.status != 200:
                raise SimMidUnavailableError(f"{symbol}: HTTP {response.status}")
            body = await response.json()
        try:
            bid, ask = Decimal(body["bidPrice"]), Decimal(body["askPrice"])
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise SimMidUnavailableError(f"{symbol}: malformed bookTicker ({exc})") from None
        if bid <= 0 or ask <= 0:
            raise SimMidUnavailableError(f"{symbol}: no two-sided book")
        return (bid + ask) / 2

    def source(self, symbol: str) -> Callable[[], Awaitable[Decimal]]:
        async def read() -> Decimal:
            return await self.mid(symbol)

        return read
