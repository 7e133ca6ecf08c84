"""Where incremental importers keep their place between runs.

`CursorStore` is the small interface importers need; the portfolio store's `CursorRepository`
(one tenant's `portfolio_import_cursors` rows) satisfies it, and `MemoryCursorStore` is the test
double. Cursor values are opaque text to the store (the CCXT importer writes JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["CursorStore", "MemoryCursorStore", "TimeCursor"]


class CursorStore(Protocol):
    """Saved importer positions under (source, key), e.g. ("ccxt:binance", "trades:BTC/USDT")."""

    def get(self, source: str, key: str) -> str | None:
        """The saved value, or None when nothing was saved for (source, key)."""
        ...

    def set(self, source: str, key: str, value: str) -> None:
        """Save (or replace) the value for (source, key)."""
        ...


@dataclass
class MemoryCursorStore:
    """An in-memory `CursorStore` (tests, one-off runs)."""

    values: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, source: str, key: str) -> str | None:
        """The saved value, or None."""
        return self.values.get((source, key))

    def set(self, source: str, key: str, value: str) -> None:
        """Save the value."""
        self.values[(source, key)] = value


@dataclass(frozen=True, slots=True)
class TimeCursor:
    """Where a time-paged stream resumes: from `since_ms` (inclusive), skipping `seen_ids`.

    `seen_ids` are the ids already imported at or after `since_ms`, so an inclusive restart
    neither loses records that share the boundary millisecond nor imports them twice.
    """

    since_ms: int | None = None
    seen_ids: frozenset[str] = frozenset()

    def dumps(self) -> str:
        """The cursor as JSON text."""
        return json.dumps({"since": self.since_ms, "ids": sorted(self.seen_ids)})

    @classmethod
    def loads(cls, text: str | None) -> TimeCursor:
        """A cursor from `dumps` output (None or empty: start from the beginning)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            since = data["since"]
            ids = data["ids"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"unreadable import cursor {text[:80]!r}: {exc}") from None
        if since is not None and not isinstance(since, int):
            raise ValueError(f"import cursor 'since' must be an integer, got {since!r}")
        return cls(since, frozenset(str(i) for i in ids))
