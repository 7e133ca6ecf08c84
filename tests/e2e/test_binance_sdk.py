"""The unmodified official Binance SDK trades on a ``tradewind sim`` process over HTTP and WS."""

from __future__ import annotations

import asyncio
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from binance_common.errors import BadRequestError

from tradewind.venues.sim.clients import binance_sdk, create_listen_key
from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAccount
from .sdk_support import as_dict, event_kind, rest, wait_for

pytestmark = pytest.mark.e2e
SYMBOL = "BTCUSDT"


def _tick(info: dict[str, Any], symbol: str) -> Decimal:
    entry = next(s for s in info["symbols"] if s["symbol"] == symbol)
    return Decimal(
        next(f for f in entry["filters"] if f["filterType"] == "PRICE_FILTER")["tickSize"]
    )


async def test_markets_depth_orders_balances_trades_and_streams(
    sim: SimEndpoints, account: SimAccount
) -> None:
    client = binance_sdk(sim.rest_url, sim.ws_url, account.api_key, account.api_secret)

    info = await rest(client, "exchange_info")
    symbols = {s["symbol"] for s in info["symbols"]}
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"} <= symbols
    assert len(symbols) >= 10
    tick = _tick(info, SYMBOL)

    streams = await client.websocket_streams.create_connection()
    diffs: list[dict[str, Any]] = []
    reports: list[tuple[str, dict[str, Any]]] = []
    depth = await streams.diff_book_depth(symbol=SYMBOL.lower(), update_speed="100ms")
    depth.on("message", lambda m: diffs.append(as_dict(m)))
    listen_key = await asyncio.to_thread(create_listen_key, sim.rest_url, account.api_key)
    user = await streams.user_data(listenKey=listen_key)
    user.on("message", lambda m: reports.append((event_kind(m), as_dict(m))))

    book = await rest(client, "depth", symbol=SYMBOL, limit=10)
    assert len(book["bids"]) == 10 and len(book["asks"]) == 10
    best_bid, best_ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
    assert best_bid < best_ask

    # A limit buy well below the bid rests; query it by client id; cancel it.
    price = (best_bid * Decimal("0.98") / tick).to_integral_value(ROUND_DOWN) * tick
    placed = await rest(
        client,
        "new_order",
        symbol=SYMBOL,
        side="BUY",
        type="LIMIT",
        time_in_force="GTC",
        quantity=Decimal("0.01"),
        price=price,
        new_client_order_id="sdk-rest-1",
    )
    assert placed["status"] == "NEW"
    assert Decimal(placed["price"]) == price
    queried = await rest(client, "get_order", symbol=SYMBOL, orig_client_order_id="sdk-rest-1")
    assert queried["orderId"] == placed["orderId"]
    account_view = await rest(client, "get_account")
    usdt = next(b for b in account_view["balances"] if b["asset"] == "USDT")
    assert Decimal(usdt["locked"]) == price * Decimal("0.01")
    open_orders = await rest(client, "get_open_orders", symbol=SYMBOL)
    assert [o["orderId"] for o in open_orders] == [placed["orderId"]]
    cancelled = await rest(client, "delete_order", symbol=SYMBOL, order_id=placed["orderId"])
    assert cancelled["status"] == "CANCELED"
    assert await rest(client, "get_open_orders", symbol=SYMBOL) == []

    # A market buy fills against the book; commission is charged in the base asset.
    market = await rest(
        client, "new_order", symbol=SYMBOL, side="BUY", type="MARKET", quantity=Decimal("0.05")
    )
    assert market["status"] == "FILLED"
    assert Decimal(market["executedQty"]) == Decimal("0.05")
    fills = market["fills"]
    assert fills and all(f["commissionAsset"] == "BTC" for f in fills)
    assert sum(Decimal(f["qty"]) for f in fills) == Decimal("0.05")
    spent = sum(Decimal(f["qty"]) * Decimal(f["price"]) for f in fills)
    assert Decimal(market["cummulativeQuoteQty"]) == spent
    fee = sum(Decimal(f["commission"]) for f in fills)

    account_view = await rest(client, "get_account")
    balances = {
        b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in account_view["balances"]
    }
    assert balances["BTC"] == (Decimal("2") + Decimal("0.05") - fee, Decimal(0))
    assert balances["USDT"] == (Decimal("100000") - spent, Decimal(0))

    trades = await rest(client, "my_trades", symbol=SYMBOL)
    assert sorted(t["id"] for t in trades) == sorted(f["tradeId"] for f in fills)
    assert all(t["isBuyer"] and not t["isMaker"] for t in trades)

    # A market sell by quote amount.
    sell = await rest(
        client,
        "new_order",
        symbol=SYMBOL,
        side="SELL",
        type="MARKET",
        quote_order_qty=Decimal("100"),
    )
    assert sell["status"] == "FILLED"
    assert Decimal(sell["cummulativeQuoteQty"]) <= Decimal("100")

    async def events_arrived() -> None:
        def done() -> bool:
            kinds = {kind for kind, _ in reports}
            filled = any(
                r["i"] == market["orderId"] and r["X"] == "FILLED" for _, r in executions()
            )
            return (
                bool(diffs) and filled and {"ExecutionReport", "OutboundAccountPosition"} <= kinds
            )

        await wait_for(done, timeout_s=10)

    def executions() -> list[tuple[str, dict[str, Any]]]:
        return [(k, r) for k, r in reports if k == "ExecutionReport"]

    await events_arrived()
    by_order: dict[int, list[str]] = {}
    for _, report in executions():
        by_order.setdefault(report["i"], []).append(report["X"])
    assert by_order[placed["orderId"]] == ["NEW", "CANCELED"]
    assert by_order[market["orderId"]][-1] == "FILLED"
    diff = diffs[0]
    assert diff["e"] == "depthUpdate" and diff["s"] == SYMBOL and diff["U"] <= diff["u"]
    await streams.close_connection(close_session=True)


async def test_errors_reach_the_sdk_as_binance_codes(
    sim: SimEndpoints, account: SimAccount
) -> None:
    client = binance_sdk(sim.rest_url, sim.ws_url, account.api_key, account.api_secret)
    with pytest.raises(BadRequestError) as caught:
        await rest(
            client,
            "new_order",
            symbol=SYMBOL,
            side="BUY",
            type="LIMIT",
            time_in_force="GTC",
            quantity=Decimal("0.01"),
            price=Decimal("1.0000001"),
        )
    assert "Filter failure: PRICE_FILTER" in str(caught.value)
    with pytest.raises(BadRequestError) as unknown:
        await rest(client, "get_order", symbol=SYMBOL, order_id=987654321)
    assert "Order does not exist." in str(unknown.value)
