"""The simulated exchange's Prometheus metrics, served at ``/metrics`` on its REST port.

    RestPipeline ─▶ observe_rest(endpoint, status, seconds)   requests, latency, order results
    engine listener ─▶ trades counted as they print
    scrape ─▶ SimStateCollector ─▶ WebSocket connections, book depth per symbol

Exported (prefix ``tradewind_sim_``): ``rest_requests_total{endpoint,method,status}``,
``rest_request_seconds{endpoint}`` (histogram), ``orders_accepted_total{symbol}`` and
``orders_rejected_total{code}`` (REST order placement; ``code`` is Binance's error code),
``trades_total{symbol}`` (every public trade, the simulated market's included),
``ws_connections``, ``book_levels{symbol,side}`` and ``book_depth{symbol,side}`` (base units on
the first 100 levels; a float for charts, never an amount sent anywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import orjson
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tradewind.common.metrics import new_registry
from tradewind.venues.sim.engine.events import EngineEvent, TradeExecuted

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

__all__ = ["SimMetrics"]

# a local sim answers in well under a millisecond; injected delays reach seconds
REST_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
DEPTH_LEVELS = 100


class SimMetrics:
    """Counters of one SimExchange, in a registry of its own."""

    def __init__(self, exchange: SimExchange) -> None:
        self.registry = new_registry()
        self.requests = Counter(
            "tradewind_sim_rest_requests",
            "REST requests by endpoint path, method and HTTP status.",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tradewind_sim_rest_request_seconds",
            "Seconds to answer a REST request.",
            ["endpoint"],
            buckets=REST_BUCKETS_S,
            registry=self.registry,
        )
        self.accepted = Counter(
            "tradewind_sim_orders_accepted",
            "Orders placed through REST and accepted.",
            ["symbol"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "tradewind_sim_orders_rejected",
            "Orders placed through REST and rejected, by Binance error code.",
            ["code"],
            registry=self.registry,
        )
        self.trades = Counter(
            "tradewind_sim_trades",
            "Public trades printed, by symbol.",
            ["symbol"],
            registry=self.registry,
        )
        self.registry.register(SimStateCollector(exchange))
        exchange.engine.add_listener(self._on_engine_event)

    def observe_rest(
        self,
        path: str,
        method: str,
        status: int,
        seconds: float,
        *,
        is_order: bool = False,
        body: bytes = b"",
    ) -> None:
        """One answered REST request; ``is_order``: it placed an order, ``body`` (the answer)
        names its symbol or the error code."""
        self.requests.labels(path, method, str(status)).inc()
        self.latency.labels(path).observe(seconds)
        if not is_order:
            return
        if status == 200:
            self.accepted.labels(_field(body, "symbol")).inc()
        else:
            self.rejected.labels(_field(body, "code")).inc()

    def _on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, TradeExecuted):
            self.trades.labels(event.trade.symbol).inc()


def _field(body: bytes, name: str) -> str:
    try:
        value = orjson.loads(body).get(name)
    except (orjson.JSONDecodeError, AttributeError):
        return "unknown"
    return str(value) if isinstance(value, int | str) else "unknown"


class SimStateCollector(Collector):
    """WebSocket connections and book depth, read when Prometheus scrapes."""

    def __init__(self, exchange: SimExchange) -> None:
        self.exchange = exchange

    def collect(self) -> Iterable[Metric]:
        connections = GaugeMetricFamily(
            "tradewind_sim_ws_connections", "Open WebSocket connections (streams and API)."
        )
        connections.add_metric([], float(self.exchange.streams.connection_count))
        yield connections
        levels = GaugeMetricFamily(
            "tradewind_sim_book_levels",
            f"Price levels per side (up to {DEPTH_LEVELS}).",
            labels=["symbol", "side"],
        )
        depth = GaugeMetricFamily(
            "tradewind_sim_book_depth",
            f"Base quantity on the first {DEPTH_LEVELS} levels per side.",
            labels=["symbol", "side"],
        )
        engine = self.exchange.engine
        for symbol in sorted(engine.specs):
            book = engine.depth(symbol, DEPTH_LEVELS)
            for side, rows in (("bid", book.bids), ("ask", book.asks)):
                levels.add_metric([symbol, side], float(len(rows)))
                depth.add_metric([symbol, side], float(sum(qty for _, qty in rows)))
        yield levels
        yield depth
