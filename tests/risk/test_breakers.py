"""Volatility circuit breakers (pure): quiet wiggles do not trip; a jump in realised volatility
against the baseline, or a large move within the move window, trips for the cooldown, then it
resets once."""

from __future__ import annotations

import math

from tradewind.risk.breakers import BreakerConfig, VolatilityBreaker

T0 = 1_700_000_000_000_000_000
S = 1_000_000_000


def _quiet(breaker: VolatilityBreaker, seconds: int, start: int = T0) -> float:
    mid = 100.0
    for i in range(seconds):
        # ±1 bp wiggle: a baseline volatility of about 1e-4
        mid = 100.0 * (1 + (0.0001 if i % 2 else -0.0001))
        assert breaker.on_mid(start + i * S, mid) is None
    return mid


def test_a_volatility_jump_trips_and_the_breaker_resets_after_the_cooldown() -> None:
    config = BreakerConfig(
        short_window_ms=5_000, long_window_ms=60_000, ratio=4, min_samples=4, cooldown_ms=30_000
    )
    breaker = VolatilityBreaker("BTC/USDT@sim", config)
    _quiet(breaker, 60)
    # swings of ±1 %: the 5 s volatility is ~100× the baseline
    trip = None
    t = T0 + 60 * S
    for i in range(5):
        trip = breaker.on_mid(t + i * S, 100.0 * (1.01 if i % 2 else 0.99)) or trip
    assert trip is not None
    assert trip.short_volatility > 4 * trip.baseline_volatility
    assert "× the baseline" in trip.reason and trip.instrument == "BTC/USDT@sim"
    assert breaker.tripped
    assert breaker.expired(trip.until_ns - 1) is None
    reset = breaker.expired(trip.until_ns)
    assert reset is not None and not breaker.tripped
    assert breaker.expired(trip.until_ns + S) is None  # a reset is reported once


def test_quiet_markets_and_samples_closer_than_the_sample_interval_do_not_trip() -> None:
    breaker = VolatilityBreaker("BTC/USDT@sim", BreakerConfig(min_samples=4))
    _quiet(breaker, 400)
    # book updates closer than the sample interval to the last sample are not sampled
    assert breaker.on_mid(T0 + 399 * S + S // 2, 150.0) is None
    assert not breaker.tripped
    assert breaker.on_mid(T0 + 402 * S, math.nan) is None
    assert breaker.on_mid(T0 + 403 * S, 150.0) is not None  # a real sample of that jump trips


def test_an_absolute_move_within_the_window_trips() -> None:
    config = BreakerConfig(max_move=0.02, move_window_ms=5_000, cooldown_ms=10_000)
    breaker = VolatilityBreaker("ETH/USDT@sim", config)
    assert breaker.on_mid(T0, 100.0) is None
    assert breaker.on_mid(T0 + S, 101.0) is None
    assert breaker.on_mid(T0 + 10 * S, 102.5) is None  # 1.5 % from the mid 5 s before
    trip = breaker.on_mid(T0 + 12 * S, 104.6)
    assert trip is not None and "moved 2.05% in 2000 ms" in trip.reason
    assert trip.until_ns == T0 + 22 * S
