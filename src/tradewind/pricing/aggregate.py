"""One reference price per asset from several kinds of source, as an explicit state.

Sources (configured per name: kind, weight, staleness)::

    cex        a CEX mid (several venues)            DEX spot   a pool's spot price
    dex_twap   a v3 pool's TWAP (``observe``)         feed       an on-chain feed (Chainlink)

``AggregatedOracle.price(asset, now_ns)`` answers a ``ReferencePrice`` in one of five states:

    OK            value = weighted mean of the fresh, mutually consistent readings
    DEVIATING     the fresh readings disagree beyond ``max_deviation`` with no consistent
                  majority (or fewer than ``min_sources`` stay once the outliers are dropped)
    STALE         only readings older than their source's ``max_age_ns``; value = the newest
    RATE_LIMITED  the sources that could answer are rate-limited; ``retry_after_ns`` says when
    NO_PRICE      nothing was ever observed (or no source is configured for it)

Every answer lists every reading with its source, kind, value, age (ns) and what happened to it
(used / stale / deviating / rate-limited), so a consumer sees why. ``quotable`` returns the
value only in state OK and raises ``PriceNotUsableError`` (carrying the ReferencePrice)
otherwise: a quoting path never gets a silent number.

Deviation: a reading is an outlier when it is more than ``max_deviation`` (a fraction) away
from the weighted median of the others; the worst is dropped first, one at a time, while at
least three readings remain (two that disagree cannot outvote each other).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tradewind.common.logging import get_logger

__all__ = [
    "AggregatedOracle",
    "InvalidOracleConfigError",
    "OracleConfig",
    "OracleState",
    "PriceNotUsableError",
    "ReadingStatus",
    "ReferencePrice",
    "SourceConfig",
    "SourceKind",
    "SourceReading",
    "UnknownSourceError",
]

_log = get_logger("pricing.aggregate")


class SourceKind(StrEnum):
    CEX = "cex"
    DEX_SPOT = "dex_spot"
    DEX_TWAP = "dex_twap"
    FEED = "feed"


class OracleState(StrEnum):
    OK = "ok"
    DEVIATING = "deviating"
    STALE = "stale"
    RATE_LIMITED = "rate_limited"
    NO_PRICE = "no_price"


class ReadingStatus(StrEnum):
    USED = "used"
    STALE = "stale"
    DEVIATING = "deviating"
    RATE_LIMITED = "rate_limited"


class InvalidOracleConfigError(ValueError):
    """A weight, age, threshold or source list that cannot work."""


class UnknownSourceError(KeyError):
    """An observation from a source the oracle was not configured with."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One source: ``weight`` (> 0, relative), ``max_age_ns`` after which it is stale."""

    name: str
    kind: SourceKind
    weight: Decimal = Decimal(1)
    max_age_ns: int = 10_000_000_000

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidOracleConfigError("a source needs a name")
        if not self.weight.is_finite() or self.weight <= 0:
            raise InvalidOracleConfigError(f"{self.name}: weight must be > 0, got {self.weight}")
        if self.max_age_ns <= 0:
            raise InvalidOracleConfigError(f"{self.name}: max_age_ns must be > 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class OracleConfig:
    """Sources, ``max_deviation`` (fraction, 0.02 = 2 %) and ``min_sources`` for OK."""

    sources: tuple[SourceConfig, ...]
    max_deviation: Decimal = Decimal("0.02")
    min_sources: int = 1

    def __post_init__(self) -> None:
        names = [source.name for source in self.sources]
        if not names:
            raise InvalidOracleConfigError("an oracle needs at least one source")
        if len(set(names)) != len(names):
            raise InvalidOracleConfigError(f"duplicate source names in {names}")
        if not self.max_deviation.is_finite() or self.max_deviation <= 0:
            raise InvalidOracleConfigError("max_deviation must be a fraction > 0")
        if self.min_sources < 1:
            raise InvalidOracleConfigError("min_sources must be >= 1")


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What one source said about the asset, how old it is (ns) and how it was used."""

    source: str
    kind: SourceKind
    value: Decimal
    age_ns: int
    weight: Decimal
    status: ReadingStatus


@dataclass(frozen=True, slots=True)
class ReferencePrice:
    """The oracle's answer: a state, a value where the state has one, every reading."""

    asset: str
    state: OracleState
    value: Decimal | None
    readings: tuple[SourceReading, ...] = ()
    reason: str = ""
    retry_after_ns: int | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.source for r in self.readings if r.status is ReadingStatus.USED)

    @property
    def oldest_used_age_ns(self) -> int | None:
        ages = [r.age_ns for r in self.readings if r.status is ReadingStatus.USED]
        return max(ages) if ages else None


class PriceNotUsableError(RuntimeError):
    """``quotable`` was asked for a price that is not OK; ``price`` says which state."""

    def __init__(self, price: ReferencePrice) -> None:
        super().__init__(f"{price.asset}: price is {price.state.value}: {price.reason}")
        self.price = price


@dataclass
class _Observation:
    value: Decimal
    ts_ns: int


@dataclass
class _AssetBook:
    by_source: dict[str, _Observation] = field(default_factory=dict)


class AggregatedOracle:
    """Reference prices from configured sources; see the module doc for the states."""

    def __init__(self, config: OracleConfig) -> None:
        self._config = config
        self._sources = {source.name: source for source in config.sources}
        self._assets: dict[str, _AssetBook] = {}
        self._limited_until: dict[str, int] = {}

    def observe(self, asset: str, source: str, value: Decimal, ts_ns: int) -> None:
        """``source`` says ``asset`` is worth ``value`` (quote units) at ``ts_ns``; an older
        observation than the one held is ignored. Bad input raises and changes nothing."""
        if source not in self._sources:
            raise UnknownSourceError(f"unknown price source {source!r}")
        if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
            raise ValueError(f"{source} {asset}: price must be a Decimal > 0, got {value!r}")
        if ts_ns < 0:
            raise ValueError(f"{source} {asset}: ts_ns must be >= 0")
        book = self._assets.setdefault(asset, _AssetBook())
        held = book.by_source.get(source)
        if held is None or ts_ns >= held.ts_ns:
            book.by_source[source] = _Observation(value, ts_ns)

    def forget(self, asset: str, source: str) -> None:
        """Drop a source's reading (its book lost sync, the pool was drained)."""
        self._assets.get(asset, _AssetBook()).by_source.pop(source, None)

    def mark_rate_limited(self, source: str, until_ns: int) -> None:
        if source not in self._sources:
            raise UnknownSourceError(f"unknown price source {source!r}")
        self._limited_until[source] = max(until_ns, self._limited_until.get(source, 0))

    def quotable(self, asset: str, now_ns: int) -> Decimal:
        """The value of an OK price; any other state raises ``PriceNotUsableError``."""
        price = self.price(asset, now_ns)
        if price.state is not OracleState.OK or price.value is None:
            raise PriceNotUsableError(price)
        return price.value

    def price(self, asset: str, now_ns: int) -> ReferencePrice:
        """The reference price of ``asset`` at ``now_ns`` as one explicit state."""
        observations = self._assets.get(asset, _AssetBook()).by_source
        if not observations:
            limited = self._retry_after(self._sources, now_ns)
            if limited is not None:
                return ReferencePrice(
                    asset,
                    OracleState.RATE_LIMITED,
                    None,
                    (),
                    "every source is rate-limited",
                    limited,
                )
            return ReferencePrice(asset, OracleState.NO_PRICE, None, (), "no source has a price")
        statuses: dict[str, ReadingStatus] = {}
        fresh: list[str] = []
        for name, observation in observations.items():
            source = self._sources[name]
            if self._limited_until.get(name, 0) > now_ns:
                statuses[name] = ReadingStatus.RATE_LIMITED
            elif now_ns - observation.ts_ns > source.max_age_ns:
                statuses[name] = ReadingStatus.STALE
            else:
                fresh.append(name)
        kept, outliers, disagreement = self._consistent(observations, fresh)
        for name in kept:
            statuses[name] = ReadingStatus.USED
        for name in outliers:
            statuses[name] = ReadingStatus.DEVIATING
        readings = self._readings(observations, statuses, now_ns)
        if disagreement is not None:
            _log.warning("oracle.sources_disagree", asset=asset, detail=disagreement)
            return ReferencePrice(asset, OracleState.DEVIATING, None, readings, disagreement)
        if len(kept) >= self._config.min_sources:
            total = sum((self._sources[n].weight for n in kept), Decimal(0))
            value = (
                sum((observations[n].value * self._sources[n].weight for n in kept), Decimal(0))
                / total
            )
            return ReferencePrice(asset, OracleState.OK, value, readings)
        if outliers:
            reason = f"{len(kept)} consistent source(s) after dropping outliers, need "
            return ReferencePrice(
                asset,
                OracleState.DEVIATING,
                None,
                readings,
                f"{reason}{self._config.min_sources}",
            )
        limited_names = [n for n, s in statuses.items() if s is ReadingStatus.RATE_LIMITED]
        retry = self._retry_after(limited_names, now_ns)
        if retry is not None:
            return ReferencePrice(
                asset,
                OracleState.RATE_LIMITED,
                None,
                readings,
                f"rate-limited: {', '.join(sorted(limited_names))}",
                retry,
            )
        if kept:
            return ReferencePrice(
                asset,
                OracleState.NO_PRICE,
                None,
                readings,
                f"{len(kept)} fresh source(s), need {self._config.min_sources}",
            )
        newest = max(observations.values(), key=lambda o: o.ts_ns)
        return ReferencePrice(
            asset,
            OracleState.STALE,
            newest.value,
            readings,
            f"newest reading is {now_ns - newest.ts_ns} ns old",
        )

    def _readings(
        self,
        observations: Mapping[str, _Observation],
        statuses: Mapping[str, ReadingStatus],
        now_ns: int,
    ) -> tuple[SourceReading, ...]:
        return tuple(
            SourceReading(
                source=name,
                kind=self._sources[name].kind,
                value=observations[name].value,
                age_ns=now_ns - observations[name].ts_ns,
                weight=self._sources[name].weight,
                status=statuses[name],
            )
            for name in sorted(observations)
        )

    def _retry_after(self, names: Iterable[str], now_ns: int) -> int | None:
        untils = [self._limited_until.get(n, 0) for n in names]
        waiting = [u for u in untils if u > now_ns]
        if not waiting or len(waiting) != len(untils):
            return None
        return min(waiting) - now_ns

    def _consistent(
        self, observations: Mapping[str, _Observation], fresh: list[str]
    ) -> tuple[list[str], list[str], str | None]:
        kept = sorted(fresh)
        outliers: list[str] = []
        limit = self._config.max_deviation
        while len(kept) >= 2:
            deviation = {
                name: _deviation(
                    observations[name].value,
                    [(observations[o].value, self._sources[o].weight) for o in kept if o != name],
                )
                for name in kept
            }
            worst = max(kept, key=lambda name: (deviation[name], name))
            if deviation[worst] <= limit:
                break
            if len(kept) == 2:
                a, b = kept
                return (
                    [],
                    [*outliers, a, b],
                    f"{a} at {observations[a].value} and {b} at {observations[b].value} "
                    f"differ by more than {limit}",
                )
            outliers.append(worst)
            kept.remove(worst)
        return kept, outliers, None


def _weighted_median(values: list[tuple[Decimal, Decimal]]) -> Decimal:
    ordered = sorted(values)
    half = sum((w for _, w in ordered), Decimal(0)) / 2
    running = Decimal(0)
    for index, (value, weight) in enumerate(ordered):
        running += weight
        if running > half:
            return value
        if running == half:
            return (value + ordered[index + 1][0]) / 2
    return ordered[-1][0]


def _deviation(value: Decimal, others: list[tuple[Decimal, Decimal]]) -> Decimal:
    reference = _weighted_median(others)
    return abs(value - reference) / reference
