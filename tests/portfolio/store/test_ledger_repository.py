"""The ledger repository on SQLite and PostgreSQL: dedup, read back, balances, audit hook."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction, canonical_entry_bytes
from tradewind.portfolio.migrations import VERSION_TABLE
from tradewind.portfolio.store import (
    CursorRepository,
    LedgerRepository,
    LotSelectionRepository,
    PriceCacheRepository,
    ReportRepository,
)
from tradewind.portfolio.store.schema import Base

T0 = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def _buy(ts: int, qty: str, usdt: str, account: str = "binance:main") -> Transaction:
    return Transaction(
        EntryKind.TRADE,
        ts,
        (Movement(account, "BTC", Decimal(qty)), Movement(account, "USDT", -Decimal(usdt))),
        fees=(Movement(account, "BNB", Decimal("-0.001")),),
        source="test",
        external_id=f"{ts}",
    )


def test_migration_creates_exactly_the_mapped_schema(store_engine: Engine) -> None:
    with store_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []


def test_add_dedups_on_content_key_and_reads_back_exactly(store_engine: Engine) -> None:
    repo = LedgerRepository(store_engine, "alice")
    first = _buy(T0 + 734, "0.00100000", "95.12345678")
    assert repo.add(first) is True
    # The same trade from a CSV: second precision, other source, other id: not stored again.
    again = Transaction(first.kind, T0, first.movements[::-1], fees=first.fees, source="csv")
    assert repo.add(again) is False
    assert repo.count() == 1
    assert repo.transactions() == [first]


def test_add_many_counts_new_and_known_and_keeps_time_order(store_engine: Engine) -> None:
    repo = LedgerRepository(store_engine, "alice")
    late, early = _buy(T0 + 60_000, "1", "2"), _buy(T0, "3", "4")
    result = repo.add_many([late, early, late])
    assert (result.added, result.duplicates) == (2, 1)
    assert repo.transactions() == [early, late]
    assert [s.transaction for s in repo.stored(order="seq")] == [late, early]
    assert repo.transactions(since_ms=T0 + 1) == [late]
    assert repo.transactions(until_ms=T0 + 1) == [early]
    assert repo.transactions(kinds=[EntryKind.DEPOSIT]) == []


def test_balances_sum_movements_and_fees_up_to_a_time(store_engine: Engine) -> None:
    repo = LedgerRepository(store_engine, "alice")
    repo.add_many([_buy(T0, "1", "100"), _buy(T0 + 1000, "0.5", "60", account="kraken:main")])
    # binance: +1 BTC, -100 USDT, -0.001 BNB; kraken: +0.5 BTC, -60 USDT, -0.001 BNB
    assert repo.balances() == {
        ("binance:main", "BNB"): Decimal("-0.001"),
        ("binance:main", "BTC"): Decimal(1),
        ("binance:main", "USDT"): Decimal(-100),
        ("kraken:main", "BNB"): Decimal("-0.001"),
        ("kraken:main", "BTC"): Decimal("0.5"),
        ("kraken:main", "USDT"): Decimal(-60),
    }
    assert set(repo.balances(until_ms=T0 + 1000)) == {
        ("binance:main", "BNB"),
        ("binance:main", "BTC"),
        ("binance:main", "USDT"),
    }
    assert repo.balances(account="kraken:main")[("kraken:main", "BTC")] == Decimal("0.5")


def test_on_write_gets_each_new_entry_once_in_insertion_order(store_engine: Engine) -> None:
    seen: list[tuple[str, bytes]] = []
    repo = LedgerRepository(store_engine, "alice", on_write=lambda t, b: seen.append((t, b)))
    a, b = _buy(T0, "1", "1"), _buy(T0 + 1000, "2", "2")
    repo.add_many([a, b])
    repo.add(a)  # a duplicate is not a write
    assert seen == [("alice", canonical_entry_bytes(a)), ("alice", canonical_entry_bytes(b))]
    assert list(repo.audit_entries()) == [entry for _, entry in seen]


def test_batch_hook_gets_one_call_per_batch(store_engine: Engine) -> None:
    batches: list[list[bytes]] = []
    repo = LedgerRepository(
        store_engine, "alice", on_write_batch=lambda _t, entries: batches.append(entries)
    )
    repo.add_many([_buy(T0, "1", "1"), _buy(T0 + 1000, "2", "2")])
    repo.add_many([_buy(T0, "1", "1")])  # nothing new: no call
    assert [len(b) for b in batches] == [2]
    with pytest.raises(ValueError, match="not both"):
        LedgerRepository(store_engine, "alice", on_write=print, on_write_batch=print)


def test_side_repositories_round_trip(store_engine: Engine) -> None:
    repo = LedgerRepository(store_engine, "alice")
    cursors = CursorRepository(repo)
    assert cursors.get("ccxt:binance", "BTC/USDT") is None
    cursors.set("ccxt:binance", "BTC/USDT", "42")
    cursors.set("ccxt:binance", "BTC/USDT", "43")
    assert cursors.get("ccxt:binance", "BTC/USDT") == "43"
    assert cursors.all() == {("ccxt:binance", "BTC/USDT"): "43"}

    prices = PriceCacheRepository(repo)
    prices.store(
        "binance",
        "BTC/USDT",
        "1h",
        [(T0, Decimal("93000.5")), (T0 + 3_600_000, Decimal("93100"))],
        T0,
    )
    prices.store("binance", "BTC/USDT", "1h", [(T0, Decimal("93000.25"))], T0 + 1)
    closes = prices.closes("binance", "BTC/USDT", "1h", T0, T0 + 3_600_000)
    assert [(c.open_ms, c.close) for c in closes] == [
        (T0, Decimal("93000.25")),
        (T0 + 3_600_000, Decimal("93100")),
    ]

    selections = LotSelectionRepository(repo)
    selections.select("abcd", {"lot1/0": Decimal("0.5")})
    selections.select("abcd", {"lot2/0": Decimal("0.25")})  # replaces the earlier choice
    assert selections.all() == {"abcd": {"lot2/0": Decimal("0.25")}}
    with pytest.raises(ValueError, match="positive"):
        selections.select("abcd", {"lot2/0": Decimal("-1")})
    assert selections.all() == {"abcd": {"lot2/0": Decimal("0.25")}}

    reports = ReportRepository(repo)
    report_id = reports.save("json", {"year": 2025}, "{}")
    assert [(r.id, r.kind, r.params, r.body) for r in reports.all()] == [
        (report_id, "json", {"year": 2025}, "{}")
    ]
