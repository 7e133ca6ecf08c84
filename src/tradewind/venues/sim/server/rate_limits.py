"""Binance's rate limits, enforced exactly as the simulated exchange's exchangeInfo declares them.

Counters are fixed windows aligned to the interval (a minute window resets at :00), as Binance's
are. REQUEST_WEIGHT and RAW_REQUESTS count per IP; ORDERS count per account. A client that keeps
sending while it is being told 429 is banned with 418, for a time that doubles with each ban
(2 minutes up to 3 days, Binance's range).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tradewind.venues.sim.engine import SimError

_INTERVAL_MS = {"SECOND": 1_000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_INTERVAL_LETTER = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}
MIN_BAN_MS = 120_000
MAX_BAN_MS = 3 * 86_400_000


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One line of exchangeInfo ``rateLimits``; ``limit`` counts per ``interval_num`` intervals."""

    kind: str  # REQUEST_WEIGHT | ORDERS | RAW_REQUESTS
    interval: str  # SECOND | MINUTE | HOUR | DAY
    interval_num: int
    limit: int

    @property
    def window_ms(self) -> int:
        return _INTERVAL_MS[self.interval] * self.interval_num

    @property
    def header_suffix(self) -> str:
        return f"{self.interval_num}{_INTERVAL_LETTER[self.interval]}"

    def as_exchange_info(self) -> dict[str, object]:
        return {
            "rateLimitType": self.kind,
            "interval": self.interval,
            "intervalNum": self.interval_num,
            "limit": self.limit,
        }


DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit("REQUEST_WEIGHT", "MINUTE", 1, 6000),
    RateLimit("ORDERS", "SECOND", 10, 100),
    RateLimit("ORDERS", "DAY", 1, 200_000),
    RateLimit("RAW_REQUESTS", "MINUTE", 5, 61_000),
)


@dataclass(slots=True)
class _Window:
    start_ms: int = 0
    count: int = 0

    def roll(self, now_ms: int, window_ms: int) -> None:
        start = now_ms - now_ms % window_ms
        if start != self.start_ms:
            self.start_ms = start
            self.count = 0


@dataclass(slots=True)
class _IpState:
    windows: dict[RateLimit, _Window] = field(default_factory=dict)
    limited_until_ms: int = 0
    ignored_429s: int = 0
    banned_until_ms: int = 0
    bans: int = 0


@dataclass(frozen=True, slots=True)
class Usage:
    """What a response reports in its ``X-MBX-*`` headers."""

    headers: dict[str, str]


class RateLimitPolicy:
    """Counts request weight per IP and orders per account; answers 429, then 418 when ignored."""

    def __init__(
        self,
        limits: tuple[RateLimit, ...] = DEFAULT_RATE_LIMITS,
        *,
        ignored_429s_before_ban: int = 5,
    ) -> None:
        self.limits = limits
        self._ignored_before_ban = ignored_429s_before_ban
        self._ips: dict[str, _IpState] = {}
        self._accounts: dict[str, dict[RateLimit, _Window]] = {}

    def exchange_info(self) -> list[dict[str, object]]:
        return [limit.as_exchange_info() for limit in self.limits]

    def _ip(self, ip: str) -> _IpState:
        state = self._ips.get(ip)
        if state is None:
            state = self._ips[ip] = _IpState()
        return state

    def check_ban(self, ip: str, now_ms: int) -> None:
        """418 for a banned IP before any work is done."""
        state = self._ip(ip)
        if state.banned_until_ms > now_ms:
            raise _banned(state.banned_until_ms, now_ms)

    def charge_request(self, ip: str, weight: int, now_ms: int) -> dict[str, str]:
        """Count one request of ``weight``; return usage headers or raise 429/418."""
        state = self._ip(ip)
        self.check_ban(ip, now_ms)
        if state.limited_until_ms > now_ms:
            # The client was told to back off and did not: count it towards a ban.
            state.ignored_429s += 1
            if state.ignored_429s >= self._ignored_before_ban:
                ban_ms = min(MAX_BAN_MS, MIN_BAN_MS * (2**state.bans))
                state.bans += 1
                state.ignored_429s = 0
                state.banned_until_ms = now_ms + ban_ms
                raise _banned(state.banned_until_ms, now_ms)
        headers: dict[str, str] = {}
        exceeded: RateLimit | None = None
        for limit in self.limits:
            if limit.kind not in ("REQUEST_WEIGHT", "RAW_REQUESTS"):
                continue
            window = state.windows.get(limit)
            if window is None:
                window = state.windows[limit] = _Window()
            window.roll(now_ms, limit.window_ms)
            window.count += weight if limit.kind == "REQUEST_WEIGHT" else 1
            if limit.kind == "REQUEST_WEIGHT":
                headers[f"X-MBX-USED-WEIGHT-{limit.header_suffix}"] = str(window.count)
            if window.count > limit.limit and exceeded is None:
                exceeded = limit
        if exceeded is not None:
            window = state.windows[exceeded]
            reset_ms = window.start_ms + exceeded.window_ms
            state.limited_until_ms = max(state.limited_until_ms, reset_ms)
            raise RateLimited(
                SimError(
                    -1003,
                    f"Too much request weight used; current limit is {exceeded.limit} request "
                    f"weight per {exceeded.interval_num} {exceeded.interval}. Please use WebSocket "
                    "Streams for live updates to avoid polling the API.",
                    429,
                ),
                retry_after_s=max(1, -(-(reset_ms - now_ms) // 1000)),
                headers=headers,
            )
        return headers

    def charge_order(self, account_id: str, ip: str, now_ms: int) -> dict[str, str]:
        """Count one new order for the account; return order-count headers or raise 429."""
        windows = self._accounts.setdefault(account_id, {})
        headers: dict[str, str] = {}
        exceeded: RateLimit | None = None
        for limit in self.limits:
            if limit.kind != "ORDERS":
                continue
            window = windows.get(limit)
            if window is None:
                window = windows[limit] = _Window()
            window.roll(now_ms, limit.window_ms)
            window.count += 1
            headers[f"X-MBX-ORDER-COUNT-{limit.header_suffix}"] = str(window.count)
            if window.count > limit.limit and exceeded is None:
                exceeded = limit
        if exceeded is not None:
            reset_ms = windows[exceeded].start_ms + exceeded.window_ms
            state = self._ip(ip)
            state.limited_until_ms = max(state.limited_until_ms, reset_ms)
            raise RateLimited(
                SimError(
                    -1015,
                    f"Too many new orders; current limit is {exceeded.limit} orders per "
                    f"{exceeded.interval_num} {exceeded.interval}.",
                    429,
                ),
                retry_after_s=max(1, -(-(reset_ms - now_ms) // 1000)),
                headers=headers,
            )
        return headers

    def order_headers(self, account_id: str, now_ms: int) -> dict[str, str]:
        """Current order counts without charging (for responses to non-order requests)."""
        headers: dict[str, str] = {}
        windows = self._accounts.get(account_id, {})
        for limit in self.limits:
            if limit.kind == "ORDERS":
                window = windows.get(limit, _Window())
                window.roll(now_ms, limit.window_ms)
                headers[f"X-MBX-ORDER-COUNT-{limit.header_suffix}"] = str(window.count)
        return headers


class RateLimited(Exception):
    """A 429 or 418 answer, with ``Retry-After`` seconds and the usage headers so far."""

    def __init__(
        self, error: SimError, retry_after_s: int, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error.msg)
        self.error = error
        self.retry_after_s = retry_after_s
        self.headers = headers or {}


def _banned(until_ms: int, now_ms: int) -> RateLimited:
    return RateLimited(
        SimError(
            -1003,
            f"Way too much request weight used; IP banned until {until_ms}. Please use WebSocket "
            "Streams for live updates to avoid bans.",
            418,
        ),
        retry_after_s=max(1, -(-(until_ms - now_ms) // 1000)),
    )


def depth_weight(limit: int) -> int:
    """Binance's weight for GET /api/v3/depth by ``limit``."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250
