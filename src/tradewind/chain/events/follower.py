"""Follow contract events on one chain with a confirmation depth, through reorgs and restarts.

Each ``poll()``:
  1. tip check   the newest block the follower knows must still have the hash it recorded
                 (checked by the scan's parent-hash link when new blocks follow it closely);
                 if not, walk back through the recent hashes to the common ancestor, retract
                 every unconfirmed event above it (ChainEventRetracted) and read on from there
  2. scan        ``eth_getLogs`` over block ranges up to the head; the headers of the newest
                 ``history_depth`` blocks are fetched (one batch) to record their hashes and to
                 check that each links to its parent and that every log is of that block
  3. confirm     events ``confirmations`` deep become ChainEventConfirmed

Delivery is at-least-once with an acknowledgement: ``poll()`` changes memory only, ``commit()``
stores the cursor, recent hashes, unconfirmed logs and the keys confirmed since the last commit
in one transaction. A consumer that commits after handling a batch sees each confirmation once,
also across restarts; one that crashes between handling and commit gets that batch again after
a restart, with the same ``key`` s (so it must deduplicate on ``ChainEvent.key``). Within a
process a confirmation is never emitted twice, nor twice for the same (tx hash, log index).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aiohttp
from web3 import AsyncWeb3

from tradewind.chain.events.decoder import DecodedLog, LogDecoder
from tradewind.chain.events.errors import (
    ChainIdMismatchError,
    FollowerRpcError,
    FollowerStateError,
    InvalidFollowerConfigError,
)
from tradewind.chain.events.model import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    EventFilter,
    EventKey,
)
from tradewind.chain.events.rpc import BlockHeader, FollowerRpc
from tradewind.chain.events.store import (
    ConfirmedKey,
    FollowerCommit,
    FollowerStore,
    InMemoryFollowerStore,
    LogId,
    PendingLog,
)
from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock

__all__ = ["EventFollower", "EventHandler"]

_SeenOrRetracted = TypeVar("_SeenOrRetracted", ChainEventSeen, ChainEventRetracted)

EventHandler = Callable[[ChainEvent], Awaitable[None] | None]
"""Receives each event of ``EventFollower.run``; a sync function or a coroutine function."""

_log = get_logger("chain.events")
_NS = 1_000_000_000
_MAX_RESCANS = 8
_TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError, FollowerRpcError)


class _ChainMovedDuringScan(Exception):
    """Headers and logs of one scan disagree: the chain changed under us; read again."""


def _positive_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidFollowerConfigError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


class EventFollower:
    """Polls one chain for the events of ``filters`` and emits seen/confirmed/retracted events.

    ``confirmations``: blocks deep an event must be to confirm (1 = its own block).
    ``poll_interval`` (s) paces ``events()``/``run()``. ``start_block``: the first block a
    follower with no stored state reads (None: the blocks after the head at its first poll).
    ``max_block_range`` caps one ``eth_getLogs`` request; ``history_depth`` (> confirmations)
    is how many recent block hashes are kept to detect and unwind reorgs.
    """

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        *,
        chain_id: int,
        filters: Sequence[EventFilter],
        confirmations: int,
        poll_interval: float = 1.0,
        start_block: int | None = None,
        cursor_store: FollowerStore | None = None,
        stream_id: str | None = None,
        clock: Clock | None = None,
        max_block_range: int = 2_000,
        history_depth: int | None = None,
    ) -> None:
        self._chain_id = _positive_int("chain_id", chain_id)
        self._confirmations = _positive_int("confirmations", confirmations)
        if not isinstance(poll_interval, int | float) or not poll_interval > 0:
            raise InvalidFollowerConfigError(f"poll_interval must be > 0 s, got {poll_interval!r}")
        if start_block is not None:
            _positive_int("start_block", start_block, minimum=0)
        self._max_range = _positive_int("max_block_range", max_block_range)
        depth = history_depth if history_depth is not None else self._confirmations + 64
        self._depth = _positive_int("history_depth", depth, minimum=self._confirmations + 1)
        self._decoder = LogDecoder(self._chain_id, filters)
        self._rpc = FollowerRpc(w3)
        self._poll_s = float(poll_interval)
        self._start_block = start_block
        self._store: FollowerStore = (
            cursor_store if cursor_store is not None else InMemoryFollowerStore()
        )
        self._stream_id = stream_id or (
            f"{self._chain_id}:" + ",".join(sorted(f.name for f in filters))
        )
        self._clock: Clock = clock or LiveClock()
        self._started = False
        self._cursor: int | None = None
        self._hashes: dict[int, str] = {}
        self._pending: dict[EventKey, tuple[DecodedLog, ChainEventSeen]] = {}
        self._confirmed: dict[tuple[str, int], int] = {}  # (tx hash, log index) -> block
        self._staged: list[ConfirmedKey] = []
        self._pending_added: dict[LogId, PendingLog] = {}  # since the last commit
        self._pending_removed: set[LogId] = set()
        self._dirty = False

    # -- public API -------------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def stream_id(self) -> str:
        return self._stream_id

    @property
    def cursor(self) -> int | None:
        """The last block whose logs were read (None before the first poll)."""
        return self._cursor

    @property
    def pending(self) -> list[ChainEventSeen]:
        """Seen, not yet confirmed events, in chain order."""
        return sorted(
            (seen for _, seen in self._pending.values()),
            key=lambda e: (e.block_number, e.log_index),
        )

    async def poll(self) -> list[ChainEvent]:
        """One step: read the chain up to its head; returns retractions, sightings and
        confirmations in that order. Memory only: call ``commit()`` once they are handled."""
        await self._start()
        out: list[ChainEvent] = []
        head = await self._rpc.head()
        if self._cursor is None:
            # No start block: only what comes after the head we see now.
            self._cursor = self._start_block - 1 if self._start_block is not None else head
            self._dirty = True
        suspect = False
        for _ in range(_MAX_RESCANS):
            try:
                if self._hashes and (suspect or not self._scan_links_tip(head)):
                    await self._check_tip(head, out)
                while self._cursor < head:
                    end = min(head, self._cursor + self._max_range)
                    await self._scan(self._cursor + 1, end, head, out)
                break
            except _ChainMovedDuringScan:
                suspect = True
                head = await self._rpc.head()
        else:
            # The chain kept changing under every read: confirm nothing until it settles.
            _log.warning("chain.follower_unsettled", chain_id=self._chain_id, head=head)
            return out
        self._confirm(head, out)
        self._prune()
        return out

    async def commit(self) -> None:
        """Store the follower's place and the confirmations emitted since the last commit."""
        if self._cursor is None or not (self._dirty or self._staged):
            return
        added, removed = dict(self._pending_added), set(self._pending_removed)
        staged = list(self._staged)
        change = FollowerCommit(
            chain_id=self._chain_id,
            cursor=self._cursor,
            recent_blocks=tuple(sorted(self._hashes.items())),
            pending_added=tuple(added.values()),
            pending_removed=tuple(removed),
            confirmed=tuple(staged),
        )
        await self._store.commit(self._stream_id, change)
        # Only what this commit carried is forgotten: a poll may have run meanwhile.
        del self._staged[: len(staged)]
        for log_id in added:
            if self._pending_added.get(log_id) is added[log_id]:
                del self._pending_added[log_id]
        self._pending_removed -= removed
        self._dirty = False

    async def events(self) -> AsyncIterator[ChainEvent]:
        """Every event, forever. A batch is committed when the consumer asks for the event after
        its last one; after breaking out of the loop, call ``commit()`` to acknowledge."""
        while True:
            batch = await self._poll_or_wait()
            for event in batch:
                yield event
            await self.commit()
            await asyncio.sleep(self._poll_s)

    async def run(self, handler: EventHandler, *, stop: asyncio.Event | None = None) -> None:
        """Hand every event to ``handler``, committing after each batch, until ``stop`` is set.
        Node errors are logged and retried after ``poll_interval``; handler errors propagate
        (the batch stays uncommitted, so a restart delivers it again)."""
        while stop is None or not stop.is_set():
            for event in await self._poll_or_wait():
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            await self.commit()
            if stop is None:
                await asyncio.sleep(self._poll_s)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_s)

    # -- steps ------------------------------------------------------------------------------

    async def _poll_or_wait(self) -> list[ChainEvent]:
        try:
            return await self.poll()
        except _TRANSIENT as exc:
            _log.warning(
                "chain.follower_rpc_error",
                chain_id=self._chain_id,
                stream=self._stream_id,
                error=f"{type(exc).__name__}: {exc}",
            )
            return []

    async def _start(self) -> None:
        if self._started:
            return
        actual = await self._rpc.chain_id()
        if actual != self._chain_id:
            raise ChainIdMismatchError(self._chain_id, actual)
        state = await self._store.load(self._stream_id)
        if state is not None:
            if state.chain_id != self._chain_id:
                raise FollowerStateError(
                    f"stream {self._stream_id!r} was stored for chain {state.chain_id}, "
                    f"not {self._chain_id}"
                )
            self._cursor = state.cursor
            self._hashes = dict(state.recent_blocks)
            for stored in state.pending:
                decoded = self._decoder.decode(stored.raw, self._chain_id)
                if decoded is not None:
                    seen = self._event(ChainEventSeen, decoded, {})
                    self._pending[seen.key] = (decoded, seen)
            for key in await self._store.confirmed_since(
                self._stream_id, state.cursor - self._depth
            ):
                self._confirmed[(key.tx_hash, key.log_index)] = key.block_number
            _log.info(
                "chain.follower_resumed",
                chain_id=self._chain_id,
                stream=self._stream_id,
                cursor=self._cursor,
                pending=len(self._pending),
            )
        self._started = True

    def _scan_links_tip(self, head: int) -> bool:
        """Whether the coming scan checks the known tip itself: the first header it fetches is
        the block right after the tip, whose parent hash must be the tip's hash."""
        top = max(self._hashes)
        return top < head < top + self._depth

    async def _check_tip(self, head: int, out: list[ChainEvent]) -> None:
        top = max(self._hashes)
        header = await self._rpc.header(top) if top <= head else None
        if header is not None and header.hash == self._hashes[top]:
            return
        known = sorted(self._hashes, reverse=True)
        headers = await self._rpc.headers([n for n in known if n <= head])
        ancestor = next(
            (n for n in known if n in headers and headers[n].hash == self._hashes[n]), None
        )
        if ancestor is None:
            ancestor = known[-1] - 1
            _log.error(
                "chain.reorg_beyond_history",
                chain_id=self._chain_id,
                stream=self._stream_id,
                tip=top,
                history_from=known[-1],
            )
        self._rewind(top, ancestor, out)

    def _rewind(self, tip: int, ancestor: int, out: list[ChainEvent]) -> None:
        _log.warning(
            "chain.reorg_detected",
            chain_id=self._chain_id,
            stream=self._stream_id,
            tip=tip,
            common_ancestor=ancestor,
            depth=tip - ancestor,
        )
        for key, (decoded, seen) in sorted(
            self._pending.items(), key=lambda item: (item[1][1].block_number, item[0].log_index)
        ):
            if seen.block_number > ancestor:
                self._drop_pending(key)
                out.append(self._event(ChainEventRetracted, decoded, {}))
                _log.info(
                    "chain.event_retracted",
                    chain_id=self._chain_id,
                    event_name=seen.event_name,
                    tx_hash=seen.tx_hash,
                    log_index=seen.log_index,
                    block_number=seen.block_number,
                )
        for (tx_hash, log_index), block_number in self._confirmed.items():
            if block_number > ancestor:
                # Deeper than the confirmation depth: nothing can be undone from here.
                _log.error(
                    "chain.confirmed_event_dropped",
                    chain_id=self._chain_id,
                    tx_hash=tx_hash,
                    log_index=log_index,
                    block_number=block_number,
                )
        for number in [n for n in self._hashes if n > ancestor]:
            del self._hashes[number]
        self._cursor = ancestor
        self._dirty = True

    async def _scan(self, start: int, end: int, head: int, out: list[ChainEvent]) -> None:
        raw_logs = await self._rpc.logs(start, end, self._decoder.addresses, self._decoder.topics)
        check_from = max(start, head - self._depth + 1)
        numbers = list(range(check_from, end + 1))
        headers = await self._rpc.headers(numbers) if numbers else {}
        if len(headers) != len(numbers):
            raise _ChainMovedDuringScan  # the chain got shorter since we read the head
        previous = self._hashes.get(check_from - 1)
        for number in numbers:
            header = headers[number]
            if previous is not None and header.parent_hash != previous:
                raise _ChainMovedDuringScan  # the next tip check finds the ancestor
            previous = header.hash
        decoded_logs: list[DecodedLog] = []
        for raw in raw_logs:
            decoded = self._decoder.decode(raw, self._chain_id)
            if decoded is None:
                continue
            if not start <= decoded.block_number <= end:
                _log.warning(
                    "chain.event_ignored",
                    reason="out_of_range",
                    chain_id=self._chain_id,
                    tx_hash=decoded.tx_hash,
                    block_number=decoded.block_number,
                )
                continue
            block = headers.get(decoded.block_number)
            if block is not None and block.hash != decoded.block_hash:
                raise _ChainMovedDuringScan
            decoded_logs.append(decoded)
        for number, header in headers.items():
            self._hashes[number] = header.hash
        for decoded in decoded_logs:
            self._see(decoded, headers, out)
        self._cursor = end
        self._dirty = True

    def _see(
        self, decoded: DecodedLog, headers: dict[int, BlockHeader], out: list[ChainEvent]
    ) -> None:
        key = EventKey(self._chain_id, decoded.tx_hash, decoded.log_index, decoded.block_hash)
        if key in self._pending:
            return
        if (decoded.tx_hash, decoded.log_index) in self._confirmed:
            _log.info(
                "chain.event_already_confirmed",
                chain_id=self._chain_id,
                tx_hash=decoded.tx_hash,
                log_index=decoded.log_index,
                block_number=decoded.block_number,
            )
            return
        seen = self._event(ChainEventSeen, decoded, headers)
        self._pending[key] = (decoded, seen)
        log_id = (key.tx_hash, key.log_index, key.block_hash)
        self._pending_removed.discard(log_id)
        self._pending_added[log_id] = PendingLog(log_id, decoded.block_number, dict(decoded.raw))
        out.append(seen)

    def _drop_pending(self, key: EventKey) -> None:
        del self._pending[key]
        log_id = (key.tx_hash, key.log_index, key.block_hash)
        if self._pending_added.pop(log_id, None) is None:
            self._pending_removed.add(log_id)

    def _confirm(self, head: int, out: list[ChainEvent]) -> None:
        deepest = head - self._confirmations + 1
        ready = sorted(
            (item for item in self._pending.items() if item[1][1].block_number <= deepest),
            key=lambda item: (item[1][1].block_number, item[0].log_index),
        )
        for key, (decoded, seen) in ready:
            self._drop_pending(key)
            recorded = self._hashes.get(seen.block_number)
            if recorded is not None and recorded != seen.block_hash:
                # Scans and rewinds keep these equal; if they ever differ, the log is of
                # another fork: retract it rather than confirm it.
                _log.error(
                    "chain.event_fork_mismatch",
                    chain_id=self._chain_id,
                    tx_hash=seen.tx_hash,
                    block_number=seen.block_number,
                    block_hash=seen.block_hash,
                    canonical_hash=recorded,
                )
                out.append(self._event(ChainEventRetracted, decoded, {}))
                continue
            ident = (seen.tx_hash, seen.log_index)
            if ident in self._confirmed:
                continue
            self._confirmed[ident] = seen.block_number
            self._staged.append(
                ConfirmedKey(
                    self._chain_id,
                    seen.tx_hash,
                    seen.log_index,
                    seen.block_hash,
                    seen.block_number,
                )
            )
            out.append(
                ChainEventConfirmed(
                    ts_init=self._clock.now_ns(),
                    ts_event=seen.ts_event,
                    chain_id=seen.chain_id,
                    filter_name=seen.filter_name,
                    event_name=seen.event_name,
                    address=seen.address,
                    block_number=seen.block_number,
                    block_hash=seen.block_hash,
                    tx_hash=seen.tx_hash,
                    log_index=seen.log_index,
                    args=seen.args,
                    confirmations=self._confirmations,
                )
            )
            self._dirty = True

    def _prune(self) -> None:
        if self._cursor is None:
            return
        oldest = self._cursor - self._depth + 1
        for number in [n for n in self._hashes if n < oldest]:
            del self._hashes[number]
        for ident in [i for i, block in self._confirmed.items() if block < oldest]:
            del self._confirmed[ident]

    def _event(
        self,
        kind: type[_SeenOrRetracted],
        decoded: DecodedLog,
        headers: dict[int, BlockHeader],
    ) -> _SeenOrRetracted:
        now = self._clock.now_ns()
        if decoded.timestamp_s is not None:
            ts_event = decoded.timestamp_s * _NS
        elif decoded.block_number in headers:
            ts_event = headers[decoded.block_number].timestamp * _NS
        else:
            ts_event = now
        return kind(
            ts_init=now,
            ts_event=ts_event,
            chain_id=self._chain_id,
            filter_name=decoded.filter.name,
            event_name=decoded.filter.event_name,
            address=decoded.filter.address,
            block_number=decoded.block_number,
            block_hash=decoded.block_hash,
            tx_hash=decoded.tx_hash,
            log_index=decoded.log_index,
            args=decoded.args,
        )
