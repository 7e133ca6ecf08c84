"""The exchange side of a route: where to send collateral, and whether the exchange credited it.

    ExchangeCapital (protocol)   deposit_address(coin, network), deposit_history(coin)
      └─ VenueCapital            the address from ``VenueAdapter.deposit_address``; the history
                                 from the adapter when it has ``deposit_history``, else from a
                                 ``DepositHistorySource`` such as:
    SapiDepositHistory           ``GET /sapi/v1/capital/deposit/hisrec`` (Binance, ``tradewind
                                 sim``), signed HMAC-SHA256, over aiohttp

``ExchangeDeposit`` is one hisrec row: status 0 pending, 1 credited (Binance's codes), amount in
units of the coin.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode

import aiohttp

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock
from tradewind.venues.base import (
    DepositAddress,
    MalformedPayload,
    VenueAdapter,
    VenueRejected,
    VenueUnavailable,
)

__all__ = [
    "DEPOSIT_CREDITED",
    "DEPOSIT_PENDING",
    "DepositHistorySource",
    "ExchangeCapital",
    "ExchangeDeposit",
    "SapiDepositHistory",
    "VenueCapital",
    "find_deposit",
    "parse_deposit_history",
]

log = get_logger("chain.routing.exchange")

DEPOSIT_PENDING = 0
DEPOSIT_CREDITED = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeDeposit:
    """One deposit as the exchange reports it: ``amount`` of ``coin`` over ``network``,
    ``status`` (0 pending, 1 credited), ``confirm_times`` as the exchange writes it ("2/3")."""

    tx_id: str
    coin: str
    network: str
    amount: Decimal
    address: str
    status: int
    confirm_times: str
    insert_time_ms: int

    @property
    def credited(self) -> bool:
        return self.status == DEPOSIT_CREDITED


def parse_deposit_history(venue: str, payload: Any) -> list[ExchangeDeposit]:
    """hisrec rows -> ``ExchangeDeposit`` s; a malformed payload raises ``MalformedPayload``."""
    if not isinstance(payload, list):
        raise MalformedPayload(venue, "deposit history is not a list")
    rows: list[ExchangeDeposit] = []
    for row in payload:
        if not isinstance(row, Mapping):
            raise MalformedPayload(venue, "deposit history row is not an object")
        try:
            rows.append(
                ExchangeDeposit(
                    tx_id=str(row["txId"]),
                    coin=str(row["coin"]),
                    network=str(row["network"]),
                    amount=Decimal(str(row["amount"])),
                    address=str(row.get("address", "")),
                    status=int(row["status"]),
                    confirm_times=str(row.get("confirmTimes", "")),
                    insert_time_ms=int(row.get("insertTime", 0)),
                )
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise MalformedPayload(venue, f"deposit history row: {exc}") from None
    return rows


@runtime_checkable
class DepositHistorySource(Protocol):
    """Reads an account's deposit history for one coin (newest first, as Binance)."""

    async def deposit_history(self, coin: str) -> list[ExchangeDeposit]: ...


class ExchangeCapital(Protocol):
    """What a route needs of the exchange: a deposit address and the deposit history."""

    async def deposit_address(self, coin: str, network: str) -> DepositAddress: ...

    async def deposit_history(self, coin: str) -> list[ExchangeDeposit]: ...


class VenueCapital:
    """``ExchangeCapital`` over a venue adapter (the address) and a history source."""

    def __init__(self, adapter: VenueAdapter, history: DepositHistorySource | None = None) -> None:
        if history is None:
            if not isinstance(adapter, DepositHistorySource):
                raise TypeError(
                    f"{type(adapter).__name__} has no deposit_history: pass a history source"
                )
            history = adapter
        self._adapter = adapter
        self._history = history

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        return await self._adapter.deposit_address(coin, network)

    async def deposit_history(self, coin: str) -> list[ExchangeDeposit]:
        return await self._history.deposit_history(coin)


class SapiDepositHistory:
    """``/sapi/v1/capital/deposit/hisrec`` of one API key, signed as Binance requires."""

    def __init__(
        self,
        rest_url: str,
        api_key: str,
        api_secret: str,
        *,
        venue: str = "binance",
        timeout_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock or LiveClock()
        self._url = rest_url.rstrip("/")
        self._key = api_key
        self._secret = api_secret.encode()
        self._venue = venue
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"SapiDepositHistory(venue={self._venue!r}, rest_url={self._url!r})"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def deposit_history(self, coin: str) -> list[ExchangeDeposit]:
        payload = await self._signed_get("/sapi/v1/capital/deposit/hisrec", {"coin": coin})
        return parse_deposit_history(self._venue, payload)

    async def _signed_get(self, path: str, params: Mapping[str, Any]) -> Any:
        query = urlencode({**params, "timestamp": self._clock.now_ns() // 1_000_000})
        signature = hmac.new(self._secret, query.encode(), hashlib.sha256).hexdigest()
        url = f"{self._url}{path}?{query}&signature={signature}"
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.get(url, headers={"X-MBX-APIKEY": self._key}) as response:
                status = response.status
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise VenueUnavailable(self._venue, f"{path}: {exc}") from None
        except ValueError:
            raise MalformedPayload(self._venue, f"{path}: body is not JSON") from None
        if status >= 500:
            raise VenueUnavailable(self._venue, f"{path}: HTTP {status}")
        if status >= 400:
            message = body.get("msg") if isinstance(body, Mapping) else str(body)
            code = body.get("code") if isinstance(body, Mapping) else None
            raise VenueRejected(self._venue, str(message), code=code)
        return body


def find_deposit(rows: Sequence[ExchangeDeposit], tx_id: str) -> ExchangeDeposit | None:
    """The row of transaction ``tx_id`` (hex compared case-insensitively), if listed."""
    wanted = tx_id.lower()
    for row in rows:
        if row.tx_id.lower() == wanted:
            return row
    return None
