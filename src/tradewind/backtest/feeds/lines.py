"""What the file-backed feeds share: numbered lines of a text file, and one rule turning what
parsing a line raised into a ``BacktestDataError`` that names the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tradewind.backtest.errors import BacktestDataError

__all__ = ["NumberedLines", "line_error"]


class NumberedLines:
    """Numbered lines of a text file; knows whether the last one ended with a newline."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)

    def __iter__(self) -> Iterator[tuple[int, str, bool]]:
        try:
            handle: IO[str] = self.path.open(encoding="utf-8", newline="")
        except OSError as exc:
            raise BacktestDataError(self.source, 0, f"cannot read: {exc.strerror or exc}") from None
        with handle:
            number = 0
            try:
                for line in handle:
                    number += 1
                    yield number, line, line.endswith("\n")
            except UnicodeDecodeError:
                raise BacktestDataError(self.source, number + 1, "not UTF-8 text") from None


def line_error(
    source: str, number: int, complete: bool, exc: Exception, *, missing: str = "field"
) -> BacktestDataError:
    """The error for line ``number`` of a JSON-lines file whose parsing raised ``exc``: bad or
    truncated JSON (``complete``: the line ended with a newline), a missing ``missing``, or the
    parser's own message."""
    if isinstance(exc, json.JSONDecodeError):
        reason = "truncated (incomplete last line)" if not complete else exc.msg
        return BacktestDataError(source, number, f"not valid JSON: {reason}")
    if isinstance(exc, KeyError):
        return BacktestDataError(source, number, f"missing {missing} {exc}")
    return BacktestDataError(source, number, str(exc))
