"""`verify`: every modified, removed, inserted or reordered entry is detected and named.

First the alignment alone (pure), then the whole path: ledger writes through the store's
`on_write` hook into the log, tampering with the tables behind the store's back (as an attacker
with database access would), and `tradewind audit verify` naming what changed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tradewind.portfolio.audit.cli import audit_app, publish_and_witness, verify_store
from tradewind.portfolio.audit.log import AuditLog
from tradewind.portfolio.audit.merkle import leaf_hash
from tradewind.portfolio.audit.tree_head import (
    TreeHeadSigner,
    load_or_create_signing_key,
    signing_key_path,
)
from tradewind.portfolio.audit.verify import ProblemKind, compare_entries
from tradewind.portfolio.ledger import (
    EntryKind,
    Movement,
    Transaction,
    canonical_entry_bytes,
)
from tradewind.portfolio.migrations import upgrade
from tradewind.portfolio.store import LedgerRepository

SET_BTC_AMOUNT = (
    "UPDATE portfolio_movements SET amount = '0.5' WHERE transaction_id = :id AND asset = 'BTC'"
)
H = [leaf_hash(f"entry {i}".encode()) for i in range(10)]


def _kinds(problems: list) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    return [(str(p.kind), p.index) for p in problems]


# -- alignment --------------------------------------------------------------------------------
def test_identical_sequences_have_no_problems() -> None:
    assert compare_entries(H, H) == []
    assert compare_entries([], []) == []


def test_modified_entry_is_named_at_its_index() -> None:
    ledger = [*H[:4], leaf_hash(b"changed"), *H[5:]]
    assert _kinds(compare_entries(ledger, H)) == [("modified", 4)]


def test_removed_entry_is_missing_at_its_index() -> None:
    ledger = H[:3] + H[4:]
    assert _kinds(compare_entries(ledger, H)) == [("missing", 3)]


def test_inserted_entry_is_extra_at_its_ledger_position() -> None:
    ledger = [*H[:6], leaf_hash(b"forged"), *H[6:]]
    assert _kinds(compare_entries(ledger, H)) == [("extra", 6)]


def test_moved_entry_is_out_of_order_and_others_are_fine() -> None:
    # Entry 2 moved to the end: the other nine keep their relative order.
    ledger = [h for i, h in enumerate(H) if i != 2] + [H[2]]
    assert _kinds(compare_entries(ledger, H)) == [("out of order", 2)]


def test_swapped_neighbours_are_reported() -> None:
    ledger = [*H[:5], H[6], H[5], *H[7:]]
    problems = compare_entries(ledger, H)
    assert [p.kind for p in problems] == [ProblemKind.OUT_OF_ORDER]
    assert problems[0].index in (5, 6)


def test_mixed_tampering_is_each_named() -> None:
    # Log: 0..9. Ledger: 0, 1, X(mod of 2), 3, 5, 4, 6, 7, Y(new), 8   (9 removed)
    ledger = [H[0], H[1], leaf_hash(b"X"), H[3], H[5], H[4], H[6], H[7], leaf_hash(b"Y"), H[8]]
    kinds = _kinds(compare_entries(ledger, H, labels=[f"L{i}" for i in range(10)]))
    assert ("modified", 2) in kinds
    assert ("missing", 9) in kinds
    assert ("extra", 8) in kinds
    assert sum(1 for kind, _ in kinds if kind == "out of order") == 1
    assert len(kinds) == 4


def test_duplicate_entries_are_matched_one_to_one() -> None:
    log = [H[0], H[1], H[1], H[2]]
    assert compare_entries([H[0], H[1], H[1], H[2]], log) == []
    assert _kinds(compare_entries([H[0], H[1], H[2]], log)) == [("missing", 2)]


# -- the stored ledger and log ----------------------------------------------------------------
def _tx(i: int) -> Transaction:
    # Buy 0.0i BTC for 100·i USDT, 1 USDT fee.
    return Transaction(
        kind=EntryKind.TRADE,
        timestamp_ms=1_700_000_000_000 + i * 60_000,
        movements=(
            Movement("binance:main", "BTC", Decimal(i) / 100),
            Movement("binance:main", "USDT", Decimal(-100 * i)),
        ),
        fees=(Movement("binance:main", "USDT", Decimal("-1")),),
        source="test",
        external_id=str(i),
    )


def _key(log: AuditLog) -> bytes:
    assert log.signer is not None
    return log.signer.public_key


@pytest.fixture
def ledger(engine: Engine) -> tuple[Engine, LedgerRepository, AuditLog]:
    upgrade(engine)
    log = AuditLog(engine, TreeHeadSigner.generate())
    repo = LedgerRepository(engine, "acme", on_write=log.append)
    repo.add_many(_tx(i) for i in range(1, 9))
    log.publish_tree_head("acme")
    return engine, repo, log


def _tx_id(engine: Engine, position: int) -> int:
    with engine.connect() as connection:
        ids = (
            connection.execute(
                text("SELECT id FROM portfolio_transactions WHERE tenant_id = 'acme' ORDER BY id")
            )
            .scalars()
            .all()
        )
    return int(ids[position])


def test_untouched_store_verifies(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    report = verify_store(
        engine, "acme", trusted_public_key=log.signer.public_key, check_inclusion=True
    )  # type: ignore[union-attr]
    assert report.ok, report.problems
    assert (report.ledger_entries, report.tree_size, report.tree_heads) == (8, 8, 1)
    assert report.uncovered_leaves == 0


def test_modified_ledger_row_is_named(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    with engine.begin() as connection:
        connection.execute(
            text(SET_BTC_AMOUNT),
            {"id": _tx_id(engine, 3)},
        )
    report = verify_store(engine, "acme", trusted_public_key=_key(log))
    assert _kinds(list(report.problems)) == [("modified", 3)]
    assert "seq" in report.problems[0].detail


def test_removed_ledger_row_is_named(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    with engine.begin() as connection:
        tx_id = _tx_id(engine, 5)
        connection.execute(
            text("DELETE FROM portfolio_movements WHERE transaction_id = :id"), {"id": tx_id}
        )
        connection.execute(text("DELETE FROM portfolio_transactions WHERE id = :id"), {"id": tx_id})
    assert _kinds(list(verify_store(engine, "acme", trusted_public_key=_key(log)).problems)) == [
        ("missing", 5)
    ]


def test_inserted_ledger_row_is_named(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    LedgerRepository(engine, "acme").add(_tx(42))  # no hook: never reaches the log
    assert _kinds(list(verify_store(engine, "acme", trusted_public_key=_key(log)).problems)) == [
        ("extra", 8)
    ]


def test_reordered_ledger_row_is_named(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    with engine.begin() as connection:
        tx_id = _tx_id(engine, 2)
        connection.execute(
            text("DELETE FROM portfolio_movements WHERE transaction_id = :id"), {"id": tx_id}
        )
        connection.execute(text("DELETE FROM portfolio_transactions WHERE id = :id"), {"id": tx_id})
    LedgerRepository(engine, "acme").add(_tx(3))  # same content, now last in ledger order
    assert _kinds(list(verify_store(engine, "acme", trusted_public_key=_key(log)).problems)) == [
        ("out of order", 2)
    ]


def test_rewriting_ledger_and_log_together_breaks_the_signed_head(
    ledger: tuple[Engine, LedgerRepository, AuditLog],
) -> None:
    engine, repo, log = ledger
    with engine.begin() as connection:
        connection.execute(
            text(SET_BTC_AMOUNT),
            {"id": _tx_id(engine, 1)},
        )
    forged = canonical_entry_bytes(repo.stored(order="seq")[1].transaction)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE audit_leaves SET leaf_hash = :h WHERE tenant_id = 'acme' AND leaf_index = 1"
            ),
            {"h": leaf_hash(forged)},
        )
    problems = verify_store(engine, "acme", trusted_public_key=_key(log)).problems
    assert _kinds(list(problems)) == [("tree head not a prefix", 8)]


def test_truncating_log_and_ledger_is_caught_by_the_head(
    ledger: tuple[Engine, LedgerRepository, AuditLog],
) -> None:
    engine, _repo, log = ledger
    with engine.begin() as connection:
        tx_id = _tx_id(engine, 7)
        connection.execute(
            text("DELETE FROM portfolio_movements WHERE transaction_id = :id"), {"id": tx_id}
        )
        connection.execute(text("DELETE FROM portfolio_transactions WHERE id = :id"), {"id": tx_id})
        connection.execute(
            text("DELETE FROM audit_leaves WHERE tenant_id = 'acme' AND leaf_index = 7")
        )
    assert _kinds(list(verify_store(engine, "acme", trusted_public_key=_key(log)).problems)) == [
        ("tree head beyond log", 8)
    ]


def test_removed_log_leaf_is_a_gap(ledger: tuple[Engine, LedgerRepository, AuditLog]) -> None:
    engine, _repo, log = ledger
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM audit_leaves WHERE tenant_id = 'acme' AND leaf_index = 4")
        )
    kinds = _kinds(list(verify_store(engine, "acme", trusted_public_key=_key(log)).problems))
    assert ("log gap", 4) in kinds
    assert ("extra", 4) in kinds  # the ledger entry the removed leaf logged
    assert ("tree head beyond log", 8) in kinds  # 7 leaves left under a head of 8


def test_head_signed_by_an_untrusted_key_is_named(
    ledger: tuple[Engine, LedgerRepository, AuditLog],
) -> None:
    engine, _repo, log = ledger
    AuditLog(engine, TreeHeadSigner.generate()).publish_tree_head("acme")  # a forger's head
    trusted = log.signer.public_key  # type: ignore[union-attr]
    assert _kinds(list(verify_store(engine, "acme", trusted_public_key=trusted).problems)) == [
        ("bad tree head signature", 8)
    ]


def test_another_tenants_ledger_is_not_mixed_in(
    ledger: tuple[Engine, LedgerRepository, AuditLog],
) -> None:
    engine, _repo, log = ledger
    LedgerRepository(engine, "zeta", on_write=log.append).add(_tx(1))
    assert verify_store(engine, "acme", trusted_public_key=_key(log)).ok
    zeta = verify_store(engine, "zeta", trusted_public_key=_key(log))
    assert zeta.ok and zeta.ledger_entries == 1 and zeta.tree_size == 1


# -- command line ------------------------------------------------------------------------------
def test_cli_verify_exit_codes_and_named_problems(sqlite_engine: Engine, tmp_path: Path) -> None:
    engine = sqlite_engine
    url = str(engine.url)
    key = tmp_path / "audit.pem"
    runner = CliRunner()
    upgrade(engine)
    log = AuditLog(engine, load_or_create_signing_key(key))
    LedgerRepository(engine, "acme", on_write=log.append).add_many(_tx(i) for i in range(1, 4))

    signed = runner.invoke(audit_app, ["head", "--tenant", "acme", "--db", url, "--key", str(key)])
    assert signed.exit_code == 0, signed.output
    assert "tree head size 3" in signed.output

    good = runner.invoke(audit_app, ["verify", "--tenant", "acme", "--db", url, "--key", str(key)])
    assert good.exit_code == 0, good.output
    assert "consistent" in good.output

    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE portfolio_movements SET amount = '-2' WHERE transaction_id = :id AND is_fee"
            ),
            {"id": _tx_id(engine, 0)},
        )
    bad = runner.invoke(audit_app, ["verify", "--tenant", "acme", "--db", url, "--key", str(key)])
    assert bad.exit_code == 1, bad.output
    assert "PROBLEM modified at index 0" in bad.output


def test_cli_verify_names_a_modified_entry(sqlite_engine: Engine, tmp_path: Path) -> None:
    engine = sqlite_engine
    upgrade(engine)
    log = AuditLog(engine, load_or_create_signing_key(signing_key_path("acme")))
    LedgerRepository(engine, "acme", on_write=log.append).add_many(_tx(i) for i in range(1, 4))
    publish_and_witness(log, "acme")
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE portfolio_transactions SET timestamp_ms = timestamp_ms + 5000"
                " WHERE id = :id"
            ),
            {"id": _tx_id(engine, 2)},
        )
    result = CliRunner().invoke(audit_app, ["verify", "--tenant", "acme", "--db", str(engine.url)])
    assert result.exit_code == 1
    assert "PROBLEM modified at index 2" in result.output


def test_cli_verify_needs_a_trusted_key_and_then_accepts_an_empty_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    no_key = CliRunner().invoke(audit_app, ["verify", "--tenant", "acme", "--db", url])
    assert no_key.exit_code == 2
    assert "no trusted key" in no_key.output
    load_or_create_signing_key(signing_key_path("acme"))
    result = CliRunner().invoke(audit_app, ["verify", "--tenant", "acme", "--db", url])
    assert result.exit_code == 0, result.output
