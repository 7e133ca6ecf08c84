"""Latency through the whole node: orders in flight miss what happens before they arrive, a
cancel that arrives after the fill is refused and the fill stands, market data reaches the
strategy late, and the sampled / recorded models give what they promise."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.latency import ConstantLatency, LognormalLatency, read_latency_file
from tradewind.backtest.venue import VenueLatency
from tradewind.core.enums import LiquiditySide, OrderStatus

from .helpers import MS, T0, Scripted, actions, book, run, trade

BOOK = book(0, [("100.00", "1")], [("101.00", "1")])


async def test_a_cancel_that_arrives_after_the_fill_does_not_undo_it() -> None:
    strategy = Scripted(
        "s",
        [(1, lambda s: s.buy("99.00")), (2, lambda s: s.cancel_last())],
    )
    events = [BOOK, trade(5, "98.00", "0.5", taker_buys=False)]  # a seller prints through us
    latency = VenueLatency(cancel=ConstantLatency(10 * MS))
    record, engine = await run(events, strategy, latency=latency)
    cid = strategy.orders[0]
    assert actions(record, cid) == [
        (1, "submitted"),
        (1, "accepted"),
        (2, "cancel_requested"),
        (12, "cancel_rejected"),  # it arrived at 12 ms; the fill was at 5 ms
    ]
    [fill] = record.fills
    assert (fill.client_order_id, fill.quantity, fill.price) == (
        cid,
        Decimal("0.1"),
        Decimal("99.00"),
    )
    assert fill.ts_ns == T0 + 5 * MS and fill.liquidity is LiquiditySide.MAKER
    assert engine.node is not None
    order = engine.node.cache.order(cid)
    assert order is not None and order.status is OrderStatus.FILLED


async def test_a_cancel_that_arrives_first_cancels() -> None:
    strategy = Scripted("s", [(1, lambda s: s.buy("99.00")), (2, lambda s: s.cancel_last())])
    events = [BOOK, trade(20, "98.00", "0.5", taker_buys=False)]
    record, _ = await run(events, strategy, latency=VenueLatency(cancel=ConstantLatency(10 * MS)))
    assert actions(record, strategy.orders[0])[-1] == (12, "canceled")
    assert record.fills == ()


async def test_an_order_in_flight_misses_what_happens_before_it_arrives() -> None:
    strategy = Scripted("s", [(1, lambda s: s.buy("99.00"))])
    events = [
        BOOK,
        trade(5, "98.00", "0.5", taker_buys=False),  # before the order arrives at 11 ms
        trade(15, "98.00", "0.5", taker_buys=False),  # after
    ]
    record, _ = await run(events, strategy, latency=VenueLatency(entry=ConstantLatency(10 * MS)))
    assert actions(record) == [(1, "submitted"), (11, "accepted")]
    [fill] = record.fills
    assert fill.ts_ns == T0 + 15 * MS


async def test_the_strategy_learns_of_its_fill_after_the_response_latency() -> None:
    strategy = Scripted("s", [(1, lambda s: s.buy("99.00"))])
    # the run ends with its data: a last book at 20 ms keeps the strategy running till then
    events = [BOOK, trade(5, "98.00", "0.5", taker_buys=False), book(20, [], [])]
    latency = VenueLatency(response=ConstantLatency(3 * MS))
    record, _ = await run(events, strategy, latency=latency)
    assert record.fills[0].ts_ns == T0 + 5 * MS  # the venue filled it at 5 ms
    filled = [t for t, kind, _ in strategy.events if kind == "OrderFilled"]
    assert filled == [8 * MS]  # the strategy heard at 8 ms


async def test_market_data_reaches_the_strategy_after_its_latency() -> None:
    strategy = Scripted("s", [])
    events = [BOOK, book(10, [("100.50", "1")], [("101.00", "1")])]
    latency = VenueLatency(market_data=ConstantLatency(4 * MS))
    await run(events, strategy, latency=latency)
    seen = [(t // MS, bid) for t, bid, _ in strategy.books if bid is not None]
    assert seen == [(4, Decimal("100.00")), (14, Decimal("100.50"))]


def test_lognormal_latency_is_seeded_and_centred_on_its_median() -> None:
    first = [LognormalLatency(1_000_000, 0.5, seed=3).sample(0) for _ in range(1)]
    model = LognormalLatency(1_000_000, 0.5, seed=3)
    draws = [model.sample(0) for _ in range(2001)]
    assert draws[0] == first[0]
    assert draws == [
        d
        for d in (lambda m: [m.sample(0) for _ in range(2001)])(LognormalLatency(1_000_000, 0.5, 3))
    ]
    median = sorted(draws)[1000]
    assert 900_000 < median < 1_100_000 and min(draws) > 0


def test_recorded_latency_files(tmp_path: Path) -> None:
    sequence = tmp_path / "seq.txt"
    sequence.write_text("# measured\n100\n200\n\n300\n")
    model = read_latency_file(sequence)
    assert [model.sample(0) for _ in range(4)] == [100, 200, 300, 100]
    timed = tmp_path / "timed.csv"
    timed.write_text("10,5\n20,7\n")
    model = read_latency_file(timed)
    assert [model.sample(t) for t in (0, 10, 15, 20, 99)] == [5, 5, 5, 7, 7]
    bad = tmp_path / "bad.csv"
    bad.write_text("10,5\n5,7\n")
    with pytest.raises(BacktestDataError, match=r"bad.csv:2: ts 5 is earlier than 10"):
        read_latency_file(bad)
