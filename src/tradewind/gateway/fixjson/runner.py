"""Serving the gateway app with uvicorn inside the caller's running asyncio loop.

The listening socket is bound here (so port 0 yields a free port known before the first request,
and a busy port raises ``OSError`` instead of uvicorn's ``sys.exit``); uvicorn's signal handlers
are not installed, because the process that owns the loop owns the signals.

Slow clients are timed out: a request's headers (a WebSocket handshake's too) must be complete
``header_timeout_s`` after the connection opened or the previous response ended (uvicorn itself
never times out half-sent headers), and a WebSocket session must answer a ping within
``ws_ping_timeout_s``, which a client stuck in the middle of a frame cannot do.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from types import TracebackType

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from tradewind.common.logging import get_logger
from tradewind.gateway.fixjson.limits import GatewayLimits

__all__ = ["GatewayServer", "GatewayStartError"]

_log = get_logger("gateway.fixjson.runner")


class GatewayStartError(RuntimeError):
    """uvicorn stopped before it started serving."""


class _HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's headers (``header_timeout_s``
    is set on a subclass made per server)."""

    header_timeout_s = 10.0
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_deadline()  # the headers are in (or the connection is done)

    def on_response_complete(self) -> None:
        self._arm_header_deadline()  # before pipelined requests are handled
        super().on_response_complete()
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            self._disarm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            _log.info("http_headers_timed_out", client=str(self.client))
            self.transport.close()


def _protocol_with(header_timeout_s: float) -> type[H11Protocol]:
    return type(
        "HeaderTimeoutProtocol", (_HeaderTimeoutProtocol,), {"header_timeout_s": header_timeout_s}
    )


class _LoopOwnedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class GatewayServer:
    """Runs ``app`` on ``host:port`` (port 0: any free port, read ``.port`` after ``start``) as
    a task of the current loop. WebSocket frames above the app's ``hard_frame_bytes`` make the
    transport close the connection; smaller oversize frames get NAK too_large from the app."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: _LoopOwnedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the gateway server is not started")
        return self._port

    @property
    def http_url(self) -> str:
        return f"http://{self._url_host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._url_host}:{self.port}/fix"

    @property
    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    async def start(self) -> None:
        """Bind, start uvicorn in a task and wait until it serves."""
        if self._task is not None:
            raise RuntimeError("the gateway server is already started")
        limits = getattr(getattr(self.app.state, "gateway", None), "limits", GatewayLimits())
        family, kind, proto, _, address = socket.getaddrinfo(
            self.host, self._requested_port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            access_log=False,
            ws_max_size=limits.hard_frame_bytes,
            ws_per_message_deflate=False,
            http=_protocol_with(limits.header_timeout_s),
            ws_ping_interval=limits.ws_ping_interval_s,
            ws_ping_timeout=limits.ws_ping_timeout_s,
            timeout_graceful_shutdown=5,
        )
        self._server = _LoopOwnedServer(config)
        self._task = asyncio.create_task(
            self._server.serve(sockets=[sock]), name=f"gateway-{self._port}"
        )
        while not self._server.started:
            if self._task.done():
                error = self._task.exception()
                await self._cleanup()
                raise GatewayStartError(f"gateway did not start: {error!r}")
            await asyncio.sleep(0.005)
        _log.info("gateway_started", host=self.host, port=self._port)

    async def stop(self) -> None:
        """Close every connection and stop serving; safe to call twice."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            await self._cleanup()
            _log.info("gateway_stopped", port=self._port)

    async def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._task = None
        self._socket = None

    async def __aenter__(self) -> GatewayServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
