"""The journal service: a component's event-sourced journal, and the declarative event codec.

codec    Record / Event (one ``Annotated`` field type per field: check, encode, decode),
         EventCodec (reads any of a set of kinds)
table    the SQL shape every journal shares
service  Journal (append once per key, replay in order; SQLite or PostgreSQL),
         EventSourced (append before apply, replay on start)
"""

from __future__ import annotations

from tradewind.store.journal.codec import Event, EventCodec, InvalidRecord, Record
from tradewind.store.journal.service import (
    EventSourced,
    Journal,
    Reducer,
    UnknownEventKind,
    open_journal,
    upgrade,
)
from tradewind.store.journal.table import journal_table

__all__ = [
    "Event",
    "EventCodec",
    "EventSourced",
    "InvalidRecord",
    "Journal",
    "Record",
    "Reducer",
    "UnknownEventKind",
    "journal_table",
    "open_journal",
    "upgrade",
]
