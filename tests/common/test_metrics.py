"""Metrics primitives: ``render`` writes exactly what prometheus_client's ``generate_latest``
writes (escapes, special floats, histograms, pre-rendered families included); the standalone
server binds a free port, logs its URL and answers with the text format; bad listen addresses
are refused with a one-line reason; an included registry shows up in the including one."""

from __future__ import annotations

import math

import aiohttp
import pytest
from prometheus_client import Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from structlog.testing import capture_logs

from tradewind.common.metrics import (
    CONTENT_TYPE,
    IncludedRegistry,
    LabelledGaugeFamily,
    MetricsHttpServer,
    MetricsListenError,
    new_registry,
    parse_listen,
    render,
)

AWKWARD = ["plain", 'quote " inside', "back\\slash", "new\nline", "ünïcode", ""]
VALUES = [0.0, -0.0, 1.0, -5.5, 1e-7, 123456.789, 1e6, 1.5e7, -2e9, math.inf, -math.inf, math.nan]


class Measures(Collector):
    def collect(self):  # type: ignore[no-untyped-def]
        yield LabelledGaugeFamily.from_rows(
            "fast_gauge",
            "Pre-rendered lines.\nSecond line \\ here.",
            [
                ({"scope": AWKWARD[index % len(AWKWARD)], "name": f"m{index}"}, value)
                for index, value in enumerate(VALUES)
            ],
        )
        slow = GaugeMetricFamily("slow_gauge", "Built the usual way.", labels=["a"])
        for index, value in enumerate(VALUES):
            slow.add_metric([AWKWARD[index % len(AWKWARD)] + str(index)], value)
        yield slow


def _registry():  # type: ignore[no-untyped-def]
    registry = new_registry()
    counter = Counter("events", "Things that happened.", ["kind"], registry=registry)
    for kind in AWKWARD:
        counter.labels(kind).inc(3)
    Gauge("plain_gauge", "No labels.", registry=registry).set(42)
    histogram = Histogram("latency_seconds", "Latency.", ["venue"], registry=registry)
    for value in (0.001, 0.2, 3.0, 50.0):
        histogram.labels("sim").observe(value)
    registry.register(Measures())
    return registry


def test_render_writes_what_generate_latest_writes() -> None:
    registry = _registry()
    body, content_type = render(registry)
    assert body == generate_latest(registry)
    assert content_type == CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"
    # and the pre-rendered family reads back with its values and labels
    parsed = {
        (s.name, s.labels.get("name")): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "fast_gauge"
    }
    assert parsed[("fast_gauge", "m9")] == math.inf
    assert math.isnan(parsed[("fast_gauge", "m11")])
    assert parsed[("fast_gauge", "m7")] == 1.5e7


async def test_the_server_binds_a_free_port_logs_it_and_serves_the_text_format() -> None:
    registry = _registry()
    server = MetricsHttpServer(registry, "127.0.0.1:0")
    with capture_logs() as logs:
        await server.start()
    try:
        assert server.port > 0
        assert [e["url"] for e in logs if e["event"] == "metrics_listening"] == [server.url]
        async with aiohttp.ClientSession() as http, http.get(server.url) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE
            assert await response.read() == render(registry)[0]
        # the same port cannot be bound twice: the error reaches the caller
        other = MetricsHttpServer(registry, f"127.0.0.1:{server.port}")
        with pytest.raises(OSError):
            await other.start()
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:9464", ("::1", 9464)),
    ],
)
def test_listen_addresses(listen: str, expected: tuple[str, int]) -> None:
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["", "9464", "127.0.0.1", "127.0.0.1:65536", "a b:1", ":80"])
def test_bad_listen_addresses_are_refused_with_the_reason(listen: str) -> None:
    with pytest.raises(MetricsListenError, match="expected host:port"):
        parse_listen(listen)


def test_an_included_registry_is_part_of_the_scrape() -> None:
    inner = new_registry()
    Gauge("inner_gauge", "Inside.", registry=inner).set(7)
    outer = _registry()
    outer.register(IncludedRegistry(inner))
    text = render(outer)[0].decode()
    assert "inner_gauge 7.0\n" in text
    assert text.count("# TYPE inner_gauge gauge") == 1
