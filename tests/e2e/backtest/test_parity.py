"""Parity: the docs' example strategy runs live against a ``tradewind sim`` process while a
SessionRecorder writes what the node saw (books, trades) and the order latencies it measured;
the recording replayed through the backtester, with those latencies, makes the strategy take
the same decisions: the same submits and cancels, in the same order, at the same prices and
quantities."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.backtest.engine import BacktestEngine
from tradewind.backtest.feeds.sim_recording import SimRecordingFeed
from tradewind.backtest.latency import read_latency_file
from tradewind.backtest.recording import Decision, SessionRecorder, decisions_of
from tradewind.backtest.units import Scale
from tradewind.backtest.venue import ListedInstrument, VenueLatency
from tradewind.core.identifiers import InstrumentId
from tradewind.core.instruments import Instrument
from tradewind.node import TradingNode, load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin

pytestmark = pytest.mark.e2e

INSTRUMENT = "BTC/USDT@sim"
SESSION_S = 8.0


def _quoter() -> Quoter:
    return Quoter(
        "quoter",
        QuoterConfig(
            instrument=INSTRUMENT,
            quantity=Decimal("0.001"),
            spread_bps=Decimal(1),  # close under the best bid: it re-prices as the market moves
            refresh_ns=100_000_000,
            bar_ns=1_000_000_000,
        ),
    )


async def test_a_replayed_live_session_makes_the_same_decisions(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "100000", "BTC": "2"})
    config = load_node_config(
        {
            "venues": {
                "sim": {
                    "kind": "binance",
                    "rest_url": sim.rest_url,
                    "ws_url": sim.ws_url,
                    "api_key": account.api_key,
                    "api_secret": account.api_secret,
                }
            }
        },
        environ={},
    )
    node = TradingNode(config)
    await node.build()
    market, entry, cancel = (
        tmp_path / "market.jsonl",
        tmp_path / "entry.txt",
        tmp_path / "cancel.txt",
    )
    recorder = SessionRecorder(
        "recorder", node, INSTRUMENT, market=market, entry_latency=entry, cancel_latency=cancel
    )
    node.add(recorder)  # before the strategy: its start marks the replay's start
    node.add(_quoter())
    await node.restore()
    await node.reconcile()
    listed = node.cache.instrument(InstrumentId.parse(INSTRUMENT))
    assert listed is not None
    await node.run()
    try:
        await asyncio.sleep(SESSION_S)
    finally:
        await node.stop()
    live = list(recorder.decisions)
    assert sum(d[0] == "submit" for d in live) >= 2, live  # it quoted and re-priced

    engine = BacktestEngine(seed=0)
    scale = Scale(listed.filters.tick_size, 8)
    engine.add_venue(
        "sim",
        [
            ListedInstrument(
                Instrument(venue="sim", symbol="BTC/USDT", filters=listed.filters), scale
            )
        ],
        balances={"USDT": Decimal(100_000), "BTC": Decimal(2)},
        latency=VenueLatency(entry=read_latency_file(entry), cancel=read_latency_file(cancel)),
    )
    engine.add_feed("sim", "BTC/USDT", SimRecordingFeed(market, scale, symbol="BTCUSDT"))
    engine.add_strategy(_quoter())
    replayed: list[list[Decision]] = []
    engine.on_node(lambda replay_node: replayed.append(decisions_of(replay_node)))
    await engine.run()
    [backtest] = replayed
    print(f"{len(live)} decisions live; entry latencies (ns) {recorder.entry_ns}")
    for decision in live:
        print("  ", decision)
    assert backtest == live
