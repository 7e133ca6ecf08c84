"""The in-process venue under the sim's moving market: a MarketDataService book, fed by the
adapter's depth stream, equals the engine's depth after every step of background order flow."""

from __future__ import annotations

from decimal import Decimal

from tradewind.book.depth_sync import ReadyBook
from tradewind.core.clock import SimulatedClock
from tradewind.core.enums import OrderSide, OrderType
from tradewind.core.events import BookSyncLost, BookUpdated
from tradewind.core.reports import FillReport
from tradewind.execution.market_data import MarketDataService
from tradewind.venues.base import OrderRequest, VenueReport
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import MatchingEngine
from tradewind.venues.sim.market import Markets, MarketSimulator, default_markets

START_MS = 1_700_000_000_000
BTC = "BTC/USDT"


async def test_book_tracks_the_moving_market_and_our_orders() -> None:
    markets = Markets(tuple(m for m in default_markets() if m.spec.symbol == "BTCUSDT"))
    ms = ManualClock(START_MS)
    engine = MatchingEngine(markets.specs, ms.now_ms)
    market = MarketSimulator(engine, list(markets.specs), seed=11, markets=markets)
    market.seed_books()
    market.step(ms.now_ms())
    engine.create_account("me")
    engine.credit("me", "USDT", Decimal(10_000_000))
    engine.credit("me", "BTC", Decimal(100))

    clock = SimulatedClock(START_MS * 1_000_000)
    adapter = InProcessAdapter(engine, "me", venue="sim", clock=clock)
    [instrument] = [i for i in await adapter.load_instruments() if i.symbol == BTC]
    books = MarketDataService(adapter, clock=clock)
    events: list[BookUpdated | BookSyncLost] = []
    books.on_book(events.append)
    await books.subscribe(instrument)
    await books.wait_synced(BTC, timeout_s=5)

    def book_levels() -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        view = books.view(BTC, max_age_ns=10**18)
        assert isinstance(view, ReadyBook), view
        depth = view.book.depth(1000)
        return (
            [(lvl.price, lvl.qty) for lvl in depth.bids],
            [(lvl.price, lvl.qty) for lvl in depth.asks],
        )

    def engine_levels() -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        depth = engine.depth("BTCUSDT", 1000)
        return list(depth.bids), list(depth.asks)

    reports: list[VenueReport] = []
    await adapter.stream_user(reports.append)
    actions = 0
    for step in range(200):
        ms.advance(50)
        actions += market.step(ms.now_ms())
        if step % 40 == 0:
            # cross the spread with a small market buy: a taker fill against the makers
            await adapter.submit(
                OrderRequest(
                    client_order_id=f"tw-{step}", symbol=BTC, side=OrderSide.BUY,
                    order_type=OrderType.MARKET, quantity=Decimal("0.001"),
                )
            )  # fmt: skip
        assert book_levels() == engine_levels(), f"diverged at step {step}"
    assert actions > 20  # the market really moved (47 engine calls with seed 11)
    assert books.sync(BTC).resyncs == 0  # every diff followed on from the last
    assert not any(isinstance(e, BookSyncLost) for e in events)
    assert sum(isinstance(r, FillReport) for r in reports) >= 5  # 5 market buys, >= 1 fill each
    await books.close()
    await adapter.close()
