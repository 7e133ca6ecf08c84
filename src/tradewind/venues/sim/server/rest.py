"""Binance Spot REST on aiohttp: the endpoint table and the request pipeline.

Every request goes through the same pipeline, in Binance's order: injected faults, IP ban,
request weight, API key, signature and recvWindow, order count, then the handler. A rejection at
any step is a Binance error body ``{"code", "msg"}`` with Binance's HTTP status, and the usage
headers the client has earned so far.

Reading the parameters is part of the pipeline: a query over ``MAX_QUERY_BYTES`` or a body over
``MAX_BODY_BYTES`` (-1101), and bytes that are not UTF-8 once percent-decoded (-1100), are
Binance errors charged the endpoint's weight, never a plain-text aiohttp answer or a 500.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine import SimError
from tradewind.venues.sim.server.auth import verify_signed_request
from tradewind.venues.sim.server.rate_limits import RateLimited

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

log = get_logger("sim.rest")


class Security(enum.Enum):
    NONE = "NONE"
    API_KEY = "USER_STREAM"  # needs the key header, no signature
    SIGNED = "SIGNED"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What a handler sees: merged parameters, the caller's account (if any) and the time."""

    params: Mapping[str, str]
    account_id: str | None
    now_ms: int
    ip: str

    @property
    def account(self) -> str:
        assert self.account_id is not None
        return self.account_id


Handler = Callable[[RequestContext], Awaitable[Any]]
Weight = Callable[[Mapping[str, str]], int]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST route with Binance's security type and request weight."""

    method: str
    path: str
    security: Security
    weight: Weight
    handler: Handler
    counts_as_order: bool = False
    persists: bool = False  # wait for durable storage before answering


def fixed(weight: int) -> Weight:
    return lambda _params: weight


def per_symbol(with_symbol: int, without: int) -> Weight:
    return lambda params: with_symbol if params.get("symbol") else without


def _error_body(error: SimError) -> bytes:
    return orjson.dumps({"code": error.code, "msg": error.msg})


def _json_response(status: int, body: bytes, headers: dict[str, str]) -> web.Response:
    return web.Response(status=status, body=body, headers=headers, content_type="application/json")


MAX_QUERY_BYTES = 8192
MAX_BODY_BYTES = 65536
HTTP_MAX_LINE_BYTES = 1 << 20
"""What aiohttp's parser accepts in a request line, so that a query between MAX_QUERY_BYTES and
this reaches the pipeline (and gets a Binance error) instead of aiohttp's plain-text 400."""

_ILLEGAL = "Illegal characters found in a parameter."


def _too_large(what: str, limit: int) -> SimError:
    return SimError(-1101, f"Too many parameters; the {what} exceeds {limit} bytes.")


def parse_params(query: str, body: str) -> dict[str, str]:
    if len(query) > MAX_QUERY_BYTES:
        raise _too_large("query string", MAX_QUERY_BYTES)
    params: dict[str, str] = {}
    for raw in (query, body):
        try:
            pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise SimError(-1100, _ILLEGAL) from None
        for key, value in pairs:
            if key in params:
                raise SimError(-1101, "Duplicate values for a parameter detected.")
            params[key] = value
    return params


async def read_body(request: web.Request) -> str:
    """The body as text: at most MAX_BODY_BYTES of UTF-8, else a Binance error."""
    if not request.can_read_body:
        return ""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large("body", MAX_BODY_BYTES)
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large("body", MAX_BODY_BYTES)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SimError(-1100, _ILLEGAL) from None


class RestPipeline:
    """Turns an aiohttp request into a handler call with Binance's checks around it."""

    def __init__(self, exchange: SimExchange) -> None:
        self._x = exchange

    def route(self, endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            response = await self._handle(endpoint, request)
            body = response.body if isinstance(response, web.Response) else b""
            self._x.metrics.observe_rest(
                endpoint.path,
                endpoint.method,
                response.status,
                time.perf_counter() - started,
                is_order=endpoint.counts_as_order,
                body=body if isinstance(body, bytes) else b"",
            )
            return response

        return handle

    async def _handle(self, endpoint: Endpoint, request: web.Request) -> web.StreamResponse:
        x = self._x
        faults = x.faults
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        failure = faults.take_failure()
        if failure is not None:
            return _json_response(
                failure,
                _error_body(
                    SimError(
                        -1001, "Internal error; unable to process your request. Please try again."
                    )
                ),
                {},
            )
        now = x.clock.now_ms()
        ip = request.remote or "unknown"
        headers: dict[str, str] = {}
        raw_query = request.rel_url.raw_query_string
        raw_body = ""
        try:
            try:
                raw_body = await read_body(request)
                params = parse_params(raw_query, raw_body)
                weight = endpoint.weight(params)
            except SimError:
                weight = endpoint.weight({})
                headers.update(x.rate_limits.charge_request(ip, weight, now))
                raise
            headers.update(x.rate_limits.charge_request(ip, weight, now))
            account_id: str | None = None
            if endpoint.security is not Security.NONE:
                credential = x.api_keys.resolve(request.headers.get("X-MBX-APIKEY"))
                account_id = credential.account_id
                if endpoint.security is Security.SIGNED:
                    verify_signed_request(credential, raw_query, raw_body, params, now)
            if endpoint.counts_as_order and account_id is not None:
                headers.update(x.rate_limits.charge_order(account_id, ip, now))
            result = await endpoint.handler(RequestContext(params, account_id, now, ip))
            if endpoint.persists:
                await x.persist()
            return _json_response(200, orjson.dumps(result), headers)
        except RateLimited as limited:
            headers.update(limited.headers)
            headers["Retry-After"] = str(limited.retry_after_s)
            return _json_response(limited.error.http_status, _error_body(limited.error), headers)
        except SimError as error:
            return _json_response(error.http_status, _error_body(error), headers)
        except Exception:
            log.exception("rest_handler_failed", path=endpoint.path)
            return _json_response(
                500,
                _error_body(
                    SimError(-1000, "An unknown error occurred while processing the request.")
                ),
                headers,
            )


def build_routes(exchange: SimExchange, endpoints: list[Endpoint]) -> list[web.RouteDef]:
    pipeline = RestPipeline(exchange)
    return [web.route(e.method, e.path, pipeline.route(e)) for e in endpoints]
