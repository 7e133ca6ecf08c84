"""Fills that reconciliation fetches for two symbols with the same trade id must both be applied.

Found by the index desk's kill -9 test: after a restart a batch leg stayed "new" forever
(``reconciliation_discrepancy kind=missing_fills ... query the order's trades`` every 5 s), so its
batch never closed and the desk stopped trading. The venue numbers trades per symbol, and
``ExecutionEngine._reconcile`` indexes the fetched fills by trade id alone
(``by_trade = {fill.trade_id: fill ...}``): trade 1 of ETH/USDT replaces trade 1 of BTC/USDT, the
BTC order's OrderFilled is then applied with the ETH fill (a duplicate, dropped), and the trade
cursor moves past the lost fill, so no later reconciliation finds it again (fixed: fills are
matched by (symbol, trade id)).

Minimal case: two resting buys (BTC, ETH) while the engine runs; the engine stops; another
account fills both (trade 1 of each symbol on a fresh simulator without market activity); the
engine restarts on the same store and must hold both fills.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.bus.in_process import InProcessMessageBus
from tradewind.core.clock import LiveClock
from tradewind.core.commands import SubmitOrder
from tradewind.core.enums import OrderSide, OrderStatus, OrderType
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.store_writer import StoreWriter
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.oms.rate_limiter import RateLimit, RateLimiter, RateLimitKind
from tradewind.store.kernel_store import KernelStore
from tradewind.venues.base import OrderRequest
from tradewind.venues.sim.process import SimEndpoints, SimProcess

from ..conftest import SimAccount, SimAdmin

pytestmark = [pytest.mark.e2e]

# (symbol, quantity, price): resting bids on an empty book, taken by the maker's market sells
BIDS = (
    ("BTC/USDT", Decimal("0.01"), Decimal(90000)),
    ("ETH/USDT", Decimal("0.1"), Decimal(3000)),
)


@pytest.fixture
def quiet_sim(tmp_path: Path) -> Iterator[SimEndpoints]:
    """A simulator without market activity: the only trades are this test's."""
    with SimProcess(database=tmp_path / "sim.sqlite", admin=True, market=False) as endpoints:
        yield endpoints


def _settings(sim: SimEndpoints, account: SimAccount) -> VenueSettings:
    return VenueSettings(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url, api_key=account.api_key,
        api_secret=account.api_secret,
    )  # fmt: skip


async def _engine(sim: SimEndpoints, account: SimAccount, db_url: str) -> ExecutionEngine:
    clock = LiveClock()
    limiter = RateLimiter(
        [RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * 10**9, 6000)], clock=clock, name="t"
    )
    engine = ExecutionEngine(
        adapter=open_venue("binance", _settings(sim, account), limiter=limiter),
        bus=InProcessMessageBus(),
        limiter=limiter,
        clock=clock,
        store=StoreWriter(await asyncio.to_thread(KernelStore.open, db_url)),
    )
    await engine.start()
    return engine


async def _until_status(engine: ExecutionEngine, client_id: str, status: OrderStatus) -> None:
    async with asyncio.timeout(10):
        while (order := engine.tracker.get(client_id)) is None or order.status is not status:
            await asyncio.sleep(0.02)


async def test_restart_applies_fetched_fills_of_two_symbols_with_one_trade_id(
    quiet_sim: SimEndpoints, tmp_path: Path
) -> None:
    admin = SimAdmin(quiet_sim)
    ours = admin.create_account({"USDT": "10000"})
    maker = admin.create_account({"BTC": "1", "ETH": "10"})
    db_url = f"sqlite:///{tmp_path / 'kernel.sqlite'}"

    first = await _engine(quiet_sim, ours, db_url)
    for n, (symbol, quantity, price) in enumerate(BIDS):
        await first.submit(
            SubmitOrder(
                strategy_id="t", client_order_id=f"bid-{n}", venue="sim", symbol=symbol,
                side=OrderSide.BUY, order_type=OrderType.LIMIT, quantity=quantity, price=price,
                ts_init=1,
            )
        )  # fmt: skip
        await _until_status(first, f"bid-{n}", OrderStatus.NEW)
    await first.stop()

    taker = open_venue("binance", _settings(quiet_sim, maker), limiter=None)
    try:
        await taker.load_instruments()
        for n, (symbol, quantity, _) in enumerate(BIDS):
            sold = await taker.submit(
                OrderRequest(client_order_id=f"take-{n}", symbol=symbol, side=OrderSide.SELL,
                             order_type=OrderType.MARKET, quantity=quantity)
            )  # fmt: skip
            assert sold.status is OrderStatus.FILLED
    finally:
        await taker.close()

    second = await _engine(quiet_sim, ours, db_url)
    try:
        venue_fills = [f for s, _, _ in BIDS for f in await second.adapter.fills_since(s)]
        # the case under test: one trade id, two symbols
        assert len({f.trade_id for f in venue_fills}) == 1 and len(venue_fills) == 2
        held = {(f.symbol, f.trade_id) for f in second.fills()}
        assert held == {(f.symbol, f.trade_id) for f in venue_fills}
        for n, (_, quantity, _) in enumerate(BIDS):
            order = second.tracker.get(f"bid-{n}")
            assert order is not None
            assert order.status is OrderStatus.FILLED and order.filled_qty == quantity
    finally:
        await second.stop()
