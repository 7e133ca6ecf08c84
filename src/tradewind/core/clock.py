"""Clocks in integer nanoseconds since the Unix epoch, with timers and waits.

    Clock (protocol: now_ns)               what most components need: the time
    TimerClock (abstract: + timers, waits) what the node hands to strategies and services
      ├─ LiveClock   the wall clock; timers and waits run on the asyncio loop
      └─ TestClock   moves only when its owner advances it; timers fire in a deterministic
                     order (due time, then the order they were set), waits wake on advance

Every wait in the kernel and the desks goes through a clock (``sleep``, ``wait_until``,
``wait_for``), so the same component runs live and in a backtest: under the TestClock nothing
waits for real time, and a test decides when "a second later" is. ``SimulatedClock`` is the old
name of TestClock.

Timers are named; setting a timer under a name already in use replaces it. A callback receives
a ``TimeEvent`` whose ``ts_event`` is when the timer was due (a live timer fires a little
after, that is ``ts_init``). Periodic timers keep their phase: the next due time is the previous
due time plus the interval, not "now plus the interval".
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

__all__ = [
    "SECOND_NS",
    "Clock",
    "LiveClock",
    "SimulatedClock",
    "TestClock",
    "TimeEvent",
    "TimerCallback",
    "TimerClock",
    "seconds_to_ns",
]

SECOND_NS = 1_000_000_000
_T = TypeVar("_T")


def seconds_to_ns(seconds: float) -> int:
    """A duration in seconds as integer nanoseconds (for config values given in seconds)."""
    return round(seconds * SECOND_NS)


class Clock(Protocol):
    """Anything that tells the current time in nanoseconds since the Unix epoch."""

    def now_ns(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TimeEvent:
    """A timer firing. ``ts_event``: when it was due; ``ts_init``: when it fired (ns)."""

    name: str
    ts_event: int
    ts_init: int


TimerCallback = Callable[[TimeEvent], None]


@dataclass(slots=True)
class _Timer:
    name: str
    callback: TimerCallback
    next_ns: int
    interval_ns: int  # 0: one-shot
    stop_ns: int | None
    generation: int


class TimerClock(ABC):
    """A clock with named one-shot and periodic timers and awaitable waits (ns throughout)."""

    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self._generations = itertools.count(1)

    @abstractmethod
    def now_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""

    # -- timers --------------------------------------------------------------------------------

    def set_time_alert(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        """Call ``callback`` once at ``at_ns`` (at once if that is not in the future)."""
        self._check_name(name)
        self._install(_Timer(name, callback, at_ns, 0, None, next(self._generations)))

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call ``callback`` every ``interval_ns``, first at ``start_ns + interval_ns`` (start
        defaults to now), last at or before ``stop_ns`` (None: until cancelled)."""
        self._check_name(name)
        if interval_ns <= 0:
            raise ValueError(f"timer {name!r}: interval must be > 0 ns, got {interval_ns}")
        first = (self.now_ns() if start_ns is None else start_ns) + interval_ns
        if stop_ns is not None and stop_ns < first:
            raise ValueError(f"timer {name!r}: stops at {stop_ns} before it first fires {first}")
        self._install(_Timer(name, callback, first, interval_ns, stop_ns, next(self._generations)))

    def cancel_timer(self, name: str) -> bool:
        """Stop the timer ``name``; False if there was none."""
        timer = self._timers.pop(name, None)
        if timer is None:
            return False
        self._uninstall(timer)
        return True

    def cancel_timers(self) -> None:
        """Stop every timer."""
        for name in list(self._timers):
            self.cancel_timer(name)

    @property
    def timer_names(self) -> tuple[str, ...]:
        """Names of the timers still to fire, sorted."""
        return tuple(sorted(self._timers))

    def next_due_ns(self, name: str) -> int | None:
        """When the timer ``name`` fires next, or None if there is no such timer."""
        timer = self._timers.get(name)
        return None if timer is None else timer.next_ns

    def _check_name(self, name: str) -> None:
        if not name:
            raise ValueError("a timer needs a name")

    def _install(self, timer: _Timer) -> None:
        old = self._timers.pop(timer.name, None)
        if old is not None:
            self._uninstall(old)
        self._timers[timer.name] = timer
        self._schedule(timer)

    def _fire(self, timer: _Timer) -> None:
        """Run one due firing of ``timer`` and schedule the next (or drop a finished one)."""
        if self._timers.get(timer.name) is not timer:
            return  # cancelled or replaced since it was scheduled
        due = timer.next_ns
        following = due + timer.interval_ns
        if timer.interval_ns and (timer.stop_ns is None or following <= timer.stop_ns):
            timer.next_ns = following
            self._schedule(timer)
        else:
            del self._timers[timer.name]
        timer.callback(TimeEvent(timer.name, due, self.now_ns()))

    @abstractmethod
    def _schedule(self, timer: _Timer) -> None: ...

    @abstractmethod
    def _uninstall(self, timer: _Timer) -> None: ...

    # -- waits ---------------------------------------------------------------------------------

    @abstractmethod
    async def sleep(self, delay_ns: int) -> None:
        """Return after ``delay_ns`` (at once for <= 0, after letting other tasks run)."""

    async def wait_until(self, ts_ns: int) -> None:
        """Return at ``ts_ns`` (at once if it has passed)."""
        await self.sleep(ts_ns - self.now_ns())

    @abstractmethod
    async def wait_for(self, awaitable: Awaitable[_T], timeout_ns: int) -> _T:
        """The result of ``awaitable``; TimeoutError (and it is cancelled) after ``timeout_ns``."""


class LiveClock(TimerClock):
    """The wall clock, in nanoseconds since the Unix epoch; timers run on the asyncio loop."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.TimerHandle] = {}

    def now_ns(self) -> int:
        return time.time_ns()

    def _schedule(self, timer: _Timer) -> None:
        loop = asyncio.get_running_loop()
        delay_s = max(0, timer.next_ns - self.now_ns()) / SECOND_NS
        self._handles[timer.generation] = loop.call_later(delay_s, self._fire_live, timer)

    def _fire_live(self, timer: _Timer) -> None:
        self._handles.pop(timer.generation, None)
        self._fire(timer)

    def _uninstall(self, timer: _Timer) -> None:
        handle = self._handles.pop(timer.generation, None)
        if handle is not None:
            handle.cancel()

    async def sleep(self, delay_ns: int) -> None:
        await asyncio.sleep(max(0, delay_ns) / SECOND_NS)

    async def wait_for(self, awaitable: Awaitable[_T], timeout_ns: int) -> _T:
        return await asyncio.wait_for(awaitable, max(0, timeout_ns) / SECOND_NS)


class TestClock(TimerClock):
    """A clock driven by its owner, in nanoseconds since the Unix epoch; never goes backwards.

    ``advance_to`` fires every timer due up to the new time in (due time, set order) and moves
    the clock to each due time before its callback runs, so a callback reads the time it was due.
    Waiting tasks (``sleep``, ``wait_until``, ``wait_for`` timeouts) are woken the same way; they
    run when the caller next yields to the event loop.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        super().__init__()
        if start_ns < 0:
            raise ValueError(f"a clock starts at >= 0 ns, got {start_ns}")
        self._now = start_ns
        self._queue: list[tuple[int, int, int, _Timer]] = []
        self._pushes = itertools.count()
        self._anonymous = itertools.count(1)

    def now_ns(self) -> int:
        return self._now

    def _schedule(self, timer: _Timer) -> None:
        # generations increase as timers are set, so equal due times fire in set order
        heapq.heappush(self._queue, (timer.next_ns, timer.generation, next(self._pushes), timer))

    def _uninstall(self, timer: _Timer) -> None:
        # stale heap entries are skipped when popped (the timer is no longer installed)
        pass

    def advance_by(self, ns: int) -> int:
        """Move forward ``ns`` nanoseconds, firing due timers; returns the new time."""
        if ns < 0:
            raise ValueError(f"a test clock only moves forward, asked to move {ns} ns")
        return self.advance_to(self._now + ns)

    def advance_to(self, ts_ns: int) -> int:
        """Move to ``ts_ns`` firing due timers; the current time is allowed, the past is not."""
        if ts_ns < self._now:
            raise ValueError(f"a test clock only moves forward: {ts_ns} < {self._now}")
        while self._queue and self._queue[0][0] <= ts_ns:
            due, _, _, timer = heapq.heappop(self._queue)
            if self._timers.get(timer.name) is not timer or timer.next_ns != due:
                continue
            self._now = max(self._now, due)
            self._fire(timer)
        self._now = ts_ns
        return self._now

    def _wake_at(self, at_ns: int, future: asyncio.Future[None]) -> str:
        name = f"_wait-{next(self._anonymous)}"

        def wake(_: TimeEvent) -> None:
            if not future.done():
                future.set_result(None)

        self.set_time_alert(name, at_ns, wake)
        return name

    async def sleep(self, delay_ns: int) -> None:
        if delay_ns <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        name = self._wake_at(self._now + delay_ns, future)
        try:
            await future
        finally:
            self.cancel_timer(name)

    async def wait_for(self, awaitable: Awaitable[_T], timeout_ns: int) -> _T:
        task: asyncio.Future[_T] = asyncio.ensure_future(awaitable)
        timeout: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        name = self._wake_at(self._now + max(0, timeout_ns), timeout)
        try:
            racing: list[asyncio.Future[Any]] = [task, timeout]
            await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self.cancel_timer(name)
            timeout.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise TimeoutError(f"timed out after {timeout_ns} ns of test-clock time")


SimulatedClock = TestClock
