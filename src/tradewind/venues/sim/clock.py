"""Clocks for the simulated exchange, in epoch milliseconds.

The exchange reads time only through a clock so tests can run it faster than real time or stop it.
"""

from __future__ import annotations

import time
from typing import Protocol


class ExchangeClock(Protocol):
    """Anything that tells the exchange's current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


class RealClock:
    """The wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class AcceleratedClock:
    """Starts at the wall clock and runs ``speed`` times faster (speed 60: a minute per second)."""

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self._speed = speed
        self._origin_wall_ns = time.time_ns()
        self._origin_perf_ns = time.perf_counter_ns()

    def now_ms(self) -> int:
        elapsed_ns = time.perf_counter_ns() - self._origin_perf_ns
        return (self._origin_wall_ns + int(elapsed_ns * self._speed)) // 1_000_000


class ManualClock:
    """A clock that moves only when told to; for deterministic tests."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a manual clock only moves forward")
        self._now += ms

    def set(self, now_ms: int) -> None:
        if now_ms < self._now:
            raise ValueError("a manual clock only moves forward")
        self._now = now_ms
