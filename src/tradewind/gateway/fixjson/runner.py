"""Serving the gateway app with uvicorn inside the caller's running asyncio loop.

The listening socket is bound here (so port 0 yields a free port known before the first request,
and a busy port raises ``OSError`` instead of uvicorn's ``sys.exit``); uvicorn's signal handlers
are not installed, because the process that owns the loop owns the signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from tradewind.common.logging import get_logger
from tradewind.gateway.fixjson.limits import GatewayLimits

__all__ = ["GatewayServer", "GatewayStartError"]

_log = get_logger("gateway.fixjson.runner")


class GatewayStartError(RuntimeError):
    """uvicorn stopped before it started serving."""


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
