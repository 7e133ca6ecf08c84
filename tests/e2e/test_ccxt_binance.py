"""Unmodified ``ccxt.binance`` (ccxt.pro for WebSocket) trades on a ``tradewind sim`` process."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt.pro as ccxtpro
import pytest

from tradewind.venues.sim.clients import ccxt_binance_config, point_ccxt_at
from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAccount

pytestmark = pytest.mark.e2e


async def test_load_markets_depth_orders_balances_trades_and_streams(
    sim: SimEndpoints, account: SimAccount
) -> None:
    exchange = point_ccxt_at(
        ccxtpro.binance(
            ccxt_binance_config(sim.rest_url, sim.ws_url, account.api_key, account.api_secret)
        ),
        sim.rest_url,
        sim.ws_url,
    )
    try:
        markets = await exchange.load_markets()
        assert {"BTC/USDT", "ETH/USDT", "SOL/USDT"} <= set(markets)
        market = markets["ETH/USDT"]
        assert market["spot"] and market["active"]
        assert Decimal(str(market["precision"]["price"])) > 0

        book = await exchange.fetch_order_book("ETH/USDT", limit=5)
        assert book["bids"][0][0] < book["asks"][0][0]

        # Streams: the diff-based order book and our own order updates.
        watched_book = await asyncio.wait_for(exchange.watch_order_book("ETH/USDT"), 15)
        assert watched_book["bids"] and watched_book["asks"]
        orders_task = asyncio.create_task(exchange.watch_orders("ETH/USDT"))
        await asyncio.sleep(0.5)  # let the user-data subscription settle

        price = float(exchange.price_to_precision("ETH/USDT", book["bids"][0][0] * 0.97))
        resting = await exchange.create_order(
            "ETH/USDT", "limit", "buy", 0.1, price, {"newClientOrderId": "ccxt-rest-1"}
        )
        assert resting["status"] == "open"
        assert resting["clientOrderId"] == "ccxt-rest-1"
        updates = await asyncio.wait_for(orders_task, 10)
        assert any(u["id"] == resting["id"] for u in updates)

        fetched = await exchange.fetch_order(resting["id"], "ETH/USDT")
        assert fetched["status"] == "open" and fetched["price"] == price
        open_orders = await exchange.fetch_open_orders("ETH/USDT")
        assert [o["id"] for o in open_orders] == [resting["id"]]
        cancelled = await exchange.cancel_order(resting["id"], "ETH/USDT")
        assert cancelled["status"] == "canceled"

        filled = await exchange.create_order("ETH/USDT", "market", "sell", 0.5)
        assert filled["status"] == "closed"
        assert filled["filled"] == 0.5
        fee_usdt = sum(Decimal(str(f["fee"]["cost"])) for f in filled["trades"])
        assert fee_usdt > 0

        balance = await exchange.fetch_balance()
        assert balance["ETH"]["free"] == pytest.approx(20 - 0.5)
        trades = await exchange.fetch_my_trades("ETH/USDT")
        assert {t["order"] for t in trades} == {filled["id"]}
        assert sum(t["amount"] for t in trades) == pytest.approx(0.5)
    finally:
        await exchange.close()
