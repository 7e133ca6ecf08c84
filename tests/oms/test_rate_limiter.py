"""The rate limiter: windows, headroom, header corrections, 429/418 back-off, fairness."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tradewind.core import SimulatedClock
from tradewind.oms import (
    EndpointCost,
    RateLimit,
    RateLimiter,
    RateLimiterRegistry,
    RateLimitKind,
    RequestTooLarge,
    interval_ns,
)

S = 1_000_000_000
MINUTE = 60 * S
WEIGHT, ORDERS, RAW = RateLimitKind.REQUEST_WEIGHT, RateLimitKind.ORDERS, RateLimitKind.RAW_REQUESTS

# Binance spot's declared limits (exchangeInfo.rateLimits), scaled down for readable tests
LIMITS = (
    RateLimit(WEIGHT, interval_ns("MINUTE", 1), 100),
    RateLimit(ORDERS, interval_ns("SECOND", 10), 5),
    RateLimit(ORDERS, interval_ns("DAY", 1), 20),
    RateLimit(RAW, interval_ns("MINUTE", 5), 1_000),
)


def limiter(clock: SimulatedClock, sleep: Any, headroom: int = 100, **options: Any) -> RateLimiter:
    return RateLimiter(LIMITS, clock=clock, sleep=sleep, headroom=headroom, name="t", **options)


async def test_spends_within_budget_without_waiting(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper)
    for _ in range(10):
        await limits.acquire(weight=10)
    assert sleeper.sleeps == []
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (100, 100)
    assert limits.usage()["RAW_REQUESTS/5m"] == (10, 1000)


async def test_waits_for_the_next_window_instead_of_overspending(
    clock: SimulatedClock, sleeper: Any
) -> None:
    limits = limiter(clock, sleeper)
    clock.advance_by(45 * S)  # 45 s into the minute
    await limits.acquire(weight=95)
    await limits.acquire(weight=10)  # 105 > 100: wait the 15 s left in this minute
    assert sleeper.sleeps == [15 * S]
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (10, 100)


async def test_headroom_keeps_part_of_the_budget_back(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper, headroom=90)  # budget 90 of 100
    await limits.acquire(weight=90)
    assert limits.wait_ns(weight=1) == MINUTE
    assert not limits.try_acquire(weight=1)


async def test_orders_count_per_10s_and_per_day(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper)
    for _ in range(5):
        await limits.acquire(weight=1, orders=1)
    await limits.acquire(weight=1, orders=1)  # 6th order in 10 s waits for the next 10 s
    assert sleeper.sleeps == [10 * S]
    for _ in range(14):
        await limits.acquire(weight=1, orders=1)
    # 20 orders today: the 21st waits until 00:00 UTC (START is a UTC midnight)
    sleeper.sleeps.clear()
    elapsed = clock.now_ns() - 1_700_006_400 * S
    await limits.acquire(weight=1, orders=1)
    assert sleeper.sleeps == [86_400 * S - elapsed]
    # a request that places no order is not held back by the order limits
    assert limits.wait_ns(weight=1, orders=0) == 0


async def test_usage_headers_raise_our_count(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper)
    await limits.acquire(weight=10)
    # another process on the same IP spent 80 more: the venue says 90 used
    limits.on_response(200, {"X-MBX-USED-WEIGHT-1M": "90", "X-MBX-ORDER-COUNT-10S": "4"})
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (90, 100)
    assert limits.usage()["ORDERS/10s"] == (4, 5)
    # a lower header (a response that left before our latest requests) does not lower it
    limits.on_response(200, {"x-mbx-used-weight-1m": "20"})
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (90, 100)
    await limits.acquire(weight=11)  # 101 > 100 → waits for the next minute
    assert sleeper.sleeps == [MINUTE]


async def test_header_from_the_previous_window_is_ignored(
    clock: SimulatedClock, sleeper: Any
) -> None:
    limits = limiter(clock, sleeper)
    sent = clock.now_ns() + 59 * S
    clock.advance_to(sent)
    clock.advance_by(2 * S)  # the reply arrives in the next minute
    limits.on_response(200, {"X-MBX-USED-WEIGHT-1M": "99"}, sent_ns=sent)
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (0, 100)
    limits.on_response(200, {"X-MBX-USED-WEIGHT-1M": "99"}, sent_ns=clock.now_ns())
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (99, 100)


async def test_unreadable_headers_are_ignored(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper)
    limits.on_response(200, {"X-MBX-USED-WEIGHT-1M": "lots", "X-MBX-USED-WEIGHT-7Q": "5"})
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (0, 100)


async def test_429_with_retry_after_blocks_everything(clock: SimulatedClock, sleeper: Any) -> None:
    limits = limiter(clock, sleeper)
    limits.on_response(429, {"Retry-After": "7"})
    assert limits.blocked_until_ns == clock.now_ns() + 7 * S
    await limits.acquire(weight=1)
    assert sleeper.sleeps == [7 * S]


async def test_429_without_retry_after_backs_off_exponentially(
    clock: SimulatedClock, sleeper: Any
) -> None:
    limits = limiter(clock, sleeper)
    pauses = []
    for _ in range(3):
        limits.on_response(429, {})
        pauses.append(limits.blocked_until_ns - clock.now_ns())
        await limits.acquire()
    assert pauses == [1 * S, 2 * S, 4 * S]
    limits.on_response(200, {})  # success resets the back-off
    limits.on_response(429, {})
    assert limits.blocked_until_ns - clock.now_ns() == 1 * S


async def test_418_ban_uses_its_retry_after_or_a_long_default(
    clock: SimulatedClock, sleeper: Any
) -> None:
    limits = limiter(clock, sleeper)
    limits.on_response(418, {"Retry-After": "300"})
    await limits.acquire()
    assert sleeper.sleeps == [300 * S]
    limits.on_response(418, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})  # unreadable
    # second ban in a row without a usable hint: default 120 s doubled
    assert limits.blocked_until_ns - clock.now_ns() == 240 * S


async def test_a_request_larger_than_any_window_fails_at_once(
    clock: SimulatedClock, sleeper: Any
) -> None:
    limits = limiter(clock, sleeper, headroom=90)
    with pytest.raises(RequestTooLarge, match="REQUEST_WEIGHT/1m"):
        await limits.acquire(weight=91)
    with pytest.raises(RequestTooLarge, match="ORDERS/10s"):
        await limits.acquire(weight=1, orders=5)  # budget 4 of 5
    with pytest.raises(ValueError):
        await limits.acquire(weight=-1)


async def test_endpoint_costs(clock: SimulatedClock, sleeper: Any) -> None:
    costs = {
        "POST /api/v3/order": EndpointCost(1, 1),
        "GET /api/v3/depth?limit=5000": EndpointCost(50),
    }
    limits = limiter(clock, sleeper, endpoint_costs=costs)
    await limits.acquire_endpoint("POST /api/v3/order")
    await limits.acquire_endpoint("GET /api/v3/depth?limit=5000")
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (51, 100)
    assert limits.usage()["ORDERS/10s"] == (1, 5)
    with pytest.raises(KeyError, match="no declared cost"):
        await limits.acquire_endpoint("GET /nope")


async def test_waiters_are_served_in_arrival_order(clock: SimulatedClock, held: Any) -> None:
    limits = limiter(clock, held)
    await limits.acquire(weight=95)
    order: list[str] = []

    async def call(name: str, weight: int) -> None:
        await limits.acquire(weight=weight)
        order.append(name)

    big = asyncio.create_task(call("big", 50))
    await asyncio.sleep(0)
    small = asyncio.create_task(call("small", 1))  # would fit now, but must not jump the queue
    await asyncio.sleep(0)
    assert order == [] and held.requests == [MINUTE]
    assert not limits.try_acquire(weight=1)  # nor may a non-blocking caller
    held.wake(MINUTE)
    await asyncio.gather(big, small)
    assert order == ["big", "small"]


async def test_cancelled_waiter_spends_nothing(clock: SimulatedClock, held: Any) -> None:
    limits = limiter(clock, held)
    await limits.acquire(weight=100)
    waiter = asyncio.create_task(limits.acquire(weight=30))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    clock.advance_by(MINUTE)
    assert limits.usage()["REQUEST_WEIGHT/1m"] == (0, 100)
    assert limits.try_acquire(weight=100)


def test_registry_shares_one_limiter_per_venue_and_scope(clock: SimulatedClock) -> None:
    registry = RateLimiterRegistry(clock=clock)
    first = registry.get_or_create("binance", "acct-1", LIMITS)
    assert registry.get_or_create("binance", "acct-1", LIMITS) is first
    assert registry.get("binance", "acct-1") is first
    assert registry.get_or_create("binance", "acct-2", LIMITS) is not first
    assert len(registry) == 2
    with pytest.raises(KeyError, match="kraken"):
        registry.get("kraken", "acct-1")


def test_new_declared_limits_keep_what_was_spent(clock: SimulatedClock) -> None:
    registry = RateLimiterRegistry(clock=clock)
    shared = registry.get_or_create("binance", "ip", LIMITS, headroom=100)
    assert shared.try_acquire(weight=60)
    raised = (RateLimit(WEIGHT, MINUTE, 200), *LIMITS[1:])
    assert registry.get_or_create("binance", "ip", raised, headroom=100) is shared
    assert shared.usage()["REQUEST_WEIGHT/1m"] == (60, 200)
    with pytest.raises(ValueError, match="twice"):
        shared.update_limits((*LIMITS, LIMITS[0]))


def test_interval_names() -> None:
    assert interval_ns("MINUTE", 1) == MINUTE
    assert interval_ns("S", 10) == 10 * S
    assert interval_ns("day") == 86_400 * S
    with pytest.raises(ValueError):
        interval_ns("FORTNIGHT")
    assert RateLimit(ORDERS, 86_400 * S, 1).label == "ORDERS/1d"
