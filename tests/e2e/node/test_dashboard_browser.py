"""The live dashboard in a real browser: Playwright driving Debian's chromium against a node that
runs the example quoter on a ``tradewind sim`` process (official-SDK adapter). A taker on another
account sells into the quoter's bid; the fill must be on the page within one second of the
venue's answer to the taker. Then the kill switch: the page must show HALTED.

Chromium and Playwright missing: under CI=true the test FAILS; otherwise it is skipped with a
message saying how to get them (`python scripts/ensure_services.py` installs chromium).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from tests.fixtures.browser import CHROMIUM, need_browser

from tradewind.core.enums import OrderStatus
from tradewind.monitor.web import DashboardServer
from tradewind.node import TradingNode
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.node.live_measures import attach_live_measures
from tradewind.venues.sim.process import SimEndpoints, SimProcess

from ..conftest import SimAdmin
from ..raw_http import RawBinance
from .conftest import node_config, venue_table

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def quiet_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoints]:
    # no background market: the book holds only what this test puts in it
    database: Path = tmp_path_factory.mktemp("sim-dash") / "sim.sqlite"
    with SimProcess(database=database, admin=True, market=False) as endpoints:
        yield endpoints


async def until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


def _order(trader: RawBinance, side: str, qty: str, price: str) -> dict[str, object]:
    response = trader.signed(
        "POST",
        "/api/v3/order",
        symbol="BTCUSDT",
        side=side,
        type="LIMIT",
        timeInForce="GTC",
        quantity=qty,
        price=price,
    )
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_a_fill_and_a_halt_show_on_the_dashboard_in_a_browser(
    quiet_sim: SimEndpoints, tmp_path: Path
) -> None:
    need_browser()
    from playwright.async_api import async_playwright, expect

    admin = SimAdmin(quiet_sim)
    node_account = admin.create_account({"USDT": "100000", "BTC": "2"})
    maker = admin.create_account({"USDT": "100000", "BTC": "2"})
    taker = admin.create_account({"BTC": "2"})
    maker_http = RawBinance(quiet_sim.rest_url, maker.api_key, maker.api_secret)
    # a two-sided book: bid 0.01 at 30,000, ask 0.01 at 31,000
    _order(maker_http, "BUY", "0.01", "30000")
    _order(maker_http, "SELL", "0.01", "31000")

    config = node_config(
        f"sqlite:///{tmp_path / 'node.sqlite'}",
        {"sim": venue_table("binance", quiet_sim, node_account)},
    )
    node = TradingNode(config)
    quoter = node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@sim",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(50),  # 29,850: under the maker's bid
                refresh_ns=3_600_000_000_000,  # no re-pricing during the test
            ),
        )
    )
    assert isinstance(quoter, Quoter)
    attach_live_measures(node)
    server = DashboardServer(node, "127.0.0.1:0")
    node.add_component(server)
    await node.start()
    try:
        await until(
            lambda: (
                (o := node.cache.order(quoter.quote or "")) is not None
                and o.status is OrderStatus.NEW
            )
        )
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = await browser.new_page()
                await page.goto(server.url)
                await expect(page.locator("#trading-state")).to_have_text("ACTIVE", timeout=10_000)
                await expect(page.locator("#quotes tbody tr")).to_have_count(1, timeout=10_000)
                await expect(page.locator("#quotes tbody tr")).to_contain_text("29850")
                await expect(page.locator("#fills tbody tr")).to_have_count(0)
                measures = page.locator("#measures tbody tr[data-measure='net_delta|asset:BTC']")
                await expect(measures).to_have_attribute("data-band", "critical")

                # the taker sells 0.011: the maker's 0.01 at 30,000, then our 0.001 at 29,850
                taker_http = RawBinance(quiet_sim.rest_url, taker.api_key, taker.api_secret)
                sold = await asyncio.to_thread(_order, taker_http, "SELL", "0.011", "29850")
                answered = time.monotonic()
                assert sold["status"] == "FILLED"
                row = page.locator("#fills tbody tr").first
                await expect(row).to_contain_text("29850", timeout=1_000)
                seen_after_s = time.monotonic() - answered
                assert seen_after_s < 1.0, f"the fill took {seen_after_s:.3f} s to show"
                await expect(row).to_contain_text("0.001")
                await expect(page.locator("#positions tbody tr")).to_contain_text("BTC/USDT")

                node.kill_switch("dashboard browser test")
                await expect(page.locator("#trading-state")).to_have_text("HALTED", timeout=5_000)
                await expect(page.locator("#alerts")).to_contain_text("global is HALTED")
                await expect(page.locator("#risk tbody")).to_contain_text("HALTED")
                assert await page.locator("#chart-pnl").get_attribute("data-points") is not None
            finally:
                await browser.close()
    finally:
        await node.stop()
