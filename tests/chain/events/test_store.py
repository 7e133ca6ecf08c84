"""Follower stores: state round trip, incremental pending logs, keys by block, atomic commits."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tradewind.chain.events import (
    ConfirmedKey,
    FollowerCommit,
    FollowerState,
    FollowerStateError,
    FollowerStore,
    InMemoryFollowerStore,
    PendingLog,
    SqliteFollowerStore,
)

BLOCKS = ((11, "0x" + "01" * 32), (12, "0x" + "02" * 32))
P1 = PendingLog(("0x" + "aa" * 32, 0, "0x" + "01" * 32), 11, {"logIndex": "0x0", "n": 1})
P2 = PendingLog(("0x" + "bb" * 32, 3, "0x" + "02" * 32), 12, {"logIndex": "0x3", "n": 2})
KEYS = (
    ConfirmedKey(42161, "0x" + "aa" * 32, 0, "0x" + "01" * 32, 11),
    ConfirmedKey(42161, "0x" + "bb" * 32, 3, "0x" + "02" * 32, 12),
)


def _commit(
    cursor: int,
    added: tuple[PendingLog, ...] = (),
    removed: tuple[Any, ...] = (),
    confirmed: tuple[ConfirmedKey, ...] = (),
) -> FollowerCommit:
    return FollowerCommit(42161, cursor, BLOCKS, added, removed, confirmed)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FollowerStore]:
    if request.param == "memory":
        yield InMemoryFollowerStore()
        return
    sqlite_store = await SqliteFollowerStore.open(tmp_path / "f.db")
    yield sqlite_store
    await sqlite_store.close()


async def test_round_trip_with_incremental_pending_logs(store: FollowerStore) -> None:
    assert await store.load("s") is None
    await store.commit("s", _commit(12, added=(P2, P1)))
    assert await store.load("s") == FollowerState(42161, 12, BLOCKS, (P1, P2))
    await store.commit("s", _commit(14, removed=(P1.log_id,), confirmed=KEYS[:1]))
    assert await store.load("s") == FollowerState(42161, 14, BLOCKS, (P2,))
    await store.commit("s", _commit(15, removed=(P2.log_id,), confirmed=KEYS))
    assert await store.load("s") == FollowerState(42161, 15, BLOCKS, ())
    assert await store.confirmed_since("s", 0) == list(KEYS)
    assert await store.confirmed_since("s", 12) == list(KEYS[1:])
    assert await store.confirmed_since("other", 0) == []
    assert await store.load("other") is None


async def test_sqlite_survives_reopening(tmp_path: Path) -> None:
    first = await SqliteFollowerStore.open(tmp_path / "f.db")
    await first.commit("s", _commit(12, added=(P1,), confirmed=KEYS[1:]))
    await first.close()
    second = await SqliteFollowerStore.open(tmp_path / "f.db")
    assert await second.load("s") == FollowerState(42161, 12, BLOCKS, (P1,))
    assert await second.confirmed_since("s", 0) == list(KEYS[1:])
    await second.close()


async def test_sqlite_commit_is_all_or_nothing(tmp_path: Path) -> None:
    store = await SqliteFollowerStore.open(tmp_path / "f.db")
    await store.commit("s", _commit(12, added=(P1,), confirmed=KEYS[:1]))
    index: Any = object()  # sqlite cannot bind it: the transaction fails half-way
    unbindable = ConfirmedKey(42161, "0x" + "cc" * 32, index, "0x" + "03" * 32, 13)
    with pytest.raises(sqlite3.Error):
        await store.commit(
            "s", _commit(20, added=(P2,), removed=(P1.log_id,), confirmed=(KEYS[1], unbindable))
        )
    assert await store.load("s") == FollowerState(42161, 12, BLOCKS, (P1,))
    assert await store.confirmed_since("s", 0) == list(KEYS[:1])
    await store.close()


async def test_corrupt_stored_rows_are_refused(tmp_path: Path) -> None:
    store = await SqliteFollowerStore.open(tmp_path / "f.db")
    await store.commit("s", _commit(12, added=(P1,)))
    await store.close()
    connection = sqlite3.connect(tmp_path / "f.db")
    connection.execute("UPDATE chain_follower_pending SET raw = 'not json'")
    connection.commit()
    connection.close()
    reopened = await SqliteFollowerStore.open(tmp_path / "f.db")
    with pytest.raises(FollowerStateError, match="corrupt"):
        await reopened.load("s")
    await reopened.close()
