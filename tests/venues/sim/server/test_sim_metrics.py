"""The simulated exchange's /metrics on its REST port: REST requests by endpoint and status with
their latency, orders accepted and rejected (by Binance error code), trades, WebSocket
connections and book depth, after real signed HTTP requests and a real WebSocket connection."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tradewind.venues.sim.exchange import SimExchange, SimSettings
from tradewind.venues.sim.server.auth import ApiCredential, sign_query

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _order(
    http: aiohttp.ClientSession, url: str, who: ApiCredential, **params: str
) -> tuple[int, dict[str, object]]:
    params["timestamp"] = str(int(time.time() * 1000))
    query = urlencode(params)
    query += "&signature=" + sign_query(who.api_secret, query)
    async with http.post(
        f"{url}/api/v3/order?{query}", headers={"X-MBX-APIKEY": who.api_key}
    ) as response:
        return response.status, await response.json()


async def _scrape(http: aiohttp.ClientSession, url: str) -> Samples:
    async with http.get(f"{url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_sim_metrics_after_orders_trades_and_a_websocket() -> None:
    sim = SimExchange(SimSettings(port=0, market_activity=False))
    await sim.start()
    try:
        maker = await sim.create_account("maker", {"BTC": Decimal(1)})
        taker = await sim.create_account("taker", {"USDT": Decimal(100_000)})
        url = sim.rest_url
        async with aiohttp.ClientSession() as http:
            limit = {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.1", "price": "50000"}
            status, _ = await _order(http, url, maker, symbol="BTCUSDT", side="SELL", **limit)
            assert status == 200
            status, body = await _order(http, url, taker, symbol="NOPEUSDT", side="BUY", **limit)
            assert status == 400 and body["code"] == -1121
            limit["quantity"] = "0.04"
            status, _ = await _order(http, url, taker, symbol="BTCUSDT", side="BUY", **limit)
            assert status == 200
            async with http.get(f"{url}/api/v3/ping") as response:
                assert response.status == 200
            async with http.ws_connect(f"{sim.ws_url}/ws/btcusdt@trade"):
                samples = await _scrape(http, url)
            # the server drops the connection once it has answered the close
            for _ in range(100):
                after_close = await _scrape(http, url)
                if after_close[("tradewind_sim_ws_connections", frozenset())] == 0:
                    break
                await asyncio.sleep(0.02)
    finally:
        await sim.stop()

    def get(metric: str, /, **labels: str) -> float:
        return samples[(metric, frozenset(labels.items()))]

    order_path = "/api/v3/order"
    assert get("tradewind_sim_orders_accepted_total", symbol="BTCUSDT") == 2
    assert get("tradewind_sim_orders_rejected_total", code="-1121") == 1
    assert get("tradewind_sim_trades_total", symbol="BTCUSDT") == 1
    requests = "tradewind_sim_rest_requests_total"
    assert get(requests, endpoint=order_path, method="POST", status="200") == 2
    assert get(requests, endpoint=order_path, method="POST", status="400") == 1
    assert get(requests, endpoint="/api/v3/ping", method="GET", status="200") == 1
    assert get("tradewind_sim_rest_request_seconds_count", endpoint=order_path) == 3
    assert get("tradewind_sim_rest_request_seconds_sum", endpoint=order_path) > 0
    assert get("tradewind_sim_ws_connections") == 1
    # 0.06 BTC left on the ask at 50000; nothing on the bid side
    assert get("tradewind_sim_book_levels", symbol="BTCUSDT", side="ask") == 1
    assert get("tradewind_sim_book_depth", symbol="BTCUSDT", side="ask") == 0.06
    assert get("tradewind_sim_book_levels", symbol="BTCUSDT", side="bid") == 0
    assert after_close[("tradewind_sim_ws_connections", frozenset())] == 0
