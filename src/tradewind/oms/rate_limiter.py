"""A client-side mirror of a venue's rate limits, shared by everything using one account or IP.

The venue declares its limits (Binance ``exchangeInfo.rateLimits``: REQUEST_WEIGHT per minute,
ORDERS per 10 s and per day, RAW_REQUESTS per 5 min). The limiter counts what we spend in the
venue's fixed windows (aligned to the epoch, so a day window starts at 00:00 UTC) and makes
``acquire`` wait for the next window rather than overspend. The venue's own counters win: usage
headers (``X-MBX-USED-WEIGHT-1M``, ``X-MBX-ORDER-COUNT-10S``, ``X-MBX-ORDER-COUNT-1D``) raise
our count when other processes on the same IP or account spent too. A 429 blocks everything
for its ``Retry-After``; a 418 (IP ban) the same, with a longer default.

Time comes from an injected Clock and waiting from an injected sleeper, so tests drive both.
One limiter per (venue, account or IP) comes from a RateLimiterRegistry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock, TimerClock

__all__ = [
    "EndpointCost",
    "RateLimit",
    "RateLimitKind",
    "RateLimiter",
    "RateLimiterRegistry",
    "RequestTooLarge",
    "Sleeper",
    "UsageHeaders",
    "interval_ns",
    "provisional_limiter",
]

log = get_logger("oms.rate_limiter")

Sleeper = Callable[[int], Awaitable[None]]
"""Waits the given number of nanoseconds."""

_SECOND = 1_000_000_000
_UNITS = {"S": _SECOND, "M": 60 * _SECOND, "H": 3_600 * _SECOND, "D": 86_400 * _SECOND}
_UNIT_NAMES = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}


def interval_ns(unit: str, count: int = 1) -> int:
    """A declared interval in ns: ("MINUTE", 1), ("SECOND", 10), or header style ("M", 1)."""
    letter = _UNIT_NAMES.get(unit.upper(), unit.upper())
    if letter not in _UNITS or count < 1:
        raise ValueError(f"unknown rate-limit interval {count} {unit}")
    return _UNITS[letter] * count


class RateLimitKind(StrEnum):
    """What a limit counts: request weight, orders placed, or raw requests."""

    REQUEST_WEIGHT = "REQUEST_WEIGHT"
    ORDERS = "ORDERS"
    RAW_REQUESTS = "RAW_REQUESTS"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` units of ``kind`` per fixed window of ``interval_ns`` nanoseconds."""

    kind: RateLimitKind
    interval_ns: int
    limit: int

    def __post_init__(self) -> None:
        if self.interval_ns <= 0 or self.limit <= 0:
            raise ValueError(f"rate limit needs a positive interval and limit, got {self}")

    @property
    def label(self) -> str:
        seconds = self.interval_ns // _SECOND
        for letter, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
            if seconds % size == 0:
                return f"{self.kind}/{seconds // size}{letter}"
        return f"{self.kind}/{seconds}s"


@dataclass(frozen=True, slots=True)
class EndpointCost:
    """What one call of an endpoint spends: request ``weight`` and ``orders`` placed."""

    weight: int
    orders: int = 0


@dataclass(frozen=True, slots=True)
class UsageHeaders:
    """Header name prefixes carrying the venue's counters; the suffix is the interval (1M, 10S)."""

    weight_prefix: str = "x-mbx-used-weight-"
    order_count_prefix: str = "x-mbx-order-count-"
    retry_after: str = "retry-after"


class RequestTooLarge(ValueError):
    """A single request costs more than a whole window allows: waiting could never admit it."""


@dataclass(slots=True)
class _Counter:
    limit: RateLimit
    budget: int
    window_start: int = -1
    used: int = 0

    def used_at(self, now_ns: int) -> int:
        return self.used if self.window_start == _window_start(now_ns, self.limit) else 0

    def spend(self, now_ns: int, amount: int) -> None:
        self._roll(now_ns)
        self.used += amount

    def raise_to(self, now_ns: int, venue_used: int) -> None:
        self._roll(now_ns)
        self.used = max(self.used, venue_used)

    def _roll(self, now_ns: int) -> None:
        start = _window_start(now_ns, self.limit)
        if start != self.window_start:
            self.window_start = start
            self.used = 0


def _window_start(now_ns: int, limit: RateLimit) -> int:
    return now_ns - now_ns % limit.interval_ns


class RateLimiter:
    """Spends a venue's request budget without overspending it.

    ``headroom``: percentage of each declared limit we allow ourselves (90 leaves 10% for
    requests the venue counts that we do not see). ``endpoint_costs``: per-endpoint cost table
    for ``acquire_endpoint``. Times in ns from ``clock``; waits through ``sleep``.
    """

    def __init__(
        self,
        limits: Sequence[RateLimit],
        *,
        clock: Clock,
        sleep: Sleeper | None = None,
        headroom: int = 90,
        endpoint_costs: Mapping[str, EndpointCost] | None = None,
        headers: UsageHeaders | None = None,
        name: str = "",
        ban_default_ns: int = 120 * _SECOND,
        backoff_base_ns: int = _SECOND,
        backoff_max_ns: int = 60 * _SECOND,
    ) -> None:
        if not 1 <= headroom <= 100:
            raise ValueError(f"headroom is a percentage 1..100, got {headroom}")
        self.name = name
        self._clock = clock
        # waits go through the clock (a TestClock makes them deterministic)
        self._sleep = sleep or (clock if isinstance(clock, TimerClock) else LiveClock()).sleep
        self._headroom = headroom
        self._endpoint_costs = dict(endpoint_costs or {})
        self._headers = headers or UsageHeaders()
        self._ban_default = ban_default_ns
        self._backoff_base = backoff_base_ns
        self._backoff_max = backoff_max_ns
        self._counters: list[_Counter] = []
        self._blocked_until = 0
        self._consecutive_refusals = 0
        self._lock = asyncio.Lock()
        self.update_limits(limits)

    # -- configuration -------------------------------------------------------------------------

    @property
    def limits(self) -> tuple[RateLimit, ...]:
        return tuple(counter.limit for counter in self._counters)

    def update_limits(self, limits: Sequence[RateLimit]) -> None:
        """Adopt newly declared limits, keeping what was spent under the same (kind, interval)."""
        keys = [(limit.kind, limit.interval_ns) for limit in limits]
        if len(keys) != len(set(keys)):
            raise ValueError(f"a (kind, interval) is declared twice in {limits}")
        previous = {(c.limit.kind, c.limit.interval_ns): c for c in self._counters}
        counters = []
        for limit in limits:
            counter = _Counter(limit, max(1, limit.limit * self._headroom // 100))
            old = previous.get((limit.kind, limit.interval_ns))
            if old is not None:
                counter.window_start, counter.used = old.window_start, old.used
            counters.append(counter)
        self._counters = counters

    def cost_of(self, endpoint: str) -> EndpointCost:
        """The declared cost of ``endpoint``; KeyError if it is not in the table."""
        try:
            return self._endpoint_costs[endpoint]
        except KeyError:
            raise KeyError(f"no declared cost for endpoint {endpoint!r}") from None

    # -- spending ------------------------------------------------------------------------------

    async def acquire(self, weight: int = 1, orders: int = 0) -> None:
        """Wait until ``weight`` request weight and ``orders`` orders fit, then spend them.

        Callers are served first come, first served, so a large request is not starved.
        Raises RequestTooLarge at once if no window could ever admit the request.
        """
        self._check_size(weight, orders)
        async with self._lock:
            while True:
                now = self._clock.now_ns()
                wait = self._wait_ns(now, weight, orders)
                if wait == 0:
                    self._spend(now, weight, orders)
                    return
                log.info(
                    "rate_limit_wait", limiter=self.name, wait_ns=wait, weight=weight, orders=orders
                )
                await self._sleep(wait)

    async def acquire_endpoint(self, endpoint: str) -> None:
        """``acquire`` the declared cost of one call of ``endpoint``."""
        cost = self.cost_of(endpoint)
        await self.acquire(cost.weight, cost.orders)

    def try_acquire(self, weight: int = 1, orders: int = 0) -> bool:
        """Spend now if it fits without waiting (and nobody is queued); never waits."""
        self._check_size(weight, orders)
        if self._lock.locked():
            return False
        now = self._clock.now_ns()
        if self._wait_ns(now, weight, orders):
            return False
        self._spend(now, weight, orders)
        return True

    def wait_ns(self, weight: int = 1, orders: int = 0) -> int:
        """How long a request of this size would wait now, ignoring queued callers."""
        return self._wait_ns(self._clock.now_ns(), weight, orders)

    @property
    def blocked_until_ns(self) -> int:
        """Until when a 429/418 blocks every request (0: not blocked)."""
        return self._blocked_until

    def usage(self) -> dict[str, tuple[int, int]]:
        """(used, budget) per limit label in the current windows."""
        now = self._clock.now_ns()
        return {c.limit.label: (c.used_at(now), c.budget) for c in self._counters}

    def _check_size(self, weight: int, orders: int) -> None:
        if weight < 0 or orders < 0:
            raise ValueError(f"weight and orders must be >= 0, got {weight}, {orders}")
        for counter in self._counters:
            cost = self._cost(counter.limit.kind, weight, orders)
            if cost > counter.budget:
                raise RequestTooLarge(
                    f"{self.name}: cost {cost} exceeds the whole budget {counter.budget} "
                    f"of {counter.limit.label}"
                )

    @staticmethod
    def _cost(kind: RateLimitKind, weight: int, orders: int) -> int:
        if kind is RateLimitKind.REQUEST_WEIGHT:
            return weight
        if kind is RateLimitKind.ORDERS:
            return orders
        return 1

    def _wait_ns(self, now: int, weight: int, orders: int) -> int:
        wait = max(0, self._blocked_until - now)
        for counter in self._counters:
            cost = self._cost(counter.limit.kind, weight, orders)
            if cost and counter.used_at(now) + cost > counter.budget:
                window_end = _window_start(now, counter.limit) + counter.limit.interval_ns
                wait = max(wait, window_end - now)
        return wait

    def _spend(self, now: int, weight: int, orders: int) -> None:
        for counter in self._counters:
            cost = self._cost(counter.limit.kind, weight, orders)
            if cost:
                counter.spend(now, cost)

    # -- what the venue told us ----------------------------------------------------------------

    def on_response(
        self, status: int, headers: Mapping[str, str], *, sent_ns: int | None = None
    ) -> None:
        """Correct the budget from a response's usage headers and back off on 429 / 418.

        ``sent_ns``: when the request was sent; a counter header is ignored if the window has
        changed since then (it would describe the previous window).
        """
        now = self._clock.now_ns()
        lowered = {key.lower(): value for key, value in headers.items()}
        for key, value in lowered.items():
            if key.startswith(self._headers.weight_prefix):
                self._correct(RateLimitKind.REQUEST_WEIGHT, key, value, now, sent_ns)
            elif key.startswith(self._headers.order_count_prefix):
                self._correct(RateLimitKind.ORDERS, key, value, now, sent_ns)
        if status in (418, 429):
            self._consecutive_refusals += 1
            retry_after = _seconds(lowered.get(self._headers.retry_after))
            if retry_after is not None:
                pause = retry_after * _SECOND
            elif status == 418:
                pause = self._ban_default * 2 ** (self._consecutive_refusals - 1)
            else:
                pause = min(
                    self._backoff_max, self._backoff_base * 2 ** (self._consecutive_refusals - 1)
                )
            self._blocked_until = max(self._blocked_until, now + pause)
            log.warning(
                "rate_limited_by_venue",
                limiter=self.name,
                status=status,
                pause_ns=pause,
                blocked_until_ns=self._blocked_until,
            )
        elif 200 <= status < 400:
            self._consecutive_refusals = 0

    def _correct(
        self, kind: RateLimitKind, key: str, value: str, now: int, sent_ns: int | None
    ) -> None:
        prefix = (
            self._headers.weight_prefix
            if kind is RateLimitKind.REQUEST_WEIGHT
            else self._headers.order_count_prefix
        )
        suffix = key[len(prefix) :]
        try:
            window = interval_ns(suffix[-1:], int(suffix[:-1]))
            venue_used = int(value)
        except ValueError:
            log.warning("usage_header_unreadable", limiter=self.name, header=key, value=value)
            return
        for counter in self._counters:
            if counter.limit.kind is kind and counter.limit.interval_ns == window:
                if sent_ns is not None and _window_start(sent_ns, counter.limit) != (
                    _window_start(now, counter.limit)
                ):
                    return
                counter.raise_to(now, venue_used)
                return


def _seconds(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        seconds = int(value.strip())
    except ValueError:
        return None  # an HTTP-date or garbage: fall back to our own backoff
    return seconds if seconds >= 0 else None


@dataclass(frozen=True, slots=True)
class _Key:
    venue: str
    scope: str


def provisional_limiter(clock: Clock, name: str) -> RateLimiter:
    """A conservative limiter (1200 request weight a minute) for the calls made before the
    venue's declared limits are known; ``update_limits`` replaces them once they are."""
    return RateLimiter(
        [RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * _SECOND, 1200)], clock=clock, name=name
    )


class RateLimiterRegistry:
    """One RateLimiter per (venue, scope), scope being the account or egress IP the venue counts.

    Pass the registry to the components that need it; do not reach it globally.
    """

    def __init__(self, *, clock: Clock, sleep: Sleeper | None = None) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[_Key, RateLimiter] = {}

    def get_or_create(
        self,
        venue: str,
        scope: str,
        limits: Sequence[RateLimit],
        *,
        headroom: int = 90,
        endpoint_costs: Mapping[str, EndpointCost] | None = None,
        headers: UsageHeaders | None = None,
    ) -> RateLimiter:
        """The shared limiter for (venue, scope); an existing one adopts ``limits``."""
        key = _Key(venue, scope)
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = RateLimiter(
                limits,
                clock=self._clock,
                sleep=self._sleep,
                headroom=headroom,
                endpoint_costs=endpoint_costs,
                headers=headers,
                name=f"{venue}:{scope}",
            )
            self._limiters[key] = limiter
        elif tuple(limits) != limiter.limits:
            limiter.update_limits(limits)
        return limiter

    def get(self, venue: str, scope: str) -> RateLimiter:
        """The limiter for (venue, scope); KeyError if none was created."""
        try:
            return self._limiters[_Key(venue, scope)]
        except KeyError:
            raise KeyError(f"no rate limiter for {venue}:{scope}") from None

    def __len__(self) -> int:
        return len(self._limiters)
