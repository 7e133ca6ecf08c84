"""Panel helpers shared by the dashboards: every panel reads the ``$datasource`` Prometheus
variable, so a dashboard imported into any Grafana 11 picks its Prometheus at load time.

    timeseries(title, unit, *queries)   lines over time; ``Query(expr, legend)``
    stat(title, unit, *queries, steps)  a big number coloured by threshold steps
    state(title, query, mapping)        a value mapped to text and colour (trading states, bands)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import prometheus
from grafana_foundation_sdk.builders import stat as stat_panel
from grafana_foundation_sdk.builders import timeseries as ts_panel
from grafana_foundation_sdk.builders.dashboard import DatasourceVariable, ThresholdsConfig
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
)

__all__ = ["DATASOURCE", "Query", "datasource_variable", "stat", "state", "timeseries"]

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
_WIDTH = 8  # three panels to a row of Grafana's 24 columns
_HEIGHT = 8


@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL query of a panel; ``legend`` is Grafana's legend format (``{{venue}}``)."""

    expr: str
    legend: str = ""


def datasource_variable() -> DatasourceVariable:
    """The ``$datasource`` variable: any Prometheus data source of the Grafana instance."""
    return DatasourceVariable("datasource").label("Prometheus").type("prometheus")


def _target(query: Query, ref: str) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
    return target.legend_format(query.legend) if query.legend else target


def _refs(queries: Sequence[Query]) -> list[tuple[Query, str]]:
    return [(query, chr(ord("A") + index)) for index, query in enumerate(queries)]


def _thresholds(steps: Sequence[tuple[float | None, str]]) -> ThresholdsConfig:
    return (
        ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def timeseries(
    title: str,
    unit: str,
    *queries: Query,
    description: str = "",
    steps: Sequence[tuple[float | None, str]] = (),
    width: int = _WIDTH,
) -> ts_panel.Panel:
    """A time series of ``queries`` in Grafana ``unit`` (``short``, ``s``, ``percentunit``)."""
    panel = (
        ts_panel.Panel()
        .title(title)
        .unit(unit)
        .datasource(DATASOURCE)
        .span(width)
        .height(_HEIGHT)
        .fill_opacity(10)
    )
    if description:
        panel = panel.description(description)
    if steps:
        panel = panel.thresholds(_thresholds(steps))
    for query, ref in _refs(queries):
        panel = panel.with_target(_target(query, ref))
    return panel


def stat(
    title: str,
    unit: str,
    *queries: Query,
    steps: Sequence[tuple[float | None, str]] = ((None, "green"),),
    description: str = "",
    width: int = _WIDTH,
    mapping: Mapping[str, tuple[str, str]] | None = None,
) -> stat_panel.Panel:
    """A stat panel; ``steps`` are (lower bound or None, colour); ``mapping`` value → (text,
    colour)."""
    panel = (
        stat_panel.Panel()
        .title(title)
        .unit(unit)
        .datasource(DATASOURCE)
        .span(width)
        .height(_HEIGHT)
        .thresholds(_thresholds(steps))
    )
    if description:
        panel = panel.description(description)
    if mapping:
        results = {
            value: ValueMappingResult(text=text, color=color, index=index)
            for index, (value, (text, color)) in enumerate(mapping.items())
        }
        panel = panel.mappings([ValueMap(options=results)])
    for query, ref in _refs(queries):
        panel = panel.with_target(_target(query, ref))
    return panel


STATE_MAPPING = {"0": ("ACTIVE", "green"), "1": ("REDUCING", "orange"), "2": ("HALTED", "red")}
BAND_MAPPING = {
    "-1": ("unknown", "text"),
    "0": ("ok", "green"),
    "1": ("warning", "orange"),
    "2": ("critical", "red"),
}


def state(
    title: str, query: Query, mapping: Mapping[str, tuple[str, str]], *, width: int = _WIDTH
) -> stat_panel.Panel:
    """A stat panel showing each series' value as its mapped text and colour."""
    steps = [(None, "green")] + [
        (float(value), color) for value, (_, color) in mapping.items() if float(value) > 0
    ]
    return stat(title, "none", query, steps=steps, width=width, mapping=mapping)
