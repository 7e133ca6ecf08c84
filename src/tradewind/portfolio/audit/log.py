"""The audit log in the store: one append-only RFC 6962 tree per tenant, plus signed tree heads.

    AuditLog(engine, signer)
      append(tenant, entry) -> leaf index     the ledger store's `on_write` hook
      publish_tree_head(tenant)               sign and save (size, root, time)
      root / inclusion_proof / consistency_proof over any size the tenant's log has had
      snapshot(tenant)                        a fresh read of leaves and heads (verification)

Only leaf hashes are stored (32 bytes a leaf): the ledger holds the entries themselves, and
verification recomputes each entry's leaf hash. A per-tenant in-memory `MerkleTree` mirrors the
table so roots and proofs cost O(log² n) after the first load; it is re-synced from the table
whenever the table's size or shape differs from what the process last saw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from tradewind.common.logging import get_logger
from tradewind.portfolio.audit.merkle import MerkleTree, leaf_hash
from tradewind.portfolio.audit.schema import (
    AuditLeafRow,
    AuditSelectionRow,
    AuditTreeHeadRow,
    create_audit_tables,
)
from tradewind.portfolio.audit.tree_head import SignedTreeHead, TreeHeadSigner
from tradewind.portfolio.store.tenancy import TenantSession, validate_tenant_id

__all__ = ["AuditLog", "AuditLogCorruptError", "LogSnapshot", "MissingSignerError"]

_log = get_logger("portfolio.audit")
_INSERT_CHUNK = 5_000
_APPEND_ATTEMPTS = 5  # concurrent appenders race for the next index; the unique key decides


class AuditLogCorruptError(RuntimeError):
    """The stored leaves are not a contiguous 0..n-1 sequence; `audit verify` names the gaps."""


class MissingSignerError(RuntimeError):
    """A tree head was requested from a log opened without a signing key."""


@dataclass(frozen=True, slots=True)
class LogSnapshot:
    """What the table holds for one tenant, read in one go: leaves by index, and saved heads."""

    leaf_indices: tuple[int, ...]
    leaf_hashes: tuple[bytes, ...]
    tree_heads: tuple[SignedTreeHead, ...]
    selections: tuple[tuple[int, bytes], ...] = ()
    """Leaves that logged a lot-selection write: (leaf index, the body logged), by index."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class AuditLog:
    """Append-only per-tenant RFC 6962 log of ledger writes with Ed25519-signed tree heads.

    Leaf indices are 0-based; timestamps UTC epoch milliseconds.
    """

    def __init__(
        self,
        engine: Engine,
        signer: TreeHeadSigner | None = None,
        *,
        create_tables: bool = True,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._engine = engine
        self._signer = signer
        self._clock_ms = clock_ms
        self._trees: dict[str, MerkleTree] = {}
        self._lock = threading.Lock()
        if create_tables:
            create_audit_tables(engine)

    @property
    def signer(self) -> TreeHeadSigner | None:
        """The key tree heads are signed with (None: this log cannot publish heads)."""
        return self._signer

    # -- writing ------------------------------------------------------------------------------
    def append(self, tenant: str, entry: bytes) -> int:
        """Append one entry (its leaf hash) to the tenant's log; returns its leaf index."""
        return self.append_many(tenant, [entry]).start

    def append_many(self, tenant: str, entries: Iterable[bytes]) -> range:
        """Append entries in order, in one database transaction; returns their leaf indices."""
        tenant = validate_tenant_id(tenant)
        hashes = []
        for entry in entries:
            if not isinstance(entry, bytes | bytearray):
                raise TypeError(f"audit entries are bytes, got {type(entry).__name__}")
            hashes.append(leaf_hash(bytes(entry)))
        if not hashes:
            size = self.size(tenant)
            return range(size, size)
        return self._append_hashes(tenant, hashes)

    def append_selection(self, tenant: str, body: bytes) -> int:
        """Log a lot-selection write: its leaf and its body (kept, since selections are replaced
        in place) in one database transaction; returns the leaf index."""
        tenant = validate_tenant_id(tenant)
        return self._append_hashes(tenant, [leaf_hash(body)], selection=body).start

    def _append_hashes(
        self, tenant: str, hashes: list[bytes], selection: bytes | None = None
    ) -> range:
        start = 0
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                start = self._insert(tenant, hashes, selection)
                break
            except IntegrityError:
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                _log.info("audit_append_retry", tenant=tenant, attempt=attempt + 1)
        with self._lock:
            tree = self._trees.get(tenant)
            if tree is None and start == 0:
                tree = self._trees[tenant] = MerkleTree()
            if tree is not None and tree.size == start:
                tree.extend_hashes(hashes)
            else:
                self._trees.pop(tenant, None)  # someone else appended: re-sync on next read
        return range(start, start + len(hashes))

    def _insert(self, tenant: str, hashes: list[bytes], selection: bytes | None) -> int:
        now = self._clock_ms()
        with TenantSession(self._engine, tenant) as session, session.begin():
            last = session.scalar(select(func.max(AuditLeafRow.leaf_index)))
            start = 0 if last is None else int(last) + 1
            for offset in range(0, len(hashes), _INSERT_CHUNK):
                chunk = hashes[offset : offset + _INSERT_CHUNK]
                session.execute(
                    insert(AuditLeafRow),
                    [
                        {
                            "tenant_id": tenant,
                            "leaf_index": start + offset + i,
                            "leaf_hash": hashed,
                            "created_ms": now,
                        }
                        for i, hashed in enumerate(chunk)
                    ],
                )
            if selection is not None:
                session.add(
                    AuditSelectionRow(
                        tenant_id=tenant, leaf_index=start, body=selection.decode("utf-8")
                    )
                )
        return start

    def publish_tree_head(self, tenant: str) -> SignedTreeHead:
        """Sign the tenant's current (size, root, now) and save it; returns the head."""
        if self._signer is None:
            raise MissingSignerError("this audit log was opened without a signing key")
        tenant = validate_tenant_id(tenant)
        with self._lock:
            tree = self._synced(tenant)
            size, root = tree.size, tree.root()
        head = self._signer.sign(tenant, size, root, self._clock_ms())
        with TenantSession(self._engine, tenant) as session, session.begin():
            session.add(
                AuditTreeHeadRow(
                    tenant_id=tenant,
                    tree_size=head.tree_size,
                    root_hash=head.root_hash,
                    timestamp_ms=head.timestamp_ms,
                    key_id=head.key_id,
                    public_key=head.public_key,
                    signature=head.signature,
                )
            )
        _log.info("audit_tree_head", tenant=tenant, size=size, root=root.hex())
        return head

    # -- reading ------------------------------------------------------------------------------
    def size(self, tenant: str) -> int:
        """Number of leaves in the tenant's log."""
        with TenantSession(self._engine, tenant) as session:
            return int(session.scalar(select(func.count(AuditLeafRow.id))) or 0)

    def root(self, tenant: str, size: int | None = None) -> bytes:
        """Root of the tenant's tree at `size` leaves (default: now)."""
        with self._lock:
            return self._synced(tenant).root(size)

    def inclusion_proof(self, tenant: str, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf `index` in the tenant's tree of `size` leaves (default: now)."""
        with self._lock:
            return self._synced(tenant).inclusion_proof(index, size)

    def consistency_proof(
        self, tenant: str, old_size: int, new_size: int | None = None
    ) -> list[bytes]:
        """Proof that the tenant's tree at `old_size` is a prefix of the tree at `new_size`."""
        with self._lock:
            return self._synced(tenant).consistency_proof(old_size, new_size)

    def tree_heads(self, tenant: str) -> list[SignedTreeHead]:
        """Every saved tree head of the tenant, oldest first."""
        with TenantSession(self._engine, tenant) as session:
            rows = session.scalars(select(AuditTreeHeadRow).order_by(AuditTreeHeadRow.id)).all()
            return [_head_of(row) for row in rows]

    def snapshot(self, tenant: str) -> LogSnapshot:
        """A fresh read of the tenant's leaves and heads, bypassing the in-memory tree."""
        tenant = validate_tenant_id(tenant)
        indices: list[int] = []
        hashes: list[bytes] = []
        with TenantSession(self._engine, tenant) as session, session.begin():
            result = session.execute(
                select(AuditLeafRow.leaf_index, AuditLeafRow.leaf_hash)
                .order_by(AuditLeafRow.leaf_index)
                .execution_options(yield_per=20_000)
            )
            for index, hashed in result:
                indices.append(int(index))
                hashes.append(bytes(hashed))
            rows = session.scalars(select(AuditTreeHeadRow).order_by(AuditTreeHeadRow.id)).all()
            heads = tuple(_head_of(row) for row in rows)
            selections: tuple[tuple[int, bytes], ...] = ()
            # a store older than the selection table has logged no selections
            if inspect(self._engine).has_table(AuditSelectionRow.__tablename__):
                selections = tuple(
                    (int(index), body.encode("utf-8"))
                    for index, body in session.execute(
                        select(AuditSelectionRow.leaf_index, AuditSelectionRow.body).order_by(
                            AuditSelectionRow.leaf_index
                        )
                    )
                )
        return LogSnapshot(tuple(indices), tuple(hashes), heads, selections)

    def _synced(self, tenant: str) -> MerkleTree:
        """The cached tree, brought level with the table (caller holds the lock)."""
        with TenantSession(self._engine, tenant) as session:
            count, last = session.execute(
                select(func.count(AuditLeafRow.id), func.max(AuditLeafRow.leaf_index))
            ).one()
        count = int(count or 0)
        stored_size = 0 if last is None else int(last) + 1
        if count != stored_size:
            raise AuditLogCorruptError(
                f"tenant {tenant!r}: {count} leaves stored under indices 0..{stored_size - 1}; "
                "run `tradewind audit verify` to name the gaps"
            )
        tree = self._trees.get(tenant)
        if tree is None or tree.size > stored_size:
            tree = MerkleTree()
        if tree.size < stored_size:
            snapshot_indices, snapshot_hashes = self._leaves_from(tenant, tree.size)
            if snapshot_indices != list(range(tree.size, tree.size + len(snapshot_indices))):
                raise AuditLogCorruptError(f"tenant {tenant!r}: leaf indices are not contiguous")
            tree.extend_hashes(snapshot_hashes)
        self._trees[tenant] = tree
        return tree

    def _leaves_from(self, tenant: str, start: int) -> tuple[list[int], list[bytes]]:
        indices: list[int] = []
        hashes: list[bytes] = []
        with TenantSession(self._engine, tenant) as session, session.begin():
            result = session.execute(
                select(AuditLeafRow.leaf_index, AuditLeafRow.leaf_hash)
                .where(AuditLeafRow.leaf_index >= start)
                .order_by(AuditLeafRow.leaf_index)
                .execution_options(yield_per=20_000)
            )
            for index, hashed in result:
                indices.append(int(index))
                hashes.append(bytes(hashed))
        return indices, hashes


def _head_of(row: AuditTreeHeadRow) -> SignedTreeHead:
    return SignedTreeHead(
        tenant=row.tenant_id,
        tree_size=int(row.tree_size),
        root_hash=bytes(row.root_hash),
        timestamp_ms=int(row.timestamp_ms),
        key_id=row.key_id,
        public_key=bytes(row.public_key),
        signature=bytes(row.signature),
    )
