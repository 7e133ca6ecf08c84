"""The audit log in the store (SQLite and PostgreSQL): appends, proofs, heads, tenant isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, text

from tradewind.portfolio.audit.log import AuditLog, AuditLogCorruptError, MissingSignerError
from tradewind.portfolio.audit.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from tradewind.portfolio.audit.proofs import verify_consistency, verify_inclusion
from tradewind.portfolio.audit.schema import AuditLeafRow
from tradewind.portfolio.audit.tree_head import TreeHeadSigner, verify_tree_head
from tradewind.portfolio.store import TenantScopeError, TenantSession

from .vectors import LEAF_INPUTS, ROOTS


def _log(engine: Engine, clock: list[int] | None = None) -> AuditLog:
    ticks = clock if clock is not None else [1_700_000_000_000]
    return AuditLog(engine, TreeHeadSigner.generate(), clock_ms=lambda: ticks[0])


def test_append_returns_consecutive_indices_and_reproduces_known_roots(engine: Engine) -> None:
    log = _log(engine)
    assert log.root("acme") == EMPTY_ROOT
    indices = [log.append("acme", data) for data in LEAF_INPUTS[:3]]
    assert indices == [0, 1, 2]
    assert log.append_many("acme", LEAF_INPUTS[3:]) == range(3, 8)
    assert log.size("acme") == 8
    for size in range(9):
        assert log.root("acme", size) == ROOTS[size]


def test_proofs_from_the_store_verify(engine: Engine) -> None:
    log = _log(engine)
    log.append_many("acme", [f"entry {i}".encode() for i in range(13)])
    root = log.root("acme")
    for index in (0, 6, 12):
        verify_inclusion(
            index,
            13,
            leaf_hash(f"entry {index}".encode()),
            log.inclusion_proof("acme", index),
            root,
        )
    for old in (1, 4, 12):
        verify_consistency(old, 13, log.root("acme", old), root, log.consistency_proof("acme", old))


def test_a_second_process_sees_appends_of_the_first(engine: Engine) -> None:
    first, second = _log(engine), _log(engine)
    first.append_many("acme", [b"a", b"b"])
    assert second.root("acme") == MerkleTree([leaf_hash(b"a"), leaf_hash(b"b")]).root()
    second.append("acme", b"c")  # `first` has a cached tree of 2 leaves …
    assert first.append("acme", b"d") == 3  # … and must not reuse index 2
    expected = MerkleTree(leaf_hash(x) for x in [b"a", b"b", b"c", b"d"]).root()
    assert first.root("acme") == second.root("acme") == expected


def test_tree_heads_are_signed_saved_and_ordered(engine: Engine) -> None:
    clock = [1_000]
    log = _log(engine, clock)
    log.append_many("acme", [b"a", b"b", b"c"])
    first = log.publish_tree_head("acme")
    clock[0] = 2_000
    log.append("acme", b"d")
    second = log.publish_tree_head("acme")
    heads = log.tree_heads("acme")
    assert heads == [first, second]
    assert [(h.tree_size, h.timestamp_ms) for h in heads] == [(3, 1_000), (4, 2_000)]
    for head in heads:
        verify_tree_head(head, log.signer.public_key if log.signer else None)
    assert second.root_hash == log.root("acme")


def test_publishing_without_a_key_is_refused(engine: Engine) -> None:
    log = AuditLog(engine)
    log.append("acme", b"a")
    with pytest.raises(MissingSignerError):
        log.publish_tree_head("acme")


def test_tenants_have_separate_trees_and_heads(engine: Engine) -> None:
    log = _log(engine)
    log.append_many("acme", [b"a1", b"a2", b"a3"])
    log.append("zeta", b"z1")
    log.publish_tree_head("acme")
    assert log.size("acme") == 3 and log.size("zeta") == 1
    assert log.root("zeta") == leaf_hash(b"z1")  # one leaf: the root is the leaf hash
    assert log.tree_heads("zeta") == []
    assert len(log.snapshot("zeta").leaf_hashes) == 1
    assert log.append("zeta", b"z2") == 1  # indices are per tenant


def test_tenant_session_cannot_write_another_tenants_leaf(engine: Engine) -> None:
    AuditLog(engine)  # creates the tables
    foreign = {"tenant_id": "acme", "leaf_index": 0, "leaf_hash": b"x" * 32, "created_ms": 0}
    with TenantSession(engine, "zeta") as session:
        with pytest.raises(TenantScopeError), session.begin():
            session.execute(insert(AuditLeafRow), [foreign])
        with pytest.raises(TenantScopeError), session.begin():
            session.add(AuditLeafRow(**foreign))
    assert AuditLog(engine).size("acme") == 0


def test_bad_input_changes_nothing(engine: Engine) -> None:
    log = _log(engine)
    log.append("acme", b"a")
    with pytest.raises(TypeError):
        log.append_many("acme", [b"ok", "not bytes"])  # type: ignore[list-item]
    with pytest.raises(TenantScopeError):
        log.append("bad tenant!", b"a")
    assert log.size("acme") == 1


def test_a_gap_in_the_leaves_is_reported_as_corruption(engine: Engine) -> None:
    log = _log(engine)
    log.append_many("acme", [b"a", b"b", b"c"])
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_leaves WHERE leaf_index = 1"))
    with pytest.raises(AuditLogCorruptError):
        _log(engine).root("acme")
