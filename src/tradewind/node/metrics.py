"""The node's Prometheus metrics: order flow counted from the bus, state read at scrape time.

    bus OrderEvents ─▶ NodeMetrics counters/histogram   (pushed as events happen)
    scrape ─▶ NodeStateCollector ─▶ node.risk.states(), node.health(), node.cache.tops(),
                                    node.handler_errors, node.measure_readings()

Exported (all prefixed ``tradewind_node_`` except the measures):

    orders_submitted_total{venue}        an order sent to a venue (OrderSubmitted)
    orders_refused_total{rule}           refused by a pre-trade risk rule, never sent
    orders_rejected_total{venue}         rejected by the venue, the engine's filters or the router
    fills_total{venue,symbol}            executions
    command_ack_seconds{venue}           OrderSubmitted → OrderAccepted/OrderRejected, histogram
    trading_state{scope}                 risk trading state: 0 active, 1 reducing, 2 halted
    running                              1 while the node runs (0 built, halted, stopped)
    open_orders{venue}, books_synced{venue}
    handler_errors_total                 strategy handlers that raised
    book_age_seconds{venue,symbol}       time since the last top of book was received
    tradewind_measure{name,scope,unit}   every MeasureReading with a value
    tradewind_measure_band{name,scope}   0 ok, 1 warning, 2 critical, -1 unknown

Times come from the node's clock, so a TestClock run reports its own (simulated) latencies.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from tradewind.common.logging import get_logger
from tradewind.common.metrics import (
    LabelledGaugeFamily,
    MetricsHttpServer,
    new_registry,
    sample_text,
    series_prefix,
)
from tradewind.core.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.risk.readings import Band, MeasureReading

if TYPE_CHECKING:
    from tradewind.node.node import TradingNode

__all__ = ["BAND_VALUES", "STATE_VALUES", "NodeMetrics", "NodeStateCollector"]

log = get_logger("node.metrics")

STATE_VALUES = {"active": 0, "reducing": 1, "halted": 2}
BAND_VALUES = {Band.OK: 0, Band.WARNING: 1, Band.CRITICAL: 2, Band.UNKNOWN: -1}
BAND_FLOATS = {band: float(value) for band, value in BAND_VALUES.items()}
_BAND_TEXT = {band: f"{value!r}\n" for band, value in BAND_FLOATS.items()}
# command-to-ack: an in-process venue answers in microseconds, a remote one in 10-500 ms
ACK_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_RISK_RULE = re.compile(r"^risk ([A-Za-z0-9_.-]+):")
_PENDING_KEPT = 100_000  # orders awaiting their ack; the oldest are dropped past this
_PREFIXES_KEPT = 100_000  # measure series whose line prefixes are kept between scrapes
_Prefixes = tuple[str, str, str]  # unit, value line prefix, band line prefix


class NodeMetrics:
    """The metrics of one TradingNode, in a registry of its own; a node Component that serves
    them on ``listen`` (host:port) when one is given, else only collects."""

    name = "metrics"

    def __init__(self, node: TradingNode, listen: str = "") -> None:
        self.node = node
        self.registry = new_registry()
        self.server = MetricsHttpServer(self.registry, listen) if listen else None
        self.submitted = Counter(
            "tradewind_node_orders_submitted",
            "Orders sent to a venue.",
            ["venue"],
            registry=self.registry,
        )
        self.refused = Counter(
            "tradewind_node_orders_refused",
            "Orders refused by a pre-trade risk rule (never sent).",
            ["rule"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "tradewind_node_orders_rejected",
            "Orders rejected by the venue, the engine's pre-trade filters or the router.",
            ["venue"],
            registry=self.registry,
        )
        self.fills = Counter(
            "tradewind_node_fills",
            "Executions of our orders.",
            ["venue", "symbol"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "tradewind_node_command_ack_seconds",
            "Seconds from an order sent to the venue's acknowledgement (accept or reject).",
            ["venue"],
            buckets=ACK_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(NodeStateCollector(node))
        self._pending: OrderedDict[str, int] = OrderedDict()  # client order id → sent at, ns
        node.bus.subscribe(OrderEvent, self._on_order_event)

    @property
    def url(self) -> str | None:
        """Where ``/metrics`` is served (after start), or None when it is not."""
        return None if self.server is None else self.server.url

    def _on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderSubmitted):
            self.submitted.labels(event.venue).inc()
            self._pending[event.client_order_id] = self.node.clock.now_ns()
            if len(self._pending) > _PENDING_KEPT:
                self._pending.popitem(last=False)
        elif isinstance(event, OrderAccepted):
            self._acked(event)
        elif isinstance(event, OrderRejected):
            rule = _RISK_RULE.match(event.reason)
            if rule is not None:
                self.refused.labels(rule.group(1)).inc()
            else:
                self.rejected.labels(event.venue).inc()
                self._acked(event)
        elif isinstance(event, OrderFilled):
            self.fills.labels(event.venue, event.symbol).inc()
            self._acked(event)  # a market order may be filled before we see its accept

    def _acked(self, event: OrderEvent) -> None:
        sent = self._pending.pop(event.client_order_id, None)
        if sent is not None:
            elapsed_ns = max(0, self.node.clock.now_ns() - sent)
            self.ack_latency.labels(event.venue).observe(elapsed_ns / 1e9)

    # -- Component -----------------------------------------------------------------------------

    async def restore(self) -> None:
        return None

    async def start(self) -> None:
        if self.server is not None:
            await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()


class NodeStateCollector(Collector):
    """Reads the node's state when Prometheus scrapes: risk states, health, book ages, handler
    errors and every measure reading (nothing is pushed, nothing goes stale in between)."""

    def __init__(self, node: TradingNode) -> None:
        self.node = node
        self._prefixes: dict[tuple[str, str], _Prefixes] = {}

    def collect(self) -> Iterable[Metric]:
        node = self.node
        health = node.health()
        running = GaugeMetricFamily(
            "tradewind_node_running", "1 while the node runs and trades, else 0."
        )
        running.add_metric([], 1.0 if health.ready else 0.0)
        yield running

        states = GaugeMetricFamily(
            "tradewind_node_trading_state",
            "Risk trading state per scope: 0 active, 1 reducing, 2 halted.",
            labels=["scope"],
        )
        for scope, state in sorted(health.risk.items()):
            states.add_metric([scope], float(STATE_VALUES.get(state, 2)))
        yield states

        open_orders = GaugeMetricFamily(
            "tradewind_node_open_orders", "Open orders per venue.", labels=["venue"]
        )
        synced = GaugeMetricFamily(
            "tradewind_node_books_synced",
            "Subscribed books in sync per venue.",
            labels=["venue"],
        )
        for venue, counts in sorted(health.venues.items()):
            open_orders.add_metric([venue], float(counts.get("open_orders", 0)))
            synced.add_metric([venue], float(counts.get("books_synced", 0)))
        yield open_orders
        yield synced

        errors = CounterMetricFamily(
            "tradewind_node_handler_errors", "Strategy handlers that raised."
        )
        errors.add_metric([], float(node.handler_errors))
        yield errors

        now_ns = node.clock.now_ns()
        ages = GaugeMetricFamily(
            "tradewind_node_book_age_seconds",
            "Seconds since the last top of book was received.",
            labels=["venue", "symbol"],
        )
        for top in sorted(node.cache.tops(), key=lambda t: (t.venue, t.symbol)):
            ages.add_metric([top.venue, top.symbol], max(0, now_ns - top.ts_init) / 1e9)
        yield ages

        yield from self._measure_families(self._readings())

    def _readings(self) -> list[MeasureReading]:
        try:
            return list(self.node.measure_readings())
        except Exception:
            # one broken measure source must not take the whole scrape down
            log.exception("measure_readings_failed")
            return []

    def _measure_families(self, readings: Iterable[MeasureReading]) -> Iterable[Metric]:
        value_lines: list[str] = []
        band_lines: list[str] = []
        add_value, add_band = value_lines.append, band_lines.append
        shown: list[MeasureReading] = []
        seen: set[tuple[str, str]] = set()
        cached = self._prefixes
        # thousands of readings per scrape: this loop is the scrape's cost, kept to the bone
        # (bench/bench_metrics.py); the band is MeasureReading.band, inlined
        for reading in readings:
            key = (reading.name, reading.scope)
            if key in seen:  # a series appears once per scrape; the first source wins
                continue
            seen.add(key)
            shown.append(reading)
            prefixes = cached.get(key)
            if prefixes is None or prefixes[0] != reading.unit:
                prefixes = self._prefixes_of(reading)
            value, threshold = reading.value, reading.threshold
            if value is not None and value == value:  # not NaN
                add_value(prefixes[1] + sample_text(float(value)))
            if threshold is not None:
                add_band(prefixes[2] + _BAND_TEXT[threshold.band(value)])
            else:
                add_band(prefixes[2] + ("-1.0\n" if value is None else "0.0\n"))
        yield LabelledGaugeFamily(
            "tradewind_measure",
            "A risk or performance measure's value (unit label: ratio, ms, count or an asset).",
            value_lines,
            lambda: _value_samples(shown),
        )
        yield LabelledGaugeFamily(
            "tradewind_measure_band",
            "A measure against its threshold: 0 ok, 1 warning, 2 critical, -1 unknown.",
            band_lines,
            lambda: _band_samples(shown),
        )

    def _prefixes_of(self, reading: MeasureReading) -> _Prefixes:
        # a series' labels and line prefixes are built once: a scrape then only formats values
        if len(self._prefixes) >= _PREFIXES_KEPT:
            self._prefixes.clear()
        value_labels = {"name": reading.name, "scope": reading.scope, "unit": reading.unit}
        band_labels = {"name": reading.name, "scope": reading.scope}
        prefixes = (
            reading.unit,
            series_prefix("tradewind_measure", value_labels),
            series_prefix("tradewind_measure_band", band_labels),
        )
        self._prefixes[(reading.name, reading.scope)] = prefixes
        return prefixes


def _value_samples(readings: list[MeasureReading]) -> list[Sample]:
    return [
        Sample(
            "tradewind_measure",
            {"name": r.name, "scope": r.scope, "unit": r.unit},
            float(r.value),
            None,
            None,
        )
        for r in readings
        if r.value is not None and r.value == r.value
    ]


def _band_samples(readings: list[MeasureReading]) -> list[Sample]:
    return [
        Sample(
            "tradewind_measure_band",
            {"name": r.name, "scope": r.scope},
            BAND_FLOATS[r.band],
            None,
            None,
        )
        for r in readings
    ]
