"""DeskJournal on SQLite (a file) and PostgreSQL: migrations, exact round trips, duplicates
refused, restart by replay, and invoices by id and by time range."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from tradewind.core.enums import OrderSide
from tradewind.desks.index.journal import (
    DEFAULT_JOURNAL_URL,
    DeskJournal,
    metadata,
    resolve_journal_url,
)
from tradewind.desks.index.reports import InvoiceLot, MintInvoice, invoice_id_of
from tradewind.desks.index.state import IndexDeskState

D = Decimal


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'index.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each journal test runs once on a SQLite file and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def journal(db_url: str) -> Iterator[DeskJournal]:
    opened = DeskJournal.open(db_url)
    yield opened
    opened.close()


def _run_a_buy(desk: Any, address: str) -> None:
    """Deposit, a buy of 1 TW3 filled over two lots, completion: an invoice is issued."""
    desk.deposit(address, "1000.12345678", routing_fees="0.5")
    key = desk.buy(address, "o1", "TW3", "200")
    desk.plan("b1", targets={key: desk.basket(key, "1")})
    desk.fill_basket("b1", desk.basket(key, "1"), fee="0.01")
    desk.close("b1")
    desk.complete("b2", key)


def test_migration_creates_the_tables_the_code_declares(journal: DeskJournal) -> None:
    inspector = inspect(journal.engine)
    tables = set(inspector.get_table_names())
    assert {"index_journal", "index_invoices", "index_alembic_version"} <= tables
    for table in metadata.tables.values():
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    indexes = {ix["name"] for ix in inspector.get_indexes("index_invoices")}
    assert {"ix_index_invoices_ts", "ix_index_invoices_account"} <= indexes
    with journal.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM index_alembic_version"))
        assert version.scalar_one() == "0001_index_journal"


def test_events_round_trip_in_order_and_duplicates_are_refused(
    journal: DeskJournal, desk: Any, alice: str
) -> None:
    _run_a_buy(desk, alice)
    assert all(journal.append(event) for event in desk.journal)
    assert journal.append(desk.journal[0]) is False
    assert journal.append_many([desk.journal[1], desk.journal[2]]) == [False, False]
    assert journal.count() == len(desk.journal)
    assert journal.contains(desk.journal[-1].key)
    assert not journal.contains("dep:never")
    replayed = list(journal.replay())
    assert replayed == desk.journal
    assert replayed[0].amount == D("1000.12345678")  # type: ignore[union-attr]


def test_append_many_writes_new_events_only(journal: DeskJournal, desk: Any, alice: str) -> None:
    _run_a_buy(desk, alice)
    journal.append(desk.journal[0])
    flags = journal.append_many(desk.journal)
    assert flags == [False] + [True] * (len(desk.journal) - 1)
    assert list(journal.replay()) == desk.journal


def test_restart_replays_the_journal_into_the_same_state(
    db_url: str, desk: Any, alice: str, demo_definitions: Any
) -> None:
    first = DeskJournal.open(db_url)
    _run_a_buy(desk, alice)
    first.append_many(desk.journal)
    for invoice in desk.invoices():
        assert first.put_invoice(invoice)
    first.close()

    again = DeskJournal.open(db_url)  # a new process: migrations are a no-op now
    state = IndexDeskState(demo_definitions)
    outputs = [output for event in again.replay() for output in state.apply(event)]
    assert outputs == desk.outputs
    assert state.orders() == desk.state.orders()
    assert state.lots() == desk.state.lots()
    assert state.account(1, alice) == desk.state.account(1, alice)
    (invoice,) = desk.invoices()
    assert again.get_invoice(1, alice, "o1") == invoice
    # the stored invoice is not issued twice
    assert again.put_invoice(invoice) is False
    again.close()


def _invoice(
    client_order_id: str,
    ts: int,
    *,
    chain_id: int = 1,
    address: str = "0x00000000000000000000000000000000000A11cE",
) -> MintInvoice:
    return MintInvoice(
        invoice_id=invoice_id_of(chain_id, address, client_order_id),
        chain_id=chain_id,
        address=address,
        client_order_id=client_order_id,
        symbol="TW3",
        side=OrderSide.BUY,
        quantity=D("1.001"),
        lots=(
            InvoiceLot(
                lot_id="lot:sim:1",
                symbol="BTC/USDT",
                side=OrderSide.BUY,
                price=D("95000.01"),
                quantity=D("0.0005"),
                fee=D("0.00000047"),
                fee_asset="BTC",
                cost=D("47.500005"),
            ),
        ),
        amount_paid=D("47.54750505"),
        amount_remaining=D("52.45249495"),
        assets_value=D("47.500005"),
        exchange_fees=D("0.04465000"),
        desk_fee=D("0.04750001"),
        routing_fees=D(0),
        fill_rate=D("0.47547505"),
        position=D("1.001"),
        tx_hash=None,
        ts=ts,
    )


def test_invoices_by_id_and_by_time_range(journal: DeskJournal, bob: str) -> None:
    stored = [
        _invoice("a", 100),
        _invoice("b", 200),
        _invoice("c", 300, chain_id=8453),
        _invoice("d", 200, address=bob),
    ]
    for invoice in stored:
        assert journal.put_invoice(invoice)
    assert journal.get_invoice(1, stored[0].address, "a") == stored[0]
    assert journal.get_invoice(1, stored[0].address, "zzz") is None
    in_order = sorted(stored, key=lambda i: (i.ts, i.invoice_id))  # ties by invoice id
    assert journal.invoices_between(100, 300) == in_order
    assert journal.invoices_between(150, 250) == [i for i in in_order if i.ts == 200]
    assert [i.client_order_id for i in journal.invoices_between(0, 10**19, chain_id=8453)] == ["c"]
    assert [i.client_order_id for i in journal.invoices_between(0, 10**19, address=bob)] == ["d"]
    assert journal.invoices_between(301, 400) == []


def test_invoice_json_round_trips_exactly() -> None:
    invoice = _invoice("a", 5)
    assert MintInvoice.from_json(invoice.to_json()) == invoice


def test_sqlite_journal_is_durable_wal_with_full_sync(sqlite_url: str) -> None:
    journal = DeskJournal.open(sqlite_url)
    with journal.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    journal.close()


def test_default_url_is_a_sqlite_file_and_the_environment_overrides() -> None:
    assert resolve_journal_url(None, {}) == DEFAULT_JOURNAL_URL
    assert DEFAULT_JOURNAL_URL.startswith("sqlite:///var/")
    assert resolve_journal_url(None, {"TRADEWIND_DB_URL": "postgresql://x/y"}) == (
        "postgresql://x/y"
    )
    assert resolve_journal_url("sqlite:///a.db", {"TRADEWIND_DB_URL": "x"}) == "sqlite:///a.db"


def test_in_memory_journal_for_tests(desk: Any, alice: str) -> None:
    journal = DeskJournal.open("sqlite://")
    _run_a_buy(desk, alice)
    assert journal.append_many(desk.journal) == [True] * len(desk.journal)
    assert list(journal.replay()) == desk.journal
    journal.close()
