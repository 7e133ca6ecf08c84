"""Latency models: how long a request or a market-data message takes, in nanoseconds.

- ``ConstantLatency(ns)``
- ``LognormalLatency(median_ns, sigma, seed)``: ``median · e^(sigma·Z)``, Z standard normal from
  a ``random.Random`` seeded per model, so a run's draws depend only on the seed and the order
  of requests.
- ``RecordedLatency``: from a file measured live. One integer per line (ns) is a sequence: the
  i-th request gets the i-th value, cycling at the end. Two columns ``ts_ns,latency_ns`` are a
  step function of time: the last value at or before the request's time (the first before it).
  Blank lines and lines starting with ``#`` are skipped.

A model is sampled once per request at the time the request is made.
"""

from __future__ import annotations

import bisect
import math
import random
from pathlib import Path
from typing import Protocol

from tradewind.backtest.errors import BacktestDataError

__all__ = [
    "ConstantLatency",
    "LatencyModel",
    "LognormalLatency",
    "RecordedLatency",
    "read_latency_file",
]


class LatencyModel(Protocol):
    """Gives a one-way latency (ns, >= 0) for a request made at ``now_ns``."""

    def sample(self, now_ns: int) -> int: ...


class ConstantLatency:
    """Always ``ns``."""

    __slots__ = ("ns",)

    def __init__(self, ns: int) -> None:
        if ns < 0:
            raise ValueError(f"a latency must be >= 0 ns, got {ns}")
        self.ns = ns

    def sample(self, now_ns: int) -> int:
        return self.ns


class LognormalLatency:
    """``median_ns · e^(sigma·Z)``, rounded to whole ns, from its own seeded generator."""

    def __init__(self, median_ns: int, sigma: float, seed: int) -> None:
        if median_ns <= 0 or sigma < 0:
            raise ValueError(f"lognormal latency needs median_ns > 0, sigma >= 0; got {median_ns}")
        self._mu = math.log(median_ns)
        self._sigma = sigma
        self._rng = random.Random(seed)

    def sample(self, now_ns: int) -> int:
        return round(self._rng.lognormvariate(self._mu, self._sigma))


class RecordedLatency:
    """Latencies measured live: a sequence (cycled) or a step function of time (ns)."""

    def __init__(self, values: list[int], times: list[int] | None = None) -> None:
        if not values:
            raise ValueError("a recorded latency needs at least one value")
        self._values = values
        self._times = times
        self._next = 0

    def sample(self, now_ns: int) -> int:
        if self._times is None:
            value = self._values[self._next % len(self._values)]
            self._next += 1
            return value
        index = bisect.bisect_right(self._times, now_ns) - 1
        return self._values[max(index, 0)]


def read_latency_file(path: Path | str) -> RecordedLatency:
    """Read a latency file (format in the module docstring); BacktestDataError names the line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BacktestDataError(source, 0, f"cannot read: {exc.strerror or exc}") from None
    values: list[int] = []
    times: list[int] = []
    columns = 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if columns == 0:
            columns = len(parts)
        if len(parts) != columns or columns not in (1, 2):
            raise BacktestDataError(source, number, "expected 'latency_ns' or 'ts_ns,latency_ns'")
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise BacktestDataError(source, number, f"not an integer: {line!r}") from None
        if any(n < 0 for n in numbers):
            raise BacktestDataError(source, number, "latencies and times must be >= 0")
        if columns == 2:
            if times and numbers[0] < times[-1]:
                raise BacktestDataError(
                    source, number, f"ts {numbers[0]} is earlier than {times[-1]}"
                )
            times.append(numbers[0])
        values.append(numbers[-1])
    if not values:
        raise BacktestDataError(source, 0, "the latency file has no values")
    return RecordedLatency(values, times if columns == 2 else None)
