"""The jump-diffusion mid price and its rounding onto exchange grids."""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.venues.sim.market import (
    JumpDiffusion,
    JumpDiffusionParams,
    stream_seed,
    to_step,
    to_tick,
)
from tradewind.venues.sim.market.price_process import YEAR_MS

START = 1_700_000_000_000


def path(seed: int, params: JumpDiffusionParams, steps: int, dt_ms: int = 1_000) -> list[float]:
    process = JumpDiffusion(100.0, params, random.Random(seed), START)
    return [process.advance_to(START + dt_ms * (i + 1)) for i in range(steps)]


def test_same_seed_same_path_other_seed_other_path() -> None:
    params = JumpDiffusionParams(volatility=0.8, jump_rate_per_day=50, jump_sigma=0.01)
    assert path(1, params, 500) == path(1, params, 500)
    assert path(1, params, 500) != path(2, params, 500)


def test_stream_seeds_are_stable_and_distinct() -> None:
    # blake2b, not the per-process salted hash(): the same labels give the same seed everywhere
    assert stream_seed(7, "BTCUSDT", "price") == stream_seed(7, "BTCUSDT", "price")
    assert (
        len(
            {
                stream_seed(7, "BTCUSDT", "price"),
                stream_seed(7, "ETHUSDT", "price"),
                stream_seed(8, "BTCUSDT", "price"),
                stream_seed(7, "BTCUSDT", "flow"),
            }
        )
        == 4
    )


def test_diffusion_has_the_configured_volatility() -> None:
    # sigma = 0.5 a year; per 1 s step the log return's sd is 0.5 * sqrt(1000 / YEAR_MS)
    # = 0.5 * sqrt(1 / 31_557_600) = 8.9006e-5. With 20,000 steps the sample sd is within
    # about 0.5 % of it (sd of a sample sd ~ sigma / sqrt(2n)); 3 % leaves a wide margin.
    params = JumpDiffusionParams(volatility=0.5)
    prices = [100.0, *path(11, params, 20_000)]
    returns = [math.log(b / a) for a, b in pairwise(prices)]
    expected = 0.5 * math.sqrt(1_000 / YEAR_MS)
    assert statistics.pstdev(returns) == pytest.approx(expected, rel=0.03)


def test_jumps_arrive_at_the_configured_rate_and_are_compensated() -> None:
    # No diffusion: every change is a jump. 86,400 jumps a day over 200 one-second steps gives
    # Poisson(1) jumps a step, i.e. about 200 in all; with jump_sigma 0.02 and the compensator
    # the price stays a martingale, so the mean final price over 400 paths is close to 100.
    params = JumpDiffusionParams(volatility=0.0, jump_rate_per_day=86_400, jump_sigma=0.02)
    prices = [100.0, *path(3, params, 200)]
    # Between jumps the log price only drifts by the compensator, -lambda * k * dt per step:
    # k = e^(0.02^2 / 2) - 1 and lambda * dt = 1.
    compensator = math.exp(0.02**2 / 2) - 1
    jumped = sum(1 for a, b in pairwise(prices) if abs(math.log(b / a) + compensator) > 1e-9)
    # P(no jump in a step) = e^-1 = 0.368, so about 126 of 200 steps jump (sd 6.8)
    assert 100 <= jumped <= 150
    finals = [path(seed, params, 200)[-1] for seed in range(400)]
    # sd of one final is 100 * sqrt(e^(200 * 0.02^2) - 1) = 29.2; of the mean of 400, 1.46
    assert statistics.fmean(finals) == pytest.approx(100.0, abs=6.0)


def test_zero_volatility_without_jumps_stays_put_and_time_never_runs_back() -> None:
    process = JumpDiffusion(250.0, JumpDiffusionParams(volatility=0.0), random.Random(1), START)
    assert process.advance_to(START + 3_600_000) == pytest.approx(250.0)
    assert process.advance_to(START) == pytest.approx(250.0)  # earlier: unchanged
    assert process.time_ms == START + 3_600_000


def test_shock_multiplies_the_mid() -> None:
    process = JumpDiffusion(200.0, JumpDiffusionParams(volatility=0.3), random.Random(1), START)
    assert process.shock(1.1) == pytest.approx(220.0)
    with pytest.raises(ValueError):
        process.shock(0.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"volatility": -0.1},
        {"volatility": float("nan")},
        {"volatility": 0.5, "jump_rate_per_day": -1},
        {"volatility": 0.5, "jump_sigma": 2},
        {"volatility": True},
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        JumpDiffusionParams(**kwargs)


def test_rounding_to_tick_and_step() -> None:
    tick = Decimal("0.01")
    assert to_tick(100.014, tick, "down") == Decimal("100.01")
    assert to_tick(100.011, tick, "up") == Decimal("100.02")
    assert to_tick(100.015, tick) == Decimal("100.02")  # half-even on the decimal text
    assert to_tick(0.0001, tick, "down") == tick  # never below one tick
    assert to_step(1.23456789, Decimal("0.001")) == Decimal("1.234")
    assert to_step(Decimal("0.99999"), Decimal("1")) == Decimal(0)


@given(
    price=st.floats(min_value=1e-6, max_value=1e7, allow_nan=False),
    tick=st.sampled_from([Decimal("0.01"), Decimal("0.00001"), Decimal("0.5"), Decimal(1)]),
)
def test_tick_rounding_brackets_the_price(price: float, tick: Decimal) -> None:
    down, up = to_tick(price, tick, "down"), to_tick(price, tick, "up")
    assert down % tick == 0 and up % tick == 0
    assert down <= max(Decimal(repr(price)), tick) <= up
    assert up - down <= tick
