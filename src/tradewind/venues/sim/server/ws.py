"""WebSocket endpoints: market/user streams (``/ws``, ``/stream``) and the WebSocket API subset
(``/ws-api/v3``) that clients use for user data (CCXT subscribes there with a signature)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from aiohttp import WSMsgType, web

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine import SimError
from tradewind.venues.sim.server.auth import verify_signed_request
from tradewind.venues.sim.server.connections import StreamConnection

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

log = get_logger("sim.ws")
MAX_STREAMS_PER_CONNECTION = 1024


def _error(code: int, msg: str, request_id: Any) -> dict[str, Any]:
    return {"error": {"code": code, "msg": msg}, "id": request_id}


class StreamEndpoints:
    """``/ws``, ``/ws/<stream>`` (raw payloads) and ``/stream?streams=a/b`` (wrapped payloads)."""

    def __init__(self, exchange: SimExchange) -> None:
        self._x = exchange

    async def raw(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        return await self._serve(request, combined=False, initial=[tail] if tail else [])

    async def combined(self, request: web.Request) -> web.StreamResponse:
        streams = [s for s in request.query.get("streams", "").split("/") if s]
        return await self._serve(request, combined=True, initial=streams)

    async def _serve(
        self, request: web.Request, *, combined: bool, initial: list[str]
    ) -> web.StreamResponse:
        hub = self._x.streams
        ws = web.WebSocketResponse(heartbeat=None, autoping=True, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = StreamConnection(ws, combined=combined, peer=request.remote or "unknown")
        conn.start()
        hub.add_connection(conn)
        # Like Binance, an unknown stream in the URL does not refuse the connection; the client
        # can still SUBSCRIBE (CCXT connects to /ws/0 and subscribes by message).
        for name in initial:
            if hub.is_valid_stream(name):
                hub.subscribe(conn, name)
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_message(conn, msg.data)
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            hub.remove_connection(conn)
            await conn.close()
        return ws

    def _on_message(self, conn: StreamConnection, text: str) -> None:
        hub = self._x.streams
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            conn.send_json(_error(3, "Invalid JSON: expected a JSON object", None))
            return
        if not isinstance(message, dict):
            conn.send_json(_error(3, "Invalid JSON: expected a JSON object", None))
            return
        request_id = message.get("id")
        method = message.get("method")
        params = message.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                conn.send_json(
                    _error(2, "Invalid request: params must be a list of streams", request_id)
                )
                return
            invalid = [p for p in params if not hub.is_valid_stream(p)]
            if invalid:
                conn.send_json(
                    _error(2, f"Invalid request: invalid stream '{invalid[0]}'", request_id)
                )
                return
            if method == "SUBSCRIBE":
                if len(conn.streams | set(params)) > MAX_STREAMS_PER_CONNECTION:
                    conn.send_json(_error(2, "Invalid request: too many streams", request_id))
                    return
                for name in params:
                    hub.subscribe(conn, name)
            else:
                for name in params:
                    hub.unsubscribe(conn, name)
            conn.send_json({"result": None, "id": request_id})
        elif method == "LIST_SUBSCRIPTIONS":
            conn.send_json({"result": sorted(conn.streams), "id": request_id})
        elif method in ("SET_PROPERTY", "GET_PROPERTY"):
            conn.send_json(
                {"result": None if method == "SET_PROPERTY" else False, "id": request_id}
            )
        else:
            conn.send_json(_error(2, "Invalid request: unknown method", request_id))


class WebSocketApi:
    """The part of Binance's WebSocket API needed for user data: ping, time, and
    ``userDataStream.subscribe.signature`` / ``userDataStream.unsubscribe``."""

    def __init__(self, exchange: SimExchange) -> None:
        self._x = exchange
        self._subscription_ids = itertools.count()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        hub = self._x.streams
        ws = web.WebSocketResponse(heartbeat=None, autoping=True, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = StreamConnection(ws, combined=False, peer=request.remote or "unknown")
        conn.start()
        hub.add_connection(conn)
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    conn.send_json(self._answer(conn, msg.data))
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            hub.remove_connection(conn)
            await conn.close()
        return ws

    def _answer(self, conn: StreamConnection, text: str) -> dict[str, Any]:
        try:
            message = orjson.loads(text)
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            return {
                "id": None,
                "status": 400,
                "error": {"code": -1000, "msg": "Malformed request."},
            }
        request_id = message.get("id")
        method = message.get("method")
        params = message.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise SimError(-1100, "Illegal parameters: 'params' must be an object.")
            result = self._dispatch(conn, str(method), {k: str(v) for k, v in params.items()})
        except SimError as error:
            return {
                "id": request_id,
                "status": error.http_status,
                "error": {"code": error.code, "msg": error.msg},
            }
        return {
            "id": request_id,
            "status": 200,
            "result": result,
            "rateLimits": [],
        }

    def _dispatch(self, conn: StreamConnection, method: str, params: dict[str, str]) -> Any:
        x = self._x
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": x.clock.now_ms()}
        if method == "userDataStream.subscribe.signature":
            credential = x.api_keys.resolve(params.get("apiKey"))
            signature = params.pop("signature", "")
            # The WebSocket API signs the parameters sorted by name.
            query = urlencode(sorted(params.items()))
            verify_signed_request(
                credential, f"{query}&signature={signature}", "", params, x.clock.now_ms()
            )
            subscription_id = next(self._subscription_ids)
            x.streams.subscribe_user(conn, credential.account_id, subscription_id)
            return {"subscriptionId": subscription_id}
        if method == "userDataStream.unsubscribe":
            raw = params.get("subscriptionId")
            if raw is None:
                for sid in list(conn.user_subscriptions):
                    x.streams.unsubscribe_user(conn, sid)
                return {}
            if not raw.isdigit() or not x.streams.unsubscribe_user(conn, int(raw)):
                raise SimError(-2, "Invalid subscriptionId.")
            return {}
        raise SimError(-1000, f"Unknown method '{method}'.")
