"""kill -9 the kernel in the middle of a stream of orders and fills, restart it, and check that
its orders, fills and balances equal the venue's: no fill applied twice, none missing."""

from __future__ import annotations

import signal
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.store import KernelStore
from tradewind.venues.sim.process import SimProcess

from ..conftest import SimAdmin
from .runner_support import VenueTruth, mid_price, read_until, runner_args, start_runner

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INTENTS = 80
START = {"USDT": "100000", "BTC": "2"}


@pytest.mark.parametrize("adapter", ["binance", "ccxt"])
def test_kill_9_mid_stream_then_restart_reconciles_exactly(tmp_path: Path, adapter: str) -> None:
    with SimProcess(database=tmp_path / "sim.sqlite", admin=True, market=True) as sim:
        account = SimAdmin(sim).create_account(START)
        db_url = f"sqlite:///{tmp_path / 'var' / 'kernel.sqlite'}"
        args = runner_args(
            sim, account.api_key, account.api_secret, db_url,
            "--anchor", str(mid_price(sim)), "--intents", str(INTENTS),
            "--concurrency", "4", "--progress-every", "2", "--adapter", adapter,
        )  # fmt: skip

        first = start_runner(args, tmp_path)
        read_until(first, "ready")
        read_until(first, "progress", done=30)
        first.send_signal(signal.SIGKILL)  # no shutdown code runs, as in a crash
        assert first.wait(timeout=10) == -signal.SIGKILL
        crashed = KernelStore.open(db_url)
        orders_at_crash = len(crashed.load_orders())
        crashed.close()
        assert 0 < orders_at_crash < INTENTS

        second = start_runner(args, tmp_path)
        ready = read_until(second, "ready")
        # the restarted kernel knows every order the first one persisted before dying
        assert ready["orders"] >= orders_at_crash
        summary = read_until(second, "summary")
        assert second.wait(timeout=30) == 0

        venue = VenueTruth(sim, account.api_key, account.api_secret)
        trades = venue.trades()
        venue_orders = venue.orders()
        balances = venue.balances()

    # fills: exactly the venue's trades, each once
    venue_trade_ids = sorted(str(t["id"]) for t in trades)
    assert summary["fills"] == venue_trade_ids
    assert len(set(summary["fills"])) == len(summary["fills"]) > 0
    stored = KernelStore.open(db_url)
    assert sorted(f.trade_id for f in stored.load_fills()) == venue_trade_ids
    stored.close()

    # orders: every order the venue holds is ours, with the same status and filled quantity;
    # one venue order per intent at most (a resend after the crash never doubled an order)
    ours = summary["orders"]
    assert len(venue_orders) == len({o["clientOrderId"] for o in venue_orders})
    for order in venue_orders:
        status, filled, venue_order_id = ours[order["clientOrderId"]]
        assert status == order["status"].lower(), order
        assert Decimal(filled) == Decimal(order["executedQty"]), order
        assert venue_order_id == str(order["orderId"])
    sent = {cid for cid, (status, _, _) in ours.items() if status != "rejected"}
    assert sent == {o["clientOrderId"] for o in venue_orders}
    assert len(ours) == INTENTS
    assert all(status in ("filled", "canceled") for status, _, _ in ours.values())

    # balances: the kernel's view equals the venue's, and our fills alone explain the change
    assert {a: Decimal(v) for a, v in summary["balances"].items()} == balances
    delta = {asset: Decimal(value) for asset, value in summary["delta"].items()}
    for asset, start in START.items():
        assert balances[asset] == Decimal(start) + delta.get(asset, Decimal(0)), asset
