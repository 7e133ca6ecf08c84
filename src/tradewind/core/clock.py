"""Clocks in integer nanoseconds since the Unix epoch.

Clock (protocol: now_ns)
  ├─ LiveClock        the wall clock
  └─ SimulatedClock   moves only when a backtest or a test advances it
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "LiveClock", "SimulatedClock"]


class Clock(Protocol):
    """Anything that tells the current time in nanoseconds since the Unix epoch."""

    def now_ns(self) -> int: ...


class LiveClock:
    """The wall clock, in nanoseconds since the Unix epoch."""

    def now_ns(self) -> int:
        return time.time_ns()


class SimulatedClock:
    """A clock driven by its owner, in nanoseconds since the Unix epoch; never goes backwards."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        if start_ns < 0:
            raise ValueError(f"a clock starts at >= 0 ns, got {start_ns}")
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance_by(self, ns: int) -> int:
        """Move forward ``ns`` nanoseconds; returns the new time."""
        if ns < 0:
            raise ValueError(f"a simulated clock only moves forward, asked to move {ns} ns")
        self._now += ns
        return self._now

    def advance_to(self, ts_ns: int) -> int:
        """Move to ``ts_ns``; moving to the current time is allowed, moving back is not."""
        if ts_ns < self._now:
            raise ValueError(f"a simulated clock only moves forward: {ts_ns} < {self._now}")
        self._now = ts_ns
        return self._now
