"""Faults the admin API can inject, for reliability drills against the simulated exchange."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FaultPlan:
    """What to break next. ``delay_ms`` applies to every REST response until cleared;
    ``fail_next`` answers that many REST requests with ``fail_status`` and Binance's -1001."""

    delay_ms: int = 0
    fail_next: int = 0
    fail_status: int = 503

    def clear(self) -> None:
        self.delay_ms = 0
        self.fail_next = 0
        self.fail_status = 503

    def take_failure(self) -> int | None:
        if self.fail_next <= 0:
            return None
        self.fail_next -= 1
        return self.fail_status
