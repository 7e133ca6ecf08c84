"""SessionRecorder on a node with the in-process venue (TestClock): the market file reads back
as a sim recording, one latency per order and per cancel, and the decisions it keeps are the
strategy's submits and cancels in order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tradewind.backtest.feeds.events import DepthEvent, TradeEvent
from tradewind.backtest.feeds.sim_recording import SimRecordingFeed
from tradewind.backtest.latency import read_latency_file
from tradewind.backtest.recording import SessionRecorder
from tradewind.backtest.units import Scale
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.node import TradingNode
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.venues.sim.engine import Side

from ..node.inprocess_venue import T0, Venue


async def test_the_recorder_writes_a_replayable_session(tmp_path: Path) -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    node = TradingNode(clock=clock, adapters={"inproc": venue.adapter})
    await node.build()
    paths = {name: tmp_path / f"{name}.txt" for name in ("market", "entry", "cancel")}
    recorder = SessionRecorder(
        "recorder",
        node,
        "BTC/USDT@inproc",
        market=paths["market"],
        entry_latency=paths["entry"],
        cancel_latency=paths["cancel"],
    )
    node.add(recorder)
    config = QuoterConfig(
        instrument="BTC/USDT@inproc", quantity=Decimal("0.001"), spread_bps=Decimal(100)
    )
    node.add(Quoter("quoter", config))
    await node.restore()
    await node.reconcile()
    await node.run()
    await node.wait_books_synced()
    await node.drain()
    venue.place(Side.BUY, "95000", "1")  # a better bid: the quoter re-prices on its timer
    clock.advance_by(SECOND_NS)
    await node.drain()
    venue.engine.create_account("taker")
    venue.engine.credit("taker", "USDT", Decimal(1_000_000))
    venue.place(Side.BUY, "96000", "0.1", account="taker")  # a public trade
    await node.drain()
    await node.stop()

    events = list(
        SimRecordingFeed(paths["market"], Scale(Decimal("0.01")), symbol="BTCUSDT").events()
    )
    first = events[0]
    assert isinstance(first, DepthEvent) and first.snapshot and first.bids == first.asks == []
    assert first.ts == T0  # the replay starts where the actors started
    books = [e for e in events if isinstance(e, DepthEvent) and e.bids]
    assert books[-1].bids[0] == (9_500_000, 100_000_000)  # 95000.00 x 1 BTC at the top
    [trade] = [e for e in events if isinstance(e, TradeEvent)]
    assert trade.taker_buys and trade.price == 9_600_000
    submits = [d for d in recorder.decisions if d[0] == "submit"]
    cancels = [d for d in recorder.decisions if d[0] == "cancel"]
    assert [d[2] for d in submits] == [Decimal("93060.00"), Decimal("94050.00")]
    assert len(cancels) == 2  # the modify's cancel, and cancel_all on stop
    entry = read_latency_file(paths["entry"])
    assert [entry.sample(0) for _ in submits] == [0, 0]  # nothing waits on a TestClock
    assert len(recorder.cancel_ns) == 2
