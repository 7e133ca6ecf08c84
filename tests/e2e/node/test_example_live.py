"""The docs/strategies.md example strategy, unchanged, live against a ``tradewind sim`` process
through the official-SDK adapter and through the CCXT adapter: it quotes, sees public trades and
bars, re-prices, and leaves nothing open on the venue when the node stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.core.enums import OrderStatus
from tradewind.node import TradingNode
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin
from ..kernel.runner_support import VenueTruth
from .conftest import node_config, venue_table

pytestmark = pytest.mark.e2e


async def until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("kind", ["binance", "ccxt"])
async def test_the_example_strategy_trades_live(
    kind: str, sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "100000", "BTC": "2"})
    config = node_config(
        f"sqlite:///{tmp_path / 'node.sqlite'}",
        {"sim": venue_table(kind, sim, account)},
        bar_check_interval_ms=100,
    )
    node = TradingNode(config)
    quoter = node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@sim",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(300),  # far under the market: it rests, never fills
                refresh_ns=200_000_000,
                bar_ns=1_000_000_000,
            ),
        )
    )
    assert isinstance(quoter, Quoter)
    await node.start()
    truth = VenueTruth(sim, account.api_key, account.api_secret)
    try:
        await until(
            lambda: (
                (o := node.cache.order(quoter.quote or "")) is not None
                and o.status is OrderStatus.NEW
            )
        )
        # the order the strategy sees is the one resting at the venue, at its price
        [resting] = truth.open_orders()
        order = node.cache.order(resting["clientOrderId"])
        assert order is not None and order.status is OrderStatus.NEW
        assert Decimal(resting["price"]) == order.price
        # the simulated market prints public trades: they and the bars built from them arrive
        await until(lambda: quoter.trades > 0 and quoter.bars > 0)
        last = node.cache.last_trade(quoter.instrument)
        assert last is not None and last.venue == "sim" and last.price > 0
    finally:
        await node.stop()
    assert truth.open_orders() == []  # on_stop's cancel_all went through the adapter
