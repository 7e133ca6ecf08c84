"""The gateway app: FIX/JSON over WebSocket at ``/fix``, invoices over REST, ``/health``.

Per client frame: admit (parse, signature, target, clock, sequence, replay, rate; NAK on the
first failure) -> ACK{ref_seq_num} -> desk handler -> business response (NewIndexOrder,
CancelIndexOrder, IndexQuoteResponse; a CancelQuoteRequest gets its ACK only). A session's
frames are handled one at a time, so its replies come in the order its messages did. A handler
that raises gets NAK ``internal`` (after the ACK) with no detail; the error is logged.

Desk outputs reach clients through ``app.state.publisher`` (``GatewayPublisher``).

Flood guards (limits in ``GatewayLimits``): at most ``max_connections_per_address`` sessions per
source address (more are refused at the handshake, HTTP 403); frames beyond a connection's or
its address's frame rate are dropped before parsing and too many drops close it (1008); unsigned
messages
spend their address's budget and the budget all unsigned traffic shares; a connection gets at
most ``nak_rate`` NAKs a second (each costs a signature; further refused frames are dropped
unanswered and count as dropped); a client with unread replies is not read from until it
catches up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from eth_keys.datatypes import PrivateKey
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradewind.common.logging import get_logger
from tradewind.common.metrics import new_registry, render
from tradewind.core.clock import Clock, LiveClock
from tradewind.gateway.fixjson.account_routes import account_router
from tradewind.gateway.fixjson.api_docs import add_offline_docs
from tradewind.gateway.fixjson.connection import ConnectionRegistry, GatewayConnection
from tradewind.gateway.fixjson.invoice_routes import RestError, invoice_router
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.messages import (
    AccountStatus,
    AccountStatusRequest,
    Ack,
    CancelIndexOrder,
    CancelIndexOrderResponse,
    CancelQuoteRequest,
    ClientMessage,
    IndexQuoteResponse,
    Nak,
    NewIndexOrder,
    NewIndexOrderResponse,
    NewQuoteRequest,
    ReplayRequest,
    ReplayResponse,
    ServerMessageBase,
    decode_json_object,
)
from tradewind.gateway.fixjson.metrics import GatewayMetrics
from tradewind.gateway.fixjson.protocols import (
    AccountKey,
    DeskHandler,
    InvoiceReader,
    OrderResponse,
    QuoteRejected,
    ReplayRejected,
)
from tradewind.gateway.fixjson.publisher import GatewayPublisher
from tradewind.gateway.fixjson.rate_limit import UnsignedBudget, WeightedRateLimiter
from tradewind.gateway.fixjson.rejections import MessageRejected, RejectReason
from tradewind.gateway.fixjson.session import FixSession, ReplayGuard
from tradewind.gateway.fixjson.signing import PrivateKeyLike, as_private_key
from tradewind.gateway.fixjson.wire_bodies import InvalidDeskValue, desk_fields
from tradewind.gateway.fixjson.wire_types import is_checksummed, iso_from_ns

__all__ = ["GatewayState", "HealthModel", "InvalidCompId", "build_gateway_app"]

_log = get_logger("gateway.fixjson.server")

_POLICY_VIOLATION = 1008
_HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
_COMP_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


class HealthModel(BaseModel):
    """Liveness, the gateway's comp id, the address that signs its messages, open sessions."""

    status: str
    comp_id: str
    signer_address: str
    sessions: int


class InvalidCompId(ValueError):
    """A gateway comp id the wire cannot carry (1-64 of ``A-Z a-z 0-9 _ . -``)."""


class _InvalidDeskAnswer(Exception):
    """The desk answered with something the wire cannot carry (a bug on the desk side)."""


class _Claims(NamedTuple):
    """What a refused frame says about itself, each None when absent or unreadable."""

    seq_num: int | None = None
    chain_id: int | None = None
    address: str | None = None
    sender_comp_id: str | None = None


def _positive_int(value: Any, top: int) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top
    return value if ok else None


def _claims(raw: str | bytes, max_bytes: int) -> _Claims:
    """Best-effort reading of a refused frame, so its NAK can name the message and account."""
    try:
        body = decode_json_object(raw, max_bytes=max_bytes)
    except MessageRejected:
        return _Claims()
    header = body.get("standard_header")
    header = header if isinstance(header, dict) else {}
    address = body.get("address")
    sender = header.get("sender_comp_id")
    readable = isinstance(sender, str) and 0 < len(sender) <= 64 and set(sender) <= _COMP_ID_CHARS
    return _Claims(
        seq_num=_positive_int(header.get("seq_num"), 2**63 - 1),
        chain_id=_positive_int(body.get("chain_id"), 2**53 - 1),
        address=address if isinstance(address, str) and is_checksummed(address) else None,
        sender_comp_id=sender if readable else None,
    )


class GatewayState:
    """Everything the app's routes share (``app.state.gateway``): identity, clock, limits, the
    per-account rate limiter and replay memory, the open connections, the desk handler."""

    def __init__(
        self,
        *,
        handler: DeskHandler,
        comp_id: str,
        server_key: PrivateKey,
        clock: Clock,
        limits: GatewayLimits,
    ) -> None:
        self.handler = handler
        self.comp_id = comp_id
        self.server_key = server_key
        self.signer_address = str(server_key.public_key.to_checksum_address())
        self.clock = clock
        self.limits = limits
        self.rate_limiter = WeightedRateLimiter(
            capacity=limits.rate_capacity,
            refill_per_second=limits.rate_refill_per_second,
            weights=limits.rate_weights,
            clock=clock,
        )
        self.replay_guard = ReplayGuard(retention_ns=limits.replay_retention_ns)
        self.unsigned_budget = UnsignedBudget(
            WeightedRateLimiter(
                capacity=limits.unsigned_rate_capacity,
                refill_per_second=limits.unsigned_rate_refill_per_second,
                weights=limits.rate_weights,
                clock=clock,
            ),
            WeightedRateLimiter(
                capacity=limits.unsigned_global_capacity,
                refill_per_second=limits.unsigned_global_refill_per_second,
                weights=limits.rate_weights,
                clock=clock,
            ),
        )
        self.frame_limiter = WeightedRateLimiter(
            capacity=limits.frame_rate_capacity,
            refill_per_second=limits.frame_rate_refill_per_second,
            weights={},
            clock=clock,
        )
        self.nak_limiter = WeightedRateLimiter(
            capacity=limits.nak_rate_capacity,
            refill_per_second=limits.nak_rate_refill_per_second,
            weights={},
            clock=clock,
        )
        self.address_frame_limiter = WeightedRateLimiter(
            capacity=limits.address_frame_rate_capacity,
            refill_per_second=limits.address_frame_rate_refill_per_second,
            weights={},
            clock=clock,
        )
        self.connections = ConnectionRegistry()
        self.publisher = GatewayPublisher(self.connections)
        self.metrics = GatewayMetrics(new_registry(), lambda: len(self.connections))
        self._per_address: dict[str, int] = {}

    def reserve_address(self, peer: str) -> bool:
        """Count one more session from ``peer``; False (nothing counted) at the cap."""
        held = self._per_address.get(peer, 0)
        if held >= self.limits.max_connections_per_address:
            return False
        self._per_address[peer] = held + 1
        return True

    def release_address(self, peer: str) -> None:
        held = self._per_address.get(peer, 0) - 1
        if held > 0:
            self._per_address[peer] = held
        else:
            self._per_address.pop(peer, None)

    def frame_allowed(self, connection: GatewayConnection) -> bool:
        """Whether a frame of ``connection`` may be parsed now: within its own frame rate and
        its source address's (nothing spent when either is short)."""
        peer = connection.session.peer
        if not (
            self.frame_limiter.can_take(connection.session_id, "frame")
            and self.address_frame_limiter.can_take(peer, "frame")
        ):
            return False
        self.frame_limiter.try_take(connection.session_id, "frame")
        self.address_frame_limiter.try_take(peer, "frame")
        return True

    def open_connection(self, websocket: WebSocket, peer: str = "unknown") -> GatewayConnection:
        session = FixSession(
            comp_id=self.comp_id,
            limits=self.limits,
            clock=self.clock,
            rate_limiter=self.rate_limiter,
            replay_guard=self.replay_guard,
            unsigned_budget=self.unsigned_budget,
            peer=peer,
        )

        async def close(code: int, reason: str) -> None:
            await websocket.close(code=code, reason=reason)

        connection = GatewayConnection(
            session=session,
            send_text=websocket.send_text,
            close=close,
            server_key=self.server_key,
            clock=self.clock,
            queue_size=self.limits.outbound_queue_size,
            on_sent=self.metrics.sent,
        )
        self.connections.add(connection)
        _log.info("session_opened", session=connection.session_id)
        return connection

    async def close_connection(self, connection: GatewayConnection) -> None:
        self.connections.remove(connection)
        await connection.aclose()
        _log.info("session_closed", session=connection.session_id)

    async def process(self, connection: GatewayConnection, raw: str | bytes) -> None:
        """Admit one frame and answer it (see the module docstring)."""
        try:
            message = connection.session.admit(raw)
        except MessageRejected as rejected:
            self._nak(connection, raw, rejected)
            return
        self.metrics.messages_in.labels(message.msg_type).inc()
        account = AccountKey(message.chain_id, message.address)
        if message.signer is not None:
            self.connections.bind(connection, account)
        sender = message.standard_header.sender_comp_id
        connection.send(
            Ack,
            chain_id=account.chain_id,
            address=account.address,
            fields={"ref_seq_num": message.seq_num},
            target_comp_id=sender,
        )
        # outputs the desk pushes meanwhile (a fill report, the cancelled report and invoice)
        # follow this answer on this connection
        with connection.answering():
            try:
                if isinstance(message, ReplayRequest):
                    await self._replay(connection, account, message, sender)
                    return
                reply = await self._dispatch(account, message)
                if reply is not None:
                    model, fields = reply
                    connection.send(
                        model,
                        chain_id=account.chain_id,
                        address=account.address,
                        fields=fields,
                        target_comp_id=sender,
                    )
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception(
                    "handler_failed", session=connection.session_id, msg_type=message.msg_type
                )
                connection.send(
                    Nak,
                    chain_id=account.chain_id,
                    address=account.address,
                    fields={
                        "ref_seq_num": message.seq_num,
                        "reason": RejectReason.INTERNAL,
                        "text": "internal error",
                    },
                    target_comp_id=sender,
                )

    async def _replay(
        self,
        connection: GatewayConnection,
        account: AccountKey,
        message: ReplayRequest,
        sender: str,
    ) -> None:
        """A ``ReplayResponse`` (``ok`` with a count, or ``rejected`` with the desk's reason),
        then the replayed messages, oldest first, on this connection only."""
        fields: dict[str, Any] = {"request_id": message.request_id, "count": 0}
        built: list[tuple[type[ServerMessageBase], dict[str, Any]]] = []
        try:
            replayed = await self.handler.replay(account, message)
        except ReplayRejected as rejected:
            fields |= {"status": "rejected", "reason": rejected.reason}
        else:
            built = [self.publisher.message(account, t, b) for t, b in replayed]
            fields["count"] = len(built)
        answer: tuple[type[ServerMessageBase], dict[str, Any]] = (ReplayResponse, fields)
        for model, body in [answer, *built]:
            connection.send(
                model,
                chain_id=account.chain_id,
                address=account.address,
                fields=body,
                target_comp_id=sender,
            )

    def _nak(
        self, connection: GatewayConnection, raw: str | bytes, rejected: MessageRejected
    ) -> None:
        if not self.nak_limiter.try_take(connection.session_id, "nak"):
            # a NAK costs a signature: a client refused this often is not answered any more
            connection.dropped_frames += 1
            self.metrics.dropped_frames.inc()
            return
        claims = _claims(raw, self.limits.max_frame_bytes)
        _log.debug(
            "message_refused",
            session=connection.session_id,
            reason=rejected.reason.value,
            seq_num=claims.seq_num,
        )
        connection.send(
            Nak,
            chain_id=claims.chain_id,
            address=claims.address,
            fields={
                "ref_seq_num": claims.seq_num,
                "reason": rejected.reason,
                "text": rejected.text,
            },
            target_comp_id=claims.sender_comp_id,
        )

    async def _dispatch(
        self, account: AccountKey, message: ClientMessage
    ) -> tuple[Any, dict[str, Any]] | None:
        if isinstance(message, NewIndexOrder):
            answer = await self.handler.new_index_order(account, message)
            return NewIndexOrderResponse, _order_fields(
                answer, message.client_order_id, ("new", "rejected")
            )
        if isinstance(message, CancelIndexOrder):
            answer = await self.handler.cancel_index_order(account, message)
            return CancelIndexOrderResponse, _order_fields(
                answer, message.client_order_id, ("cancelled", "rejected")
            )
        if isinstance(message, NewQuoteRequest):
            quote_fields: dict[str, Any] = {
                "client_quote_id": message.client_quote_id,
                "symbol": message.symbol,
            }
            try:
                quantity = await self.handler.quote(account, message)
            except QuoteRejected as rejected:
                return IndexQuoteResponse, {
                    **quote_fields,
                    "status": "rejected",
                    "reason": rejected.reason,
                }
            if not isinstance(quantity, Decimal) or not quantity.is_finite():
                raise _InvalidDeskAnswer(f"quote returned {quantity!r}, not a finite Decimal")
            return IndexQuoteResponse, {
                **quote_fields,
                "status": "ok",
                "quantity_possible": quantity,
            }
        if isinstance(message, CancelQuoteRequest):
            await self.handler.cancel_quote(account, message)
            return None
        if isinstance(message, AccountStatusRequest):
            status = await self.handler.account_status(account)
            try:
                fields = desk_fields(status)
            except InvalidDeskValue as exc:
                raise _InvalidDeskAnswer(f"account_status returned {exc}") from None
            return AccountStatus, {
                "request_id": message.request_id,
                "collateral": fields.get("collateral", ()),
                "positions": fields.get("positions", ()),
                "open_orders": fields.get("open_orders", ()),
                "ts": fields.get("ts", iso_from_ns(self.clock.now_ns())),
            }
        raise _InvalidDeskAnswer(f"no dispatch for {type(message).__name__}")  # pragma: no cover


def _order_fields(
    answer: OrderResponse, client_order_id: str, statuses: tuple[str, ...]
) -> dict[str, Any]:
    if not isinstance(answer, OrderResponse) or answer.status not in statuses:
        raise _InvalidDeskAnswer(f"desk answered {answer!r}; status must be one of {statuses}")
    return {"client_order_id": client_order_id, "status": answer.status, "reason": answer.reason}


async def _serve_session(
    state: GatewayState, websocket: WebSocket, connection: GatewayConnection
) -> None:
    limits = state.limits
    try:
        while True:
            # a client with unread replies is not read from: its requests cost nothing more
            await connection.wait_for_room(limits.read_pause_queue_size)
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            if state.frame_allowed(connection):
                frame = event.get("text")
                if frame is None:
                    frame = event.get("bytes") or b""
                await state.process(connection, frame)
            else:
                connection.dropped_frames += 1
                state.metrics.dropped_frames.inc()
            if connection.dropped_frames >= limits.max_dropped_frames:
                _log.warning("flooding_client_closed", session=connection.session_id)
                await websocket.close(code=_POLICY_VIOLATION, reason="too many frames")
                break
    finally:
        await state.close_connection(connection)


def build_gateway_app(
    handler: DeskHandler,
    invoices: InvoiceReader,
    *,
    comp_id: str,
    server_key: PrivateKeyLike,
    clock: Clock | None = None,
    limits: GatewayLimits | None = None,
) -> FastAPI:
    """The gateway as a FastAPI app: WebSocket ``/fix``, ``GET /invoices...``, ``GET /health``,
    OpenAPI at ``/openapi.json``. ``server_key`` signs every server message; ``comp_id`` is
    what clients must put in ``target_comp_id``. ``app.state.publisher`` pushes desk outputs.
    Raises ``InvalidCompId``."""
    if not 0 < len(comp_id) <= 64 or not set(comp_id) <= _COMP_ID_CHARS:
        raise InvalidCompId(f"comp_id must be 1-64 of A-Z a-z 0-9 _ . -, got {comp_id!r}")
    state = GatewayState(
        handler=handler,
        comp_id=comp_id,
        server_key=as_private_key(server_key),
        clock=clock or LiveClock(),
        limits=limits or GatewayLimits(),
    )
    app = FastAPI(
        title="Tradewind gateway",
        version="1",
        description="FIX/JSON over WebSocket at /fix (schemas in docs/fix-json), invoices over "
        "REST. Decimals travel as strings, times as ISO-8601 UTC.",
        docs_url=None,  # served from local assets below: the CDN ones leave the pages blank
        redoc_url=None,
    )
    add_offline_docs(app, title="Tradewind gateway")
    app.state.gateway = state
    app.state.publisher = state.publisher
    # one registry per app; the process running it adds its own collectors (node, desk)
    app.state.metrics = state.metrics.registry

    @app.exception_handler(RestError)
    async def _rest_error(_: Request, error: RestError) -> JSONResponse:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "bad request"}
        where = ".".join(str(part) for part in first["loc"])
        status = 400 if first.get("type") == "json_invalid" else 422
        return RestError(status, "bad_request", f"{where}: {first['msg']}"[:200]).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        # Starlette's own answers (no such route, wrong method) in the documented error shape
        code = _HTTP_ERROR_CODES.get(error.status_code, "http_error")
        return RestError(error.status_code, code, str(error.detail)).response()

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        _log.error("rest_handler_failed", path=request.url.path, error=repr(error)[:200])
        return RestError(500, "internal", "internal error").response()

    @app.get("/health", response_model=HealthModel, tags=["health"])
    async def health() -> HealthModel:
        return HealthModel(
            status="ok",
            comp_id=state.comp_id,
            signer_address=state.signer_address,
            sessions=len(state.connections),
        )

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics() -> Response:
        # unauthenticated, like /health: the server listens on loopback unless configured not to
        body, content_type = render(state.metrics.registry)
        return Response(content=body, headers={"Content-Type": content_type})

    app.include_router(invoice_router(invoices, state.limits))

    async def read_account(chain_id: int, address: str) -> Mapping[str, Any]:
        fields = desk_fields(await state.handler.account_status(AccountKey(chain_id, address)))
        return {key: fields.get(key, ()) for key in ("collateral", "positions", "open_orders")}

    app.include_router(account_router(read_account, state.clock, state.limits.timestamp_window_ns))

    @app.websocket("/fix")
    async def fix(websocket: WebSocket) -> None:
        peer = websocket.client.host if websocket.client is not None else "unknown"
        if not state.reserve_address(peer):
            _log.warning("connection_refused", peer=peer, reason="too many connections")
            await websocket.close(code=_POLICY_VIOLATION)  # before accept: HTTP 403
            return
        try:
            await websocket.accept()
            await _serve_session(state, websocket, state.open_connection(websocket, peer))
        finally:
            state.release_address(peer)

    return app
