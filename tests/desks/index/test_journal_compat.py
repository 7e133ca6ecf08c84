"""Journals written before the declarative codec replay identically: the stored bytes of a
history touching every event kind and field shape (``data/journal_v1.jsonl``, written by the
hand-written codec) decode to the same events, encode back to the same bytes, and a database
holding them replays into the same state and outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from tests.desks.index.journal_scenario import GOLDEN_JOURNAL, run_scenario

from tradewind.desks.index.events import decode_event
from tradewind.desks.index.journal import DeskJournal, journal
from tradewind.desks.index.state import IndexDeskState


def _stored_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN_JOURNAL.read_text().splitlines()]


def test_stored_bytes_decode_to_the_same_history_and_encode_back_identically(
    desk: Any, alice: str, bob: str
) -> None:
    run_scenario(desk, alice, bob)
    rows = _stored_rows()
    decoded = [decode_event(row["payload"]) for row in rows]
    assert decoded == desk.journal
    assert [event.to_json() for event in decoded] == [row["payload"] for row in rows]
    assert [(e.key, e.KIND, e.ts) for e in decoded] == [
        (row["key"], row["kind"], row["ts"]) for row in rows
    ]
    # the history exercises every kind
    assert {row["kind"] for row in rows} == {
        "collateral_deposited",
        "index_tokens_returned",
        "index_order_accepted",
        "index_order_cancelled",
        "batch_planned",
        "lot_recorded",
        "batch_closed",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def test_an_old_journal_replays_into_the_same_state(
    db_url: str, desk: Any, alice: str, bob: str, demo_definitions: Any
) -> None:
    run_scenario(desk, alice, bob)
    old = DeskJournal.open(db_url)
    with old.engine.begin() as connection:  # the rows exactly as the old code stored them
        connection.execute(insert(journal), _stored_rows())
    old.close()

    reopened = DeskJournal.open(db_url)
    state = IndexDeskState(demo_definitions)
    outputs = [output for event in reopened.replay() for output in state.apply(event)]
    reopened.close()
    assert outputs == desk.outputs
    assert state.orders() == desk.state.orders()
    assert state.lots() == desk.state.lots()
    assert state.house_inventory() == desk.state.house_inventory()
    for address in (alice, bob):
        assert state.account(1, address) == desk.state.account(1, address)
