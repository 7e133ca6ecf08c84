"""Volatility circuit breakers: contain trading when an instrument's mid jumps (pure, no I/O).

    mid samples ─▶ VolatilityBreaker.on_mid(ts_ns, mid) ─▶ Trip | None
                   VolatilityBreaker.expired(now_ns)    ─▶ Reset | None  (after the cooldown)

Mids are sampled at most every ``sample_ms``; the log returns between samples are split in a
short window (the last ``short_window_ms``) and the baseline before it (up to
``long_window_ms``). The breaker trips when the short window's realised volatility (standard
deviation of the returns) exceeds ``ratio`` × the baseline's (the baseline floored at
``min_volatility`` so a dead-calm market does not trip on its first tick), or when the mid moved
more than ``max_move`` (a fraction) within ``move_window_ms``. A tripped breaker holds
``state`` on its ``scope`` for ``cooldown_ms``, then resets; a trip while tripped extends it.

Volatility is a statistic: floats. The breaker decides nothing about orders itself; the risk
supervisor applies its trips as trading states and records and alerts each one.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BreakerConfig", "Reset", "Trip", "VolatilityBreaker"]


class BreakerConfig(BaseModel):
    """One ``[[risk.breakers]]`` entry; times in ms, ``max_move`` and volatilities as fractions
    (0.02 = 2 %)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str = "*"  # "BTC/USDT@sim", or "*" for every book a strategy subscribes to
    sample_ms: int = Field(default=1000, ge=1)
    short_window_ms: int = Field(default=10_000, ge=1)
    long_window_ms: int = Field(default=300_000, ge=1)
    ratio: float = Field(default=4.0, gt=1)
    min_samples: int = Field(default=5, ge=2)
    min_volatility: float = Field(default=1e-4, ge=0)
    max_move: float | None = Field(default=None, gt=0)
    move_window_ms: int = Field(default=5_000, ge=1)
    state: Literal["reducing", "halted"] = "halted"
    scope: Literal["strategy", "venue", "global"] = "strategy"
    cooldown_ms: int = Field(default=60_000, ge=1)


@dataclass(frozen=True, slots=True)
class Trip:
    """The breaker tripped: why, with the numbers; held until ``until_ns``."""

    instrument: str
    reason: str
    short_volatility: float
    baseline_volatility: float
    ts_ns: int
    until_ns: int


@dataclass(frozen=True, slots=True)
class Reset:
    """The cooldown passed: the breaker released its state."""

    instrument: str
    ts_ns: int


class VolatilityBreaker:
    """One instrument's breaker (``instrument`` is "BASE/QUOTE@venue")."""

    def __init__(self, instrument: str, config: BreakerConfig) -> None:
        self.instrument = instrument
        self.config = config
        self._samples: deque[tuple[int, float]] = deque()  # (ts_ns, mid)
        self.tripped_until: int | None = None
        self.trips = 0

    @property
    def tripped(self) -> bool:
        return self.tripped_until is not None

    def on_mid(self, ts_ns: int, mid: float) -> Trip | None:
        """Take a mid; the Trip if this one trips the breaker (or extends a trip)."""
        if not mid > 0 or math.isinf(mid):
            return None
        config = self.config
        samples = self._samples
        if samples and ts_ns - samples[-1][0] < config.sample_ms * 1_000_000:
            return None
        samples.append((ts_ns, mid))
        horizon = ts_ns - max(config.long_window_ms, config.move_window_ms) * 1_000_000
        while samples and samples[0][0] < horizon:
            samples.popleft()
        reason, short, base = self._judge(ts_ns, mid)
        if reason is None:
            return None
        self.trips += 1
        self.tripped_until = ts_ns + config.cooldown_ms * 1_000_000
        return Trip(self.instrument, reason, short, base, ts_ns, self.tripped_until)

    def expired(self, now_ns: int) -> Reset | None:
        """The Reset once the cooldown has passed (once); None otherwise."""
        if self.tripped_until is None or now_ns < self.tripped_until:
            return None
        self.tripped_until = None
        return Reset(self.instrument, now_ns)

    def _judge(self, ts_ns: int, mid: float) -> tuple[str | None, float, float]:
        config = self.config
        cut = ts_ns - config.short_window_ms * 1_000_000
        short: list[float] = []
        base: list[float] = []
        previous: tuple[int, float] | None = None
        for sample in self._samples:
            if previous is not None:
                r = math.log(sample[1] / previous[1])
                (short if sample[0] > cut else base).append(r)
            previous = sample
        short_vol = _std(short)
        base_vol = _std(base)
        if config.max_move is not None:
            since = ts_ns - config.move_window_ms * 1_000_000
            for then, old in self._samples:
                if then >= since:
                    move = abs(mid / old - 1)
                    if move > config.max_move:
                        return (
                            f"{self.instrument} mid moved {move:.2%} in"
                            f" {(ts_ns - then) // 1_000_000} ms (limit {config.max_move:.2%})",
                            short_vol,
                            base_vol,
                        )
                    break
        if len(short) >= config.min_samples and len(base) >= config.min_samples:
            floor = max(base_vol, config.min_volatility)
            if short_vol > config.ratio * floor:
                return (
                    f"{self.instrument} volatility {short_vol:.3%} over"
                    f" {config.short_window_ms} ms is {short_vol / floor:.1f}× the baseline"
                    f" {floor:.3%} (limit {config.ratio}×)",
                    short_vol,
                    base_vol,
                )
        return None, short_vol, base_vol


def _std(values: list[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
