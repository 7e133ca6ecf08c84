"""The backtest's time: a TestClock that says when its next timer is due, and the heap of the
simulated venues' own future events (requests arriving after their latency, delayed market
data and responses).

Both are plain data structures; the engine (tradewind.backtest.engine) merges them with the
market data, earliest first. Ties: clock timers, then scheduled actions in the order they were
scheduled, then market data. ``dirty`` tells the engine's inner loop that something was added
and its look-ahead limit must be recomputed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from tradewind.core.clock import TestClock, _Timer

__all__ = ["Action", "BacktestClock", "Scheduler"]

Action = Callable[[], object]


class BacktestClock(TestClock):
    """A TestClock that reports its next due timer and notes when timers are set."""

    __test__ = False

    def __init__(self, start_ns: int) -> None:
        super().__init__(start_ns)
        self.dirty = False

    def _schedule(self, timer: _Timer) -> None:
        super()._schedule(timer)
        self.dirty = True

    def next_timer_ns(self) -> int | None:
        """When the next timer is due (a cancelled timer may leave an early time behind, which
        only makes the engine stop by once more), None if none is set."""
        queue = self._queue
        return queue[0][0] if queue else None

    def jump_to(self, ts_ns: int) -> None:
        """Move to ``ts_ns`` when the caller knows no timer is due before it (fast path)."""
        if ts_ns > self._now:
            self._now = ts_ns


class Scheduler:
    """Future actions of the simulated venues, by time then by the order they were added."""

    __slots__ = ("_heap", "_order", "dirty")

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Action]] = []
        self._order = itertools.count()
        self.dirty = False

    def at(self, ts_ns: int, action: Action) -> None:
        heapq.heappush(self._heap, (ts_ns, next(self._order), action))
        self.dirty = True

    def next_ns(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[int, Action]:
        ts, _, action = heapq.heappop(self._heap)
        return ts, action

    def __len__(self) -> int:
        return len(self._heap)
