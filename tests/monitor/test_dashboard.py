"""The dashboard a node serves, over real HTTP and WebSocket (aiohttp client), with the example
quoter on the in-process venue (TestClock): the snapshot, the page and its assets, pushes on a
fill and on a halt, the throttle, and the listen address checks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from tests.node.inprocess_venue import T0, Venue

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.monitor.web import DashboardServer
from tradewind.monitor.web.server import parse_listen
from tradewind.node import TradingNode
from tradewind.node.config import NodeConfigError, load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.node.live_measures import attach_live_measures
from tradewind.venues.sim.engine import Side


class _Running:
    def __init__(self, clock: TestClock, venue: Venue, node: TradingNode, server: DashboardServer):
        self.clock, self.venue, self.node, self.server = clock, venue, node, server


@pytest.fixture
async def running() -> AsyncIterator[_Running]:
    clock = TestClock(T0)
    venue = Venue(clock)
    node = TradingNode(
        load_node_config({}, environ={}), clock=clock, adapters={"inproc": venue.adapter}
    )
    node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@inproc",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(100),
                refresh_ns=3600 * SECOND_NS,
            ),
        )
    )
    attach_live_measures(node)
    server = DashboardServer(node, "127.0.0.1:0")
    node.add_component(server)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    try:
        yield _Running(clock, venue, node, server)
    finally:
        await node.stop()


async def _get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.content_type, await response.text()


async def test_the_snapshot_shows_quotes_measures_and_the_trading_state(running: _Running) -> None:
    status, kind, body = await _get(running.server.url + "api/snapshot")
    assert (status, kind) == (200, "application/json")
    snap = json.loads(body)
    assert snap["trading"] == "ACTIVE" and snap["node"]["state"] == "running"
    [quote] = snap["quotes"]
    assert (quote["strategy_id"], quote["side"], quote["price"]) == ("quoter", "buy", "93060.00")
    measures = {(m["name"], m["scope"]): m for m in snap["measures"]}
    delta = measures[("net_delta", "asset:BTC")]
    assert delta["band"] == "critical" and delta["limit"] == 0.05
    assert measures[("on_chain_share", "global")]["band"] == "unknown"
    assert snap["fills"] == [] and snap["positions"] == []
    assert snap["series"]["inventory"][0][1] == pytest.approx(10_950_000)


async def test_the_page_and_its_assets_are_served_from_the_package(running: _Running) -> None:
    status, kind, page = await _get(running.server.url)
    assert (status, kind) == (200, "text/html")
    assert 'id="trading-state"' in page and "/static/dashboard.js" in page
    assert "://" not in page  # nothing from a CDN
    for name, expected in (
        ("dashboard.js", "application/javascript"),
        ("dashboard.css", "text/css"),
    ):
        status, kind, text = await _get(running.server.url + "static/" + name)
        assert (status, kind) == (200, expected) and "://" not in text.replace(
            '"ws://"', ""
        ).replace('"wss://"', "")
    status, _, _ = await _get(running.server.url + "static/../secrets")
    assert status == 404


async def _next(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await socket.receive_json(timeout=5)
    assert message["type"] == "snapshot"
    data: dict[str, Any] = message["data"]
    return data


async def test_a_fill_and_a_halt_are_pushed_over_the_websocket(running: _Running) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(running.server.url + "ws") as ws:
        first = await _next(ws)
        assert first["fills"] == []
        # a taker sells through the maker's bid down to the quoter's
        running.venue.place(Side.BUY, "93000", "1")
        running.venue.engine.create_account("taker")
        running.venue.engine.credit("taker", "BTC", Decimal(5))
        running.venue.place(Side.SELL, "93060", "1.001", account="taker")
        running.clock.advance_by(SECOND_NS)
        await running.node.drain()
        pushed = await _next(ws)
        while not pushed["fills"]:
            pushed = await _next(ws)
        [fill] = pushed["fills"]
        assert (fill["side"], Decimal(fill["price"]), Decimal(fill["quantity"])) == (
            "buy",
            Decimal(93060),
            Decimal("0.001"),
        )
        [position] = pushed["positions"]
        assert position["symbol"] == "BTC/USDT" and position["avg_price"] == "93060"

        running.node.kill_switch("test: operator")
        running.clock.advance_by(SECOND_NS)
        halted = await _next(ws)
        while halted["trading"] != "HALTED":
            halted = await _next(ws)
        assert halted["risk"]["global"] == "halted"
        assert any(a["message"] == "global is HALTED" for a in halted["alerts"])


async def test_pushes_are_throttled_to_ten_a_second_and_only_sent_on_change(
    running: _Running,
) -> None:
    dashboard = running.server.dashboard
    risk = running.node.risk
    async with aiohttp.ClientSession() as http, http.ws_connect(running.server.url + "ws") as ws:
        await _next(ws)
        await dashboard.push()
        settled = dashboard.pushes
        await dashboard.push()  # nothing changed: nothing sent
        assert dashboard.pushes == settled
        # a storm: the trading state flips 200 times over one second of the node's clock, each
        # flip a change that asks for a push
        for step in range(200):
            if step % 2:
                risk.resume()
            else:
                risk.halt("storm")
            dashboard.changed()
            running.clock.advance_by(5_000_000)  # 5 ms
            for _ in range(3):
                await asyncio.sleep(0)  # lets the pending push run
        pushed = dashboard.pushes - settled
        assert 5 <= pushed <= 11, pushed  # ≤ 10 a second (+1 at the edge), and it kept pushing
        risk.resume()


def test_listen_addresses_are_checked() -> None:
    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    for bad in ("8080", "127.0.0.1:", "127.0.0.1:99999", ":80"):
        with pytest.raises(ValueError, match="host:port"):
            parse_listen(bad)
    assert load_node_config({"monitor": {"listen": "127.0.0.1:0"}}, environ={}).monitor.listen
    with pytest.raises(NodeConfigError, match=r"monitor\.listen"):
        load_node_config({"monitor": {"listen": "localhost"}}, environ={})
    with pytest.raises(NodeConfigError, match=r"monitor\.port"):
        load_node_config({"monitor": {"port": 1}}, environ={})
