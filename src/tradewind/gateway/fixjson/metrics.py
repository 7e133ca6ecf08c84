"""The gateway's Prometheus metrics, served at ``/metrics`` on its REST app.

Exported (prefix ``tradewind_gateway_``): ``sessions`` (open FIX/JSON sessions, read at scrape
time), ``messages_in_total{msg_type}`` (admitted client messages), ``messages_out_total{msg_type}``
(server messages queued: ACKs, NAKs, responses, reports), ``naks_total{reason}`` (refused
frames and handler failures, by RejectReason), ``dropped_frames_total`` (frames dropped
unanswered by the flood guards).

The registry is ``app.state.metrics``: whoever runs the gateway inside a larger process (the
index desk's runtime) adds its own collectors to it, so one scrape sees the whole process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tradewind.gateway.fixjson.messages import Nak, ServerMessageBase

__all__ = ["GatewayMetrics"]


class GatewayMetrics:
    """Counters of one gateway app; ``sessions`` says how many sessions are open now."""

    def __init__(self, registry: CollectorRegistry, sessions: Callable[[], int]) -> None:
        self.registry = registry
        self.messages_in = Counter(
            "tradewind_gateway_messages_in",
            "Client messages admitted, by msg_type.",
            ["msg_type"],
            registry=registry,
        )
        self.messages_out = Counter(
            "tradewind_gateway_messages_out",
            "Server messages queued to clients, by msg_type.",
            ["msg_type"],
            registry=registry,
        )
        self.naks = Counter(
            "tradewind_gateway_naks",
            "NAKs sent, by reason.",
            ["reason"],
            registry=registry,
        )
        self.dropped_frames = Counter(
            "tradewind_gateway_dropped_frames",
            "Client frames dropped unanswered by the flood guards.",
            registry=registry,
        )
        registry.register(_SessionsCollector(sessions))

    def sent(self, model: type[ServerMessageBase], fields: Mapping[str, Any]) -> None:
        """A server message was queued (a ``SentHook``)."""
        self.messages_out.labels(model.MSG_TYPE).inc()
        if model is Nak:
            self.naks.labels(str(fields.get("reason", "unknown"))).inc()


class _SessionsCollector(Collector):
    def __init__(self, sessions: Callable[[], int]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily("tradewind_gateway_sessions", "Open FIX/JSON sessions.")
        gauge.add_metric([], float(self._sessions()))
        yield gauge
