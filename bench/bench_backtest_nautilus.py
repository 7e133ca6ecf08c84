"""NautilusTrader's BacktestEngine on the backtester comparison hour: events/s and peak memory.

    .venv/bin/pip install -e '.[bench]'     (nautilus-trader)
    .venv/bin/python bench/backtest_data.py .benchdata/hour            (once; ~45 MB)
    .venv/bin/python bench/bench_backtest_nautilus.py .benchdata/hour [--runs 1]

The data set of bench/backtest_data.py (a 40-level snapshot, 360,000 Binance diff events with
about 525,000 level deltas, 36,000 trades) becomes, before anything is timed, one
``OrderBookDeltas`` per diff event (UPDATE, or DELETE for a zero size; F_LAST on the event's
last delta; the snapshot as CLEAR + ADDs flagged F_SNAPSHOT) and one ``TradeTick`` per trade,
on Nautilus's test BTCUSDT.BINANCE instrument (tick 0.01, size precision 6). The engine: one
venue with an L2_MBP book, ``trade_execution=True`` (trades may fill resting orders), a cash
account, the risk engine on with its order submit/modify rate limits raised to 1,000,000/s,
logging bypassed. Three runs, each in a fresh process so the peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that run's own (data objects included):
  quoter       a Python ``Strategy``: on every book update, if the best bid (ask) moved, cancel
               its resting bid (ask) and post one 0.001 BTC post-only GTC limit one tick under
               the best bid (over the best ask)
  quoter-purge the same, the strategy purging closed orders, positions and account events
               from the cache every 1,000 orders (Nautilus keeps every order by default, and its
               per-order cost grows with them over a run: ~450 us CPU per order on the first
               minute, ~1.8 ms averaged over the hour, measured here)
  no strategy  the same engine and data, no strategy
events/s = (diff events + trades) / wall time (and per CPU-second of the process, which a
loaded machine distorts less) of ``engine.run()``. Figures in
docs/performance.md.
Recorded (2 shared cores at load 6-11, nautilus-trader 1.221.0), per CPU-second / wall:
  quoter 3,012 / 941 events/s, 72,196 orders, peak RSS 880 MB; quoter-purge 4,411 / 1,446,
  570 MB; no strategy 347,729 / 108,204 events/s, 497 MB. First minute only (--small data):
  quoter 13,635 per CPU-second.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODES = ("quoter", "quoter-purge", "none")


def load_data(directory: Path, instrument: Any) -> tuple[list[Any], int]:
    """Nautilus data objects for the data set, and the number of diff events + trades."""
    from nautilus_trader.model.data import (
        BookOrder,
        OrderBookDelta,
        OrderBookDeltas,
        TradeTick,
    )
    from nautilus_trader.model.enums import AggressorSide, BookAction, OrderSide, RecordFlag
    from nautilus_trader.model.identifiers import TradeId
    from nautilus_trader.model.objects import Price, Quantity

    iid = instrument.id
    size_precision = instrument.size_precision
    last = RecordFlag.F_LAST
    snapshot_flag = RecordFlag.F_SNAPSHOT
    prices: dict[str, Price] = {}

    def price(text: str) -> Price:
        cached = prices.get(text)
        if cached is None:
            cached = prices[text] = Price.from_str(text)
        return cached

    def deltas_of(
        levels: list[tuple[OrderSide, str, str]], sequence: int, ts: int, flags: int, snap: bool
    ) -> list[OrderBookDelta]:
        out = []
        for index, (side, p, q) in enumerate(levels):
            size = Quantity(float(q), size_precision)
            if snap:
                action = BookAction.ADD
            else:
                action = BookAction.DELETE if size.as_double() == 0 else BookAction.UPDATE
            flag = flags | (last if index == len(levels) - 1 else 0)
            order = BookOrder(side, price(p), size, 0)
            out.append(OrderBookDelta(iid, action, order, flag, sequence, ts, ts))
        return out

    data: list[Any] = []
    snapshot = json.loads((directory / "snapshot.json").read_text())
    lines = (directory / "depth.jsonl").read_text().splitlines()
    first_ns = json.loads(lines[0])["E"] * 1_000_000 - 1
    levels = [(OrderSide.BUY, p, q) for p, q in snapshot["bids"]]
    levels += [(OrderSide.SELL, p, q) for p, q in snapshot["asks"]]
    clear = OrderBookDelta.clear(iid, snapshot["lastUpdateId"], first_ns, first_ns)
    data.append(
        OrderBookDeltas(
            iid,
            [clear, *deltas_of(levels, snapshot["lastUpdateId"], first_ns, snapshot_flag, True)],
        )
    )
    for line in lines:
        event = json.loads(line)
        ts = event["E"] * 1_000_000
        levels = [(OrderSide.BUY, p, q) for p, q in event["b"]]
        levels += [(OrderSide.SELL, p, q) for p, q in event["a"]]
        data.append(OrderBookDeltas(iid, deltas_of(levels, event["u"], ts, 0, False)))
    trades = 0
    for line in (directory / "trades.csv").read_text().splitlines():
        trade_id, p, q, _quote, time_ms, buyer_is_maker, _best = line.split(",")
        ts = int(time_ms) * 1_000_000
        aggressor = AggressorSide.SELLER if buyer_is_maker == "True" else AggressorSide.BUYER
        size = Quantity(float(q), size_precision)
        data.append(TradeTick(iid, price(p), size, aggressor, TradeId(trade_id), ts, ts))
        trades += 1
    return data, len(lines) + trades


def quoter_class() -> Any:
    from nautilus_trader.model.enums import BookType, OrderSide, TimeInForce
    from nautilus_trader.model.objects import Price, Quantity
    from nautilus_trader.trading.strategy import Strategy

    class NaiveQuoter(Strategy):  # type: ignore[misc]
        """One bid a tick under the best bid, one ask a tick over the best ask; cancel-replace."""

        def __init__(self, instrument: Any, size: str, purge_every: int = 0) -> None:
            super().__init__()
            self.purge_every = purge_every
            self.instrument = instrument
            self.iid = instrument.id
            self.size = Quantity.from_str(size)
            self.tick_raw = instrument.price_increment.raw
            self.precision = instrument.price_precision
            self.bid: Any = None
            self.ask: Any = None
            self.last_bid: Any = None
            self.last_ask: Any = None
            self.orders_sent = 0
            self.fills = 0

        def on_start(self) -> None:
            self.subscribe_order_book_deltas(self.iid, book_type=BookType.L2_MBP)

        def on_order_book_deltas(self, deltas: Any) -> None:
            book = self.cache.order_book(self.iid)
            best_bid = book.best_bid_price()
            best_ask = book.best_ask_price()
            if best_bid is not None and best_bid != self.last_bid:
                self.last_bid = best_bid
                self.bid = self._replace(self.bid, OrderSide.BUY, best_bid.raw - self.tick_raw)
            if best_ask is not None and best_ask != self.last_ask:
                self.last_ask = best_ask
                self.ask = self._replace(self.ask, OrderSide.SELL, best_ask.raw + self.tick_raw)

        def on_order_filled(self, event: Any) -> None:
            self.fills += 1

        def _replace(self, resting: Any, side: OrderSide, price_raw: int) -> Any:
            if resting is not None and not resting.is_closed:
                self.cancel_order(resting)
            order = self.order_factory.limit(
                self.iid,
                side,
                self.size,
                Price.from_raw(price_raw, self.precision),
                time_in_force=TimeInForce.GTC,
                post_only=True,
            )
            self.submit_order(order)
            self.orders_sent += 1
            if self.purge_every and self.orders_sent % self.purge_every == 0:
                # the cache keeps every order and account event; purging the closed ones keeps
                # the per-order cost flat on a long run
                now = self.clock.timestamp_ns()
                self.cache.purge_closed_orders(now, 0)
                self.cache.purge_closed_positions(now, 0)
                self.cache.purge_account_events(now, 0)
            return order

    return NaiveQuoter


def child(directory: Path, mode: str) -> dict[str, object]:
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig, RiskEngineConfig
    from nautilus_trader.model.currencies import BTC, USDT
    from nautilus_trader.model.enums import AccountType, BookType, OmsType
    from nautilus_trader.model.identifiers import TraderId, Venue
    from nautilus_trader.model.objects import Money
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    instrument = TestInstrumentProvider.btcusdt_binance()
    data, messages = load_data(directory, instrument)
    engine = BacktestEngine(
        config=BacktestEngineConfig(
            trader_id=TraderId("BENCH-001"),
            logging=LoggingConfig(bypass_logging=True),
            risk_engine=RiskEngineConfig(
                max_order_submit_rate="1000000/00:00:01",
                max_order_modify_rate="1000000/00:00:01",
            ),
        )
    )
    engine.add_venue(
        venue=Venue("BINANCE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        starting_balances=[Money(10_000_000, USDT), Money(1_000, BTC)],
        book_type=BookType.L2_MBP,
        trade_execution=True,
    )
    engine.add_instrument(instrument)
    engine.add_data(data)
    strategy = None
    if mode in ("quoter", "quoter-purge"):
        strategy = quoter_class()(instrument, "0.001000", 1_000 if mode == "quoter-purge" else 0)
        engine.add_strategy(strategy)
    started = time.perf_counter()
    cpu_started = time.process_time()
    engine.run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    fills = strategy.fills if strategy is not None else 0
    result = {
        "mode": mode,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "events_per_cpu_s": messages / cpu_seconds,
        "messages": messages,
        "orders": strategy.orders_sent if strategy is not None else 0,
        "fills": fills,
        "events_per_s": messages / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="written by bench/backtest_data.py")
    parser.add_argument("--runs", type=int, default=1, help="best of N fresh processes per mode")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.directory, args.child)))
        return
    for mode in args.modes:
        best: dict[str, Any] | None = None
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, str(args.directory), "--child", mode],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if best is None or result["events_per_s"] > best["events_per_s"]:
                best = result
        assert best is not None
        print(
            f"nautilus {mode:>12}: {best['events_per_s']:>12,.0f} events/s "
            f"({best['messages']:,} diff events + trades in {best['seconds']:.3f} s wall, "
            f"{best['events_per_cpu_s']:,.0f} per CPU-second), "
            f"orders {best['orders']:,}, fills {best['fills']:,}, "
            f"peak RSS {best['peak_rss_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()
