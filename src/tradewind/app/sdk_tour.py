"""`tradewind sim-tour`: trade on a fresh simulated exchange through the official Binance SDK.

The session is scripted: market data, a resting order that is queried and cancelled, a market
order that fills, an IOC order that crosses, balances and trades — while the SDK's WebSocket
client counts depth diffs and execution reports. It exits 0 only if every step behaved.
"""

from __future__ import annotations

import asyncio
import tempfile
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tradewind.common.config import TradewindConfig
from tradewind.venues.binance.streams import event_kind, plain_payload
from tradewind.venues.sim.clients import binance_sdk, create_listen_key
from tradewind.venues.sim.process import SimEndpoints, SimProcess

console = Console()
SYMBOL = "BTCUSDT"


class TourFailure(RuntimeError):
    """A step of the scripted session did not behave; the message says which."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise TourFailure(message)


def _data(response: Any) -> Any:
    return plain_payload(response.data())


async def _session(sim: SimEndpoints) -> None:
    client = binance_sdk(sim.rest_url, sim.ws_url, sim.api_key, sim.api_secret)
    rest = client.rest_api

    def call(method: str, **kwargs: Any) -> Any:
        return _data(getattr(rest, method)(**kwargs))

    async def acall(method: str, **kwargs: Any) -> Any:
        # The SDK's REST client is synchronous (requests); keep it off the event loop.
        return await asyncio.to_thread(call, method, **kwargs)

    info = await acall("exchange_info")
    symbols = [s["symbol"] for s in info["symbols"]]
    console.print(f"[bold]exchangeInfo[/]: {len(symbols)} symbols: {', '.join(symbols)}")
    filters = {
        f["filterType"]: f
        for f in next(s for s in info["symbols"] if s["symbol"] == SYMBOL)["filters"]
    }
    tick = Decimal(filters["PRICE_FILTER"]["tickSize"])
    step = Decimal(filters["LOT_SIZE"]["stepSize"])
    console.print(
        f"{SYMBOL} tick={tick.normalize()} step={step.normalize()} "
        f"minNotional={Decimal(filters['NOTIONAL']['minNotional']).normalize()}"
    )

    depth_events: list[dict[str, Any]] = []
    reports: list[tuple[str, dict[str, Any]]] = []
    streams = await client.websocket_streams.create_connection()  # type: ignore[no-untyped-call]
    depth_stream = await streams.diff_book_depth(symbol=SYMBOL.lower(), update_speed="100ms")
    depth_stream.on("message", lambda m: depth_events.append(plain_payload(m)))
    listen_key = await asyncio.to_thread(create_listen_key, sim.rest_url, sim.api_key)
    user_stream = await streams.user_data(listenKey=listen_key)
    user_stream.on("message", lambda m: reports.append((event_kind(m), plain_payload(m))))

    book = await acall("depth", symbol=SYMBOL, limit=5)
    best_bid = Decimal(book["bids"][0][0])
    best_ask = Decimal(book["asks"][0][0])
    table = Table(title=f"{SYMBOL} top of book (lastUpdateId {book['lastUpdateId']})")
    table.add_column("bid qty", justify="right")
    table.add_column("bid", justify="right")
    table.add_column("ask", justify="right")
    table.add_column("ask qty", justify="right")
    for (bp, bq), (ap, aq) in zip(book["bids"], book["asks"], strict=False):
        table.add_row(bq, bp, ap, aq)
    console.print(table)
    _check(best_bid < best_ask, "the book is crossed")

    resting_price = (best_bid * Decimal("0.99") / tick).to_integral_value(ROUND_DOWN) * tick
    placed = await acall(
        "new_order",
        symbol=SYMBOL,
        side="BUY",
        type="LIMIT",
        time_in_force="GTC",
        quantity=Decimal("0.01"),
        price=resting_price,
        new_client_order_id="demo-rest-1",
    )
    console.print(
        f"LIMIT BUY 0.01 @ {resting_price} -> orderId={placed['orderId']} status={placed['status']}"
    )
    _check(placed["status"] == "NEW", "a limit order below the bid should rest")
    queried = await acall("get_order", symbol=SYMBOL, order_id=placed["orderId"])
    _check(queried["clientOrderId"] == "demo-rest-1", "query returned another order")
    cancelled = await acall("delete_order", symbol=SYMBOL, order_id=placed["orderId"])
    console.print(f"cancel -> status={cancelled['status']}")
    _check(cancelled["status"] == "CANCELED", "cancel did not cancel")

    market = await acall(
        "new_order", symbol=SYMBOL, side="BUY", type="MARKET", quantity=Decimal("0.05")
    )
    fills = market.get("fills") or []
    console.print(
        f"MARKET BUY 0.05 -> status={market['status']} executed={market['executedQty']} "
        f"in {len(fills)} fills"
    )
    for fill in fills:
        console.print(
            f"   fill {fill['qty']} @ {fill['price']}  "
            f"fee {fill['commission']} {fill['commissionAsset']}"
        )
    _check(market["status"] == "FILLED", "the market order did not fill")

    book = await acall("depth", symbol=SYMBOL, limit=5)
    cross_price = (Decimal(book["bids"][0][0]) * Decimal("0.995") / tick).to_integral_value(
        ROUND_DOWN
    ) * tick
    ioc = await acall(
        "new_order",
        symbol=SYMBOL,
        side="SELL",
        type="LIMIT",
        time_in_force="IOC",
        quantity=Decimal("0.02"),
        price=cross_price,
    )
    console.print(
        f"LIMIT IOC SELL 0.02 @ {cross_price} -> status={ioc['status']} "
        f"executed={ioc['executedQty']}"
    )
    _check(Decimal(ioc["executedQty"]) > 0, "a sell below the bid should trade")

    account = await acall("get_account")
    balances = {
        b["asset"]: b for b in account["balances"] if Decimal(b["free"]) or Decimal(b["locked"])
    }
    table = Table(title="balances")
    table.add_column("asset")
    table.add_column("free", justify="right")
    table.add_column("locked", justify="right")
    for asset, b in sorted(balances.items()):
        table.add_row(asset, b["free"], b["locked"])
    console.print(table)
    trades = await acall("my_trades", symbol=SYMBOL)
    console.print(f"myTrades: {len(trades)} trades on {SYMBOL}")
    _check(
        len(trades) == len(fills) + len(ioc.get("fills") or []), "myTrades does not match the fills"
    )

    for _ in range(30):
        if depth_events and len(reports) >= 4:
            break
        await asyncio.sleep(0.1)
    kinds: dict[str, int] = {}
    for kind, _ in reports:
        kinds[kind] = kinds.get(kind, 0) + 1
    console.print(
        f"WebSocket: {len(depth_events)} depth diffs, user data events {kinds or len(reports)}"
    )
    _check(len(depth_events) > 0, "no depth diffs arrived")
    _check(len(reports) > 0, "no execution reports arrived")
    await streams.close_connection(close_session=True)


def run_sdk_tour(cfg: TradewindConfig) -> int:
    """Run the scripted session against a fresh ``tradewind sim`` process; 0 when all went well."""
    with tempfile.TemporaryDirectory(prefix="tradewind-tour-") as tmp:
        console.print("[bold]starting tradewind sim[/] (simulated Binance Spot exchange)")
        with SimProcess(database=Path(tmp) / "sim.sqlite", seed=cfg.sim.seed) as sim:
            console.print(f"REST {sim.rest_url}   WebSocket {sim.ws_url}   pid {sim.pid}")
            try:
                asyncio.run(_session(sim))
            except TourFailure as exc:
                console.print(f"[red]tour failed:[/] {exc}")
                return 1
    console.print("[green]tour finished[/]")
    return 0
