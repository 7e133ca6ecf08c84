"""The one interface every venue adapter implements, and the errors and values it speaks in.

    VenueAdapter (Protocol)
      ├─ venues.binance.BinanceAdapter    official binance-sdk-spot (REST + websocket streams)
      ├─ venues.ccxt.CcxtAdapter          ccxt.pro, any CCXT exchange
      └─ venues.inprocess.InProcessAdapter  straight onto the sim MatchingEngine, no network

Everything crossing this interface is a core type: CCXT-style symbols ("BTC/USDT"), Decimals,
``OrderStatusReport`` / ``FillReport``, ``Instrument``, ``Balance``, and the book's ``DepthDiff``
/ ``DepthSnapshot``. Adapters translate venue payloads at the edge and validate them: a malformed
payload, an unknown symbol or an out-of-order report is dropped with a ``venue_input_rejected``
log event and changes no state.

Streams reconnect by themselves. After a user-data reconnect an adapter replays, through the same
``on_report`` callback, the venue's open orders and the fills after the last trade id it delivered
per symbol (consumers dedupe fills by (venue, trade_id)). Depth streams report reconnects through
``on_status`` so a book can resync; ``BinanceDepthSync`` catches the sequence gap in any case.

Rate limits: the caller acquires the shared ``RateLimiter`` before a request; the adapter feeds
every REST response's status and headers to ``RateLimiter.on_response`` (when given a limiter)
and keeps the last headers in ``last_usage_headers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from tradewind.book.depth_sync import DepthDiff, DepthSnapshot
from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.instruments import Instrument
from tradewind.core.market import TradeTick
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.rate_limiter import RateLimit

__all__ = [
    "DepositAddress",
    "DiffHandler",
    "MalformedPayload",
    "OrderNotFound",
    "OrderRequest",
    "RateLimitedByVenue",
    "ReportHandler",
    "ReportSequenceGuard",
    "StatusHandler",
    "StreamStatus",
    "Subscription",
    "TradeHandler",
    "UnknownSymbol",
    "VenueAdapter",
    "VenueError",
    "VenueRejected",
    "VenueReport",
    "VenueUnavailable",
    "reject_input",
    "rejecting",
]

log = get_logger("venues")

VenueReport = OrderStatusReport | FillReport


class StreamStatus(StrEnum):
    """What happened to a stream's connection."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # the adapter is reconnecting; data may have been missed


DiffHandler = Callable[[DepthDiff], None]
ReportHandler = Callable[[VenueReport], None]
TradeHandler = Callable[[TradeTick], None]
StatusHandler = Callable[[StreamStatus, str], None]
"""Called with the new status and a human-readable detail (the error, or "reconnected")."""


# -- errors ------------------------------------------------------------------------------------


class VenueError(Exception):
    """A venue request failed; ``venue`` names the adapter's venue."""

    def __init__(self, venue: str, message: str) -> None:
        super().__init__(f"{venue}: {message}")
        self.venue = venue
        self.message = message


class VenueRejected(VenueError):
    """The venue refused the request (bad order, insufficient balance, ...); ``code`` is its own."""

    def __init__(self, venue: str, message: str, *, code: int | None = None) -> None:
        super().__init__(venue, message if code is None else f"[{code}] {message}")
        self.code = code


class OrderNotFound(VenueRejected):
    """The venue knows no such order (cancel or query of an unknown / already gone order)."""


class UnknownSymbol(VenueError):
    """The symbol is not listed by this venue (or ``load_instruments`` was not called)."""


class MalformedPayload(VenueError):
    """The venue sent something the adapter cannot read."""


class VenueUnavailable(VenueError):
    """Network failure, timeout, or a 5xx: the request's outcome is unknown."""


class RateLimitedByVenue(VenueError):
    """The venue answered 429 or 418; ``retry_after_s`` is its Retry-After, when given."""

    def __init__(self, venue: str, status: int, retry_after_s: int | None) -> None:
        super().__init__(venue, f"HTTP {status}, retry after {retry_after_s}s")
        self.status = status
        self.retry_after_s = retry_after_s


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """An order ready to send: already on the venue grid (tradewind.oms.pretrade).

    Quantity in base units, price in quote per base (None for a market order).
    ``client_order_id`` is the deterministic id (tradewind.oms.client_ids) sent to the venue.
    """

    client_order_id: str
    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositAddress:
    """Where to send ``coin`` over ``network``; ``tag`` is the memo some networks need."""

    coin: str
    network: str
    address: str
    tag: str | None = None


class Subscription(Protocol):
    """A running stream; ``close`` stops it and waits for its task to end."""

    async def close(self) -> None: ...


# -- the interface -----------------------------------------------------------------------------


@runtime_checkable
class VenueAdapter(Protocol):
    """One venue account: market data, order entry, account queries. All I/O is async.

    ``name`` is the venue id put on every report ("binance", "sim", "inprocess").
    """

    @property
    def name(self) -> str: ...

    @property
    def last_usage_headers(self) -> Mapping[str, str]:
        """Headers of the last REST response (lower-case names), for rate-limit bookkeeping."""
        ...

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        """The limits the venue declared (known after ``load_instruments``; empty if none)."""
        ...

    async def load_instruments(self) -> list[Instrument]:
        """Every tradable spot pair, with filters; also fills the adapter's symbol map."""
        ...

    async def depth_snapshot(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        """A REST depth snapshot of ``symbol`` with ``limit`` levels per side."""
        ...

    async def stream_depth(
        self,
        symbol: str,
        on_diff: DiffHandler,
        on_status: StatusHandler | None = None,
    ) -> Subscription:
        """Start the diff-depth stream of ``symbol``; returns once subscribed."""
        ...

    async def stream_trades(
        self,
        symbol: str,
        on_trade: TradeHandler,
        on_status: StatusHandler | None = None,
    ) -> Subscription:
        """Start the public trade stream of ``symbol``; returns once subscribed."""
        ...

    async def stream_user(
        self,
        on_report: ReportHandler,
        on_status: StatusHandler | None = None,
    ) -> Subscription:
        """Start the account's order/fill stream; returns once subscribed."""
        ...

    async def submit(self, order: OrderRequest) -> OrderStatusReport:
        """Place ``order``; the venue's acknowledgement (status NEW, FILLED, ... or REJECTED raises
        VenueRejected)."""
        ...

    async def cancel(
        self, symbol: str, client_order_id: str, venue_order_id: str | None = None
    ) -> OrderStatusReport:
        """Cancel one order; raises OrderNotFound if the venue no longer has it open."""
        ...

    async def order_status(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        """The venue's view of one order (open or closed), None if it never saw it."""
        ...

    async def open_orders(self, symbol: str | None = None) -> list[OrderStatusReport]:
        """Open orders of ``symbol``, or of every symbol."""
        ...

    async def fills_since(self, symbol: str, from_trade_id: str | None = None) -> list[FillReport]:
        """The account's fills of ``symbol`` with trade id > ``from_trade_id`` (all if None),
        oldest first."""
        ...

    async def balances(self) -> dict[str, Balance]:
        """Non-zero balances by asset."""
        ...

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        """Where to deposit ``coin`` over ``network``."""
        ...

    async def close(self) -> None:
        """Stop every stream and release connections."""
        ...


# -- input validation shared by adapters --------------------------------------------------------


def reject_input(venue: str, reason: str, **fields: object) -> None:
    """Log one rejected piece of venue input; the single event name makes them easy to find."""
    log.warning("venue_input_rejected", venue=venue, reason=reason, **fields)


@contextmanager
def rejecting(venue: str, reason: str, **fields: object) -> Iterator[None]:
    """Log a MalformedPayload / UnknownSymbol raised while reading a venue response as rejected
    input, then let it propagate: the caller gets the specific error, the log the event."""
    try:
        yield
    except (MalformedPayload, UnknownSymbol) as exc:
        reject_input(venue, reason, error=exc.message, **fields)
        raise


_TERMINAL_RANK = 2
_RANK = {
    OrderStatus.NEW: 0,
    OrderStatus.PARTIALLY_FILLED: 1,
    OrderStatus.FILLED: 2,
    OrderStatus.CANCELED: 2,
    OrderStatus.REJECTED: 2,
    OrderStatus.EXPIRED: 2,
}


class ReportSequenceGuard:
    """Refuses order reports that go backwards for one order: older event time, less filled,
    open again after a terminal status, or closed again with another terminal status. Fill
    reports are refused if already delivered. Orders are keyed by (symbol, venue order id).

    Keeps only what it has accepted; a refused report changes nothing.
    """

    def __init__(self, venue: str, *, max_orders: int = 100_000) -> None:
        self._venue = venue
        self._max_orders = max_orders
        # keyed by (symbol, venue order id): Binance numbers orders per symbol, so ids repeat
        self._orders: dict[tuple[str, str], tuple[int, Decimal, int]] = {}
        self._trades: set[tuple[str, str]] = set()
        self._terminal: dict[tuple[str, str], OrderStatus] = {}

    def held(self, symbol: str, venue_order_id: str) -> tuple[int, Decimal, int] | None:
        """The last admitted (ts_event ns, filled qty, status rank) of one order, or None."""
        return self._orders.get((symbol, venue_order_id))

    def has_fill(self, symbol: str, trade_id: str) -> bool:
        """Whether the fill ``trade_id`` of ``symbol`` was already admitted."""
        return (symbol, trade_id) in self._trades

    def __len__(self) -> int:
        """Orders tracked (fills are not counted)."""
        return len(self._orders)

    def admit(self, report: VenueReport, *, replay: bool = False) -> bool:
        """Whether ``report`` may be delivered; logs the reason when not.

        ``replay``: the report comes from a reconciliation query, not the stream, so an equal
        or older state is a duplicate to drop quietly rather than a fault.
        """
        if isinstance(report, FillReport):
            key = (report.symbol, report.trade_id)
            if key in self._trades:
                if not replay:
                    reject_input(self._venue, "duplicate_fill", trade_id=report.trade_id)
                return False
            self._trades.add(key)
            return True
        rank = _RANK.get(report.status, 0)
        state = (report.ts_event, report.filled_qty, rank)
        order_key = (report.symbol, report.venue_order_id)
        held = self._orders.get(order_key)
        if held is not None:
            ts, filled, held_rank = held
            terminal = self._terminal.get(order_key)
            backwards = (
                report.filled_qty < filled
                or rank < held_rank
                or (report.ts_event < ts and (report.filled_qty, rank) <= (filled, held_rank))
                # a closed order cannot close again differently (FILLED, then CANCELED)
                or (terminal is not None and report.status is not terminal)
            )
            if backwards:
                if not replay:
                    reject_input(
                        self._venue,
                        "out_of_order_report",
                        symbol=report.symbol,
                        venue_order_id=report.venue_order_id,
                        status=str(report.status),
                        filled_qty=str(report.filled_qty),
                        held_filled_qty=str(filled),
                        ts_event=report.ts_event,
                        held_ts_event=ts,
                    )
                return False
        if len(self._orders) >= self._max_orders and held is None:
            # forget the oldest-inserted order: it is long terminal in any realistic session
            oldest = next(iter(self._orders))
            del self._orders[oldest]
            self._terminal.pop(oldest, None)
        self._orders[order_key] = state
        if rank == _TERMINAL_RANK:
            self._terminal[order_key] = report.status
        return True
