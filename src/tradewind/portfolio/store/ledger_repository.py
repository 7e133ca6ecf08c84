"""The tenant's ledger in the store: add transactions once (by content key), read them back.

Every write goes through a `TenantSession`; after each committed write, `on_write(tenant, bytes)`
receives the canonical bytes of each new transaction in insertion order (the audit log's hook).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select

from tradewind.common.logging import get_logger
from tradewind.portfolio.ledger import (
    EntryKind,
    Movement,
    Transaction,
    canonical_entry_bytes,
    normalize_amount,
)
from tradewind.portfolio.store.schema import MovementRow, TransactionRow
from tradewind.portfolio.store.tenancy import TenantSession, validate_tenant_id

__all__ = ["AddResult", "LedgerRepository", "OnWrite", "StoredTransaction"]

OnWrite = Callable[[str, bytes], object]
"""Called once per new ledger entry after commit: (tenant, canonical entry bytes)."""

OnWriteBatch = Callable[[str, list[bytes]], object]
"""Called once per committed batch with every new entry in insertion order (e.g. the audit
log's append_many: one database transaction for the whole batch instead of one per entry)."""

_log = get_logger("portfolio.store")
_KEY_CHUNK = 500  # bound on IN (...) lists: SQLite's parameter limit and PostgreSQL plan size


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    """A transaction as stored: `seq` is the insertion order, `content_key` its dedup key."""

    seq: int
    content_key: str
    transaction: Transaction


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of a batch write: how many were new and how many were already stored."""

    added: int
    duplicates: int


class LedgerRepository:
    """One tenant's ledger: dedup on content key, balances per (account, asset).

    Amounts are asset units as exact Decimals; timestamps UTC epoch milliseconds.
    """

    def __init__(
        self,
        engine: Engine,
        tenant: str,
        *,
        on_write: OnWrite | None = None,
        on_write_batch: OnWriteBatch | None = None,
    ) -> None:
        if on_write is not None and on_write_batch is not None:
            raise ValueError("give on_write or on_write_batch, not both: each entry is logged once")
        self._engine = engine
        self._tenant = validate_tenant_id(tenant)
        self._on_write = on_write
        self._on_write_batch = on_write_batch

    @property
    def tenant(self) -> str:
        """The tenant this repository reads and writes."""
        return self._tenant

    def session(self) -> TenantSession:
        """A new session bound to this repository's tenant (for sibling repositories)."""
        return TenantSession(self._engine, self._tenant, expire_on_commit=False)

    def add(self, tx: Transaction) -> bool:
        """Store `tx`; False (and nothing written) when its content key is already stored."""
        return self.add_many([tx]).added == 1

    def add_many(self, txs: Iterable[Transaction]) -> AddResult:
        """Store every transaction whose content key is new, in one database transaction."""
        batch: dict[str, Transaction] = {}
        seen = 0
        for tx in txs:
            if not isinstance(tx, Transaction):
                raise TypeError(f"expected Transaction, got {type(tx).__name__}")
            seen += 1
            batch.setdefault(tx.content_key(), tx)
        if not batch:
            return AddResult(0, seen)
        with self.session() as session, session.begin():
            keys = list(batch)
            existing: set[str] = set()
            for start in range(0, len(keys), _KEY_CHUNK):
                chunk = keys[start : start + _KEY_CHUNK]
                existing.update(
                    session.scalars(
                        select(TransactionRow.content_key).where(
                            TransactionRow.content_key.in_(chunk)
                        )
                    )
                )
            new = [(key, tx) for key, tx in batch.items() if key not in existing]
            if new:
                self._insert(session, new)
        # After commit: the hook's own writes (the audit log) cannot deadlock a SQLite writer
        # lock this transaction holds; a crash in between leaves a ledger entry the log lacks,
        # which `tradewind audit verify` names.
        if new and self._on_write_batch is not None:
            self._on_write_batch(self._tenant, [canonical_entry_bytes(tx) for _k, tx in new])
        elif self._on_write is not None:
            for _key, tx in new:
                self._on_write(self._tenant, canonical_entry_bytes(tx))
        _log.info("ledger_write", tenant=self._tenant, added=len(new), duplicates=seen - len(new))
        return AddResult(len(new), seen - len(new))

    def _insert(self, session: TenantSession, new: list[tuple[str, Transaction]]) -> None:
        tenant = self._tenant
        tx_rows = [
            {
                "tenant_id": tenant,
                "content_key": key,
                "kind": str(tx.kind),
                "timestamp_ms": tx.timestamp_ms,
                "source": tx.source,
                "external_id": tx.external_id,
                "tx_hash": tx.tx_hash,
                "note": tx.note,
                "worth": None if tx.worth is None else normalize_amount(tx.worth),
                "worth_currency": tx.worth_currency or None,
            }
            for key, tx in new
        ]
        ids = list(
            session.scalars(
                insert(TransactionRow).returning(TransactionRow.id, sort_by_parameter_order=True),
                tx_rows,
            )
        )
        mv_rows = []
        for tx_id, (_key, tx) in zip(ids, new, strict=True):
            for position, (movement, is_fee) in enumerate(
                [(m, False) for m in tx.movements] + [(f, True) for f in tx.fees]
            ):
                mv_rows.append(
                    {
                        "tenant_id": tenant,
                        "transaction_id": tx_id,
                        "position": position,
                        "is_fee": is_fee,
                        "account": movement.account,
                        "asset": movement.asset,
                        "amount": normalize_amount(movement.amount),
                    }
                )
        if mv_rows:
            session.execute(insert(MovementRow), mv_rows)

    def stored(
        self,
        *,
        since_ms: int | None = None,
        until_ms: int | None = None,
        kinds: Collection[EntryKind] | None = None,
        order: str = "time",
    ) -> list[StoredTransaction]:
        """Stored transactions in [since_ms, until_ms), by time (ties: insertion) or by `seq`."""
        if order not in {"time", "seq"}:
            raise ValueError(f"order must be 'time' or 'seq', got {order!r}")
        query = select(
            TransactionRow.id,
            TransactionRow.content_key,
            TransactionRow.kind,
            TransactionRow.timestamp_ms,
            TransactionRow.source,
            TransactionRow.external_id,
            TransactionRow.tx_hash,
            TransactionRow.note,
            TransactionRow.worth,
            TransactionRow.worth_currency,
        )
        if since_ms is not None:
            query = query.where(TransactionRow.timestamp_ms >= since_ms)
        if until_ms is not None:
            query = query.where(TransactionRow.timestamp_ms < until_ms)
        if kinds is not None:
            query = query.where(TransactionRow.kind.in_([str(k) for k in kinds]))
        if order == "time":
            query = query.order_by(TransactionRow.timestamp_ms, TransactionRow.id)
        else:
            query = query.order_by(TransactionRow.id)
        with self.session() as session:
            heads = session.execute(query).all()
            if not heads:
                return []
            moves: dict[int, tuple[list[Movement], list[Movement]]] = defaultdict(lambda: ([], []))
            mv_query = select(
                MovementRow.transaction_id,
                MovementRow.is_fee,
                MovementRow.account,
                MovementRow.asset,
                MovementRow.amount,
            ).order_by(MovementRow.transaction_id, MovementRow.position)
            if since_ms is not None or until_ms is not None or kinds is not None:
                mv_query = mv_query.where(
                    MovementRow.transaction_id.in_(select(query.subquery().c.id))
                )
            for tx_id, is_fee, account, asset, amount in session.execute(mv_query):
                moves[tx_id][1 if is_fee else 0].append(Movement(account, asset, Decimal(amount)))
        result = []
        for tx_id, key, kind, ts, source, external_id, tx_hash, note, worth, worth_cur in heads:
            plain, fees = moves.get(tx_id, ([], []))
            tx = Transaction(
                kind=EntryKind(kind),
                timestamp_ms=ts,
                movements=tuple(plain),
                fees=tuple(fees),
                source=source,
                external_id=external_id,
                tx_hash=tx_hash,
                note=note,
                worth=None if worth is None else Decimal(worth),
                worth_currency=worth_cur or "",
            )
            result.append(StoredTransaction(tx_id, key, tx))
        return result

    def transactions(
        self,
        *,
        since_ms: int | None = None,
        until_ms: int | None = None,
        kinds: Collection[EntryKind] | None = None,
    ) -> list[Transaction]:
        """Stored transactions in [since_ms, until_ms), oldest first."""
        return [
            s.transaction for s in self.stored(since_ms=since_ms, until_ms=until_ms, kinds=kinds)
        ]

    def audit_entries(self) -> Iterator[bytes]:
        """Canonical bytes of every stored transaction in insertion order (what the log holds)."""
        for stored in self.stored(order="seq"):
            yield canonical_entry_bytes(stored.transaction)

    def count(self) -> int:
        """How many transactions this tenant has stored."""
        with self.session() as session:
            return int(session.scalar(select(func.count(TransactionRow.id))) or 0)

    def balances(
        self, *, until_ms: int | None = None, account: str | None = None
    ) -> dict[tuple[str, str], Decimal]:
        """Sum of movements and fees per (account, asset) up to (excluding) `until_ms`.

        Zero balances are left out.
        """
        query = select(MovementRow.account, MovementRow.asset, MovementRow.amount)
        if until_ms is not None:
            query = query.join(MovementRow.transaction).where(
                TransactionRow.timestamp_ms < until_ms
            )
        if account is not None:
            query = query.where(MovementRow.account == account)
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        with self.session() as session:
            for acct, asset, amount in session.execute(query):
                totals[(acct, asset)] += Decimal(amount)
        return {k: v for k, v in sorted(totals.items()) if v != 0}
