"""The docs/strategies.md example (tradewind.node.examples.quoter) on a TestClock with the
in-process venue: it quotes from the book, counts public trades and bars, re-prices on its timer
with a modify, and cancels everything on stop — and nothing waits for real time."""

from __future__ import annotations

from decimal import Decimal

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.core.enums import OrderStatus
from tradewind.node import TradingNode
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.venues.sim.engine import Side

from .inprocess_venue import T0, Venue


def _quoter() -> Quoter:
    return Quoter(
        "quoter",
        QuoterConfig(
            instrument="BTC/USDT@inproc",
            quantity=Decimal("0.001"),
            spread_bps=Decimal(100),
            refresh_ns=SECOND_NS,
            bar_ns=10 * SECOND_NS,
        ),
    )


async def test_the_example_strategy_runs_on_the_test_clock() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    node = TradingNode(clock=clock, adapters={"inproc": venue.adapter})
    quoter = node.add(_quoter())
    assert isinstance(quoter, Quoter)
    await node.start()
    await node.wait_books_synced()
    await node.drain()

    # the first book quoted: one bid 1% under the 94000 best bid
    [(first_id, first_price)] = venue.open_orders()
    assert first_price == Decimal("93060.00") and first_id == quoter.quote
    order = node.cache.order(first_id)
    assert order is not None and order.status is OrderStatus.NEW
    assert node.health().ready and node.health().venues["inproc"]["books_synced"] == 1

    # two public trades (the maker's ask lifted by another taker) reach on_trade
    venue.engine.create_account("taker")
    venue.engine.credit("taker", "USDT", Decimal(1_000_000))
    venue.place(Side.BUY, "96000", "0.1", account="taker")
    venue.place(Side.BUY, "96000", "0.1", account="taker")
    assert quoter.trades == 2
    assert [t.price for t in node.cache.trades(quoter.instrument)] == [Decimal(96000)] * 2

    # the bar of the first 10 s closes when the clock passes its end (bar check every 1 s)
    assert quoter.bars == 0
    clock.advance_by(11 * SECOND_NS)
    assert quoter.bars == 1
    bar = node.cache.last_bar(quoter.instrument)
    assert bar is not None and bar.volume == Decimal("0.2") and bar.trades == 2

    # a better bid: the refresh timer re-prices the quote by cancel-replace
    venue.place(Side.BUY, "95000", "1")
    clock.advance_by(SECOND_NS)
    await node.drain()
    [(second_id, second_price)] = venue.open_orders()
    assert second_price == Decimal("94050.00") and second_id == quoter.quote != first_id
    old = node.cache.order(first_id)
    assert old is not None and old.status is OrderStatus.CANCELED

    # someone sells into our bid: the fill reaches on_fill and the position
    venue.engine.create_account("seller")
    venue.engine.credit("seller", "BTC", Decimal(2))
    # through the 95000 maker bid (1 BTC) and on into ours
    venue.place(Side.SELL, "94050", "1.001", account="seller")
    await node.drain()
    assert quoter.fills == 1
    [fill] = node.cache.fills(quoter.instrument)
    assert (
        fill.qty == Decimal("0.001") and fill.price == Decimal("94050") and fill.fee_asset == "BTC"
    )
    # the venue takes its fee out of the BTC bought
    assert node.cache.position(quoter.instrument).quantity == fill.qty - fill.fee

    await node.stop()  # on_stop cancels whatever the strategy still has open
    assert venue.open_orders() == []
    assert clock.timer_names == ()
