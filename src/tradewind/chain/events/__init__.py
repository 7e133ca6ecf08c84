"""Event follower: contract logs with a confirmation depth, reorg retraction and a stored cursor.

EventFollower(w3, chain_id=…, filters=[EventFilter(address, event_abi, name)], …)
  poll() / commit() / events() / run(handler)
  ├─ model.py    EventFilter, EventKey, ChainEventSeen/Confirmed/Retracted
  ├─ decoder.py  LogDecoder: raw log -> DecodedLog, or ignored with ``chain.event_ignored``
  ├─ store.py    FollowerStore: InMemoryFollowerStore, SqliteFollowerStore
  └─ rpc.py      the raw JSON-RPC reads (head, batched headers, logs)
"""

from __future__ import annotations

from tradewind.chain.events.decoder import DecodedLog, LogDecoder
from tradewind.chain.events.errors import (
    ChainIdMismatchError,
    FollowerRpcError,
    FollowerStateError,
    InvalidEventFilterError,
    InvalidFollowerConfigError,
)
from tradewind.chain.events.follower import EventFollower, EventHandler
from tradewind.chain.events.model import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    EventFilter,
    EventKey,
)
from tradewind.chain.events.store import (
    ConfirmedKey,
    FollowerCommit,
    FollowerState,
    FollowerStore,
    InMemoryFollowerStore,
    LogId,
    PendingLog,
    SqliteFollowerStore,
)

__all__ = [
    "ChainEvent",
    "ChainEventConfirmed",
    "ChainEventRetracted",
    "ChainEventSeen",
    "ChainIdMismatchError",
    "ConfirmedKey",
    "DecodedLog",
    "EventFilter",
    "EventFollower",
    "EventHandler",
    "EventKey",
    "FollowerCommit",
    "FollowerRpcError",
    "FollowerState",
    "FollowerStateError",
    "FollowerStore",
    "InMemoryFollowerStore",
    "InvalidEventFilterError",
    "InvalidFollowerConfigError",
    "LogDecoder",
    "LogId",
    "PendingLog",
    "SqliteFollowerStore",
]
