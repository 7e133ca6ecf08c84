"""A strategy that keeps orders flowing on several venues, for the kill -9 test: every tick it
alternates venues, rests a bid under the market, cancels the bid it rested two ticks before, and
every third tick sends a small market order (buy and sell in turn) that fills at once."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from tradewind.core import BookUpdated, OrderSide, TimeEvent
from tradewind.core.identifiers import InstrumentId
from tradewind.node import Strategy


class ChurnConfig(BaseModel):
    """``instruments``: venue-qualified; ``quantity`` in base units; ``tick_ns`` the period."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instruments: tuple[str, ...]
    quantity: Decimal = Decimal("0.0002")
    tick_ns: int = 50_000_000


class Churn(Strategy):
    config_type = ChurnConfig

    def __init__(self, strategy_id: str, config: ChurnConfig) -> None:
        super().__init__(strategy_id)
        self.config = config
        self.instruments = [InstrumentId.parse(text) for text in config.instruments]
        self.resting: list[str] = []
        self.ticks = 0
        for instrument in self.instruments:
            self.subscribe_book(instrument)

    def on_start(self) -> None:
        self.set_timer("tick", self.config.tick_ns)

    def on_book(self, event: BookUpdated) -> None:
        pass

    def on_timer(self, event: TimeEvent) -> None:
        self.ticks += 1
        instrument = self.instruments[self.ticks % len(self.instruments)]
        top = self.cache.top(instrument)
        if top is None or top.best_bid is None:
            return
        bid = (top.best_bid * Decimal("0.95")).quantize(Decimal("0.01"))
        self.resting.append(self.submit(instrument, OrderSide.BUY, self.config.quantity, bid))
        if len(self.resting) > 2 * len(self.instruments):
            self.cancel(self.resting.pop(0))
        if self.ticks % 3 == 0:
            side = OrderSide.BUY if self.ticks % 6 == 0 else OrderSide.SELL
            self.submit(instrument, side, self.config.quantity)
