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
from collections.abc import Awaitable, Callable, Iterable, Mapping

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from tradewind.common.logging import get_logger

__all__ = [
    "CONTENT_TYPE",
    "IncludedRegistry",
    "LabelledGaugeFamily",
    "MetricsHttpServer",
    "MetricsListenError",
    "metrics_handler",
    "new_registry",
    "parse_listen",
    "render",
    "sample_text",
    "series_prefix",
]

log = get_logger("metrics")

# the classic text format: every scraper (Prometheus 2.x included) reads it; our metric names
# are all legacy-valid, so prometheus_client renders exactly this format
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_MINUS_INF = float("-inf")
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


class LabelledGaugeFamily(Metric):
    """A gauge family for many series read at scrape time (the node's measures), already
    rendered: the collector writes each series' line itself (``series_prefix`` built once and
    kept, then ``sample_text`` of the value), so a scrape formats values and nothing else.
    ``render`` writes ``lines`` as they are; ``samples`` (for any other exposition:
    ``generate_latest``, the parser) is built on demand by ``make_samples``."""

    def __init__(
        self,
        name: str,
        documentation: str,
        lines: list[str],
        make_samples: Callable[[], list[Sample]],
    ) -> None:
        super().__init__(name, documentation, "gauge")
        self.lines = lines
        self._make_samples = make_samples

    @property
    def samples(self) -> list[Sample]:
        return self._make_samples()

    @samples.setter
    def samples(self, _value: list[Sample]) -> None:
        return None  # Metric.__init__ assigns an empty list; make_samples gives the samples

    @staticmethod
    def from_rows(
        name: str, documentation: str, rows: Iterable[tuple[Mapping[str, str], float]]
    ) -> LabelledGaugeFamily:
        """A family of (labels, value) rows: the simple way, prefixes built here."""
        kept = list(rows)
        lines = [series_prefix(name, labels) + sample_text(value) for labels, value in kept]
        return LabelledGaugeFamily(
            name,
            documentation,
            lines,
            lambda: [Sample(name, dict(labels), value, None, None) for labels, value in kept],
        )


def sample_text(value: float) -> str:
    """A sample's value and the line's end, as the text format writes it (``0.5\\n``)."""
    # repr is Go's float format for every value under 1e6 but -Inf and NaN (the comparison
    # is False for both); the rest take prometheus_client's formatter
    if _MINUS_INF < value < 1e6:
        return f"{value!r}\n"
    return f"{_go_float(value)}\n"


def series_prefix(name: str, labels: Mapping[str, str]) -> str:
    """``name{a="x",b="y"} ``: a sample line up to its value, labels sorted and escaped."""
    if not labels:
        return f"{name} "
    pairs = ",".join(f'{key}="{_label_value(value)}"' for key, value in sorted(labels.items()))
    return f"{name}{{{pairs}}} "


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry in Prometheus text format (0.0.4), with its content type.

    The same bytes as ``prometheus_client.generate_latest`` for our registries (the tests
    compare both), about three times faster: metric and label names are ours and already valid
    Prometheus names, so only label values are escaped, and only when they need it.
    """
    out: list[str] = []
    append = out.append
    for family in registry.collect():
        name, kind = family.name, family.type
        if kind == "counter":
            name += "_total"
        elif kind == "info":
            name += "_info"
            kind = "gauge"
        elif kind == "stateset":
            kind = "gauge"
        elif kind == "gaugehistogram":
            kind = "histogram"
        elif kind == "unknown":
            kind = "untyped"
        help_text = family.documentation.replace("\\", r"\\").replace("\n", r"\n")
        append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n")
        if isinstance(family, LabelledGaugeFamily):
            out.extend(family.lines)
            continue
        extra: dict[str, list[str]] = {}
        created, gsum, gcount = (
            family.name + "_created",
            family.name + "_gsum",
            family.name + "_gcount",
        )
        for sample in family.samples:
            line = _sample_line(sample)
            if sample.name in (created, gsum, gcount):
                extra.setdefault(sample.name[len(family.name) :], []).append(line)
            else:
                append(line)
        for suffix, lines in sorted(extra.items()):
            append(f"# HELP {family.name}{suffix} {help_text}\n")
            append(f"# TYPE {family.name}{suffix} gauge\n")
            out.extend(lines)
    return "".join(out).encode("utf-8"), CONTENT_TYPE


def _sample_line(sample: Sample) -> str:
    labels = sample.labels
    if labels:
        pairs = ",".join(f'{key}="{_label_value(value)}"' for key, value in sorted(labels.items()))
        head = f"{sample.name}{{{pairs}}}"
    else:
        head = sample.name
    value = _go_float(sample.value)
    if sample.timestamp is not None:
        return f"{head} {value} {int(float(sample.timestamp) * 1000):d}\n"
    return f"{head} {value}\n"


def _go_float(value: float) -> str:
    # Go's float format (1e+06, +Inf, NaN), as prometheus_client writes it
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def _label_value(value: str) -> str:
    if "\\" in value or "\n" in value or '"' in value:
        return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return value


def metrics_handler(
    registry: CollectorRegistry,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler answering ``GET /metrics`` with ``registry`` rendered."""

    async def handle(_request: web.Request) -> web.Response:
        body, content_type = render(registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handle


def parse_listen(listen: str, example: str = "127.0.0.1:9464") -> tuple[str, int]:
    """``"127.0.0.1:9464"`` → ("127.0.0.1", 9464); port 0 asks the OS for a free port. Every
    listening server of ours (metrics, dashboard, control API) parses its address here."""
    match = _LISTEN.match(listen.strip())
    if match is None or int(match["port"]) > 65535:
        raise MetricsListenError(f"listen address {listen!r}: expected host:port, e.g. '{example}'")
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
