"""The priority queue in front of the limiter: urgent calls first when the budget is short."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tradewind.core import SimulatedClock
from tradewind.oms import (
    Priority,
    PriorityRequestQueue,
    QueuedCall,
    RateLimit,
    RateLimiter,
    RateLimitKind,
    RequestTooLarge,
)

S = 1_000_000_000
MINUTE = 60 * S


def two_per_minute(clock: SimulatedClock, sleep: Any) -> RateLimiter:
    return RateLimiter(
        [RateLimit(RateLimitKind.REQUEST_WEIGHT, MINUTE, 2)], clock=clock, sleep=sleep, headroom=100
    )


async def test_batch_runs_by_priority_then_arrival(clock: SimulatedClock, sleeper: Any) -> None:
    queue = PriorityRequestQueue(two_per_minute(clock, sleeper))
    start = clock.now_ns()
    ran: list[tuple[str, int]] = []

    def call(name: str) -> QueuedCall[str]:
        async def run() -> str:
            ran.append((name, (clock.now_ns() - start) // S))
            return name

        return QueuedCall(run, weight=1, priority=priorities[name])

    priorities = {
        "snapshot": Priority.LOW,
        "query": Priority.NORMAL,
        "cancel-1": Priority.CRITICAL,
        "new-order": Priority.HIGH,
        "cancel-2": Priority.CRITICAL,
    }
    results = await queue.run_batch([call(name) for name in priorities])
    # results keep the input order; execution follows priority, two per minute
    assert results == list(priorities)
    assert ran == [
        ("cancel-1", 0),
        ("cancel-2", 0),
        ("new-order", 60),
        ("query", 60),
        ("snapshot", 120),
    ]


async def test_a_late_urgent_call_overtakes_queued_ones(clock: SimulatedClock, held: Any) -> None:
    limiter = two_per_minute(clock, held)
    queue = PriorityRequestQueue(limiter)
    ran: list[str] = []

    async def named(name: str) -> str:
        ran.append(name)
        return name

    await queue.run(lambda: named("first"))
    await queue.run(lambda: named("second"))  # budget now spent
    blocked = asyncio.create_task(queue.run(lambda: named("low-1"), priority=Priority.LOW))
    await asyncio.sleep(0)  # low-1 has the turn and waits at the limiter
    low_2 = asyncio.create_task(queue.run(lambda: named("low-2"), priority=Priority.LOW))
    cancel = asyncio.create_task(queue.run(lambda: named("cancel"), priority=Priority.CRITICAL))
    await asyncio.sleep(0)
    assert queue.waiting == 2
    held.wake(MINUTE)
    await asyncio.sleep(0)
    held.wake(MINUTE)
    await asyncio.gather(blocked, low_2, cancel)
    # low-1 was already at the limiter; after it the cancel beats the earlier low-2
    assert ran == ["first", "second", "low-1", "cancel", "low-2"]


async def test_errors_stay_with_their_call(clock: SimulatedClock, sleeper: Any) -> None:
    queue = PriorityRequestQueue(two_per_minute(clock, sleeper))

    async def boom() -> str:
        raise RuntimeError("venue said no")

    async def fine() -> str:
        return "ok"

    results = await queue.run_batch(
        [QueuedCall(boom), QueuedCall(fine), QueuedCall(fine, weight=3)]
    )
    assert isinstance(results[0], RuntimeError) and results[1] == "ok"
    assert isinstance(results[2], RequestTooLarge)
    assert await queue.run(fine) == "ok"  # the queue is not stuck after failures


async def test_a_cancelled_caller_gives_up_its_place(clock: SimulatedClock, held: Any) -> None:
    limiter = two_per_minute(clock, held)
    queue = PriorityRequestQueue(limiter)

    async def fine() -> str:
        return "ok"

    await queue.run(fine, weight=2)
    first = asyncio.create_task(queue.run(fine))
    await asyncio.sleep(0)
    second = asyncio.create_task(queue.run(fine))
    await asyncio.sleep(0)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert queue.waiting == 0
    held.wake(MINUTE)
    assert await first == "ok"
    assert limiter.usage()["REQUEST_WEIGHT/1m"] == (1, 2)
