"""Prometheus metrics primitives: one registry per process object, ``/metrics`` over aiohttp.

    MetricsRegistry ── counters, gauges, histograms (prometheus_client) + scrape-time collectors
          │ render() → (text format bytes, content type)
          ├─ metrics_handler(registry)   an aiohttp handler to mount on a server a process has
          └─ MetricsHttpServer           a standalone aiohttp server: listen = "127.0.0.1:9464"

Each process object (a sim, a gateway, a node) owns a fresh ``CollectorRegistry`` instead of the
library's global default, so two nodes in one test process never share or double-register a
series. Rendering runs on the event loop on purpose: scrape-time collectors read live state
(the node's risk states, measures) that is only consistent on the loop's thread. It is pure CPU
and bounded (bench/bench_metrics.py: 10,000 series render in a few milliseconds).

Metric names are ``tradewind_<process>_<what>_<unit>``; counters end in ``_total``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from tradewind.common.logging import get_logger

__all__ = [
    "CONTENT_TYPE",
    "IncludedRegistry",
    "MetricsHttpServer",
    "MetricsListenError",
    "metrics_handler",
    "new_registry",
    "parse_listen",
    "render",
]

log = get_logger("metrics")

# the classic text format: every scraper (Prometheus 2.x included) reads it; our metric names
# are all legacy-valid, so prometheus_client renders exactly this format
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LISTEN = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")


class MetricsListenError(ValueError):
    """A ``listen`` address is not ``host:port`` with a port in 0..65535."""


def new_registry() -> CollectorRegistry:
    """A fresh registry for one process object (never the library's global one)."""
    return CollectorRegistry(auto_describe=True)


class IncludedRegistry(Collector):
    """Another process object's registry seen through this one, so a process that runs several
    (the index desk's gateway app and its node) answers one scrape with all of them. Register
    it with ``registry.register(IncludedRegistry(other))``; the names must not overlap."""

    def __init__(self, other: CollectorRegistry) -> None:
        self.other = other

    def collect(self) -> Iterable[Metric]:
        return self.other.collect()

    def describe(self) -> Iterable[Metric]:
        # nothing up front: the included registry checks its own names, and describing here
        # would make auto_describe collect the other registry at registration time
        return ()


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry in Prometheus text format, with its content type."""
    return generate_latest(registry), CONTENT_TYPE


def metrics_handler(
    registry: CollectorRegistry,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler answering ``GET /metrics`` with ``registry`` rendered."""

    async def handle(_request: web.Request) -> web.Response:
        body, content_type = render(registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handle


def parse_listen(listen: str) -> tuple[str, int]:
    """``"127.0.0.1:9464"`` → ("127.0.0.1", 9464); port 0 asks the OS for a free port."""
    match = _LISTEN.match(listen.strip())
    if match is None or int(match["port"]) > 65535:
        raise MetricsListenError(
            f"metrics listen address {listen!r}: expected host:port, e.g. '127.0.0.1:9464'"
        )
    return match["host"].strip("[]"), int(match["port"])


class MetricsHttpServer:
    """A standalone ``/metrics`` server for a process without an HTTP server of its own.

    ``listen`` is ``host:port`` (port 0: a free port; ``url`` then names the bound one).
    """

    def __init__(self, registry: CollectorRegistry, listen: str) -> None:
        self.registry = registry
        self.host, self.port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", metrics_handler(self.registry))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("metrics_listening", url=self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
