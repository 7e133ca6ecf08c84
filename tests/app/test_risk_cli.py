"""`tradewind risk` against a node's control API served in this process (the CLI runs in a
thread: it has its own event loop): status, halt and resume print the states; a bad scope, a
wrong token, an unreachable node and a bad node config are one line on stderr, exit status 2."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from tests.node.inprocess_venue import T0, Venue

from tradewind.app.cli import run
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.monitor.control import ControlServer
from tradewind.node import TradingNode
from tradewind.node.config import load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.risk.engine import Scope, TradingState


@pytest.fixture
async def served() -> AsyncIterator[tuple[TradingNode, Venue, str]]:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = load_node_config({"control": {"listen": "127.0.0.1:0", "token": "tok"}}, {})
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@inproc",
                quantity=Decimal("0.001"),
                refresh_ns=SECOND_NS,
                bar_ns=3600 * SECOND_NS,
            ),
        )
    )
    assert config.control is not None
    server = ControlServer(node, config.control)
    node.add_component(server)
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    yield node, venue, server.url
    await node.stop()


async def _cli(*args: str) -> int:
    return await asyncio.to_thread(run, list(args))


async def test_halt_status_and_resume_through_the_cli(
    served: tuple[TradingNode, Venue, str], capsys: pytest.CaptureFixture[str]
) -> None:
    node, venue, url = served
    common = ("--url", url, "--token", "tok")
    code = await _cli(
        "risk", "halt", "--scope", "venue", "--key", "inproc", "--reason", "t", *common
    )
    assert code == 0
    await node.drain()
    assert "venue:inproc: halted" in capsys.readouterr().out
    assert venue.open_orders() == []
    assert await _cli("risk", "status", *common) == 0
    out = capsys.readouterr().out
    assert "global: active" in out and "open orders on inproc: 0" in out
    assert await _cli("risk", "resume", "--scope", "venue", "--key", "inproc", *common) == 0
    assert node.risk.state(Scope.VENUE, "inproc") is TradingState.ACTIVE


async def test_user_errors_are_one_line_and_exit_2(
    served: tuple[TradingNode, Venue, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    node, _, url = served
    cases = [
        (("risk", "halt", "--scope", "desk", "--reason", "r", "--url", url, "--token", "tok"),
         "scope 'desk': global, venue or strategy expected"),
        (("risk", "kill", "--reason", "r", "--url", url, "--token", "nope"), "refused the token"),
        (("risk", "status", "--url", "http://127.0.0.1:1", "--token", "tok"),
         "cannot reach the control API"),
        (("node", "run", str(tmp_path / "missing.toml")), "node config not found"),
    ]  # fmt: skip
    for args, message in cases:
        assert await _cli(*args) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert node.risk.states() == {"global": "active"}
