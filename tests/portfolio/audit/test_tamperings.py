"""The seven tamperings of issue 10 that `tradewind audit verify` used to pass with exit 0, each
done to a store written by audited sessions (heads in the store, the witness outside it) and
each now failing verification through the CLI with the problem named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tradewind.portfolio.audit.cli import audit_app, publish_and_witness
from tradewind.portfolio.audit.log import AuditLog
from tradewind.portfolio.audit.merkle import leaf_hash
from tradewind.portfolio.audit.tree_head import (
    TreeHeadSigner,
    load_or_create_signing_key,
    signing_key_path,
)
from tradewind.portfolio.audit.witness import witness_path, write_witness
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction, canonical_entry_bytes
from tradewind.portfolio.migrations import upgrade
from tradewind.portfolio.store import LedgerRepository, LotSelectionRepository, open_engine

TENANT = "acme"


def _tx(i: int, account: str = "binance:main") -> Transaction:
    return Transaction(
        kind=EntryKind.TRADE,
        timestamp_ms=1_700_000_000_000 + i * 60_000,
        movements=(
            Movement(account, "BTC", Decimal(i) / 100),
            Movement(account, "USDT", Decimal(-100 * i)),
        ),
        fees=(Movement(account, "USDT", Decimal("-1")),),
        source="ccxt:binance",
        external_id=f"trade-{i}",
        tx_hash=f"0x{i:064x}",
        note="",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    """Two audited write sessions (6 then 4 transactions, the first of them with a movement
    account holding '|'), one audited lot selection; each session ends with a head + witness."""
    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    upgrade(engine)
    log = AuditLog(engine, load_or_create_signing_key(signing_key_path(TENANT)))
    repo = LedgerRepository(engine, TENANT, on_write_batch=log.append_many)
    repo.add_many([_tx(1, account="wallet|cold"), *(_tx(i) for i in range(2, 7))])
    publish_and_witness(log, TENANT)
    repo.add_many(_tx(i) for i in range(7, 11))
    LotSelectionRepository(repo, on_write=log.append_selection).select(
        "disposal-1", {"lot/1": Decimal("0.01")}
    )
    publish_and_witness(log, TENANT)
    yield engine
    engine.dispose()


def _verify(engine: Engine) -> tuple[int, str]:
    result = CliRunner().invoke(audit_app, ["verify", "--tenant", TENANT, "--db", str(engine.url)])
    return result.exit_code, result.output


def _sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def _tx_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id FROM portfolio_transactions WHERE tenant_id = :t ORDER BY id"),
            {"t": TENANT},
        )
        return [int(row[0]) for row in rows]


def _relog(engine: Engine, leaf_index: int, position: int) -> None:
    """Rewrite one leaf to the current ledger entry at ``position`` (ledger and log agree)."""
    repo = LedgerRepository(engine, TENANT)
    entry = canonical_entry_bytes(repo.stored(order="seq")[position].transaction)
    _sql(
        engine,
        "UPDATE audit_leaves SET leaf_hash = :h WHERE tenant_id = :t AND leaf_index = :i",
        h=leaf_hash(entry),
        t=TENANT,
        i=leaf_index,
    )


def test_the_untouched_store_verifies(store: Engine) -> None:
    code, output = _verify(store)
    assert code == 0, output
    assert "witnessed head of size 11" in output


def test_deleting_the_newest_entries_their_leaves_and_the_newest_head_is_caught(
    store: Engine,
) -> None:
    for tx_id in _tx_ids(store)[6:]:
        _sql(store, "DELETE FROM portfolio_movements WHERE transaction_id = :i", i=tx_id)
        _sql(store, "DELETE FROM portfolio_transactions WHERE id = :i", i=tx_id)
    _sql(store, "DELETE FROM audit_leaves WHERE leaf_index >= 6")
    _sql(store, "DELETE FROM audit_selection_leaves")
    _sql(store, "DELETE FROM portfolio_lot_selections")
    _sql(store, "DELETE FROM audit_tree_heads WHERE tree_size > 6")
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM witnessed head beyond log at index 11" in output


def _rewrite_second_trade(store: Engine) -> None:
    second = _tx_ids(store)[1]
    _sql(
        store,
        "UPDATE portfolio_movements SET amount = '5' WHERE transaction_id = :i AND asset = 'BTC'",
        i=second,
    )
    _relog(store, 1, 1)


def test_rewriting_ledger_and_log_and_deleting_every_head_is_caught(store: Engine) -> None:
    _rewrite_second_trade(store)
    _sql(store, "DELETE FROM audit_tree_heads")
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM witnessed head not a prefix at index 11" in output


def test_rewriting_everything_under_an_attackers_key_is_caught(store: Engine) -> None:
    _rewrite_second_trade(store)
    _sql(store, "DELETE FROM audit_tree_heads")
    forger = AuditLog(store, TreeHeadSigner.generate())
    forged = forger.publish_tree_head(TENANT)
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM bad tree head signature at index 11" in output
    assert "PROBLEM witnessed head not a prefix at index 11" in output
    # even with write access to the witness, a head under another key is refused
    write_witness(witness_path(TENANT), forged)
    code, output = _verify(store)
    assert code == 1 and "PROBLEM bad witness signature at index 11" in output, output


EDITS: list[tuple[str, str]] = [
    ("timestamp +999 ms", "UPDATE portfolio_transactions SET timestamp_ms = timestamp_ms + 999"),
    ("tx_hash", "UPDATE portfolio_transactions SET tx_hash = '0xfeed'"),
    ("source", "UPDATE portfolio_transactions SET source = 'csv:other'"),
    ("note", "UPDATE portfolio_transactions SET note = 'moved to cold storage'"),
    ("external_id", "UPDATE portfolio_transactions SET external_id = 'trade-999'"),
]


@pytest.mark.parametrize(("field", "statement"), EDITS, ids=[f for f, _ in EDITS])
def test_editing_a_field_outside_the_content_key_is_caught(
    store: Engine, field: str, statement: str
) -> None:
    _sql(store, statement + " WHERE id = :i", i=_tx_ids(store)[3])
    code, output = _verify(store)
    assert code == 1, (field, output)
    assert "PROBLEM modified at index 3" in output, field


def test_editing_lot_selections_is_caught(store: Engine) -> None:
    _sql(store, "UPDATE portfolio_lot_selections SET amount = '0.02'")
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM lot selections changed at index 10" in output


def test_a_selection_record_that_no_longer_matches_its_leaf_is_caught(store: Engine) -> None:
    replace: Callable[[str], str] = lambda body: body.replace("0.01", "0.02")  # noqa: E731
    with store.begin() as connection:
        body = connection.execute(text("SELECT body FROM audit_selection_leaves")).scalar_one()
        connection.execute(
            text("UPDATE audit_selection_leaves SET body = :b"), {"b": replace(body)}
        )
    _sql(store, "UPDATE portfolio_lot_selections SET amount = '0.02'")
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM modified at index 10" in output


def test_moving_text_between_account_and_asset_is_caught(store: Engine) -> None:
    # "wallet|cold" + "BTC" -> "wallet" + "cold|BTC": the old "account|asset|amount" text is
    # unchanged, the holdings are not
    _sql(
        store,
        "UPDATE portfolio_movements SET account = 'wallet', asset = 'cold|BTC' "
        "WHERE transaction_id = :i AND asset = 'BTC'",
        i=_tx_ids(store)[0],
    )
    code, output = _verify(store)
    assert code == 1, output
    assert "PROBLEM modified at index 0" in output
