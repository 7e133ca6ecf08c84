"""Public market data over REST and every stream kind, with the subscribe protocol."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAccount
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e


def test_rest_market_data_is_consistent_with_own_trades(
    sim: SimEndpoints, account: SimAccount
) -> None:
    raw = RawBinance(sim.rest_url, account.api_key, account.api_secret)
    placed = raw.signed(
        "POST", "/api/v3/order", symbol="ETHUSDT", side="BUY", type="MARKET", quantity="0.5000"
    )
    assert placed.json()["status"] == "FILLED", placed.text
    fills = placed.json()["fills"]
    recent = raw.public("GET", "/api/v3/trades", symbol="ETHUSDT", limit=1000).json()
    by_id = {t["id"]: t for t in recent}
    for fill in fills:
        assert by_id[fill["tradeId"]]["price"] == fill["price"]
        assert by_id[fill["tradeId"]]["isBuyerMaker"] is False
    aggs = raw.public("GET", "/api/v3/aggTrades", symbol="ETHUSDT", limit=1000).json()
    covering = [a for a in aggs if a["f"] <= fills[0]["tradeId"] <= a["l"]]
    assert len(covering) == 1
    klines = raw.public("GET", "/api/v3/klines", symbol="ETHUSDT", interval="1m", limit=5).json()
    assert klines and len(klines[-1]) == 12
    open_, high, low, close = (Decimal(v) for v in klines[-1][1:5])
    assert low <= min(open_, close) <= max(open_, close) <= high
    ticker = raw.public("GET", "/api/v3/ticker/24hr", symbol="ETHUSDT").json()
    assert ticker["count"] >= len(fills)
    assert (
        Decimal(ticker["lowPrice"]) <= Decimal(ticker["lastPrice"]) <= Decimal(ticker["highPrice"])
    )
    prices = raw.public("GET", "/api/v3/ticker/price").json()
    assert {p["symbol"] for p in prices} >= {"BTCUSDT", "ETHUSDT"}
    book = raw.public("GET", "/api/v3/ticker/bookTicker", symbol="ETHUSDT").json()
    assert Decimal(book["bidPrice"]) < Decimal(book["askPrice"])
    bad = raw.public("GET", "/api/v3/klines", symbol="ETHUSDT", interval="7m")
    assert bad.status_code == 400


async def next_reply(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next non-data message (stream data queued earlier is delivered first)."""
    while True:
        message: dict[str, Any] = await asyncio.wait_for(ws.receive_json(), 5)
        if "stream" not in message:
            return message


async def test_every_stream_kind_and_the_subscribe_protocol(
    sim: SimEndpoints, account: SimAccount
) -> None:
    raw = RawBinance(sim.rest_url, account.api_key, account.api_secret)
    streams = [
        "btcusdt@trade",
        "btcusdt@aggTrade",
        "btcusdt@bookTicker",
        "btcusdt@depth5@100ms",
        "btcusdt@kline_1m",
        "btcusdt@depth",
    ]
    seen: dict[str, dict[str, Any]] = {}
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{sim.ws_url}/stream")
        await ws.send_json({"method": "SUBSCRIBE", "params": streams, "id": 1})
        assert await asyncio.wait_for(ws.receive_json(), 5) == {"result": None, "id": 1}
        await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 2})
        assert await next_reply(ws) == {"result": sorted(streams), "id": 2}
        await ws.send_json({"method": "SUBSCRIBE", "params": ["nope@trade"], "id": 3})
        error = await next_reply(ws)
        assert error["id"] == 3 and error["error"]["code"] == 2
        await ws.send_str("{broken")
        assert (await next_reply(ws))["error"]["code"] == 3
        # Trade so that trade-driven streams have something to say.
        await asyncio.to_thread(
            raw.signed,
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="BUY",
            type="MARKET",
            quantity="0.01000",
        )
        deadline = asyncio.get_running_loop().time() + 15
        while set(seen) != set(streams) and asyncio.get_running_loop().time() < deadline:
            message = await asyncio.wait_for(ws.receive_json(), 15)
            if "stream" in message:
                seen.setdefault(message["stream"], message["data"])
        assert set(seen) == set(streams)
        assert seen["btcusdt@trade"]["e"] == "trade"
        assert seen["btcusdt@aggTrade"]["e"] == "aggTrade"
        assert Decimal(seen["btcusdt@bookTicker"]["b"]) < Decimal(seen["btcusdt@bookTicker"]["a"])
        assert len(seen["btcusdt@depth5@100ms"]["bids"]) == 5
        assert seen["btcusdt@kline_1m"]["k"]["i"] == "1m"
        assert seen["btcusdt@depth"]["U"] <= seen["btcusdt@depth"]["u"]
        await ws.send_json({"method": "UNSUBSCRIBE", "params": streams, "id": 4})
        assert await next_reply(ws) == {"result": None, "id": 4}
        await ws.close()
    assert requests.get(f"{sim.rest_url}/api/v3/ping", timeout=5).json() == {}
