"""The strategy's simulated orders against one replayed market (integer ticks and lots).

    InstrumentMarket
      book          ReplayBook: the market as the data says, without us
      own bids/asks price → our resting orders there, in queue (arrival) order
      consumed      per price, what our aggressive orders took from the book and the data has
                    not yet shown gone: it is not available to us again until the data
                    replenishes it (a later decrease at that price uses it up, an increase is
                    new liquidity), so no liquidity is ever taken twice

Resting orders (maker fills):
- on arrival an order's ``ahead`` is the visible quantity at its price (it joins the back);
- a trade of q at its price eats the queue front first: the market volume ahead of our first
  order, then that order, then the market volume between it and our next order, and so on, so
  two of our orders at one price share a print and never both fill from the same lots;
- a trade *through* its price (a seller printing under our bid) fills it completely, as does a
  market level appearing at or through it (a data ask at or under our bid) up to that level's
  size; both at our price;
- a non-trade decrease of its level moves ``ahead`` as the queue model says.

Aggressive orders (taker fills) take the visible, not yet consumed, quantity level by level up
to their limit (partial fills); LIMIT_MAKER orders that would take are rejected; IOC leftovers
expire; FOK fills fully or not at all; GTC leftovers rest.
"""

from __future__ import annotations

from collections.abc import Callable

from tradewind.backtest.book import ReplayBook
from tradewind.backtest.feeds.events import DepthEvent, TradeEvent
from tradewind.backtest.queue_models import QueueModel

__all__ = ["FillSink", "InstrumentMarket", "SimOrder"]

_EPS = 1e-9


class SimOrder:
    """One strategy order at the simulated venue. Price in ticks (None: market), sizes in lots.

    ``kind``: "limit", "limit_maker" or "market"; ``tif``: "gtc", "ioc" or "fok".
    """

    __slots__ = (
        "ahead",
        "client_order_id",
        "filled",
        "is_buy",
        "kind",
        "open",
        "order_id",
        "price",
        "qty",
        "tif",
    )

    def __init__(
        self,
        order_id: int,
        client_order_id: str,
        is_buy: bool,
        kind: str,
        price: int | None,
        qty: int,
        tif: str = "gtc",
    ) -> None:
        self.order_id = order_id
        self.client_order_id = client_order_id
        self.is_buy = is_buy
        self.kind = kind
        self.price = price
        self.qty = qty
        self.tif = tif
        self.filled = 0
        self.ahead = 0.0
        self.open = False  # resting in the book

    @property
    def leaves(self) -> int:
        return self.qty - self.filled


FillSink = Callable[[SimOrder, int, int, bool], None]
"""Called with (order, price ticks, lots, is_maker) for every fill, in order."""


class InstrumentMarket:
    """One instrument's replayed book plus our orders in it; fills go to ``on_fill``."""

    def __init__(self, queue_model: QueueModel, on_fill: FillSink) -> None:
        self.book = ReplayBook()
        self.queue_model = queue_model
        self.on_fill = on_fill
        self.own_bids: dict[int, list[SimOrder]] = {}
        self.own_asks: dict[int, list[SimOrder]] = {}
        self.consumed_bids: dict[int, int] = {}
        self.consumed_asks: dict[int, int] = {}

    # -- market data ---------------------------------------------------------------------------

    def load(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        """Replace the book (a snapshot): consumption is forgotten, queues are capped."""
        self.book.load(bids, asks)
        self.consumed_bids.clear()
        self.consumed_asks.clear()
        for own, levels in ((self.own_bids, self.book.bids), (self.own_asks, self.book.asks)):
            for price, orders in own.items():
                level = levels.get(price, 0)
                for order in orders:
                    if order.ahead > level:
                        order.ahead = float(level)
        self._cross_resting()

    def clear(self) -> None:
        """Drop the book (a sequence gap): nothing is visible until the next snapshot."""
        self.book.clear()
        self.consumed_bids.clear()
        self.consumed_asks.clear()

    def apply(self, event: DepthEvent) -> None:
        """Apply a diff's levels (absolute quantities; 0 removes)."""
        book = self.book
        own_bids, own_asks = self.own_bids, self.own_asks
        consumed_bids, consumed_asks = self.consumed_bids, self.consumed_asks
        set_bid, set_ask = book.set_bid, book.set_ask
        for price, qty in event.bids:
            prev = set_bid(price, qty)
            if qty < prev:
                if consumed_bids and price in consumed_bids:
                    _use_up(consumed_bids, price, prev - qty, qty)
                if own_bids and price in own_bids:
                    self._decrease(own_bids[price], prev, qty)
        for price, qty in event.asks:
            prev = set_ask(price, qty)
            if qty < prev:
                if consumed_asks and price in consumed_asks:
                    _use_up(consumed_asks, price, prev - qty, qty)
                if own_asks and price in own_asks:
                    self._decrease(own_asks[price], prev, qty)
        if own_bids or own_asks:
            self._cross_resting()

    def _decrease(self, orders: list[SimOrder], previous: int, current: int) -> None:
        after = self.queue_model.after_decrease
        for order in orders:
            order.ahead = after(order.ahead, previous, current)

    def trade(self, event: TradeEvent) -> None:
        """A public print: our orders on the side it hit fill by queue position or trade-through."""
        if event.taker_buys:
            own = self.own_asks
            if not own:
                return
            through = [p for p in own if p < event.price]
        else:
            own = self.own_bids
            if not own:
                return
            through = [p for p in own if p > event.price]
        for price in sorted(through, reverse=not event.taker_buys):
            for order in list(own[price]):
                self._fill_resting(order, order.leaves)
        queue = own.get(event.price)
        if queue:
            self._share(queue, event.qty)

    def _share(self, queue: list[SimOrder], qty: int) -> None:
        remaining = float(qty)
        passed = 0.0
        fills: list[tuple[SimOrder, int]] = []
        for order in queue:
            to_pass = order.ahead - passed
            if to_pass > 0:
                take = remaining if remaining < to_pass else to_pass
                remaining -= take
                passed += take
            if remaining <= _EPS:
                break
            lots = min(int(remaining + _EPS), order.leaves)
            if lots <= 0:
                break
            remaining -= lots
            fills.append((order, lots))
        for order in queue:
            order.ahead = order.ahead - passed if order.ahead > passed else 0.0
        for order, lots in fills:
            self._fill_resting(order, lots)

    def _cross_resting(self) -> None:
        """Our resting orders that the market's opposite side now reaches fill, at our price."""
        book = self.book
        while self.own_bids and book.best_ask is not None:
            top = max(self.own_bids)
            if top < book.best_ask:
                break
            if not self._fill_crossed(self.own_bids[top], book.asks, self.consumed_asks, top, True):
                break
        while self.own_asks and book.best_bid is not None:
            top = min(self.own_asks)
            if top > book.best_bid:
                break
            if not self._fill_crossed(
                self.own_asks[top], book.bids, self.consumed_bids, top, False
            ):
                break

    def _fill_crossed(
        self,
        orders: list[SimOrder],
        levels: dict[int, int],
        consumed: dict[int, int],
        limit: int,
        is_buy: bool,
    ) -> bool:
        """Fill ``orders`` (one price) from market levels through ``limit``; False if none left."""
        prices = sorted(
            (p for p in levels if (p <= limit if is_buy else p >= limit)), reverse=not is_buy
        )
        any_fill = False
        for order in list(orders):
            for price in prices:
                available = levels[price] - consumed.get(price, 0)
                if available <= 0:
                    continue
                lots = min(available, order.leaves)
                consumed[price] = consumed.get(price, 0) + lots
                any_fill = True
                self._fill_resting(order, lots)
                if not order.open:
                    break
            else:
                break
        return any_fill

    # -- our orders ----------------------------------------------------------------------------

    def place(self, order: SimOrder) -> str:
        """An order arrives. Returns "" if accepted (filled and/or resting), or why it was
        rejected ("would take liquidity" for a LIMIT_MAKER that crosses, "no liquidity")."""
        is_buy = order.is_buy
        levels = self.book.asks if is_buy else self.book.bids
        consumed = self.consumed_asks if is_buy else self.consumed_bids
        limit = order.price
        best = self.book.best_ask if is_buy else self.book.best_bid
        if best is None or (limit is not None and (limit < best if is_buy else limit > best)):
            available: list[tuple[int, int]] = []  # nothing within the limit: the usual maker
        else:
            if limit is None:
                prices = sorted(levels, reverse=not is_buy)
            else:
                prices = sorted(
                    (p for p in levels if (p <= limit if is_buy else p >= limit)),
                    reverse=not is_buy,
                )
            available = [(p, levels[p] - consumed.get(p, 0)) for p in prices]
            available = [(p, q) for p, q in available if q > 0]
        if available and order.kind == "limit_maker":
            return "would take liquidity (post-only)"
        if order.tif == "fok" and sum(q for _, q in available) < order.qty:
            return "FOK order cannot be filled completely"
        for price, qty in available:
            lots = min(qty, order.leaves)
            consumed[price] = consumed.get(price, 0) + lots
            order.filled += lots
            self.on_fill(order, price, lots, False)
            if not order.leaves:
                return ""
        if limit is None or order.tif != "gtc":
            return ""  # market / IOC leftovers expire
        own = self.own_bids if is_buy else self.own_asks
        same = self.book.bids if is_buy else self.book.asks
        order.ahead = float(same.get(limit, 0))
        order.open = True
        own.setdefault(limit, []).append(order)
        return ""

    def remove(self, order: SimOrder) -> None:
        """Take a resting order out of its queue (cancel)."""
        if not order.open or order.price is None:
            return
        own = self.own_bids if order.is_buy else self.own_asks
        queue = own[order.price]
        queue.remove(order)
        if not queue:
            del own[order.price]
        order.open = False

    def _fill_resting(self, order: SimOrder, lots: int) -> None:
        if lots <= 0:
            return
        order.filled += lots
        if not order.leaves:
            self.remove(order)
        self.on_fill(order, order.price if order.price is not None else 0, lots, True)


def _use_up(consumed: dict[int, int], price: int, decrease: int, level: int) -> None:
    left = consumed[price] - decrease
    if left <= 0 or level == 0:
        del consumed[price]
    else:
        consumed[price] = left
