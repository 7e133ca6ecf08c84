"""A scripted in-memory venue for engine tests: fills what the test tells it to, nothing else."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal

from tradewind.core import (
    Balance,
    FillReport,
    Instrument,
    InstrumentFilters,
    LiquiditySide,
    OrderStatus,
    OrderStatusReport,
)
from tradewind.oms.rate_limiter import RateLimit
from tradewind.venues.base import (
    OrderNotFound,
    OrderRequest,
    ReportHandler,
    StatusHandler,
    StreamStatus,
    VenueRejected,
    VenueReport,
    VenueUnavailable,
)

T0 = 1_700_000_000_000_000_000
BTC = Instrument(
    venue="fake",
    symbol="BTC/USDT",
    filters=InstrumentFilters(
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("100"),
        min_notional=Decimal("5"),
    ),
)


class _Stream:
    def __init__(self, venue: FakeVenue) -> None:
        self.venue = venue

    async def close(self) -> None:
        self.venue.on_report = None


class FakeVenue:
    """Orders rest until ``fill`` or ``cancel``; reports go to the stream only when told."""

    name = "fake"
    rate_limits: tuple[RateLimit, ...] = ()

    def __init__(self) -> None:
        self.orders: dict[str, OrderStatusReport] = {}
        self.trades: list[FillReport] = []
        self.requests: list[OrderRequest] = []
        self.on_report: ReportHandler | None = None
        self.on_status: StatusHandler | None = None
        self.reject_next: str | None = None
        self.lose_next: str | None = (
            None  # "request": never arrives; "response": arrives, reply lost
        )
        self.last_usage_headers: Mapping[str, str] = {}
        self._ids = itertools.count(1000)
        self._trade_ids = itertools.count(1)
        self.closed = False

    async def load_instruments(self) -> list[Instrument]:
        return [BTC]

    async def stream_user(
        self, on_report: ReportHandler, on_status: StatusHandler | None = None
    ) -> _Stream:
        self.on_report, self.on_status = on_report, on_status
        return _Stream(self)

    def push(self, report: VenueReport) -> None:
        assert self.on_report is not None
        self.on_report(report)

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        lost, self.lose_next = self.lose_next, None
        if lost == "request":
            raise VenueUnavailable(self.name, "connection reset")
        self.requests.append(order)
        if self.reject_next is not None:
            reason, self.reject_next = self.reject_next, None
            raise VenueRejected(self.name, reason, code=-2010)
        report = OrderStatusReport(
            venue=self.name,
            symbol=order.symbol,
            venue_order_id=str(next(self._ids)),
            client_order_id=order.client_order_id,
            side=order.side,
            order_type=order.order_type,
            status=OrderStatus.NEW,
            quantity=order.quantity,
            filled_qty=Decimal(0),
            price=order.price,
            ts_event=T0,
            ts_init=T0,
        )
        self.orders[order.client_order_id] = report
        if lost == "response":
            raise VenueUnavailable(self.name, "read timeout")
        return report

    def fill(
        self, client_order_id: str, qty: str, price: str, *, stream: bool = True
    ) -> FillReport:
        """Execute ``qty`` of the order; the fill goes to the stream unless ``stream`` is False."""
        order = self.orders[client_order_id]
        filled = order.filled_qty + Decimal(qty)
        status = OrderStatus.FILLED if filled == order.quantity else OrderStatus.PARTIALLY_FILLED
        self.orders[client_order_id] = _evolve(order, filled_qty=filled, status=status)
        trade = FillReport(
            venue=self.name,
            symbol=order.symbol,
            trade_id=str(next(self._trade_ids)),
            venue_order_id=order.venue_order_id,
            client_order_id=client_order_id,
            side=order.side,
            price=Decimal(price),
            qty=Decimal(qty),
            fee=Decimal("0.01"),
            fee_asset="USDT",
            liquidity_side=LiquiditySide.MAKER,
            ts_event=T0 + len(self.trades) + 1,
            ts_init=T0,
        )
        self.trades.append(trade)
        if stream:
            self.push(trade)
        return trade

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        order = self.orders.get(client_order_id)
        if order is None or order.status.is_terminal:
            raise OrderNotFound(self.name, "Unknown order sent.", code=-2011)
        canceled = _evolve(order, status=OrderStatus.CANCELED)
        self.orders[client_order_id] = canceled
        return canceled

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        return self.orders.get(client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        return [o for o in self.orders.values() if o.status.is_open]

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        start = 0 if from_trade_id is None else int(from_trade_id)
        # pages of two, like a venue with a small limit, to exercise paging
        return [t for t in self.trades if int(t.trade_id) > start][:2]

    async def balances(self) -> dict[str, Balance]:
        return {"USDT": Balance(asset="USDT", free=Decimal("1000"))}

    async def close(self) -> None:
        self.closed = True

    def reconnect(self) -> None:
        assert self.on_status is not None
        self.on_status(StreamStatus.DISCONNECTED, "dropped")
        self.on_status(StreamStatus.CONNECTED, "reconnected")


def _evolve(report: OrderStatusReport, **changes: object) -> OrderStatusReport:
    values = {name: getattr(report, name) for name in report.__dataclass_fields__}
    values.update(changes)
    return OrderStatusReport(**values)  # type: ignore[arg-type]
