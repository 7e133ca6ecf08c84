"""BinanceAdapter: Binance Spot (or ``tradewind sim``) through the official ``binance-sdk-spot``.

REST goes through the SDK's synchronous client on a worker thread (never on the event loop);
every response's status and usage headers feed the shared RateLimiter. Streams go through the
SDK's websocket_streams (see streams.py); user data through a listenKey and ``user_data``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from binance_common.configuration import ConfigurationRestAPI
from binance_common.errors import (
    BadRequestError,
    ClientError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    RateLimitBanError,
    ServerError,
    TooManyRequestsError,
    UnauthorizedError,
)
from binance_sdk_spot.spot import Spot

from tradewind.book.depth_sync import DepthSnapshot
from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.core.enums import OrderType
from tradewind.core.instruments import Instrument
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.rate_limiter import RateLimit, RateLimiter
from tradewind.venues.base import (
    DepositAddress,
    DiffHandler,
    MalformedPayload,
    OrderNotFound,
    OrderRequest,
    RateLimitedByVenue,
    ReportHandler,
    ReportSequenceGuard,
    StatusHandler,
    Subscription,
    TradeHandler,
    UnknownSymbol,
    VenueError,
    VenueRejected,
    VenueReport,
    VenueUnavailable,
    reject_input,
    rejecting,
)
from tradewind.venues.binance import parsing
from tradewind.venues.binance.streams import SdkStream, event_kind, plain_payload

__all__ = ["BinanceAdapter", "BinanceConfig"]

log = get_logger("venues.binance")

_UNKNOWN_ORDER_CODES = frozenset({-2011, -2013})
_LISTEN_KEY_KEEPALIVE_S = 30 * 60


@dataclass(frozen=True, slots=True, kw_only=True)
class BinanceConfig:
    """Where and as whom to connect. ``ws_url`` is the stream base (the SDK appends /stream)."""

    rest_url: str = "https://api.binance.com"
    ws_url: str = "wss://stream.binance.com:9443"
    api_key: str
    api_secret: str
    venue: str = "binance"
    timeout_ms: int = 10_000

    def __repr__(self) -> str:  # never print the secret
        return f"BinanceConfig(venue={self.venue!r}, rest_url={self.rest_url!r})"


class BinanceAdapter:
    """A VenueAdapter for one Binance Spot account. Quantities and prices are Decimals."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        rate_limiter: RateLimiter | None = None,
        clock: TimerClock | None = None,
    ) -> None:
        self._config = config
        self._limiter = rate_limiter
        self._clock = clock or LiveClock()
        self._client = Spot(
            config_rest_api=ConfigurationRestAPI(
                api_key=config.api_key,
                api_secret=config.api_secret,
                base_path=config.rest_url,
                retries=0,
                timeout=config.timeout_ms,
            )
        )
        self._symbols = parsing.SymbolMap()
        self._rate_limits: tuple[RateLimit, ...] = ()
        self._last_headers: dict[str, str] = {}
        self._streams: list[SdkStream] = []
        self._guard = ReportSequenceGuard(config.venue)
        self._last_trade_ids: dict[str, str] = {}
        self._keepalive: asyncio.Task[None] | None = None
        self.venue_refusals = 0  # 429 / 418 answers seen

    # -- properties ----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._config.venue

    @property
    def last_usage_headers(self) -> Mapping[str, str]:
        return self._last_headers

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        return self._rate_limits

    # -- REST plumbing -------------------------------------------------------------------------

    async def _rest(self, method: str, **kwargs: Any) -> Any:
        def call() -> tuple[int, dict[str, str], Any]:
            response = getattr(self._client.rest_api, method)(**kwargs)
            return response.status, dict(response.headers), plain_payload(response.data())

        sent = self._clock.now_ns()
        venue = self.name
        try:
            status, headers, payload = await asyncio.to_thread(call)
        except TooManyRequestsError as exc:
            raise self._refused(429, exc.retry_after, sent) from None
        except RateLimitBanError as exc:
            raise self._refused(418, exc.retry_after, sent) from None
        except BadRequestError as exc:
            code = exc.status_code
            if code in _UNKNOWN_ORDER_CODES:
                raise OrderNotFound(venue, exc.error_message, code=code) from None
            raise VenueRejected(venue, exc.error_message, code=code) from None
        except (UnauthorizedError, ForbiddenError, NotFoundError) as exc:
            raise VenueRejected(venue, exc.error_message, code=exc.status_code) from None
        except (ServerError, NetworkError, requests.RequestException) as exc:
            raise VenueUnavailable(venue, f"{method}: {exc}") from None
        except ClientError as exc:
            raise VenueRejected(venue, exc.error_message) from None
        self._last_headers = {key.lower(): value for key, value in headers.items()}
        if self._limiter is not None:
            self._limiter.on_response(status, headers, sent_ns=sent)
        return payload

    def _refused(self, status: int, retry_after: int | None, sent: int) -> RateLimitedByVenue:
        self.venue_refusals += 1
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        self._last_headers = headers
        if self._limiter is not None:
            self._limiter.on_response(status, headers, sent_ns=sent)
        return RateLimitedByVenue(self.name, status, retry_after)

    async def _signed_http(self, method: str, path: str, params: dict[str, Any]) -> Any:
        """A signed request the spot SDK has no method for (listenKey, sapi deposit address)."""
        config = self._config
        timeout = config.timeout_ms / 1000

        def call() -> requests.Response:
            query = dict(params)
            if path.startswith("/sapi"):
                query["timestamp"] = self._clock.now_ns() // 1_000_000
                body = urlencode(query)
                query["signature"] = hmac.new(
                    config.api_secret.encode(), body.encode(), hashlib.sha256
                ).hexdigest()
            return requests.request(
                method,
                f"{config.rest_url}{path}",
                params=query,
                headers={"X-MBX-APIKEY": config.api_key},
                timeout=timeout,
            )

        sent = self._clock.now_ns()
        try:
            response = await asyncio.to_thread(call)
        except requests.RequestException as exc:
            raise VenueUnavailable(self.name, f"{path}: {exc}") from None
        if self._limiter is not None:
            self._limiter.on_response(response.status_code, response.headers, sent_ns=sent)
        if response.status_code in (418, 429):
            retry = response.headers.get("Retry-After")
            raise self._refused(
                response.status_code, int(retry) if retry and retry.isdigit() else None, sent
            )
        if response.status_code >= 500:
            raise VenueUnavailable(self.name, f"{path}: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise MalformedPayload(self.name, f"{path}: body is not JSON") from None
        if response.status_code >= 400:
            raise VenueRejected(self.name, str(payload.get("msg")), code=payload.get("code"))
        return payload

    def _venue_symbol(self, symbol: str) -> str:
        return self._symbols.venue(self.name, symbol)

    # -- instruments and market data -----------------------------------------------------------

    async def load_instruments(self) -> list[Instrument]:
        info = await self._rest("exchange_info")
        with rejecting(self.name, "exchange_info"):
            rate_limits = parsing.rate_limits(self.name, info)
            instruments = parsing.instruments(self.name, info, self._symbols)
        self._rate_limits = rate_limits
        return instruments

    async def depth_snapshot(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        payload = await self._rest("depth", symbol=self._venue_symbol(symbol), limit=limit)
        with rejecting(self.name, "depth_snapshot", symbol=symbol):
            return parsing.depth_snapshot(self.name, payload, self._clock.now_ns())

    async def stream_depth(
        self, symbol: str, on_diff: DiffHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        venue_symbol = self._venue_symbol(symbol)

        def on_message(message: Any) -> None:
            self.accept_depth_update(symbol, plain_payload(message), on_diff)

        async def subscribe(streams: Any) -> Any:
            return await streams.diff_book_depth(symbol=venue_symbol.lower(), update_speed="100ms")

        stream = SdkStream(
            name=f"{self.name}:depth:{symbol}",
            ws_url=self._config.ws_url,
            subscribe=subscribe,
            on_message=on_message,
            on_status=on_status,
            clock=self._clock,
        )
        await stream.start()
        self._streams.append(stream)
        return stream

    async def stream_trades(
        self, symbol: str, on_trade: TradeHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        venue_symbol = self._venue_symbol(symbol)

        def on_message(message: Any) -> None:
            self.accept_trade(symbol, plain_payload(message), on_trade)

        async def subscribe(streams: Any) -> Any:
            return await streams.trade(symbol=venue_symbol.lower())

        stream = SdkStream(
            name=f"{self.name}:trade:{symbol}",
            ws_url=self._config.ws_url,
            subscribe=subscribe,
            on_message=on_message,
            on_status=on_status,
            clock=self._clock,
        )
        await stream.start()
        self._streams.append(stream)
        return stream

    def accept_trade(self, symbol: str, payload: Any, on_trade: TradeHandler) -> bool:
        """Validate one trade payload of ``symbol``'s stream and deliver it; False if rejected."""
        try:
            venue_symbol = self._venue_symbol(symbol)
            tick = parsing.trade_tick(
                self.name, payload, venue_symbol, symbol, self._clock.now_ns()
            )
        except (MalformedPayload, UnknownSymbol) as exc:
            reject_input(self.name, "trade", symbol=symbol, error=exc.message)
            return False
        on_trade(tick)
        return True

    def accept_depth_update(self, symbol: str, payload: Any, on_diff: DiffHandler) -> bool:
        """Validate one depthUpdate payload of ``symbol``'s stream and deliver it; False if
        rejected (then ``on_diff`` is not called)."""
        try:
            venue_symbol = self._venue_symbol(symbol)
            diff = parsing.depth_diff(self.name, payload, venue_symbol, self._clock.now_ns())
        except (MalformedPayload, UnknownSymbol) as exc:
            reject_input(self.name, "depth_update", symbol=symbol, error=exc.message)
            return False
        on_diff(diff)
        return True

    # -- user data -----------------------------------------------------------------------------

    async def stream_user(
        self, on_report: ReportHandler, on_status: StatusHandler | None = None
    ) -> Subscription:
        def on_message(message: Any) -> None:
            if event_kind(message) != "ExecutionReport":
                return  # balances are read on demand; nothing else is an order report
            self.accept_execution_report(plain_payload(message), on_report)

        async def subscribe(streams: Any) -> Any:
            listen_key = (await self._signed_http("POST", "/api/v3/userDataStream", {}))[
                "listenKey"
            ]
            self._listen_key = listen_key
            return await streams.user_data(listenKey=listen_key)

        async def reconcile() -> None:
            for report in await self.reconciliation_reports():
                self._deliver(report, on_report, replay=True)

        stream = SdkStream(
            name=f"{self.name}:user",
            ws_url=self._config.ws_url,
            subscribe=subscribe,
            on_message=on_message,
            on_status=on_status,
            on_reconnected=reconcile,
            clock=self._clock,
        )
        await stream.start()
        self._streams.append(stream)
        if self._keepalive is None:
            self._keepalive = asyncio.create_task(self._keep_listen_key_alive())
        return stream

    def accept_execution_report(self, payload: Any, on_report: ReportHandler) -> bool:
        """Validate one executionReport payload and deliver its reports; False if rejected."""
        try:
            status, fill = parsing.execution_report(
                self.name, payload, self._symbols, self._clock.now_ns()
            )
        except (MalformedPayload, UnknownSymbol) as exc:
            reject_input(self.name, "execution_report", error=exc.message)
            return False
        if not self._guard.admit(status):
            return False
        if fill is not None:
            self._deliver(fill, on_report)
        on_report(status)
        return True

    def _deliver(self, report: VenueReport, on_report: ReportHandler, replay: bool = False) -> None:
        if isinstance(report, FillReport):
            if not self._guard.admit(report, replay=replay):
                return
            self._note_trade(report)
        elif replay and not self._guard.admit(report, replay=True):
            return
        on_report(report)

    def _note_trade(self, fill: FillReport) -> None:
        held = self._last_trade_ids.get(fill.symbol)
        if held is None or int(fill.trade_id) > int(held):
            self._last_trade_ids[fill.symbol] = fill.trade_id

    async def reconciliation_reports(self) -> list[VenueReport]:
        """Open orders, then fills after the last delivered trade id of every symbol traded."""
        reports: list[VenueReport] = list(await self.open_orders())
        symbols = set(self._last_trade_ids) | {r.symbol for r in reports}
        for symbol in sorted(symbols):
            reports.extend(await self.fills_since(symbol, self._last_trade_ids.get(symbol)))
        return reports

    async def _keep_listen_key_alive(self) -> None:
        while True:
            await self._clock.sleep(seconds_to_ns(_LISTEN_KEY_KEEPALIVE_S))
            try:
                await self._signed_http(
                    "PUT", "/api/v3/userDataStream", {"listenKey": self._listen_key}
                )
            except VenueError as exc:
                log.warning("listen_key_keepalive_failed", venue=self.name, error=str(exc))

    # -- orders --------------------------------------------------------------------------------

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        params: dict[str, Any] = {
            "symbol": self._venue_symbol(order.symbol),
            "side": parsing.venue_side(order.side),
            "type": parsing.venue_order_type(order.order_type),
            "quantity": order.quantity,
            "new_client_order_id": order.client_order_id,
            "new_order_resp_type": "RESULT",
        }
        if order.order_type is not OrderType.MARKET:
            params["price"] = order.price
        if order.order_type in (OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT,
                                OrderType.TAKE_PROFIT_LIMIT):  # fmt: skip
            params["time_in_force"] = parsing.venue_time_in_force(order.time_in_force)
        payload = await self._rest("new_order", **params)
        with rejecting(self.name, "order_ack", client_order_id=order.client_order_id):
            return parsing.order_report(self.name, payload, self._symbols, self._clock.now_ns())

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        params: dict[str, Any] = {"symbol": self._venue_symbol(symbol)}
        if venue_order_id is not None:
            params["order_id"] = int(venue_order_id)
        else:
            params["orig_client_order_id"] = client_order_id
        payload = await self._rest("delete_order", **params)
        with rejecting(self.name, "cancel_ack", client_order_id=client_order_id):
            return parsing.order_report(self.name, payload, self._symbols, self._clock.now_ns())

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        try:
            payload = await self._rest(
                "get_order",
                symbol=self._venue_symbol(symbol),
                orig_client_order_id=client_order_id,
            )
        except OrderNotFound:
            return None
        with rejecting(self.name, "order_status", client_order_id=client_order_id):
            return parsing.order_report(self.name, payload, self._symbols, self._clock.now_ns())

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        kwargs = {} if symbol is None else {"symbol": self._venue_symbol(symbol)}
        payload = await self._rest("get_open_orders", **kwargs)
        now = self._clock.now_ns()
        with rejecting(self.name, "open_orders"):
            if not isinstance(payload, list):
                raise MalformedPayload(self.name, "open orders payload is not a list")
            return [parsing.order_report(self.name, item, self._symbols, now) for item in payload]

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        venue_symbol = self._venue_symbol(symbol)
        out: list[FillReport] = []
        next_id = None if from_trade_id is None else int(from_trade_id) + 1
        while True:
            kwargs: dict[str, Any] = {"symbol": venue_symbol, "limit": 1000}
            kwargs["from_id"] = 0 if next_id is None else next_id
            page = await self._rest("my_trades", **kwargs)
            now = self._clock.now_ns()
            with rejecting(self.name, "my_trades", symbol=symbol):
                if not isinstance(page, list):
                    raise MalformedPayload(self.name, "myTrades payload is not a list")
                out.extend(parsing.trade_report(self.name, t, self._symbols, now) for t in page)
            if len(page) < 1000:
                return out
            next_id = int(out[-1].trade_id) + 1

    async def balances(self) -> dict[str, Balance]:
        account = await self._rest("get_account")
        with rejecting(self.name, "account"):
            return parsing.balances(self.name, account)

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        payload = await self._signed_http(
            "GET", "/sapi/v1/capital/deposit/address", {"coin": coin, "network": network}
        )
        address = payload.get("address") if isinstance(payload, dict) else None
        if not isinstance(address, str) or not address:
            raise MalformedPayload(self.name, "deposit address payload has no address")
        return DepositAddress(
            coin=coin, network=network, address=address, tag=payload.get("tag") or None
        )

    async def close(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        streams, self._streams = self._streams, []
        for stream in streams:
            await stream.close()
