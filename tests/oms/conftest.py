"""Time doubles for the rate limiter: a simulated clock and sleepers the test controls."""

from __future__ import annotations

import asyncio

import pytest

from tradewind.core import SimulatedClock

# an instant on a minute boundary (and a UTC midnight), so window arithmetic is easy to read
START = 1_700_006_400 * 1_000_000_000


class AdvancingSleeper:
    """Sleeping moves the simulated clock forward by the requested time at once."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.sleeps: list[int] = []

    async def __call__(self, ns: int) -> None:
        self.sleeps.append(ns)
        self.clock.advance_by(ns)
        await asyncio.sleep(0)


class HeldSleeper:
    """Sleeping blocks until the test calls ``wake``; nothing moves on its own."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.requests: list[int] = []
        self._waiting: list[asyncio.Future[None]] = []

    async def __call__(self, ns: int) -> None:
        self.requests.append(ns)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        await future

    def wake(self, advance_ns: int) -> None:
        self.clock.advance_by(advance_ns)
        waiting, self._waiting = self._waiting, []
        for future in waiting:
            if not future.done():
                future.set_result(None)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def sleeper(clock: SimulatedClock) -> AdvancingSleeper:
    return AdvancingSleeper(clock)


@pytest.fixture
def held(clock: SimulatedClock) -> HeldSleeper:
    return HeldSleeper(clock)
