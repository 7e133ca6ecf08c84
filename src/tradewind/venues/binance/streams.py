"""Binance WebSocket streams through the official SDK, re-made after every drop.

The SDK reconnects only when the server announces a shutdown; a dropped socket just closes. So
each stream here owns its own SDK client and a supervisor task: connect, subscribe, wait for the
close event, report DISCONNECTED, back off, connect again, report CONNECTED.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from binance_common.configuration import ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot

from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.venues.base import StatusHandler, StreamStatus

__all__ = ["SdkStream", "plain_payload"]

log = get_logger("venues.binance.streams")

Subscribe = Callable[[Any], Awaitable[Any]]
"""Given the SDK's connected streams object, subscribe and return the stream handle."""
OnMessage = Callable[[Any], None]
OnReconnected = Callable[[], Awaitable[None]]


def plain_payload(message: Any) -> Any:
    """An SDK model (or one-of wrapper, or list of them) as the plain JSON the venue sent."""
    if isinstance(message, list):
        return [plain_payload(item) for item in message]
    inner = getattr(message, "actual_instance", None)
    if inner is not None:
        message = inner
    if hasattr(message, "to_dict"):
        return message.to_dict()
    return message


def event_kind(message: Any) -> str:
    """The SDK model class a user-data event was parsed into (its models drop the "e" key)."""
    return type(getattr(message, "actual_instance", None) or message).__name__


class SdkStream:
    """One subscription on its own SDK connection, kept alive across drops.

    ``backoff_s`` doubles after each failed connect up to ``max_backoff_s``.
    """

    def __init__(
        self,
        *,
        name: str,
        ws_url: str,
        subscribe: Subscribe,
        on_message: OnMessage,
        on_status: StatusHandler | None,
        on_reconnected: OnReconnected | None = None,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        clock: TimerClock | None = None,
    ) -> None:
        self._clock = clock or LiveClock()
        self._name = name
        self._ws_url = ws_url
        self._subscribe = subscribe
        self._on_message = on_message
        self._on_status = on_status
        self._on_reconnected = on_reconnected
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._task: asyncio.Task[None] | None = None
        self._streams: Any = None
        self._closing = False
        self.reconnects = 0

    async def start(self) -> None:
        """Connect and subscribe once (raising if that fails), then supervise in the background."""
        closed = await self._connect()
        self._status(StreamStatus.CONNECTED, "connected")
        self._task = asyncio.create_task(self._supervise(closed), name=f"stream:{self._name}")

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._disconnect()

    async def _connect(self) -> asyncio.Event:
        client = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=self._ws_url))
        # the SDK leaves create_connection unannotated
        streams = await client.websocket_streams.create_connection()  # type: ignore[no-untyped-call]
        self._streams = streams
        closed = asyncio.Event()
        streams.on_connection("close", lambda *_: closed.set())
        streams.on_connection("error", lambda *_: closed.set())
        handle = await self._subscribe(streams)
        handle.on("message", self._deliver)
        return closed

    def _deliver(self, message: Any) -> None:
        try:
            self._on_message(message)
        except Exception:
            # a consumer bug must not kill the socket; the consumer logs its own rejections
            log.exception("stream_callback_failed", stream=self._name)

    async def _disconnect(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            with contextlib.suppress(Exception):
                await streams.close_connection(close_session=True)

    async def _supervise(self, closed: asyncio.Event) -> None:
        while not self._closing:
            await closed.wait()
            if self._closing:
                return
            self._status(StreamStatus.DISCONNECTED, "websocket closed")
            await self._disconnect()
            delay = self._backoff_s
            while not self._closing:
                await self._clock.sleep(seconds_to_ns(delay))
                try:
                    closed = await self._connect()
                    break
                except Exception as exc:
                    log.warning("stream_reconnect_failed", stream=self._name, error=str(exc))
                    await self._disconnect()
                    delay = min(self._max_backoff_s, delay * 2)
            self.reconnects += 1
            log.info("stream_reconnected", stream=self._name, reconnects=self.reconnects)
            self._status(StreamStatus.CONNECTED, "reconnected")
            if self._on_reconnected is not None:
                try:
                    await self._on_reconnected()
                except Exception:
                    log.exception("stream_reconcile_failed", stream=self._name)

    def _status(self, status: StreamStatus, detail: str) -> None:
        if self._on_status is not None:
            try:
                self._on_status(status, detail)
            except Exception:
                log.exception("stream_status_callback_failed", stream=self._name)
