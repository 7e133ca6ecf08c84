"""The simulated exchange's clocks, in epoch milliseconds: views of a core clock.

The exchange reads time only through an ``ExchangeClock`` so tests can run it faster than real
time or stop it. Each clock here is a millisecond view of a ``tradewind.core.clock`` clock (one
clock family for the whole system): ``RealClock`` of a LiveClock, ``AcceleratedClock`` of a
LiveClock sped up, ``ManualClock`` of a TestClock.
"""

from __future__ import annotations

from typing import Protocol

from tradewind.core.clock import Clock, LiveClock, TestClock

__all__ = ["AcceleratedClock", "ExchangeClock", "ManualClock", "RealClock"]

_MS = 1_000_000


class ExchangeClock(Protocol):
    """Anything that tells the exchange's current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


class RealClock:
    """The wall clock (or any core clock given), in epoch milliseconds."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or LiveClock()

    def now_ms(self) -> int:
        return self.clock.now_ns() // _MS


class AcceleratedClock:
    """Starts at ``clock``'s time and runs ``speed`` times faster (speed 60: a minute per
    second)."""

    def __init__(self, speed: float, clock: Clock | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self._speed = speed
        self.clock = clock or LiveClock()
        self._origin_ns = self.clock.now_ns()

    def now_ms(self) -> int:
        elapsed_ns = self.clock.now_ns() - self._origin_ns
        return (self._origin_ns + int(elapsed_ns * self._speed)) // _MS


class ManualClock:
    """A clock that moves only when told to; for deterministic tests. A millisecond view of
    ``clock`` (a TestClock of its own when none is given): advancing either moves both."""

    def __init__(self, start_ms: int = 1_700_000_000_000, clock: TestClock | None = None) -> None:
        self.clock = clock or TestClock(start_ms * _MS)

    def now_ms(self) -> int:
        return self.clock.now_ns() // _MS

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a manual clock only moves forward")
        self.clock.advance_by(ms * _MS)

    def set(self, now_ms: int) -> None:
        if now_ms * _MS < self.clock.now_ns():
            raise ValueError("a manual clock only moves forward")
        self.clock.advance_to(now_ms * _MS)
