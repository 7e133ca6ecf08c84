"""One WebSocket client of the simulated exchange, with a bounded send queue.

Engine listeners run synchronously inside request handlers, so they only enqueue; a writer task
per connection does the awaiting. A client too slow to drain its queue is disconnected, as
Binance does, rather than letting memory grow.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from aiohttp import web

from tradewind.common.logging import get_logger

log = get_logger("sim.ws")
MAX_QUEUED_MESSAGES = 10_000


class StreamConnection:
    """A subscriber: raw payloads on ``/ws``, ``{"stream", "data"}`` wrappers on ``/stream``."""

    def __init__(self, ws: web.WebSocketResponse, *, combined: bool, peer: str) -> None:
        self.ws = ws
        self.combined = combined
        self.peer = peer
        self.streams: set[str] = set()
        # subscriptionId -> account id, for WebSocket API user data subscriptions
        self.user_subscriptions: dict[int, str] = {}
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(MAX_QUEUED_MESSAGES)
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    def send_stream(self, stream: str, payload: Any) -> None:
        data = {"stream": stream, "data": payload} if self.combined else payload
        self.send_raw(orjson.dumps(data))

    def send_json(self, payload: Any) -> None:
        self.send_raw(orjson.dumps(payload))

    def send_raw(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(data)
        except asyncio.QueueFull:
            log.warning("ws_slow_consumer_dropped", peer=self.peer)
            self.abort()

    def abort(self) -> None:
        """Drop the connection without a close handshake (a fault or a slow consumer)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        transport = self.ws._req.transport if self.ws._req is not None else None
        if transport is not None:
            transport.abort()

    async def close(self) -> None:
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def _write_loop(self) -> None:
        while True:
            data = await self._queue.get()
            if data is None:
                return
            try:
                # Binance sends text frames; the SDK ignores binary ones.
                await self.ws.send_str(data.decode())
            except (ConnectionResetError, RuntimeError):
                self.closed = True
                return
