"""One client connection on the server side: its admission state and its outbox.

    GatewayConnection   FixSession (what the client may send) + outbox (what we send it)
    ConnectionRegistry  open connections, and which accounts each has proven to act for

The outbox numbers server messages per connection from 1, signs each with the gateway key and
queues it; one writer task sends them in order. A client that lets ``outbound_queue_size``
messages pile up is disconnected (close code 1013) rather than slowing the desk down; before
that, the server stops reading its requests while ``read_pause_queue_size`` replies wait
(``wait_for_room``), so a client that sends without reading costs nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from eth_keys.datatypes import PrivateKey

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock
from tradewind.gateway.fixjson.messages import ServerMessageBase, StandardHeader
from tradewind.gateway.fixjson.protocols import AccountKey
from tradewind.gateway.fixjson.session import FixSession
from tradewind.gateway.fixjson.signing import sign_message
from tradewind.gateway.fixjson.wire_types import iso_from_ns

__all__ = ["UNKNOWN_COMP_ID", "ConnectionRegistry", "GatewayConnection"]

SentHook = Callable[[type[ServerMessageBase], Mapping[str, Any]], None]
"""Told of each server message queued (its model and fields), e.g. to count it."""

UNKNOWN_COMP_ID = "UNKNOWN"
"""target_comp_id of a reply to a client that has not named itself readably yet."""

SLOW_CONSUMER_CLOSE_CODE = 1013

_log = get_logger("gateway.fixjson.connection")


class GatewayConnection:
    """A client connection: ``session`` admits its messages, ``send`` queues signed replies.
    ``send_text``/``close`` are the transport's (e.g. a Starlette WebSocket's)."""

    def __init__(
        self,
        *,
        session: FixSession,
        send_text: Callable[[str], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        server_key: PrivateKey,
        clock: Clock,
        queue_size: int,
        on_sent: SentHook | None = None,
    ) -> None:
        self.session = session
        self._on_sent = on_sent
        self._send_text = send_text
        self._close = close
        self._server_key = server_key
        self._clock = clock
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=queue_size)
        self._room = asyncio.Event()
        self._room.set()
        self._pause_at = queue_size
        self._out_seq = 0
        self._closed = False
        # desk outputs pushed while an answer is being prepared wait for that answer
        self._answers_pending = 0
        self._deferred: list[Callable[[], None]] = []
        self._aborter: asyncio.Task[None] | None = None
        self.dropped_frames = 0
        """Frames of this client dropped unanswered (over its frame or NAK rate)."""
        self._writer = asyncio.create_task(self._write(), name=f"fix-out-{session.session_id}")

    @property
    def session_id(self) -> int:
        return self.session.session_id

    @property
    def backlog(self) -> int:
        """Server messages queued and not yet written to the client."""
        return self._queue.qsize()

    async def wait_for_room(self, pause_at: int) -> None:
        """Return once fewer than ``pause_at`` messages wait for this client (or it is closed):
        a client that does not read is not read from either."""
        self._pause_at = pause_at
        while not self._closed and self._queue.qsize() >= pause_at:
            self._room.clear()
            await self._room.wait()

    def send(
        self,
        model: type[ServerMessageBase],
        *,
        chain_id: int | None,
        address: str | None,
        fields: Mapping[str, Any],
        target_comp_id: str | None = None,
    ) -> None:
        """Validate, number, sign and queue one server message. Raises ``ValidationError`` for
        fields that do not fit ``model`` (nothing queued, no number used)."""
        if self._closed:
            return
        # validated from wire values (ISO timestamp, possibly missing account) like a client's
        header = StandardHeader.model_validate(
            {
                "msg_type": model.MSG_TYPE,
                "sender_comp_id": self.session.comp_id,
                "target_comp_id": target_comp_id or self.session.client_comp_id or UNKNOWN_COMP_ID,
                "seq_num": self._out_seq + 1,
                "timestamp": iso_from_ns(self._clock.now_ns()),
            }
        )
        message = model.model_validate(
            {"standard_header": header, "chain_id": chain_id, "address": address, **fields}
        )
        body = message.model_dump(mode="json", exclude={"standard_trailer"})
        text = json.dumps(sign_message(body, self._server_key), separators=(",", ":"))
        self._out_seq += 1
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self._overflow()
            return
        if self._on_sent is not None:
            self._on_sent(model, fields)

    def push(
        self,
        model: type[ServerMessageBase],
        *,
        chain_id: int | None,
        address: str | None,
        fields: Mapping[str, Any],
    ) -> None:
        """Queue a desk output (a fill report, an invoice); while an answer to this
        connection's request is being prepared, it goes out right after that answer, so a
        client reads the answer to NewIndexOrder before its first fill report and a cancel's
        answer before the cancelled report and invoice."""
        if self._answers_pending:
            self._deferred.append(
                lambda: self.send(model, chain_id=chain_id, address=address, fields=fields)
            )
        else:
            self.send(model, chain_id=chain_id, address=address, fields=fields)

    def answering(self) -> _Answering:
        """``with connection.answering(): ...`` around preparing and sending one answer."""
        return _Answering(self)

    def _hold(self) -> None:
        self._answers_pending += 1

    def _release(self) -> None:
        self._answers_pending -= 1
        if self._answers_pending == 0:
            deferred, self._deferred = self._deferred, []
            for send in deferred:
                send()

    def _overflow(self) -> None:
        _log.warning("slow_consumer", session=self.session_id, queued=self._queue.qsize())
        self._closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        # the writer may be stuck on a socket the client does not read: stop it, then close
        self._writer.cancel()
        self._aborter = asyncio.get_running_loop().create_task(self._abort())

    async def _abort(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        try:
            await self._close(SLOW_CONSUMER_CLOSE_CODE, "slow consumer")
        except Exception as exc:
            _log.debug("close_failed", session=self.session_id, error=repr(exc))

    async def _write(self) -> None:
        try:
            await self._write_queued()
        finally:
            self._room.set()  # a reader waiting for room sees the connection is done

    async def _write_queued(self) -> None:
        while (text := await self._queue.get()) is not None:
            try:
                await self._send_text(text)
            except Exception as exc:  # the client went away; the reader side cleans up
                _log.debug("send_failed", session=self.session_id, error=repr(exc))
                self._closed = True
                return
            if self._queue.qsize() <= self._pause_at // 2:
                self._room.set()
        if self._closed:
            try:
                await self._close(SLOW_CONSUMER_CLOSE_CODE, "slow consumer")
            except Exception as exc:
                _log.debug("close_failed", session=self.session_id, error=repr(exc))

    async def aclose(self) -> None:
        """Stop writing (queued messages are dropped) and wait for the writer to end."""
        self._closed = True
        self._writer.cancel()
        try:
            await self._writer
        except asyncio.CancelledError:
            if (task := asyncio.current_task()) is not None and task.cancelling():
                raise


class _Answering:
    """Holds a connection's pushed outputs back until the answer in hand is sent."""

    def __init__(self, connection: GatewayConnection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection._hold()

    def __exit__(self, *exc_info: object) -> None:
        self._connection._release()


class ConnectionRegistry:
    """Open connections, indexed by the accounts each has sent an admitted signed message for."""

    def __init__(self) -> None:
        self._connections: dict[int, GatewayConnection] = {}
        self._by_account: dict[AccountKey, dict[int, GatewayConnection]] = {}

    def add(self, connection: GatewayConnection) -> None:
        self._connections[connection.session_id] = connection

    def bind(self, connection: GatewayConnection, account: AccountKey) -> None:
        if connection.session_id in self._connections:
            self._by_account.setdefault(account, {})[connection.session_id] = connection

    def remove(self, connection: GatewayConnection) -> None:
        self._connections.pop(connection.session_id, None)
        for account in connection.session.accounts:
            bound = self._by_account.get(account)
            if bound is not None:
                bound.pop(connection.session_id, None)
                if not bound:
                    del self._by_account[account]

    def of_account(self, account: AccountKey) -> list[GatewayConnection]:
        return list(self._by_account.get(account, {}).values())

    def __len__(self) -> int:
        return len(self._connections)
