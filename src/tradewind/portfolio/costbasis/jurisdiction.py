"""Holding-period rules: when a disposal counts as held "more than one year".

US (IRC §1222, IRS Pub. 544): the holding period starts the day AFTER acquisition and includes the
day of disposal; long-term needs "more than one year". Bought 2024-03-01: sold 2025-03-01 is held
exactly one year -> short-term; sold 2025-03-02 -> long-term.
Germany (§23 Abs. 1 Nr. 2 EStG with §§187, 188 BGB): a private sale is taxable if acquisition and
sale are "not more than one year" apart; the year runs from the day after acquisition to the end of
the same calendar date a year later. Bought 2024-03-01: sold 2025-03-01 -> taxable; 2025-03-02 ->
tax-free. Both rules give the same boundary: held more than a year iff the local disposal DATE is
after the anniversary date. An acquisition on 29 February has its anniversary on 28 February
(§188(3) BGB; the IRS counts the same way).
Dates are calendar dates in the profile's time zone (US default UTC; Germany Europe/Berlin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["GERMANY", "JURISDICTIONS", "UNITED_STATES", "Jurisdiction", "jurisdiction"]

_HOUR_MS = 3_600_000


def _anniversary(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """A tax profile: labels for short/long holding and the time zone its dates are taken in."""

    code: str
    timezone: str
    short_label: str
    long_label: str
    long_is_tax_free: bool
    _cache: dict[int, int] = field(default_factory=dict, compare=False, repr=False)

    def long_from_ms(self, acquired_ms: int) -> int:
        """First UTC epoch ms at which a lot acquired at `acquired_ms` counts as held long-term."""
        # A time zone's offset only changes on whole hours, so all acquisitions within one UTC
        # hour share the local date and hence the threshold: cache per hour.
        hour = acquired_ms // _HOUR_MS
        threshold = self._cache.get(hour)
        if threshold is None:
            zone = ZoneInfo(self.timezone)
            local_day = datetime.fromtimestamp(acquired_ms / 1000, UTC).astimezone(zone).date()
            first_long_day = _anniversary(local_day) + timedelta(days=1)
            start = datetime.combine(first_long_day, time(0), tzinfo=zone)
            threshold = int(start.timestamp()) * 1000
            self._cache[hour] = threshold
        return threshold

    def is_long_term(self, acquired_ms: int, disposed_ms: int) -> bool:
        """True when the lot was held more than one year at disposal."""
        return disposed_ms >= self.long_from_ms(acquired_ms)


UNITED_STATES = Jurisdiction("us", "UTC", "short-term", "long-term", long_is_tax_free=False)
GERMANY = Jurisdiction("de", "Europe/Berlin", "taxable", "tax-free", long_is_tax_free=True)
JURISDICTIONS: dict[str, Jurisdiction] = {"us": UNITED_STATES, "de": GERMANY}


def jurisdiction(code: str, timezone: str | None = None) -> Jurisdiction:
    """The profile for `code` ("us", "de"), optionally with the taxpayer's own time zone."""
    try:
        base = JURISDICTIONS[code.lower()]
    except KeyError:
        raise ValueError(f"unknown jurisdiction {code!r}; known: {sorted(JURISDICTIONS)}") from None
    if timezone is None or timezone == base.timezone:
        return base
    ZoneInfo(timezone)  # raises on an unknown zone before anything is computed
    return Jurisdiction(
        base.code, timezone, base.short_label, base.long_label, base.long_is_tax_free
    )
