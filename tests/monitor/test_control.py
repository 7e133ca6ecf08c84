"""The risk control API on a running node (TestClock, in-process venue, the example quoter):
status, halt and resume per scope, the kill switch cancelling at the venue; a wrong token is a
401 and a bad body a 400 that changes nothing; each operator action is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from tests.node.inprocess_venue import T0, Venue

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.monitor.control import ControlServer, control_routes
from tradewind.node import TradingNode
from tradewind.node.config import ControlSection, load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.risk.alerts import ActionRecord
from tradewind.risk.engine import Scope, TradingState
from tradewind.venues.sim.engine import Side

TOKEN = {"Authorization": "Bearer s3cret"}


class Recorder:
    def __init__(self) -> None:
        self.records: list[ActionRecord] = []

    async def record(self, record: ActionRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def running() -> AsyncIterator[tuple[TradingNode, Venue, TestClient[Any, Any], Recorder]]:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = load_node_config({"control": {"listen": "127.0.0.1:0", "token": "s3cret"}}, {})
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@inproc",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(100),
                refresh_ns=SECOND_NS,
                bar_ns=3600 * SECOND_NS,
            ),
        )
    )
    recorder = Recorder()
    node.supervisor.recorder = recorder
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    app = web.Application()
    app.add_routes(control_routes(node))
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    yield node, venue, client, recorder
    await client.close()
    await node.stop()


async def test_status_halt_resume_and_kill(
    running: tuple[TradingNode, Venue, TestClient[Any, Any], Recorder],
) -> None:
    node, venue, client, recorder = running
    answer = await client.get("/api/risk", headers=TOKEN)
    assert answer.status == 200
    assert await answer.json() == {
        "node": "running",
        "states": {"global": "active"},
        "open_orders": {"inproc": 1},
        "actions": {"plans": [], "breakers": [], "backup_data": [], "interval_ms": 5000},
    }

    answer = await client.post(
        "/api/risk/halt",
        json={"scope": "strategy", "key": "quoter", "reason": "desk review"},
        headers=TOKEN,
    )
    assert answer.status == 200
    await node.drain()
    assert venue.open_orders() == []  # the halted strategy's bid is cancelled at the venue
    assert (await answer.json())["states"]["strategy:quoter"] == "halted"

    answer = await client.post(
        "/api/risk/resume", json={"scope": "strategy", "key": "quoter"}, headers=TOKEN
    )
    assert (await answer.json())["states"]["strategy:quoter"] == "active"
    venue.place(Side.BUY, "94010", "1")  # the quoter quotes again on the next book
    await node.drain()
    assert len(venue.open_orders()) == 1

    answer = await client.post("/api/risk/kill", json={"reason": "runaway"}, headers=TOKEN)
    assert answer.status == 200
    await node.drain()
    assert venue.open_orders() == []
    assert node.risk.state() is TradingState.HALTED
    await node.supervisor.flush()
    assert [(r.kind, r.name, r.scope, r.fired) for r in recorder.records] == [
        ("operator", "halt", "strategy:quoter", True),
        ("operator", "resume", "strategy:quoter", False),
        ("operator", "kill", "global", True),
    ]


async def test_a_wrong_token_or_a_bad_body_changes_nothing(
    running: tuple[TradingNode, Venue, TestClient[Any, Any], Recorder],
) -> None:
    node, venue, client, recorder = running
    answer = await client.post("/api/risk/kill", json={"reason": "x"})
    assert answer.status == 401
    assert await answer.json() == {"error": "missing or wrong bearer token"}
    answer = await client.post(
        "/api/risk/kill", json={"reason": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert answer.status == 401
    bad: list[tuple[Any, str]] = [
        ({"scope": "desk", "key": "x", "reason": "r"}, "scope 'desk': global, venue or strategy"),
        ({"scope": "strategy", "reason": "r"}, "'key' must be a non-empty string"),
        ({"scope": "strategy", "key": "ghost", "reason": "r"}, "no strategy 'ghost'"),
        ({"scope": "venue", "key": "nyse", "reason": "r"}, "no venue 'nyse' on this node"),
        ({"scope": "global", "reason": " "}, "'reason' must be a non-empty string"),
        (["global"], "body must be a JSON object"),
    ]
    for body, message in bad:
        answer = await client.post("/api/risk/halt", json=body, headers=TOKEN)
        assert answer.status == 400
        assert message in (await answer.json())["error"]
    answer = await client.post("/api/risk/kill", data=b"{oops", headers=TOKEN)
    assert answer.status == 400 and "not JSON" in (await answer.json())["error"]
    await node.drain()
    assert node.risk.states() == {"global": "active"}
    assert node.risk.state(Scope.STRATEGY, "quoter") is TradingState.ACTIVE
    assert len(venue.open_orders()) == 1
    await node.supervisor.flush()
    assert recorder.records == []


async def test_the_control_server_listens_on_its_configured_address(
    running: tuple[TradingNode, Venue, TestClient[Any, Any], Recorder],
) -> None:
    node, _, client, _ = running
    server = ControlServer(node, ControlSection(listen="127.0.0.1:0", token="s3cret"))
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        answer = await client.session.get(f"{server.url}/api/risk", headers=TOKEN)
        assert answer.status == 200 and (await answer.json())["node"] == "running"
    finally:
        await server.stop()
