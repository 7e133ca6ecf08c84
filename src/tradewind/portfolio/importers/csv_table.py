"""Reading a CSV export into rows keyed by normalised header names, with physical line numbers."""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tradewind.portfolio.importers.errors import CsvImportError, ImportInputError, RowProblem

__all__ = ["CellError", "CsvRow", "CsvTable", "normalise_header", "read_table"]


class CellError(ValueError):
    """A bad cell: the column (header name as written in the file) and what is wrong with it."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def normalise_header(name: str) -> str:
    """Header matching ignores case, surrounding blanks and repeated inner blanks."""
    return " ".join(name.strip().lower().split())


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: its 1-based physical line and cells under normalised header names."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A CSV file's header (as written, and normalised → as written) and its non-blank rows.

    `problems` lists the rows that could not be split into the header's cells; the format's
    parser still reads every other row so one pass reports every bad row of the file.
    """

    path: Path
    headers: tuple[str, ...]
    names: dict[str, str]
    rows: tuple[CsvRow, ...]
    problems: tuple[RowProblem, ...] = ()

    def has(self, column: str) -> bool:
        """Whether the file has `column` (normalised name)."""
        return column in self.names

    def require(self, columns: Collection[str], what: str) -> None:
        """Raise a CsvImportError on line 1 for each of `columns` the header lacks."""
        missing = [c for c in columns if c not in self.names]
        if missing:
            problems = [
                RowProblem(1, c, f"{what} needs this column; it is missing") for c in missing
            ]
            raise CsvImportError(self.path, problems)

    def written(self, column: str) -> str:
        """The header name as written in the file, for error messages."""
        return self.names.get(column, column)


def read_table(path: Path, header_marker: str | None = None) -> CsvTable:
    """Read `path` (UTF-8, optional BOM); the first non-blank row is the header, or with
    `header_marker` the first row having a cell of that (normalised) name: exports such as
    Coinbase's put a few lines of prose above the table.

    A row with more or fewer cells than the header is a problem of that row (kept in
    `problems`); blank rows are ignored. A file that cannot be read at all raises
    ImportInputError ("file not found: PATH"); an unreadable CSV raises CsvImportError.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportInputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise ImportInputError(f"not a file: {path}") from None
    except OSError as exc:
        raise ImportInputError(f"cannot open {path}: {exc.strerror}") from exc
    problems: list[RowProblem] = []
    rows: list[CsvRow] = []
    headers: list[str] | None = None
    keys: list[str] = []
    with handle:
        reader = csv.reader(handle)
        try:
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if headers is None:
                    if header_marker is not None and header_marker not in {
                        normalise_header(cell) for cell in cells
                    }:
                        continue
                    headers = [cell.strip() for cell in cells]
                    keys = [normalise_header(cell) for cell in cells]
                    continue
                if len(cells) != len(keys):
                    # Trailing empty cells (a spreadsheet's stray commas) are harmless.
                    while len(cells) > len(keys) and not cells[-1].strip():
                        cells.pop()
                    if len(cells) != len(keys):
                        problems.append(
                            RowProblem(line, None, f"{len(cells)} cells, header has {len(keys)}")
                        )
                        continue
                rows.append(CsvRow(line, dict(zip(keys, cells, strict=True))))
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(RowProblem(reader.line_num + 1, None, f"unreadable CSV: {exc}"))
    if headers is None:
        raise CsvImportError(path, [RowProblem(1, None, "file is empty: no header row")])
    if any(p.message.startswith("unreadable CSV") for p in problems):
        raise CsvImportError(path, problems)
    names = {key: name for key, name in zip(keys, headers, strict=True)}
    return CsvTable(path, tuple(headers), names, tuple(rows), tuple(problems))
