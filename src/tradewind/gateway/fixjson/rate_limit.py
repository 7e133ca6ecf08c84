"""Token buckets per user, spent by weight of message type.

A bucket holds at most ``capacity`` tokens and refills at ``refill_per_second``; a message costs
its type's weight and is refused (without spending anything) when the bucket holds less. The
limiter is keyed by whatever the caller names a user, so all sessions of one account share it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tradewind.core.clock import Clock

__all__ = ["DEFAULT_WEIGHTS", "InvalidRateLimit", "UnsignedBudget", "WeightedRateLimiter"]

DEFAULT_WEIGHTS: Mapping[str, int] = {
    "NewIndexOrder": 5,
    "CancelIndexOrder": 1,
    "NewQuoteRequest": 2,
    "CancelQuoteRequest": 1,
    "AccountStatusRequest": 2,
    "ReplayRequest": 5,
}

_NS_PER_S = 1_000_000_000
_PRUNE_AT = 10_000


class InvalidRateLimit(ValueError):
    """A rate limit that cannot work: non-positive capacity or refill, a weight above capacity."""


@dataclass(slots=True)
class _Bucket:
    units: int  # tokens x scale (integers: exact, and cheap on the per-frame path)
    at_ns: int


class WeightedRateLimiter:
    """Per-key token buckets: ``capacity`` tokens, ``refill_per_second`` tokens a second; message
    types cost ``weights[msg_type]`` tokens (``default_weight`` when absent). Exact arithmetic."""

    def __init__(
        self,
        *,
        capacity: int,
        refill_per_second: Fraction | Decimal | int,
        clock: Clock,
        weights: Mapping[str, int] = DEFAULT_WEIGHTS,
        default_weight: int = 1,
    ) -> None:
        refill = Fraction(refill_per_second)
        if capacity <= 0 or refill <= 0:
            raise InvalidRateLimit(
                f"capacity and refill must be positive, got {capacity} and {refill}"
            )
        heaviest = max([default_weight, *weights.values()])
        if heaviest > capacity or min([default_weight, *weights.values()]) <= 0:
            raise InvalidRateLimit(f"weights must be in 1..capacity ({capacity}), got {heaviest}")
        # one token is `scale` units; a nanosecond refills `refill.numerator` units
        self._scale = refill.denominator * _NS_PER_S
        self._units_per_ns = refill.numerator
        self._capacity_units = capacity * self._scale
        self._weights = dict(weights)
        self._default_weight = default_weight
        self._clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}

    def weight_of(self, msg_type: str) -> int:
        return self._weights.get(msg_type, self._default_weight)

    def _level(self, key: Hashable, now_ns: int) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self._capacity_units, now_ns)
            self._buckets[key] = bucket
        elif now_ns > bucket.at_ns:
            refilled = bucket.units + (now_ns - bucket.at_ns) * self._units_per_ns
            bucket.units = min(self._capacity_units, refilled)
            bucket.at_ns = now_ns
        return bucket

    def available(self, key: Hashable) -> Fraction:
        """Tokens ``key`` holds now."""
        return Fraction(self._level(key, self._clock.now_ns()).units, self._scale)

    def can_take(self, key: Hashable, msg_type: str) -> bool:
        """Whether ``key`` could send ``msg_type`` now (spends nothing)."""
        units = self._level(key, self._clock.now_ns()).units
        return units >= self.weight_of(msg_type) * self._scale

    def try_take(self, key: Hashable, msg_type: str) -> bool:
        """Spend ``msg_type``'s weight from ``key``'s bucket; False (nothing spent) if short."""
        now_ns = self._clock.now_ns()
        bucket = self._level(key, now_ns)
        weight = self.weight_of(msg_type)
        if bucket.units < weight * self._scale:
            return False
        bucket.units -= weight * self._scale
        if len(self._buckets) > _PRUNE_AT:
            self._prune(now_ns)
        return True

    def _prune(self, now_ns: int) -> None:
        # A full bucket is indistinguishable from a new one, so forgetting it changes nothing.
        for key in list(self._buckets):
            if self._level(key, now_ns).units >= self._capacity_units:
                del self._buckets[key]


class UnsignedBudget:
    """What unsigned messages may cost: each must fit both its source address's bucket and the
    bucket all unsigned traffic shares (weights as in ``WeightedRateLimiter``)."""

    _SHARED = "*"

    def __init__(self, per_address: WeightedRateLimiter, shared: WeightedRateLimiter) -> None:
        self._per_address = per_address
        self._shared = shared

    def try_take(self, address: str, msg_type: str) -> bool:
        """Spend from both buckets, or from neither (False) when either is short."""
        if not (
            self._per_address.can_take(address, msg_type)
            and self._shared.can_take(self._SHARED, msg_type)
        ):
            return False
        self._per_address.try_take(address, msg_type)
        self._shared.try_take(self._SHARED, msg_type)
        return True
