"""The node's /metrics, scraped over HTTP from a node on the in-process venue: order flow counted
from the bus (submitted, filled, refused by a risk rule, rejected), risk states per scope, book
age, handler errors and every measure reading with its band, read at scrape time."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tradewind.common.metrics import render
from tradewind.core import BookUpdated, OrderSide
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.core.identifiers import InstrumentId
from tradewind.node import NodeConfig, NodeConfigError, Strategy, TradingNode, load_node_config
from tradewind.node.config import MetricsSection
from tradewind.risk.engine import Scope, TradingState
from tradewind.risk.limits import RiskLimits
from tradewind.risk.readings import MeasureReading, Threshold

from .inprocess_venue import T0, Venue

BTC = InstrumentId("BTC/USDT", "inproc")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Trader(Strategy):
    """Subscribes to the book; orders are placed by the test through ``submit``."""

    def __init__(self, strategy_id: str, fail_on_book: bool = False) -> None:
        super().__init__(strategy_id)
        self.fail_on_book = fail_on_book
        self.subscribe_book(BTC)

    def on_book(self, event: BookUpdated) -> None:
        if self.fail_on_book:
            raise RuntimeError("boom")


class FixedMeasures:
    """A measure source with one reading per band."""

    def readings(self) -> list[MeasureReading]:
        limit = Threshold("max", 0.03, warning=0.02)
        return [
            MeasureReading("var_99_1d", "global", 0.01, "ratio", limit, T0),
            MeasureReading("var_99_1d", "strategy:t1", 0.025, "ratio", limit, T0),
            MeasureReading("concentration", "asset:BTC", 0.4, "ratio", Threshold("max", 0.25), T0),
            MeasureReading("quote_response_time", "global", None, "ms", Threshold("max", 500), T0),
        ]


async def _scrape(url: str) -> tuple[str, Samples]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        content_type = response.headers["Content-Type"]
        text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return content_type, samples


def _get(samples: Samples, metric: str, /, **labels: str) -> float:
    return samples[(metric, frozenset(labels.items()))]


async def test_node_metrics_count_orders_fills_refusals_and_read_state_at_scrape() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = NodeConfig(
        risk=RiskLimits(max_order_notional=Decimal(200_000)),
        metrics=MetricsSection(listen="127.0.0.1:0"),
    )
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    trader = node.add(Trader("t1"))
    assert isinstance(trader, Trader)
    node.add(Trader("flaky", fail_on_book=True))
    node.add_measure_source(FixedMeasures())
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    url = node.metrics.url
    assert url is not None and url.startswith("http://127.0.0.1:") and url.endswith("/metrics")

    # below the venue's minimum notional: the engine's pre-trade filter rejects it, unsent
    trader.submit(BTC, OrderSide.BUY, Decimal("0.00001"), Decimal(90000))
    # crosses the 96000 ask: accepted and filled
    trader.submit(BTC, OrderSide.BUY, Decimal("0.01"), Decimal(96000))
    # 3 BTC at 95000 is 285,000 USDT of notional: refused by the risk engine, never sent
    trader.submit(BTC, OrderSide.BUY, Decimal(3), Decimal(95000))
    await node.drain()
    node.risk.set_state(Scope.STRATEGY, "flaky", TradingState.REDUCING, "test")
    clock.advance_by(SECOND_NS)

    content_type, samples = await _scrape(url)
    assert content_type.startswith("text/plain; version=0.0.4")
    assert _get(samples, "tradewind_node_orders_submitted_total", venue="inproc") == 1
    assert _get(samples, "tradewind_node_fills_total", venue="inproc", symbol="BTC/USDT") >= 1
    assert _get(samples, "tradewind_node_orders_refused_total", rule="notional") == 1
    assert _get(samples, "tradewind_node_orders_rejected_total", venue="inproc") == 1
    # the one order sent got its answer (on a TestClock it took no time)
    assert _get(samples, "tradewind_node_command_ack_seconds_count", venue="inproc") == 1
    assert _get(samples, "tradewind_node_command_ack_seconds_sum", venue="inproc") == 0
    assert _get(samples, "tradewind_node_running") == 1
    assert _get(samples, "tradewind_node_trading_state", scope="global") == 0
    assert _get(samples, "tradewind_node_trading_state", scope="strategy:flaky") == 1
    errors = _get(samples, "tradewind_node_handler_errors_total")
    assert errors == node.handler_errors and errors >= 1
    # no book update since the clock moved on by a second
    assert _get(samples, "tradewind_node_book_age_seconds", venue="inproc", symbol="BTC/USDT") >= 1

    measure = "tradewind_measure"
    assert _get(samples, measure, name="var_99_1d", scope="global", unit="ratio") == 0.01
    assert _get(samples, measure, name="concentration", scope="asset:BTC", unit="ratio") == 0.4
    band = "tradewind_measure_band"
    assert _get(samples, band, name="var_99_1d", scope="global") == 0
    assert _get(samples, band, name="var_99_1d", scope="strategy:t1") == 1
    assert _get(samples, band, name="concentration", scope="asset:BTC") == 2
    assert _get(samples, band, name="quote_response_time", scope="global") == -1
    # a reading without a value has a band but no value series
    assert not any(
        name == measure and ("name", "quote_response_time") in labels for name, labels in samples
    )

    # the fast writer and prometheus_client's agree on the whole node registry
    assert render(node.metrics.registry)[0] == generate_latest(node.metrics.registry)

    node.kill_switch("test")
    _, samples = await _scrape(url)
    assert _get(samples, "tradewind_node_trading_state", scope="global") == 2
    await node.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await _scrape(url)


async def test_without_listen_the_node_serves_no_metrics_but_still_counts() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    node = TradingNode(NodeConfig(), clock=clock, adapters={"inproc": venue.adapter})
    trader = node.add(Trader("t1"))
    assert isinstance(trader, Trader)
    await node.start()
    await node.wait_books_synced()
    trader.submit(BTC, OrderSide.BUY, Decimal("0.01"), Decimal(96000))
    await node.drain()
    assert node.metrics.url is None
    text = render(node.metrics.registry)[0].decode()
    assert 'tradewind_node_orders_submitted_total{venue="inproc"} 1.0' in text
    await node.stop()


@pytest.mark.parametrize("listen", ["9464", "localhost", "127.0.0.1:70000", "127.0.0.1:x"])
def test_a_bad_metrics_listen_address_is_a_clear_config_error(listen: str) -> None:
    with pytest.raises(NodeConfigError, match=r"metrics\.listen: .*expected host:port"):
        load_node_config({"metrics": {"listen": listen}})
