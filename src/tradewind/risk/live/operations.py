"""Uptime and RFQ measures over a sliding time window: quote response time, quote acceptance,
settlement success, gas price variation, network and execution latency, node health, uptime.

    TimedSamples     (ts_ns, value) pairs kept for ``window_ns``: mean, count, coefficient of
                     variation (std / mean, the framework's "gas price variation")
    UptimeTracker    how long, of the window, the node was up (observed at each sample)
    node_health      0.7 · sync share + 0.3 · response score, the framework's weights; the response
                     score is 1 while the latency is within its limit, else limit / latency

Times are integer nanoseconds from the node's clock; latencies come out in milliseconds.
Everything here is pure: callers pass the time. Memory O(samples in the window).
"""

from __future__ import annotations

import math
import statistics
from collections import deque

__all__ = ["TimedSamples", "UptimeTracker", "node_health", "ratio"]


class TimedSamples:
    """Values stamped with a time, forgotten once older than ``window_ns`` before ``now``."""

    def __init__(self, window_ns: int) -> None:
        if window_ns <= 0:
            raise ValueError(f"window must be positive, got {window_ns} ns")
        self._window_ns = window_ns
        self._kept: deque[tuple[int, float]] = deque()

    def add(self, ts_ns: int, value: float) -> None:
        if not math.isfinite(value):
            raise ValueError(f"a sample must be a finite number, got {value}")
        self._kept.append((ts_ns, value))

    def values(self, now_ns: int) -> list[float]:
        cutoff = now_ns - self._window_ns
        while self._kept and self._kept[0][0] < cutoff:
            self._kept.popleft()
        return [value for _, value in self._kept]

    def mean(self, now_ns: int) -> float | None:
        values = self.values(now_ns)
        return statistics.fmean(values) if values else None

    def total(self, now_ns: int) -> float:
        return math.fsum(self.values(now_ns))

    def count(self, now_ns: int) -> int:
        return len(self.values(now_ns))

    def variation(self, now_ns: int) -> float | None:
        """Population standard deviation over the mean; None with < 2 samples or mean 0."""
        values = self.values(now_ns)
        if len(values) < 2:
            return None
        mean = statistics.fmean(values)
        return None if mean == 0 else statistics.pstdev(values) / abs(mean)


class UptimeTracker:
    """Share of the last ``window_ns`` the node was up. Each ``observe`` says whether it is up
    now; the span since the previous observation counts with the previous state."""

    def __init__(self, window_ns: int) -> None:
        if window_ns <= 0:
            raise ValueError(f"window must be positive, got {window_ns} ns")
        self._window_ns = window_ns
        self._spans: deque[tuple[int, int, bool]] = deque()  # (start, end, up)
        self._last: tuple[int, bool] | None = None

    def observe(self, ts_ns: int, up: bool) -> None:
        if self._last is not None:
            since, was_up = self._last
            if ts_ns < since:
                raise ValueError("observations must not go back in time")
            if ts_ns > since:
                if self._spans and self._spans[-1][1] == since and self._spans[-1][2] == was_up:
                    # one span per stretch of the same state: memory follows state changes,
                    # not how often someone asks
                    self._spans[-1] = (self._spans[-1][0], ts_ns, was_up)
                else:
                    self._spans.append((since, ts_ns, was_up))
        self._last = (ts_ns, up)

    def uptime(self, now_ns: int) -> float | None:
        """Up time / observed time in the window; None before two observations."""
        cutoff = now_ns - self._window_ns
        while self._spans and self._spans[0][1] <= cutoff:
            self._spans.popleft()
        if self._spans and self._spans[0][0] < cutoff:
            start, end, was_up = self._spans[0]
            self._spans[0] = (cutoff, end, was_up)
        observed = up = 0
        for start, end, was_up in self._spans:
            length = end - start
            observed += length
            up += length if was_up else 0
        return None if observed == 0 else up / observed


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, None when there is nothing to divide by."""
    return None if denominator == 0 else numerator / denominator


def node_health(
    sync_share: float | None, latency_ms: float | None, limit_ms: float
) -> float | None:
    """0.7 · sync + 0.3 · response score (1 within ``limit_ms``, else limit / latency)."""
    if sync_share is None or latency_ms is None:
        return None
    response = 1.0 if latency_ms <= limit_ms else limit_ms / latency_ms
    return 0.7 * sync_share + 0.3 * response
