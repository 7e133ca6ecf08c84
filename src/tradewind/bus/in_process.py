"""The in-process message bus: one event loop, deterministic delivery order.

Delivery is breadth-first: a message published while handlers are running (from a handler, or
by another task) is queued and delivered after the current one, so every subscriber sees
messages in the same order and a handler can publish without recursing.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from tradewind.bus.codec import MessageCodec
from tradewind.bus.interface import Handler, M, MessageBus, Subscription
from tradewind.bus.topics import topic_for, topic_matches, validate_pattern
from tradewind.common.logging import get_logger
from tradewind.core.messages import Message

__all__ = ["InProcessMessageBus"]

log = get_logger("bus")


@dataclass(slots=True)
class _Entry:
    id: int
    handler: Handler[Any]
    message_type: type[Message] | None
    pattern: tuple[str, ...] | None
    active: bool = True


_Queued = tuple[Message, "str | None", "asyncio.Future[None] | None"]


class InProcessMessageBus(MessageBus):
    """Publish/subscribe inside one process.

    ``codec``: when given, topics use its wire names and, with ``check_wire=True``, every
    published message is encoded and decoded first, so a message that could not cross a NATS
    bus fails here too. ``raise_handler_errors``: re-raise a handler's exception to the
    publisher after the other handlers ran (for tests); otherwise it is logged and counted.
    """

    def __init__(
        self,
        *,
        codec: MessageCodec | None = None,
        check_wire: bool = False,
        raise_handler_errors: bool = False,
    ) -> None:
        if check_wire and codec is None:
            raise ValueError("check_wire needs a codec")
        self._codec = codec
        self._check_wire = check_wire
        self._raise = raise_handler_errors
        self._next_id = 0
        self._by_id: dict[int, _Entry] = {}
        self._by_type: dict[type[Message], list[_Entry]] = {}
        self._topic_entries: list[_Entry] = []
        self._resolved: dict[type[Message], tuple[_Entry, ...]] = {}
        self._queue: deque[_Queued] = deque()
        self._draining = False
        self._inside_handler: ContextVar[bool] = ContextVar("inside_handler", default=False)
        self._tasks: set[asyncio.Task[None]] = set()
        self.handler_errors = 0
        self.delivered = 0

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe(self, message_type: type[M], handler: Handler[M]) -> Subscription:
        if not (isinstance(message_type, type) and issubclass(message_type, Message)):
            raise TypeError(f"can only subscribe to Message types, got {message_type!r}")
        entry = self._add(handler, message_type, None)
        self._by_type.setdefault(message_type, []).append(entry)
        self._resolved.clear()
        return Subscription(entry.id, message_type.__qualname__)

    def subscribe_topic(self, pattern: str, handler: Handler[Message]) -> Subscription:
        entry = self._add(handler, None, validate_pattern(pattern))
        self._topic_entries.append(entry)
        return Subscription(entry.id, pattern)

    def unsubscribe(self, subscription: Subscription) -> None:
        entry = self._by_id.pop(subscription.id, None)
        if entry is None:
            return
        entry.active = False
        if entry.message_type is not None:
            self._by_type[entry.message_type].remove(entry)
            self._resolved.clear()
        else:
            self._topic_entries.remove(entry)

    def _add(
        self, handler: Handler[Any], kind: type[Message] | None, pattern: tuple[str, ...] | None
    ) -> _Entry:
        if not callable(handler):
            raise TypeError(f"handler {handler!r} is not callable")
        self._next_id += 1
        entry = _Entry(self._next_id, handler, kind, pattern)
        self._by_id[entry.id] = entry
        return entry

    # -- publishing ----------------------------------------------------------------------------

    async def publish(self, message: Message, topic: str | None = None) -> None:
        """Deliver ``message``; returns once it was delivered, except from inside a handler.

        From inside a handler the message is queued behind the current one (waiting there
        would deadlock); from another task while delivery is under way, the call waits its turn.
        """
        self._admit(message, topic)
        if self._inside_handler.get():
            self._queue.append((message, topic, None))
            return
        if self._draining:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._queue.append((message, topic, turn))
            await turn
            return
        self._queue.append((message, topic, None))
        await self._drain()

    def post(self, message: Message, topic: str | None = None) -> None:
        """Queue ``message`` from synchronous code; needs a running event loop to deliver it."""
        self._admit(message, topic)
        loop = asyncio.get_running_loop()  # RuntimeError outside a loop: nothing would deliver
        self._queue.append((message, topic, None))
        if not self._draining:
            self._spawn_drain(loop)

    def _admit(self, message: Message, topic: str | None) -> None:
        if not isinstance(message, Message):
            raise TypeError(f"can only publish Message instances, got {type(message).__name__}")
        if topic is not None:
            tokens = validate_pattern(topic)
            if "*" in tokens or ">" in tokens:
                raise ValueError(f"publish to a concrete topic, not the pattern {topic!r}")
        if self._check_wire and self._codec is not None:
            self._codec.decode(self._codec.encode(message))

    def _spawn_drain(self, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._queue:
                message, topic, turn = self._queue.popleft()
                try:
                    await self._deliver(message, topic)
                except Exception as exc:
                    if turn is None:
                        raise
                    if not turn.done():
                        turn.set_exception(exc)
                    continue
                if turn is not None and not turn.done():
                    turn.set_result(None)
        finally:
            self._draining = False
            if self._queue:
                # stopped early (cancelled, or an error re-raised): keep delivering the rest
                self._spawn_drain(asyncio.get_running_loop())

    async def _deliver(self, message: Message, topic: str | None) -> None:
        entries = list(self._resolve(type(message)))
        if self._topic_entries:
            actual = topic or self._topic_of(message)
            entries.extend(
                entry
                for entry in self._topic_entries
                if entry.pattern is not None and topic_matches(entry.pattern, actual)
            )
            entries.sort(key=lambda entry: entry.id)
        first_error: Exception | None = None
        token = self._inside_handler.set(True)
        try:
            for entry in entries:
                if not entry.active:  # unsubscribed by a handler earlier in this delivery
                    continue
                try:
                    result = entry.handler(message)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    self.handler_errors += 1
                    log.error(
                        "handler_failed",
                        message_type=type(message).__name__,
                        subscription=entry.id,
                        error=repr(exc),
                    )
                    first_error = first_error or exc
        finally:
            self._inside_handler.reset(token)
        self.delivered += 1
        if first_error is not None and self._raise:
            raise first_error

    def _resolve(self, message_type: type[Message]) -> tuple[_Entry, ...]:
        cached = self._resolved.get(message_type)
        if cached is None:
            found = [
                entry for base in message_type.__mro__ for entry in self._by_type.get(base, ())
            ]
            cached = tuple(sorted(found, key=lambda entry: entry.id))
            self._resolved[message_type] = cached
        return cached

    def _topic_of(self, message: Message) -> str:
        name = self._codec.name_of(type(message)) if self._codec is not None else None
        return topic_for(message, name)
