"""One node trading on two ``tradewind sim`` processes, one through the official-SDK adapter and
one through the CCXT adapter: each order reaches its own venue; modify (cancel-replace) and
cancel_all work end to end through both adapters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.core.enums import OrderSide, OrderStatus
from tradewind.node import Strategy, TradingNode
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin
from ..kernel.runner_support import VenueTruth, mid_price
from .conftest import node_config, venue_table

pytestmark = pytest.mark.e2e
QTY = Decimal("0.001")


async def until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


def _resting(truth: VenueTruth) -> dict[str, Decimal]:
    return {o["clientOrderId"]: Decimal(o["price"]) for o in truth.open_orders()}


async def test_one_node_trades_two_venues_through_both_adapters(
    sim: SimEndpoints, sim_b: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account_a = admin.create_account({"USDT": "100000", "BTC": "2"})
    account_b = SimAdmin(sim_b).create_account({"USDT": "100000", "BTC": "2"})
    config = node_config(
        f"sqlite:///{tmp_path / 'node.sqlite'}",
        {
            "sim-a": venue_table("binance", sim, account_a),
            "sim-b": venue_table("ccxt", sim_b, account_b),
        },
    )
    node = TradingNode(config)
    strategy = node.add(Strategy("two-venues"))
    assert isinstance(strategy, Strategy)
    await node.start()
    truth = {
        "sim-a": VenueTruth(sim, account_a.api_key, account_a.api_secret),
        "sim-b": VenueTruth(sim_b, account_b.api_key, account_b.api_secret),
    }
    low = {name: (mid_price(s) * Decimal("0.9")).quantize(Decimal("0.01")) for name, s in
           (("sim-a", sim), ("sim-b", sim_b))}  # fmt: skip

    def status(client_id: str) -> OrderStatus | None:
        order = node.cache.order(client_id)
        return None if order is None else order.status

    try:
        ids = {
            venue: [
                strategy.submit(
                    f"BTC/USDT@{venue}", OrderSide.BUY, Decimal("0.001"), low[venue] - i
                )
                for i in range(2)
            ]
            for venue in ("sim-a", "sim-b")
        }
        every = [cid for cids in ids.values() for cid in cids]
        await until(lambda: all(status(cid) is OrderStatus.NEW for cid in every))
        # each order rests on its own venue, at its price, and on no other
        for venue, cids in ids.items():
            assert _resting(truth[venue]) == {cid: low[venue] - i for i, cid in enumerate(cids)}
            for order in node.cache.orders(open_only=True):
                assert (order.client_order_id in cids) == (order.venue == venue)

        # modify: the first order of each venue moves down 5 by cancel-replace
        moved = {
            venue: strategy.modify(cids[0], price=low[venue] - 5) for venue, cids in ids.items()
        }
        await until(lambda: all(status(cid) is OrderStatus.NEW for cid in moved.values()))
        for venue, cids in ids.items():
            assert status(cids[0]) is OrderStatus.CANCELED
            assert _resting(truth[venue]) == {moved[venue]: low[venue] - 5, cids[1]: low[venue] - 1}

        # cancel_all on each venue: nothing of ours left open there, nor in the node
        for venue in ids:
            strategy.cancel_all(f"BTC/USDT@{venue}")
        await until(lambda: node.cache.orders(open_only=True) == ())
        for venue in ids:
            assert _resting(truth[venue]) == {}
    finally:
        await node.stop()
