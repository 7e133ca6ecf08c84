"""A measure's value at one moment, judged against its threshold.

Producers (live measures, portfolio risk) emit ``MeasureReading``s; consumers (action plans,
``/metrics``, the web dashboard, alerts) read them. Values are floats: these are statistics and
ratios, never amounts sent anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

__all__ = ["Band", "MeasureReading", "MeasureSource", "Threshold"]


class Band(StrEnum):
    """How a value sits against its threshold."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"  # no value yet (no data, or not computable)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A limit on a measure: ``max`` (value must stay at or under), ``min`` (at or over) or
    ``abs_max`` (|value| at or under). ``warning`` is an optional earlier line on the same side:
    for ``max`` a value over ``warning`` but within ``limit`` is WARNING."""

    direction: Literal["max", "min", "abs_max"]
    limit: float
    warning: float | None = None

    def band(self, value: float | None) -> Band:
        if value is None or math.isnan(value):
            return Band.UNKNOWN
        if self.direction == "min":
            if value < self.limit:
                return Band.CRITICAL
            if self.warning is not None and value < self.warning:
                return Band.WARNING
            return Band.OK
        v = abs(value) if self.direction == "abs_max" else value
        if v > self.limit:
            return Band.CRITICAL
        if self.warning is not None and v > self.warning:
            return Band.WARNING
        return Band.OK


@dataclass(frozen=True, slots=True)
class MeasureReading:
    """One measure's value for one scope at one time.

    ``name`` is snake_case (``net_delta``, ``var_99_1d``); ``scope`` says what it is about:
    ``global``, ``asset:BTC``, ``strategy:quoter``, ``venue:sim``, ``tenant:alice``. ``unit`` is
    ``ratio`` (0.05 = 5 %), ``ms``, ``count``, or an asset code for amounts.
    """

    name: str
    scope: str
    value: float | None
    unit: str
    threshold: Threshold | None
    ts_ns: int

    @property
    def band(self) -> Band:
        if self.threshold is None:
            return Band.UNKNOWN if self.value is None else Band.OK
        return self.threshold.band(self.value)


class MeasureSource(Protocol):
    """Anything that can say what its measures read now."""

    def readings(self) -> list[MeasureReading]: ...
