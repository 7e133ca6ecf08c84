"""Both venue adapters (official SDK and ccxt.pro) against a real ``tradewind sim`` process:
instruments, a synced book, a resting order cancelled, a market order filled, every report
arriving on the user stream, bad venue input refused without a state change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import ROUND_DOWN, Decimal

import pytest

from tradewind.book.depth_sync import ReadyBook
from tradewind.core.enums import OrderSide, OrderStatus, OrderType
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.execution.market_data import MarketDataService
from tradewind.venues.base import OrderRequest, UnknownSymbol, VenueAdapter, VenueReport
from tradewind.venues.binance import BinanceAdapter, BinanceConfig
from tradewind.venues.ccxt import CcxtAdapter
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAccount

pytestmark = pytest.mark.e2e
SYMBOL = "BTC/USDT"


def _binance(sim: SimEndpoints, account: SimAccount) -> VenueAdapter:
    config = BinanceConfig(
        venue="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
        api_key=account.api_key, api_secret=account.api_secret,
    )  # fmt: skip
    return BinanceAdapter(config)


def _ccxt(sim: SimEndpoints, account: SimAccount) -> VenueAdapter:
    return CcxtAdapter.for_binance(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
        api_key=account.api_key, api_secret=account.api_secret,
    )  # fmt: skip


@pytest.fixture(params=[_binance, _ccxt], ids=["binance-sdk", "ccxt"])
async def adapter(
    request: pytest.FixtureRequest, sim: SimEndpoints, account: SimAccount
) -> AsyncIterator[VenueAdapter]:
    make: Callable[[SimEndpoints, SimAccount], VenueAdapter] = request.param
    venue = make(sim, account)
    yield venue
    await venue.close()


async def _until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_book_orders_fills_and_reports_through_the_adapter(adapter: VenueAdapter) -> None:
    instruments = {i.symbol: i for i in await adapter.load_instruments()}
    assert {"BTC/USDT", "ETH/USDT"} <= set(instruments)
    btc = instruments[SYMBOL]
    assert btc.filters.tick_size > 0 and btc.venue == "sim"

    books = MarketDataService(adapter)
    await books.subscribe(btc)
    await books.wait_synced(SYMBOL)
    view = books.view(SYMBOL)
    assert isinstance(view, ReadyBook)
    best_bid, best_ask = view.book.best_bid(), view.book.best_ask()
    assert best_bid is not None and best_ask is not None and best_bid.price < best_ask.price

    reports: list[VenueReport] = []
    await adapter.stream_user(reports.append)
    start = await adapter.balances()

    # a buy 2% under the bid rests, is listed open, then cancelled
    tick = btc.filters.tick_size
    price = (best_bid.price * Decimal("0.98") / tick).to_integral_value(ROUND_DOWN) * tick
    resting = await adapter.submit(
        OrderRequest(client_order_id="e2e-rest-1", symbol=SYMBOL, side=OrderSide.BUY,
                     order_type=OrderType.LIMIT, quantity=Decimal("0.01"), price=price)
    )  # fmt: skip
    assert resting.status is OrderStatus.NEW and resting.client_order_id == "e2e-rest-1"
    assert resting.price == price
    listed = await adapter.open_orders(SYMBOL)
    assert [o.venue_order_id for o in listed] == [resting.venue_order_id]
    # USDT locked = 0.01 × price exactly
    locked = (await adapter.balances())["USDT"].locked
    assert locked == price * Decimal("0.01")
    cancelled = await adapter.cancel(SYMBOL, "e2e-rest-1", resting.venue_order_id)
    assert cancelled.status is OrderStatus.CANCELED
    assert cancelled.client_order_id == "e2e-rest-1"
    assert await adapter.open_orders(SYMBOL) == []

    # a market buy fills; its fills arrive on the stream and through fills_since
    market = await adapter.submit(
        OrderRequest(client_order_id="e2e-mkt-1", symbol=SYMBOL, side=OrderSide.BUY,
                     order_type=OrderType.MARKET, quantity=Decimal("0.02"))
    )  # fmt: skip
    assert market.status is OrderStatus.FILLED and market.filled_qty == Decimal("0.02")

    def stream_fills() -> list[FillReport]:
        return [r for r in reports if isinstance(r, FillReport)
                and r.venue_order_id == market.venue_order_id]  # fmt: skip

    def statuses(order_id: str) -> list[OrderStatus]:
        return [r.status for r in reports
                if isinstance(r, OrderStatusReport) and r.venue_order_id == order_id]  # fmt: skip

    await _until(lambda: sum(f.qty for f in stream_fills()) == Decimal("0.02"))
    await _until(lambda: OrderStatus.FILLED in statuses(market.venue_order_id))
    await _until(lambda: OrderStatus.CANCELED in statuses(resting.venue_order_id))
    assert statuses(resting.venue_order_id)[0] is OrderStatus.NEW

    queried = await adapter.fills_since(SYMBOL)
    assert {f.trade_id for f in queried} == {f.trade_id for f in stream_fills()}
    assert (
        await adapter.fills_since(SYMBOL, max(queried, key=lambda f: int(f.trade_id)).trade_id)
        == []
    )
    spent = sum(f.price * f.qty for f in queried)
    fee = sum(f.fee for f in queried if f.fee_asset == "BTC")
    end = await adapter.balances()
    # BTC grows by the 0.02 bought less the fee taken in BTC; USDT shrinks by qty × price
    assert end["BTC"].free == start["BTC"].free + Decimal("0.02") - fee
    assert end["USDT"].free == start["USDT"].free - spent

    status = await adapter.order_status(SYMBOL, "e2e-mkt-1")
    assert status is not None and status.status is OrderStatus.FILLED
    assert await adapter.order_status(SYMBOL, "never-sent") is None
    with pytest.raises(UnknownSymbol):
        await adapter.depth_snapshot("NOPE/USDT", 5)
    await books.close()
