"""kill -9 a node in the middle of a stream of orders and fills on two venues (one through the
official SDK, one through CCXT), restart it on the same store, and check that after
reconciliation its orders, fills and balances equal each venue's: none lost, none doubled."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.core.enums import OrderStatus
from tradewind.node import TradingNode
from tradewind.store import KernelStore
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAccount, SimAdmin
from ..kernel.runner_support import VenueTruth
from .conftest import node_config

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
START = {"USDT": "100000", "BTC": "2"}
_STATUS = {
    "NEW": OrderStatus.NEW,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}


def _toml(database: str, venues: dict[str, tuple[str, SimEndpoints, SimAccount]]) -> str:
    lines = ["[node]", f'database = "{database}"', ""]
    for name, (kind, sim, account) in venues.items():
        lines += [
            f'[venues."{name}"]',
            f'kind = "{kind}"',
            f'rest_url = "{sim.rest_url}"',
            f'ws_url = "{sim.ws_url}"',
            f'api_key = "{account.api_key}"',
            f'api_secret = "{account.api_secret}"',
            "",
        ]
    instruments = ", ".join(f'"BTC/USDT@{name}"' for name in venues)
    lines += [
        "[[strategies]]",
        'class = "tests.e2e.node.churn:Churn"',
        'id = "churn"',
        f"config = {{ instruments = [{instruments}], tick_ns = 40000000 }}",
    ]
    return "\n".join(lines) + "\n"


async def test_kill_9_mid_stream_on_two_venues_then_restart_reconciles_exactly(
    sim: SimEndpoints, sim_b: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    accounts = {
        "sim-a": admin.create_account(START),
        "sim-b": SimAdmin(sim_b).create_account(START),
    }
    venues = {
        "sim-a": ("binance", sim, accounts["sim-a"]),
        "sim-b": ("ccxt", sim_b, accounts["sim-b"]),
    }
    database = f"sqlite:///{tmp_path / 'node.sqlite'}"
    config_path = tmp_path / "node.toml"
    config_path.write_text(_toml(database, venues), encoding="utf-8")

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.node.node_process", str(config_path)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    assert child.stdout is not None
    ready = json.loads(child.stdout.readline())
    assert ready == {"event": "ready", "venues": ["sim-a", "sim-b"]}
    time.sleep(2.5)  # orders and fills stream on both venues
    child.send_signal(signal.SIGKILL)  # no shutdown code runs, as in a crash
    assert child.wait(timeout=10) == -signal.SIGKILL
    child.stdout.close()
    crashed = KernelStore.open(database)
    at_crash = {venue: len(crashed.load_orders(venue)) for venue in venues}
    crashed.close()
    assert all(count > 3 for count in at_crash.values()), at_crash

    # restart on the same store, without the strategy: restore, reconcile, compare
    restarted_config = node_config(
        database,
        {
            name: {"kind": kind, "rest_url": s.rest_url, "ws_url": s.ws_url,
                   "api_key": a.api_key, "api_secret": a.api_secret}
            for name, (kind, s, a) in venues.items()
        },
    )  # fmt: skip
    restarted = TradingNode(restarted_config)
    await restarted.start()
    try:
        await restarted.drain()
        for name, (_, s, account) in venues.items():
            truth = VenueTruth(s, account.api_key, account.api_secret)
            engine = restarted.router.engine(name)
            assert engine is not None
            # every order the dead node persisted is still known
            assert len(engine.tracker) >= at_crash[name]
            # fills: exactly the venue's trades of this account, each once
            venue_trades = sorted(str(t["id"]) for t in truth.trades())
            ours = sorted(f.trade_id for f in engine.ledger.fills() if f.symbol == "BTC/USDT")
            assert ours == venue_trades and len(ours) > 0
            # orders: every venue order has the venue's status here, open ones match exactly
            for venue_order in truth.orders():
                order = engine.tracker.get(venue_order["clientOrderId"])
                assert order is not None, venue_order["clientOrderId"]
                assert order.status is _STATUS[venue_order["status"]], order
                assert order.filled_qty == Decimal(venue_order["executedQty"])
            venue_open = {o["clientOrderId"] for o in truth.open_orders()}
            assert {o.client_order_id for o in engine.tracker.open_orders(name)} == venue_open
            # balances: what the node holds as the account's equals the venue's
            held = {
                asset: b.free + b.locked
                for asset, b in engine.balances.items()
                if b.free + b.locked != 0
            }
            assert held == truth.balances()
    finally:
        await restarted.stop()
