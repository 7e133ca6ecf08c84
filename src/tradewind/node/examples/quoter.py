"""The example strategy of docs/strategies.md: one bid under the best bid, kept in place.

It honours the risk supervisor's quote controls (``cache.quote_controls``): the spread times
``spread_factor``, the size times ``size_factor`` (rounded down to the step), and no new quote
while ``quoting`` is off (its resting bid is cancelled).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from pydantic import BaseModel, ConfigDict

from tradewind.core import (
    Bar,
    BookUpdated,
    InstrumentId,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderSide,
    TimeEvent,
    TradeTick,
)
from tradewind.node import Strategy


class QuoterConfig(BaseModel):
    """``quantity`` in base units; ``spread_bps`` under the best bid; periods in ns."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instrument: str  # venue-qualified: "BTC/USDT@sim"
    quantity: Decimal
    spread_bps: Decimal = Decimal(50)
    refresh_ns: int = 1_000_000_000  # re-price at most this often
    bar_ns: int = 60_000_000_000


class Quoter(Strategy):
    """Rests one bid ``spread_bps`` under the best bid, re-prices it on a timer (modify),
    requotes after a fill, cancels everything on stop; counts trades, bars and fills."""

    config_type = QuoterConfig

    def __init__(self, strategy_id: str, config: QuoterConfig) -> None:
        super().__init__(strategy_id)
        self.config = config
        self.instrument = InstrumentId.parse(config.instrument)
        self.quote: str | None = None  # client order id of our resting bid
        self.trades = self.bars = self.fills = 0
        self.subscribe_book(self.instrument)
        self.subscribe_trades(self.instrument)
        self.subscribe_bars(self.instrument, config.bar_ns)

    def on_start(self) -> None:
        self.set_timer("refresh", self.config.refresh_ns)

    def on_book(self, event: BookUpdated) -> None:
        if self.quote is None and event.best_bid is not None:
            if not self.cache.quote_controls(self.id).quoting:
                return
            size = self.size()
            if size > 0:
                price = self.price_under(event.best_bid)
                self.quote = self.submit(self.instrument, OrderSide.BUY, size, price)

    def on_timer(self, event: TimeEvent) -> None:
        top, order = self.cache.top(self.instrument), self.cache.order(self.quote or "")
        if top is None or top.best_bid is None or order is None or not order.is_open:
            return
        if not self.cache.quote_controls(self.id).quoting:
            self.cancel(order.client_order_id)
            return
        price, size = self.price_under(top.best_bid), self.size()
        if size <= 0:
            self.cancel(order.client_order_id)
        elif order.price != price or order.quantity != size:
            quantity = None if order.quantity == size else size
            self.quote = self.modify(order.client_order_id, price=price, quantity=quantity)

    def on_order_event(self, event: OrderEvent) -> None:
        order = self.cache.order(event.client_order_id)
        if event.client_order_id != self.quote:
            return
        if (order is not None and not order.is_open) or isinstance(event, OrderRejected):
            # filled, rejected (by the venue, or by the router or risk engine before any venue
            # saw it) or canceled: quote again on the next book
            self.quote = None

    def on_fill(self, event: OrderFilled) -> None:
        self.fills += 1

    def on_trade(self, tick: TradeTick) -> None:
        self.trades += 1

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1

    def on_stop(self) -> None:
        self.cancel_all(self.instrument)

    def price_under(self, best_bid: Decimal) -> Decimal:
        """``spread_bps`` × the spread factor under ``best_bid``, rounded down to the tick."""
        instrument = self.cache.instrument(self.instrument)
        assert instrument is not None, f"{self.instrument} is not listed"
        tick = instrument.filters.tick_size
        spread = self.config.spread_bps * self.cache.quote_controls(self.id).spread_factor
        raw = best_bid * (1 - spread / 10_000)
        return (raw / tick).to_integral_value(ROUND_DOWN) * tick

    def size(self) -> Decimal:
        """``quantity`` × the size factor, rounded down to the step (0 under the minimum)."""
        instrument = self.cache.instrument(self.instrument)
        assert instrument is not None, f"{self.instrument} is not listed"
        factor = self.cache.quote_controls(self.id).size_factor
        if factor == 1:
            return self.config.quantity
        step = instrument.filters.step_size
        size = (self.config.quantity * factor / step).to_integral_value(ROUND_DOWN) * step
        return size if size >= instrument.filters.min_qty else Decimal(0)
