"""A reference price per asset, aggregated over venues, that is never a silent number.

Each venue reports a mid for an asset (in the oracle's quote currency). ``price`` answers with
exactly one of:

    Price(value, sources, ts)            median of the fresh, mutually consistent mids
    StalePrice(last_value, age)          only old observations exist
    RateLimitedSource(venue, retry_after) the sources we would need are rate-limited
    NoPrice(reason)                      nothing usable (no data, sources disagree, too few)

Guards: an observation older than ``max_age_ns`` is stale; a venue whose mid deviates from the
median of the other venues by more than ``max_deviation`` (a fraction: 0.02 = 2%) is dropped,
worst offender first, so one bad venue cannot drag the others out with it. Two venues that
disagree cannot outvote each other, so they give NoPrice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradewind.common.logging import get_logger

__all__ = ["NoPrice", "OracleResult", "Price", "PriceOracle", "RateLimitedSource", "StalePrice"]

log = get_logger("pricing.oracle")


@dataclass(frozen=True, slots=True)
class Price:
    """A reference price in quote units per asset unit.

    ``sources``: venues whose mids made it; ``ts``: ns timestamp of the oldest of them;
    ``excluded``: (venue, reason) pairs dropped by the deviation guard.
    """

    value: Decimal
    sources: tuple[str, ...]
    ts: int
    excluded: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class NoPrice:
    """No usable price; ``reason`` says why."""

    reason: str


@dataclass(frozen=True, slots=True)
class StalePrice:
    """Only stale data: the newest mid ``last_value`` was observed ``age`` ns ago."""

    last_value: Decimal
    age: int


@dataclass(frozen=True, slots=True)
class RateLimitedSource:
    """A needed venue is rate-limited; ask again in ``retry_after`` ns."""

    venue: str
    retry_after: int


OracleResult = Price | NoPrice | StalePrice | RateLimitedSource


@dataclass(frozen=True, slots=True)
class _Observation:
    mid: Decimal
    ts: int


class PriceOracle:
    """Reference prices per asset from venue mids.

    ``max_age_ns``: oldest usable observation; ``max_deviation``: fraction a venue may differ
    from the median of the others; ``min_sources``: venues needed for a Price.
    """

    def __init__(self, *, max_age_ns: int, max_deviation: Decimal, min_sources: int = 1) -> None:
        if max_age_ns <= 0:
            raise ValueError(f"max_age_ns must be > 0, got {max_age_ns}")
        if not max_deviation.is_finite() or max_deviation <= 0:
            raise ValueError(f"max_deviation must be a fraction > 0, got {max_deviation}")
        if min_sources < 1:
            raise ValueError(f"min_sources must be >= 1, got {min_sources}")
        self._max_age = max_age_ns
        self._max_deviation = max_deviation
        self._min_sources = min_sources
        self._observations: dict[str, dict[str, _Observation]] = {}
        self._limited_until: dict[str, int] = {}

    def observe(self, asset: str, venue: str, mid: Decimal, ts: int) -> None:
        """Record ``venue``'s mid for ``asset`` at ``ts`` ns; an older one than held is ignored."""
        if not mid.is_finite() or mid <= 0:
            raise ValueError(f"{venue} {asset}: mid must be > 0, got {mid}")
        if ts < 0:
            raise ValueError(f"{venue} {asset}: ts must be >= 0 ns, got {ts}")
        by_venue = self._observations.setdefault(asset, {})
        held = by_venue.get(venue)
        if held is None or ts >= held.ts:
            by_venue[venue] = _Observation(mid, ts)

    def forget(self, asset: str, venue: str) -> None:
        """Drop ``venue``'s observation of ``asset`` (its book lost sync, it was delisted)."""
        self._observations.get(asset, {}).pop(venue, None)

    def mark_rate_limited(self, venue: str, until_ns: int) -> None:
        """``venue`` refuses requests until ``until_ns``."""
        self._limited_until[venue] = max(until_ns, self._limited_until.get(venue, 0))

    def price(self, asset: str, now_ns: int) -> OracleResult:
        """The reference price of ``asset`` at ``now_ns``, as one explicit state."""
        observations = self._observations.get(asset, {})
        fresh = {
            venue: observation
            for venue, observation in observations.items()
            if now_ns - observation.ts <= self._max_age
        }
        kept, excluded, disagreement = self._consistent(fresh)
        if len(kept) >= self._min_sources:
            return Price(
                value=_median([fresh[venue].mid for venue in kept]),
                sources=tuple(sorted(kept)),
                ts=min(fresh[venue].ts for venue in kept),
                excluded=tuple(sorted(excluded.items())),
            )
        if disagreement is not None:
            log.warning("oracle_sources_disagree", asset=asset, detail=disagreement)
            return NoPrice(disagreement)
        limited = self._limited(observations, now_ns)
        if limited is not None:
            return limited
        if kept:
            return NoPrice(f"{asset}: {len(kept)} fresh source(s), need {self._min_sources}")
        if observations:
            newest = max(observations.values(), key=lambda observation: observation.ts)
            return StalePrice(newest.mid, now_ns - newest.ts)
        return NoPrice(f"{asset}: no venue has reported a price")

    def _consistent(
        self, fresh: dict[str, _Observation]
    ) -> tuple[list[str], dict[str, str], str | None]:
        kept = sorted(fresh)
        excluded: dict[str, str] = {}
        while len(kept) >= 2:
            deviations = {
                venue: _deviation(fresh[venue].mid, [fresh[o].mid for o in kept if o != venue])
                for venue in kept
            }
            worst = max(kept, key=lambda venue: (deviations[venue], venue))
            if deviations[worst] <= self._max_deviation:
                break
            if len(kept) == 2:
                first, second = kept
                return (
                    [],
                    excluded,
                    (
                        f"{first} at {fresh[first].mid} and {second} at {fresh[second].mid} "
                        f"differ by more than {self._max_deviation}"
                    ),
                )
            excluded[worst] = f"deviates {deviations[worst]:.6f} from the others' median"
            kept.remove(worst)
        return kept, excluded, None

    def _limited(
        self, observations: dict[str, _Observation], now_ns: int
    ) -> RateLimitedSource | None:
        candidates = [
            (until, venue)
            for venue, until in self._limited_until.items()
            if until > now_ns and (venue in observations or not observations)
        ]
        if not candidates:
            return None
        until, venue = min(candidates)
        return RateLimitedSource(venue, until - now_ns)


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _deviation(value: Decimal, others: Sequence[Decimal]) -> Decimal:
    reference = _median(others)
    return abs(value - reference) / reference
