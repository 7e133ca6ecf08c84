"""Base classes of everything that travels on the bus.

    Message (ts_init)
      ├─ Event (ts_event)      something happened: past tense, tradewind.core.events
      ├─ Command               something is asked: a verb, tradewind.core.commands
      └─ Report (ts_event)     what a venue says it holds: tradewind.core.reports

``ts_event``: when it happened at the source; ``ts_init``: when this process created the object.
Both in integer nanoseconds since the Unix epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.core import _checks

__all__ = ["Command", "Event", "Message", "Report"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Anything published on the bus; ``ts_init`` in ns since the epoch."""

    ts_init: int

    def __post_init__(self) -> None:
        _checks.timestamp(self, "ts_init", self.ts_init)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Message):
    """A fact, named in the past tense; ``ts_event`` in ns since the epoch."""

    ts_event: int

    def __post_init__(self) -> None:
        Message.__post_init__(self)
        _checks.timestamp(self, "ts_event", self.ts_event)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command(Message):
    """A request to act, named with a verb."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Report(Message):
    """A venue's account of its state at ``ts_event`` (ns since the epoch), for reconciliation."""

    ts_event: int

    def __post_init__(self) -> None:
        Message.__post_init__(self)
        _checks.timestamp(self, "ts_event", self.ts_event)
