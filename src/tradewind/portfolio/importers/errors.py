"""Errors of the importers: every rejected input names where it came from and what is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvImportError", "ImportInputError", "RowProblem", "SourcePayloadError"]

_LISTED = 20


class ImportInputError(ValueError):
    """Input an importer cannot turn into ledger transactions; nothing of it was imported."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad cell or row: 1-based physical line, the column's header name (None: whole row)."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.message}"


class CsvImportError(ImportInputError):
    """A CSV file with bad rows; `problems` lists each (file, line, column) and the reason."""

    def __init__(
        self, path: Path, problems: Sequence[RowProblem], total: int | None = None
    ) -> None:
        self.path = path
        self.problems = tuple(problems)
        count = len(self.problems) if total is None else total
        listed = "\n".join(f"  {path}: {p}" for p in self.problems[:_LISTED])
        more = f"\n  … and {count - _LISTED} more" if count > _LISTED else ""
        super().__init__(f"{path}: {count} bad row(s), nothing imported:\n{listed}{more}")


class SourcePayloadError(ImportInputError):
    """A record from an API or chain (CCXT trade, deposit, log) that cannot be read as given."""
