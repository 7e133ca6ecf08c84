"""A real Prometheus server scrapes a running node (against a ``tradewind sim`` process, through
the official-SDK adapter) and the sim itself, with the shipped rule files loaded; after a fill,
the values are read back through Prometheus's HTTP API: order flow, risk states, measures and
their bands, a recording rule and an alert."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from tests.fixtures.prometheus import DEPLOY, require_binary, running_prometheus

from tradewind.core import BookUpdated, OrderFilled
from tradewind.core.enums import OrderSide
from tradewind.core.events import OrderEvent
from tradewind.node import NodeConfig, Strategy, TradingNode
from tradewind.node.config import MetricsSection
from tradewind.risk.readings import MeasureReading, Threshold
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin
from .conftest import node_config, venue_table

pytestmark = pytest.mark.e2e


class TakeTheAsk(Strategy):
    """Buys 0.001 BTC at the best ask on the first book it sees: a fill at once."""

    def __init__(self) -> None:
        super().__init__("taker")
        self.instrument = "BTC/USDT@sim"
        self.subscribe_book(self.instrument)
        self.sent = False
        self.fills = 0

    def on_book(self, event: BookUpdated) -> None:
        if not self.sent and event.best_ask is not None:
            self.sent = True
            self.submit(self.instrument, OrderSide.BUY, Decimal("0.001"), event.best_ask * 2)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills += 1


class VarOverLimit:
    """A measure source: VaR at 4 % of capital, over its 3 % limit."""

    def __init__(self, clock_ns: Callable[[], int]) -> None:
        self.clock_ns = clock_ns

    def readings(self) -> list[MeasureReading]:
        limit = Threshold("max", 0.03, warning=0.02)
        return [MeasureReading("var_99_1d", "global", 0.04, "ratio", limit, self.clock_ns())]


async def _until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


def _value(result: list[dict[str, object]]) -> float:
    [sample] = result
    value = sample["value"]
    assert isinstance(value, list)
    return float(value[1])


async def test_prometheus_scrapes_a_running_node_and_reads_the_values_back(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    require_binary("prometheus")
    account = admin.create_account({"USDT": "100000", "BTC": "1"})
    base = node_config(
        f"sqlite:///{tmp_path / 'node.sqlite'}", {"sim": venue_table("binance", sim, account)}
    )
    config = NodeConfig.model_validate(
        {**base.model_dump(), "metrics": MetricsSection(listen="127.0.0.1:0").model_dump()}
    )
    node = TradingNode(config)
    taker = node.add(TakeTheAsk())
    assert isinstance(taker, TakeTheAsk)
    node.add_measure_source(VarOverLimit(node.clock.now_ns))
    await node.start()
    try:
        await _until(lambda: taker.fills > 0)
        node_target = (node.metrics.url or "").removeprefix("http://").removesuffix("/metrics")
        sim_target = sim.rest_url.removeprefix("http://")
        rules = (DEPLOY / "rules" / "recording.yml", DEPLOY / "rules" / "alerts.yml")
        targets = {"tradewind-node": node_target, "tradewind-sim": sim_target}
        async with running_prometheus(tmp_path, targets, rule_files=rules) as prometheus:
            fills = await prometheus.until('tradewind_node_fills_total{job="tradewind-node"} > 0')
            assert _value(fills) == taker.fills
            assert fills[0]["metric"]["venue"] == "sim"
            assert fills[0]["metric"]["symbol"] == "BTC/USDT"
            submitted = await prometheus.query("tradewind_node_orders_submitted_total")
            assert _value(submitted) == 1
            acks = await prometheus.query("tradewind_node_command_ack_seconds_count")
            assert _value(acks) == 1
            state = await prometheus.query('tradewind_node_trading_state{scope="global"}')
            assert _value(state) == 0
            var = await prometheus.query('tradewind_measure{name="var_99_1d"}')
            assert _value(var) == 0.04
            assert var[0]["metric"]["unit"] == "ratio"
            band = await prometheus.query('tradewind_measure_band{name="var_99_1d"}')
            assert _value(band) == 2
            up = await prometheus.until('up{job="tradewind-sim"} == 1')
            assert _value(up) == 1
            trades = await prometheus.until('tradewind_sim_trades_total{symbol="BTCUSDT"}')
            assert _value(trades) >= 1
            # the rule files run on the scraped series: a recording rule and an alert
            worst = await prometheus.until("tradewind:measure_var_99_1d:max")
            assert _value(worst) == 0.04
            alert = await prometheus.until('ALERTS{alertname="TradewindVarOverLimit"}')
            assert alert[0]["metric"]["alertstate"] == "firing"
            assert alert[0]["metric"]["scope"] == "global"
            node.kill_switch("test: halt shows in Prometheus")
            halted = await prometheus.until('tradewind_node_trading_state{scope="global"} == 2')
            assert _value(halted) == 2
    finally:
        await node.stop()
