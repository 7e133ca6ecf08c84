"""LiveClock and TestClock: timers, periodic phase, deterministic order, waits."""

from __future__ import annotations

import asyncio

import pytest

from tradewind.core.clock import SECOND_NS, LiveClock, TestClock, TimeEvent
from tradewind.venues.sim.clock import ManualClock, RealClock

T0 = 1_700_000_000_000_000_000


def test_timers_fire_in_due_then_set_order_with_the_clock_at_their_due_time() -> None:
    clock = TestClock(T0)
    fired: list[tuple[str, int, int]] = []

    def record(event: TimeEvent) -> None:
        fired.append((event.name, event.ts_event - T0, clock.now_ns() - T0))

    clock.set_timer("every-2s", 2 * SECOND_NS, record)
    clock.set_time_alert("at-3s", T0 + 3 * SECOND_NS, record)
    clock.set_time_alert("also-at-2s", T0 + 2 * SECOND_NS, record)  # set after every-2s
    clock.set_timer("every-3s", 3 * SECOND_NS, record, stop_ns=T0 + 6 * SECOND_NS)
    clock.advance_to(T0 + 7 * SECOND_NS)
    s = SECOND_NS
    assert fired == [
        ("every-2s", 2 * s, 2 * s),
        ("also-at-2s", 2 * s, 2 * s),
        ("at-3s", 3 * s, 3 * s),
        ("every-3s", 3 * s, 3 * s),
        ("every-2s", 4 * s, 4 * s),
        ("every-2s", 6 * s, 6 * s),
        ("every-3s", 6 * s, 6 * s),
    ]
    assert clock.now_ns() == T0 + 7 * s
    # one-shots and the stopped timer are gone; the open-ended one stays, in phase
    assert clock.timer_names == ("every-2s",)
    assert clock.next_due_ns("every-2s") == T0 + 8 * s


def test_cancel_replace_and_bad_timers() -> None:
    clock = TestClock(T0)
    fired: list[str] = []
    clock.set_timer("t", 10, lambda e: fired.append("old"))
    clock.set_timer("t", 5, lambda e: fired.append("new"))  # same name: replaces
    clock.advance_by(10)
    assert fired == ["new", "new"]
    assert clock.cancel_timer("t") is True
    assert clock.cancel_timer("t") is False
    clock.advance_by(100)
    assert fired == ["new", "new"]
    with pytest.raises(ValueError, match="interval"):
        clock.set_timer("bad", 0, lambda e: None)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance_to(T0)
    assert clock.timer_names == ()


def test_a_callback_may_set_a_timer_due_within_the_same_advance() -> None:
    clock = TestClock(T0)
    fired: list[int] = []

    def chain(event: TimeEvent) -> None:
        fired.append(event.ts_event - T0)
        if len(fired) < 3:
            clock.set_time_alert("next", event.ts_event + 1, chain)

    clock.set_time_alert("next", T0 + 1, chain)
    clock.advance_by(10)
    assert fired == [1, 2, 3]


async def test_test_clock_waits_wake_only_when_advanced() -> None:
    clock = TestClock(T0)
    order: list[str] = []

    async def sleeper(name: str, ns: int) -> None:
        await clock.sleep(ns)
        order.append(name)

    tasks = [
        asyncio.create_task(sleeper("b", 2 * SECOND_NS)),
        asyncio.create_task(sleeper("a", SECOND_NS)),
    ]
    await asyncio.sleep(0)
    assert order == []
    clock.advance_by(SECOND_NS)
    await asyncio.sleep(0)
    assert order == ["a"]
    clock.advance_by(SECOND_NS)
    await asyncio.gather(*tasks)
    assert order == ["a", "b"]

    never = asyncio.Event()
    waiting = asyncio.create_task(clock.wait_for(never.wait(), 5 * SECOND_NS))
    await asyncio.sleep(0)
    clock.advance_by(4 * SECOND_NS)
    await asyncio.sleep(0)
    assert not waiting.done()
    clock.advance_by(SECOND_NS)
    with pytest.raises(TimeoutError):
        await waiting
    done = asyncio.Event()
    done.set()
    await clock.wait_for(done.wait(), SECOND_NS)
    assert clock.timer_names == ()  # no wait leaves a timer behind


async def test_live_clock_timers_and_waits_run_on_the_loop() -> None:
    clock = LiveClock()
    fired: list[TimeEvent] = []
    clock.set_timer("tick", SECOND_NS // 100, fired.append)
    event = asyncio.Event()
    clock.set_time_alert("once", clock.now_ns(), lambda e: event.set())
    await clock.wait_for(event.wait(), 2 * SECOND_NS)
    while len(fired) < 3:
        await clock.sleep(SECOND_NS // 100)
    clock.cancel_timer("tick")
    phases = [e.ts_event - fired[0].ts_event for e in fired[:3]]
    assert phases == [0, SECOND_NS // 100, SECOND_NS // 50]
    assert all(e.ts_init >= e.ts_event for e in fired)
    with pytest.raises(TimeoutError):
        await clock.wait_for(asyncio.Event().wait(), SECOND_NS // 100)


def test_the_sim_clocks_are_views_of_the_core_clocks() -> None:
    core = TestClock(T0)
    manual = ManualClock(clock=core)
    assert manual.now_ms() == T0 // 1_000_000
    core.advance_by(5 * 1_000_000)
    assert manual.now_ms() == T0 // 1_000_000 + 5
    manual.advance(10)
    assert core.now_ns() == T0 + 15 * 1_000_000
    assert RealClock(core).now_ms() == manual.now_ms()
