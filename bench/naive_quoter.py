"""The benchmarks' naive quoter, as an ordinary node Strategy: one bid one tick under the best
bid and one ask one tick over the best ask, fixed size, post-only (LIMIT_MAKER), cancel-replace
of a side when its best price moves. The same behaviour as the NautilusTrader and hftbacktest
quoters of the comparison benches, so events/s compare like for like."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from tradewind.core import BookUpdated, InstrumentId, OrderEvent, OrderSide, OrderType
from tradewind.node import Strategy


class NaiveQuoterConfig(BaseModel):
    """``quantity`` in base units; ``tick`` in quote per base (the instrument's tick size)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instrument: str
    quantity: Decimal
    tick: Decimal


class NaiveQuoter(Strategy):
    """Keeps one post-only order a tick outside each side of the touch."""

    config_type = NaiveQuoterConfig

    def __init__(self, strategy_id: str, config: NaiveQuoterConfig) -> None:
        super().__init__(strategy_id)
        self.config = config
        self.instrument = InstrumentId.parse(config.instrument)
        self.bid: tuple[str, Decimal] | None = None  # (client order id, price)
        self.ask: tuple[str, Decimal] | None = None
        self.subscribe_book(self.instrument)

    def on_book(self, event: BookUpdated) -> None:
        tick = self.config.tick
        if event.best_bid is not None:
            self.bid = self._requote(self.bid, OrderSide.BUY, event.best_bid - tick)
        if event.best_ask is not None:
            self.ask = self._requote(self.ask, OrderSide.SELL, event.best_ask + tick)

    def _requote(
        self, current: tuple[str, Decimal] | None, side: OrderSide, price: Decimal
    ) -> tuple[str, Decimal]:
        if current is not None:
            if current[1] == price:
                return current
            self.cancel(current[0])
        cid = self.submit(
            self.instrument, side, self.config.quantity, price, order_type=OrderType.LIMIT_MAKER
        )
        return cid, price

    def on_order_event(self, event: OrderEvent) -> None:
        order = self.cache.order(event.client_order_id)
        if order is None or order.is_open:
            return
        # closed (filled, rejected, canceled): quote that side again on the next book
        if self.bid is not None and self.bid[0] == event.client_order_id:
            self.bid = None
        elif self.ask is not None and self.ask[0] == event.client_order_id:
            self.ask = None

    def on_stop(self) -> None:
        self.cancel_all(self.instrument)
