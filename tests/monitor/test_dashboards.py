"""Grafana dashboards as code: the committed JSON is exactly what the generator writes, it loads
back through the SDK's models unchanged, and every metric a panel's PromQL names is one the
processes export (scraped over HTTP from a real sim, node and gateway app) or a recording rule
of deploy/prometheus."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard as DashboardModel

from tradewind.chain.tx.metrics import TxMetrics
from tradewind.common.metrics import IncludedRegistry
from tradewind.core.clock import TestClock
from tradewind.desks.index.metrics import IndexDeskCollector
from tradewind.desks.index.state import IndexDeskState
from tradewind.gateway.fixjson import GatewayServer, build_gateway_app
from tradewind.monitor.dashboards import DASHBOARDS, render_dashboards
from tradewind.node import NodeConfig, TradingNode
from tradewind.node.config import MetricsSection
from tradewind.venues.sim.exchange import SimExchange, SimSettings

from ..desks.index.conftest import _sim_instruments
from ..desks.index.test_state_buy import _idx
from ..gateway.fixjson.conftest import COMP_ID, SERVER_KEY, MemoryInvoices, RecordingHandler
from ..node.inprocess_venue import T0, Venue

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
RECORDING = ROOT / "deploy" / "prometheus" / "rules" / "recording.yml"
BUILTIN = {"up"}  # series Prometheus makes itself


def _committed() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in GRAFANA.glob("*.json")}


def test_the_committed_dashboards_equal_a_fresh_generation() -> None:
    assert _committed() == render_dashboards()


def test_the_generator_command_writes_the_same_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "tradewind.monitor.dashboards", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    written = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.json")}
    assert written == _committed()
    assert set(written) == set(DASHBOARDS)


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_each_dashboard_round_trips_through_the_sdk_model(name: str) -> None:
    register_default_plugins()
    loaded = json.loads((GRAFANA / name).read_text(encoding="utf-8"))
    model = DashboardModel.from_json(loaded)
    assert json.loads(json.dumps(model, cls=JSONEncoder)) == loaded
    panels = [p for p in loaded["panels"] if p["type"] != "row"]
    assert panels and all(p["targets"] for p in panels)
    assert len({p["id"] for p in loaded["panels"]}) == len(loaded["panels"])
    assert all(p["datasource"]["uid"] == "${datasource}" for p in panels)


def test_a_broken_dashboard_does_not_round_trip() -> None:
    """The round trip can fail: a key the model does not know is lost on the way."""
    register_default_plugins()
    loaded = json.loads((GRAFANA / "tradewind-risk.json").read_text(encoding="utf-8"))
    loaded["panels"][1]["not_a_grafana_key"] = 1
    model = DashboardModel.from_json(loaded)
    assert json.loads(json.dumps(model, cls=JSONEncoder)) != loaded


# -- every metric a panel names is exported ---------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_LABELS = re.compile(r"\{[^}]*\}")
_BY = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_FUNCTIONS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "histogram_quantile",
    "avg_over_time", "max_over_time", "and", "or", "unless",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric (and recording rule) names a PromQL expression reads."""
    bare = _BY.sub(" ", _LABELS.sub(" ", _STRING.sub(" ", expr)))
    bare = re.sub(r"\[[^\]]*\]", " ", bare)
    names = {token for token in _NAME.findall(bare) if not token[0].isdigit()}
    return names - _FUNCTIONS


def test_metric_names_are_found_in_promql() -> None:
    expr = 'histogram_quantile(0.5, sum by (venue, le) (rate(x_bucket{a="b"}[$__rate_interval])))'
    assert metric_names(expr) == {"x_bucket"}
    assert metric_names('tradewind_measure{name=~"var_99.*", unit="ratio"}') == {
        "tradewind_measure"
    }


def _exported(text: str) -> set[str]:
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name = line.split()[2]
            base = name.removesuffix("_total")
            names |= {name, base, f"{base}_total", f"{base}_created"}
            names |= {f"{base}_{suffix}" for suffix in ("bucket", "count", "sum")}
        elif line and not line.startswith("#"):
            names.add(_NAME.match(line).group(0))  # type: ignore[union-attr]
    return names


async def _scrape(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        assert response.status == 200
        return await response.text()


async def _scrape_every_process() -> set[str]:
    names: set[str] = set()
    sim = SimExchange(SimSettings(port=0, market_activity=False))
    clock = TestClock(T0)
    venue = Venue(clock)
    node = TradingNode(
        NodeConfig(metrics=MetricsSection(listen="127.0.0.1:0")),
        clock=clock,
        adapters={"inproc": venue.adapter},
    )
    # the gateway app as tradewind serve wires it: its own metrics, the node's, the desk's and
    # the chain link's transactions in one registry
    app = build_gateway_app(
        RecordingHandler(), MemoryInvoices(), comp_id=COMP_ID, server_key=SERVER_KEY
    )
    app.state.metrics.register(IncludedRegistry(node.metrics.registry))
    app.state.metrics.register(IndexDeskCollector(IndexDeskState(_idx(_sim_instruments()[0]))))
    app.state.metrics.register(IncludedRegistry(TxMetrics().registry))
    gateway = GatewayServer(app)
    await sim.start()
    await node.start()
    await gateway.start()
    try:
        async with aiohttp.ClientSession() as http:
            for url in (f"{sim.rest_url}/metrics", node.metrics.url, f"{gateway.http_url}/metrics"):
                assert url is not None
                names |= _exported(await _scrape(http, url))
    finally:
        await gateway.stop()
        await node.stop()
        await sim.stop()
    return names


async def test_every_panel_reads_only_exported_metrics_or_recording_rules() -> None:
    exported = await _scrape_every_process()
    rules = yaml.safe_load(RECORDING.read_text(encoding="utf-8"))
    recorded = {rule["record"] for group in rules["groups"] for rule in group["rules"]}
    for group in rules["groups"]:
        for rule in group["rules"]:
            unknown = metric_names(rule["expr"]) - exported - BUILTIN
            assert not unknown, f"recording rule {rule['record']} reads {unknown}"
    used: set[str] = set()
    for name in DASHBOARDS:
        board = json.loads((GRAFANA / name).read_text(encoding="utf-8"))
        for panel in board["panels"]:
            for target in panel.get("targets", ()):
                names = metric_names(target["expr"])
                unknown = names - exported - recorded - BUILTIN
                assert not unknown, f"{name} / {panel['title']} reads {unknown}"
                used |= names
    # the dashboards cover every process: node, sim, gateway, desk, chain
    for prefix in ("tradewind_node_", "tradewind_sim_", "tradewind_gateway_", "tradewind_index_",
                   "tradewind_chain_", "tradewind_measure"):  # fmt: skip
        assert any(name.startswith(prefix) for name in used), prefix
