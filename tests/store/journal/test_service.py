"""The journal service on a SQLite file and on PostgreSQL: its own table and version table,
append once per key, replay in order (across chunks), restart by replay, append before apply,
and refusals that write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text, update
from tests.store.journal.events import TOY_CODEC, Deposited, InvalidToy, Pot, ToyEvent, Withdrawn

from tradewind.desks.index.events import BatchClosed
from tradewind.store.journal import (
    EventSourced,
    Journal,
    UnknownEventKind,
    open_journal,
)
from tradewind.store.journal import service as journal_service

D = Decimal


def _deposit(name: str, amount: str, ts: int = 1) -> Deposited:
    return Deposited(name=name, amount=D(amount), ts=ts)


@pytest.fixture
def toy(db_url: str) -> Iterator[Journal[ToyEvent]]:
    opened = open_journal(db_url, name="toy", codec=TOY_CODEC)
    yield opened
    opened.close()


def test_open_creates_the_journal_table_with_its_own_version_table(
    db_url: str, toy: Journal[ToyEvent]
) -> None:
    inspector = inspect(toy.engine)
    assert {"toy_journal", "toy_journal_alembic_version"} <= set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("toy_journal")}
    assert columns == set(toy.table.columns.keys()) == {"seq", "key", "kind", "payload", "ts"}
    with toy.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM toy_journal_alembic_version"))
        assert version.scalar_one() == "0001_journal"
    # a second journal in the same database keeps to its own table
    other = open_journal(db_url, name="other", codec=TOY_CODEC)
    toy.append(_deposit("a", "1"))
    assert other.count() == 0 and list(other.replay()) == []
    other.close()


def test_append_is_once_per_key_and_replay_is_in_append_order(toy: Journal[ToyEvent]) -> None:
    events: list[ToyEvent] = [
        _deposit("b", "2", ts=5),
        Withdrawn(withdrawal_id="w", amount=D("0.5"), limit=D(1), ts=1),
        _deposit("a", "1.25", ts=3),
    ]
    assert [toy.append(e) for e in events] == [True, True, True]
    assert toy.append(_deposit("b", "99", ts=9)) is False  # same key: the first one stays
    assert toy.append_many([events[0], _deposit("c", "3")]) == [False, True]
    assert toy.count() == 4
    assert toy.contains("dep:c") and not toy.contains("dep:z")
    assert list(toy.replay()) == [*events, _deposit("c", "3")]


def test_replay_reads_across_chunks(
    toy: Journal[ToyEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_service, "REPLAY_CHUNK", 3)
    events = [_deposit(chr(ord("a") + i), str(i + 1), ts=i) for i in range(8)]
    assert toy.append_many(events) == [True] * 8
    assert list(toy.replay()) == events


def test_restart_replays_into_the_same_state(db_url: str) -> None:
    pot, restored = Pot(), Pot()
    first = EventSourced(open_journal(db_url, name="toy", codec=TOY_CODEC), pot)
    assert first.record(_deposit("a", "10")) == [D(10)]
    assert first.record(Withdrawn(withdrawal_id="w", amount=D(3), limit=D(5), ts=2)) == [D(7)]
    assert first.record(_deposit("a", "10")) == []  # seen before: not applied again
    first.journal.close()

    again = EventSourced(open_journal(db_url, name="toy", codec=TOY_CODEC), restored)
    assert again.restore() == [D(10), D(7)]
    assert restored.balance == pot.balance == D(7)
    assert restored.seen == ["dep:a", "wd:w"]
    again.journal.close()


def test_nothing_is_applied_when_the_append_fails(toy: Journal[ToyEvent]) -> None:
    pot = Pot()
    sourced = EventSourced(toy, pot)
    with toy.engine.begin() as connection:
        connection.execute(text("DROP TABLE toy_journal"))
    with pytest.raises(Exception, match="toy_journal"):
        sourced.record(_deposit("a", "1"))
    assert pot.balance == 0 and pot.seen == []


def test_an_event_its_codec_cannot_read_back_is_refused_unwritten(
    toy: Journal[ToyEvent],
) -> None:
    stranger = BatchClosed(batch_id="b", ts=1)
    with pytest.raises(UnknownEventKind, match="cannot journal 'batch_closed'"):
        toy.append(stranger)  # type: ignore[arg-type]
    with pytest.raises(UnknownEventKind):
        toy.append_many([_deposit("a", "1"), stranger])  # type: ignore[list-item]
    assert toy.count() == 0


def test_a_corrupt_stored_event_stops_replay_naming_its_row(toy: Journal[ToyEvent]) -> None:
    toy.append_many([_deposit("a", "1"), _deposit("b", "2")])
    with toy.engine.begin() as connection:
        connection.execute(
            update(toy.table).where(toy.table.c.key == "dep:b").values(payload='{"kind":"x"}')
        )
    replay = toy.replay()
    assert next(replay) == _deposit("a", "1")
    with pytest.raises(InvalidToy, match=r"toy_journal seq 2: unknown event kind 'x'"):
        next(replay)


def test_sqlite_journal_is_durable_wal_with_full_sync(sqlite_url: str) -> None:
    journal = open_journal(sqlite_url, name="toy", codec=TOY_CODEC)
    with journal.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    journal.close()


@pytest.mark.parametrize("name", ["", "Toy", "toy-journal", "1toy", "x" * 50])
def test_a_bad_journal_name_is_refused(sqlite_url: str, name: str) -> None:
    with pytest.raises(ValueError, match="journal name must be"):
        open_journal(sqlite_url, name=name, codec=TOY_CODEC)
