"""Specific-identification choices and saved reports of one tenant."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from tradewind.portfolio.ledger import canonical_selection_bytes, normalize_amount
from tradewind.portfolio.store.ledger_repository import LedgerRepository
from tradewind.portfolio.store.schema import LotSelectionRow, SavedReportRow

__all__ = ["LotSelectionRepository", "ReportRepository", "SavedReport"]


class LotSelectionRepository:
    """Which lots (by lot id) each disposal consumes under specific identification (asset units).

    ``on_write(tenant, entry)`` runs after each committed choice with the audit entry of the
    whole selection set (``canonical_selection_bytes``), so the audit log holds every choice."""

    def __init__(
        self, ledger: LedgerRepository, *, on_write: Callable[[str, bytes], object] | None = None
    ) -> None:
        self._ledger = ledger
        self._on_write = on_write

    def select(self, disposal_ref: str, lots: Mapping[str, Decimal]) -> None:
        """Record (replacing any earlier choice) the lots disposal `disposal_ref` consumes."""
        if not lots:
            raise ValueError(f"no lots named for disposal {disposal_ref!r}")
        for lot_id, amount in lots.items():
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
                raise ValueError(f"amount of lot {lot_id!r} must be a positive Decimal: {amount!r}")
        now = int(time.time() * 1000)
        with self._ledger.session() as session, session.begin():
            session.execute(
                delete(LotSelectionRow).where(LotSelectionRow.disposal_ref == disposal_ref)
            )
            session.add_all(
                LotSelectionRow(
                    disposal_ref=disposal_ref,
                    lot_id=lot_id,
                    amount=normalize_amount(amount),
                    created_ms=now,
                )
                for lot_id, amount in lots.items()
            )
        if self._on_write is not None:
            self._on_write(self._ledger.tenant, canonical_selection_bytes(self.all()))

    def all(self) -> dict[str, dict[str, Decimal]]:
        """Every recorded choice: disposal ref -> {lot id: amount}."""
        query = select(
            LotSelectionRow.disposal_ref, LotSelectionRow.lot_id, LotSelectionRow.amount
        ).order_by(LotSelectionRow.id)
        result: dict[str, dict[str, Decimal]] = defaultdict(dict)
        with self._ledger.session() as session:
            for ref, lot_id, amount in session.execute(query):
                result[ref][lot_id] = Decimal(amount)
        return dict(result)


@dataclass(frozen=True, slots=True)
class SavedReport:
    """A report as generated: kind (json, csv, html, …), its parameters and its text."""

    id: int
    created_ms: int
    kind: str
    params: dict[str, Any]
    body: str


class ReportRepository:
    """Reports of one tenant, kept as generated."""

    def __init__(self, ledger: LedgerRepository) -> None:
        self._ledger = ledger

    def save(self, kind: str, params: Mapping[str, Any], body: str) -> int:
        """Keep a generated report; returns its id."""
        row = SavedReportRow(
            created_ms=int(time.time() * 1000),
            kind=kind,
            params=json.dumps(dict(params), sort_keys=True, default=str),
            body=body,
        )
        with self._ledger.session() as session, session.begin():
            session.add(row)
            session.flush()
            return row.id

    def all(self) -> list[SavedReport]:
        """Every saved report of this tenant, oldest first."""
        with self._ledger.session() as session:
            rows = session.scalars(select(SavedReportRow).order_by(SavedReportRow.id)).all()
            return [
                SavedReport(r.id, r.created_ms, r.kind, json.loads(r.params), r.body) for r in rows
            ]
