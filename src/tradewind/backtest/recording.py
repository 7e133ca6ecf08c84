"""SessionRecorder: record a live session so the backtester can replay it (parity checks).

An actor put on a live node *before* the strategies it watches. It writes:

- ``market``: the sim-recording JSONL (tradewind.backtest.feeds.sim_recording, the format
  ``tradewind sim --replay`` reads) of what the node saw: an empty book when the actors start
  (so a replay starts its clock, and the strategies' timers, at the same instant), the node's
  book (``levels`` a side) after every change of it, and every public trade. Times are the
  node's clock in ms, as the format has it.
- ``entry_latency`` / ``cancel_latency``: one latency in ns per line, in request order (the
  ``recorded`` latency model's sequence format): for each order, from OrderSubmitted to the
  venue's ack (OrderAccepted / OrderRejected); for each cancel, from OrderPendingCancel to
  OrderCanceled or OrderCancelRejected. These are round trips as the strategy experiences them;
  a replay uses them as entry / cancel latency with zero response latency.

It also keeps ``decisions``: every submit (side, price, quantity) and cancel the strategies
made, in order — what a parity check compares.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import IO

from tradewind.core.events import (
    BookUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.core.identifiers import InstrumentId
from tradewind.core.market import TradeTick
from tradewind.execution.market_data import MarketDataService
from tradewind.node.node import TradingNode
from tradewind.node.strategy import Actor

__all__ = ["Decision", "SessionRecorder", "decisions_of"]

_MS = 1_000_000

Decision = tuple[str, str, Decimal | None, Decimal | None]
"""("submit", side, price, quantity) or ("cancel", side, price, None)."""


def decisions_of(node: TradingNode) -> list[Decision]:
    """A list that fills with the strategies' submits and cancels on ``node`` (from its bus)."""
    decisions: list[Decision] = []
    sides: dict[str, tuple[str, Decimal | None]] = {}

    def submitted(event: OrderSubmitted) -> None:
        sides[event.client_order_id] = (str(event.side), event.price)
        decisions.append(("submit", str(event.side), event.price, event.quantity))

    def pending_cancel(event: OrderPendingCancel) -> None:
        side, price = sides.get(event.client_order_id, ("?", None))
        decisions.append(("cancel", side, price, None))

    node.bus.subscribe(OrderSubmitted, submitted)
    node.bus.subscribe(OrderPendingCancel, pending_cancel)
    return decisions


class SessionRecorder(Actor):
    """Writes the market a live node saw and its order latencies (see module doc)."""

    def __init__(
        self,
        actor_id: str,
        node: TradingNode,
        instrument: str,
        *,
        market: Path,
        entry_latency: Path,
        cancel_latency: Path,
        levels: int = 20,
    ) -> None:
        super().__init__(actor_id)
        self.instrument = InstrumentId.parse(instrument)
        self._books: MarketDataService = node.venue(self.instrument.venue).books
        self._venue_symbol = self.instrument.symbol.replace("/", "")
        self._levels = levels
        self._market_path = market
        self._entry_path = entry_latency
        self._cancel_path = cancel_latency
        self._out: IO[str] | None = None
        self._sent: dict[str, int] = {}
        self._cancels: dict[str, int] = {}
        self.entry_ns: list[int] = []
        self.cancel_ns: list[int] = []
        self.decisions = decisions_of(node)
        self.subscribe_book(self.instrument)
        self.subscribe_trades(self.instrument)
        bus = node.bus
        bus.subscribe(OrderSubmitted, self._on_sent)
        bus.subscribe(OrderAccepted, self._on_acked)
        bus.subscribe(OrderRejected, self._on_acked)
        bus.subscribe(OrderPendingCancel, self._on_cancel_sent)
        bus.subscribe(OrderCanceled, self._on_cancel_acked)
        bus.subscribe(OrderCancelRejected, self._on_cancel_acked)

    def on_start(self) -> None:
        self._out = self._market_path.open("w", encoding="utf-8")
        self._write({"bids": [], "asks": []}, "book")

    def on_stop(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self._entry_path.write_text("".join(f"{ns}\n" for ns in self.entry_ns) or "0\n")
        self._cancel_path.write_text("".join(f"{ns}\n" for ns in self.cancel_ns) or "0\n")

    def on_book(self, event: BookUpdated) -> None:
        view = self._books.view(self.instrument.symbol, max_age_ns=1 << 62)
        book = getattr(view, "book", None)
        if book is None:
            return
        depth = book.depth(self._levels)
        self._write(
            {
                "bids": [[str(level.price), str(level.qty)] for level in depth.bids],
                "asks": [[str(level.price), str(level.qty)] for level in depth.asks],
            },
            "book",
        )

    def on_trade(self, tick: TradeTick) -> None:
        side = "BUY" if str(tick.aggressor) == "buy" else "SELL"
        self._write({"price": str(tick.price), "qty": str(tick.qty), "side": side}, "trade")

    def _write(self, fields: dict[str, object], kind: str) -> None:
        if self._out is None:
            return
        line = {"ts": self.clock.now_ns() // _MS, "type": kind, "symbol": self._venue_symbol}
        self._out.write(json.dumps({**line, **fields}) + "\n")

    def _on_sent(self, event: OrderSubmitted) -> None:
        self._sent[event.client_order_id] = self.clock.now_ns()

    def _on_acked(self, event: OrderAccepted | OrderRejected) -> None:
        sent = self._sent.pop(event.client_order_id, None)
        if sent is not None:
            self.entry_ns.append(self.clock.now_ns() - sent)

    def _on_cancel_sent(self, event: OrderPendingCancel) -> None:
        self._cancels[event.client_order_id] = self.clock.now_ns()

    def _on_cancel_acked(self, event: OrderCanceled | OrderCancelRejected) -> None:
        sent = self._cancels.pop(event.client_order_id, None)
        if sent is not None:
            self.cancel_ns.append(self.clock.now_ns() - sent)
