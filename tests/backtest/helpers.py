"""Shared pieces of the backtest tests: one BTC/USDT instrument on venue "bt", a strategy that
runs a script of commands at given times, and a one-call runner over hand-built events."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tradewind.backtest.engine import BacktestEngine
from tradewind.backtest.feeds.events import DepthEvent, ListFeed, MarketEvent, TradeEvent
from tradewind.backtest.records import RunRecord
from tradewind.backtest.units import Scale
from tradewind.backtest.venue import ListedInstrument
from tradewind.core import BookUpdated, OrderEvent, OrderSide, TimeEvent
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.node import Strategy

MS = 1_000_000
T0 = 1_700_000_000_000 * MS
LOT = 10**8  # lots per BTC at 8 places
INSTRUMENT = "BTC/USDT@bt"
SCALE = Scale(Decimal("0.01"), 8)
BTC = ListedInstrument(
    Instrument(
        venue="bt",
        symbol="BTC/USDT",
        filters=InstrumentFilters(
            tick_size=Decimal("0.01"),
            step_size=Decimal("0.00001"),
            min_qty=Decimal("0.00001"),
            max_qty=Decimal(1000),
            min_notional=Decimal(1),
        ),
    ),
    SCALE,
)


def ticks(price: str) -> int:
    return SCALE.ticks(price)


def book(ts_ms: float, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> DepthEvent:
    """A snapshot at ``ts_ms`` after T0 (prices and sizes as decimal strings)."""
    return DepthEvent(
        T0 + round(ts_ms * MS),
        [(SCALE.ticks(p), SCALE.lots(q)) for p, q in bids],
        [(SCALE.ticks(p), SCALE.lots(q)) for p, q in asks],
        snapshot=True,
    )


def diff(ts_ms: float, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> DepthEvent:
    return DepthEvent(
        T0 + round(ts_ms * MS),
        [(SCALE.ticks(p), SCALE.lots(q)) for p, q in bids],
        [(SCALE.ticks(p), SCALE.lots(q)) for p, q in asks],
    )


def trade(ts_ms: float, price: str, qty: str, *, taker_buys: bool) -> TradeEvent:
    return TradeEvent(
        T0 + round(ts_ms * MS), SCALE.ticks(price), SCALE.lots(qty), taker_buys, f"t{ts_ms}"
    )


Step = Callable[["Scripted"], None]


class Scripted(Strategy):
    """Runs ``script`` (ms after T0 → action) on its clock; keeps what it saw."""

    def __init__(self, strategy_id: str, script: list[tuple[float, Step]]) -> None:
        super().__init__(strategy_id)
        self.script = script
        self.orders: list[str] = []
        self.events: list[tuple[int, str, str]] = []  # (ns after T0, event type, client id)
        self.books: list[tuple[int, Decimal | None, Decimal | None]] = []
        self.subscribe_book(INSTRUMENT)

    def on_start(self) -> None:
        for index, (at_ms, _) in enumerate(self.script):
            self.set_time_alert(f"step-{index}", T0 + round(at_ms * MS))

    def on_timer(self, event: TimeEvent) -> None:
        self.script[int(event.name.removeprefix("step-"))][1](self)

    def on_book(self, event: BookUpdated) -> None:
        self.books.append((self.clock.now_ns() - T0, event.best_bid, event.best_ask))

    def on_order_event(self, event: OrderEvent) -> None:
        self.events.append((self.clock.now_ns() - T0, type(event).__name__, event.client_order_id))

    def buy(self, price: str, qty: str = "0.1", **kwargs: Any) -> None:
        self.orders.append(
            self.submit(INSTRUMENT, OrderSide.BUY, Decimal(qty), Decimal(price), **kwargs)
        )

    def sell(self, price: str, qty: str = "0.1", **kwargs: Any) -> None:
        self.orders.append(
            self.submit(INSTRUMENT, OrderSide.SELL, Decimal(qty), Decimal(price), **kwargs)
        )

    def cancel_last(self) -> None:
        self.cancel(self.orders[-1])


async def run(
    events: list[MarketEvent], *strategies: Strategy, seed: int = 0, **venue: Any
) -> tuple[RunRecord, BacktestEngine]:
    engine = BacktestEngine(seed=seed)
    venue.setdefault("balances", {"USDT": Decimal(1_000_000), "BTC": Decimal(10)})
    engine.add_venue("bt", [BTC], **venue)
    engine.add_feed("bt", "BTC/USDT", ListFeed("hand-built", events))
    for strategy in strategies:
        engine.add_strategy(strategy)
    record = await engine.run()
    return record, engine


def actions(record: RunRecord, client_order_id: str | None = None) -> list[tuple[int, str]]:
    """(ms after T0, action) of the record's order steps (of one order, if given)."""
    return [
        ((o.ts_ns - T0) // MS, o.action)
        for o in record.orders
        if client_order_id is None or o.client_order_id == client_order_id
    ]
