"""InProcessAdapter against a real sim MatchingEngine: instruments, a depth-synced book that
equals the engine's depth, order entry with its user-stream reports, queries and balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.book.depth_sync import BinanceDepthSync, DepthDiff, ReadyBook, SyncOutcome
from tradewind.core.clock import SimulatedClock
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.venues.base import (
    OrderNotFound,
    OrderRequest,
    StreamStatus,
    UnknownSymbol,
    VenueAdapter,
    VenueRejected,
    VenueReport,
)
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.engine import MatchingEngine, NewOrder, Side, SymbolSpec
from tradewind.venues.sim.engine import OrderType as SimType
from tradewind.venues.sim.engine import TimeInForce as SimTif

D = Decimal
T0_MS = 1_700_000_000_000
BTC = "BTC/USDT"


def _btc_spec() -> SymbolSpec:
    """BTCUSDT with Binance's filters: tick 0.01, step 0.00001, min notional 5."""
    return SymbolSpec(
        symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT",
        tick_size=D("0.01"), step_size=D("0.00001"), min_price=D("0.01"),
        max_price=D("1000000"), min_qty=D("0.00001"), max_qty=D("9000"),
        market_max_qty=D("100"), min_notional=D("5"), max_notional=D("9000000"),
    )  # fmt: skip


class _MsClock:
    def __init__(self) -> None:
        self.now = T0_MS

    def __call__(self) -> int:
        return self.now


class Venue:
    """An engine with two funded accounts: "me" (through the adapter) and "mm" (driven directly)."""

    def __init__(self) -> None:
        self.ms = _MsClock()
        self.engine = MatchingEngine([_btc_spec()], self.ms)
        for account in ("me", "mm"):
            self.engine.create_account(account)
            self.engine.credit(account, "USDT", D(1_000_000))
            self.engine.credit(account, "BTC", D(10))
        self.clock = SimulatedClock()
        self.adapter = InProcessAdapter(self.engine, "me", venue="sim", clock=self.clock)

    def mm_limit(self, side: Side, qty: str, price: str) -> int:
        """A resting order of the other account; returns its order id."""
        result = self.engine.place(
            "mm",
            NewOrder(
                "BTCUSDT", side, SimType.LIMIT,
                quantity=D(qty), price=D(price), time_in_force=SimTif.GTC,
            ),
        )  # fmt: skip
        return result.order.order_id

    def engine_depth(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        snap = self.engine.depth("BTCUSDT", 100)
        return list(snap.bids), list(snap.asks)


@pytest.fixture
def venue() -> Venue:
    return Venue()


def _levels(sync: BinanceDepthSync) -> tuple[list[Any], list[Any]]:
    view = sync.view(now_ns=10**19, max_age_ns=10**19)
    assert isinstance(view, ReadyBook), view
    depth = view.book.depth(100)
    return [(lvl.price, lvl.qty) for lvl in depth.bids], [
        (lvl.price, lvl.qty) for lvl in depth.asks
    ]


def _order(cid: str, side: OrderSide, qty: str, price: str | None, **kw: Any) -> OrderRequest:
    return OrderRequest(
        client_order_id=cid, symbol=BTC, side=side,
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        quantity=D(qty), price=None if price is None else D(price), **kw,
    )  # fmt: skip


async def test_is_a_venue_adapter_with_the_engines_instruments(venue: Venue) -> None:
    assert isinstance(venue.adapter, VenueAdapter)
    [instrument] = await venue.adapter.load_instruments()
    assert (instrument.venue, instrument.symbol) == ("sim", BTC)
    assert instrument.filters.tick_size == D("0.01")
    assert instrument.filters.step_size == D("0.00001")
    assert instrument.filters.min_notional == D(5)
    with pytest.raises(UnknownSymbol, match="ETH/USDT"):
        await venue.adapter.depth_snapshot("ETH/USDT")


async def test_snapshot_and_diffs_keep_the_book_equal_to_the_engine(venue: Venue) -> None:
    [instrument] = await venue.adapter.load_instruments()
    sync = BinanceDepthSync.for_instrument(instrument)
    statuses: list[StreamStatus] = []
    outcomes: list[SyncOutcome] = []

    def on_diff(diff: DepthDiff) -> None:
        outcomes.append(sync.on_diff(diff))

    # liquidity before anyone listens: the first diff carries it, the snapshot covers it
    venue.mm_limit(Side.BUY, "1", "29990")
    venue.mm_limit(Side.SELL, "2", "30010")
    stream = await venue.adapter.stream_depth(BTC, on_diff, lambda s, _d: statuses.append(s))
    assert statuses == [StreamStatus.CONNECTED]
    venue.mm_limit(Side.BUY, "0.5", "29995")  # diff arrives while awaiting the snapshot: buffered
    snapshot = await venue.adapter.depth_snapshot(BTC, 100)
    assert sync.on_snapshot(snapshot) is SyncOutcome.SYNCED
    assert _levels(sync) == venue.engine_depth()

    # market moves: new level, partial take, level removed by a cancel, own orders too
    venue.mm_limit(Side.SELL, "1", "30005")
    await venue.adapter.submit(_order("c1", OrderSide.BUY, "0.4", "30005"))  # takes 0.4 of 30005
    assert _levels(sync) == venue.engine_depth()
    bid = venue.mm_limit(Side.BUY, "3", "29980")
    venue.engine.cancel("mm", "BTCUSDT", order_id=bid)
    await venue.adapter.submit(_order("c2", OrderSide.SELL, "0.00100", "30020"))
    bids, asks = venue.engine_depth()
    # worked by hand: bids 29995 x 0.5, 29990 x 1; asks 30005 x 0.6, 30010 x 2, 30020 x 0.001
    assert bids == [(D(29995), D("0.5")), (D(29990), D(1))]
    assert asks == [(D(30005), D("0.6")), (D(30010), D(2)), (D(30020), D("0.001"))]
    assert _levels(sync) == (bids, asks)
    assert SyncOutcome.APPLIED in outcomes
    assert sync.is_synced and sync.resyncs == 0

    # after close nothing more is delivered
    await stream.close()
    seen = len(outcomes)
    venue.mm_limit(Side.BUY, "1", "29000")
    assert len(outcomes) == seen


async def test_submit_fill_and_cancel_reports(venue: Venue) -> None:
    reports: list[VenueReport] = []
    await venue.adapter.stream_user(reports.append)
    venue.mm_limit(Side.SELL, "0.3", "30000")

    # a buy of 0.5 at 30000: 0.3 fills against mm, 0.2 rests
    ack = await venue.adapter.submit(_order("tw-1", OrderSide.BUY, "0.5", "30000"))
    assert ack.status is OrderStatus.PARTIALLY_FILLED
    assert (ack.client_order_id, ack.filled_qty, ack.price) == ("tw-1", D("0.3"), D(30000))
    fills = [r for r in reports if isinstance(r, FillReport)]
    [fill] = fills
    assert (fill.qty, fill.price, fill.side) == (D("0.3"), D(30000), OrderSide.BUY)
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert (fill.fee, fill.fee_asset) == (D("0.0003"), "BTC")  # 0.1% of 0.3 BTC
    assert fill.client_order_id == "tw-1" and fill.venue_order_id == ack.venue_order_id
    statuses = [r for r in reports if isinstance(r, OrderStatusReport)]
    assert statuses[-1].status is OrderStatus.PARTIALLY_FILLED
    assert all(r.symbol == BTC and r.venue == "sim" for r in reports)  # nothing venue-shaped

    [open_order] = await venue.adapter.open_orders(BTC)
    assert open_order.venue_order_id == ack.venue_order_id
    assert await venue.adapter.open_orders() == [open_order]
    status = await venue.adapter.order_status(BTC, "tw-1")
    assert status is not None and status.filled_qty == D("0.3")
    assert await venue.adapter.order_status(BTC, "never-sent") is None

    canceled = await venue.adapter.cancel(BTC, "tw-1")
    assert canceled.status is OrderStatus.CANCELED
    assert canceled.client_order_id == "tw-1"  # the order's own id, not the cancel request's
    last = reports[-1]
    assert isinstance(last, OrderStatusReport) and last.status is OrderStatus.CANCELED
    assert await venue.adapter.open_orders(BTC) == []
    with pytest.raises(OrderNotFound):
        await venue.adapter.cancel(BTC, "tw-1")
    with pytest.raises(OrderNotFound):
        await venue.adapter.cancel(BTC, "x", venue_order_id="999")


async def test_fills_since_pages_by_trade_id(venue: Venue) -> None:
    for _ in range(3):
        venue.mm_limit(Side.SELL, "0.1", "30000")
    await venue.adapter.submit(_order("tw-1", OrderSide.BUY, "0.3", None))  # market: 3 trades
    fills = await venue.adapter.fills_since(BTC)
    assert len(fills) == 3
    ids = [int(f.trade_id) for f in fills]
    assert ids == sorted(ids)
    later = await venue.adapter.fills_since(BTC, fills[0].trade_id)
    assert [f.trade_id for f in later] == [f.trade_id for f in fills[1:]]
    assert await venue.adapter.fills_since(BTC, fills[-1].trade_id) == []


async def test_rejections_raise_and_change_nothing(venue: Venue) -> None:
    before = await venue.adapter.balances()
    reports: list[VenueReport] = []
    await venue.adapter.stream_user(reports.append)
    with pytest.raises(VenueRejected):  # 0.0001 x 10 = 0.001 USDT < min notional 5
        await venue.adapter.submit(_order("tw-1", OrderSide.BUY, "0.0001", "10"))
    with pytest.raises(VenueRejected):  # 100 BTC is more than the account holds
        await venue.adapter.submit(_order("tw-2", OrderSide.SELL, "100", "30000"))
    with pytest.raises(VenueRejected, match="not supported"):
        await venue.adapter.submit(
            OrderRequest(client_order_id="tw-3", symbol=BTC, side=OrderSide.BUY,
                         order_type=OrderType.STOP_LOSS_LIMIT, quantity=D(1), price=D(1))
        )  # fmt: skip
    with pytest.raises(UnknownSymbol):
        await venue.adapter.submit(
            OrderRequest(client_order_id="tw-4", symbol="DOGE/USDT", side=OrderSide.BUY,
                         order_type=OrderType.LIMIT, quantity=D(1), price=D(1))
        )  # fmt: skip
    assert reports == []
    assert await venue.adapter.balances() == before
    assert await venue.adapter.open_orders() == []


async def test_balances_follow_trades(venue: Venue) -> None:
    balances = await venue.adapter.balances()
    assert {a: (b.free, b.locked) for a, b in balances.items()} == {
        "BTC": (D(10), D(0)),
        "USDT": (D(1_000_000), D(0)),
    }
    # a resting buy of 0.1 at 30000 locks 3000 USDT
    await venue.adapter.submit(
        _order("tw-1", OrderSide.BUY, "0.1", "30000", time_in_force=TimeInForce.GTC)
    )
    usdt = (await venue.adapter.balances())["USDT"]
    assert (usdt.free, usdt.locked) == (D(997_000), D(3000))
    # mm sells into it: we pay 3000 USDT and get 0.1 BTC less 0.1% maker fee = 0.0999 BTC
    venue.engine.place("mm", NewOrder("BTCUSDT", Side.SELL, SimType.MARKET, quantity=D("0.1")))
    after = await venue.adapter.balances()
    assert (after["USDT"].free, after["USDT"].locked) == (D(997_000), D(0))
    assert (after["BTC"].free, after["BTC"].locked) == (D("10.0999"), D(0))


async def test_close_stops_every_stream(venue: Venue) -> None:
    reports: list[VenueReport] = []
    diffs: list[DepthDiff] = []
    await venue.adapter.stream_user(reports.append)
    await venue.adapter.stream_depth(BTC, diffs.append)
    await venue.adapter.close()
    venue.mm_limit(Side.SELL, "0.1", "30000")
    await venue.adapter.submit(_order("tw-1", OrderSide.BUY, "0.1", "30000"))
    assert reports == [] and diffs == []


async def test_time_in_force_and_limit_maker_reach_the_engine(venue: Venue) -> None:
    venue.mm_limit(Side.SELL, "0.1", "30000")
    # IOC for 0.3 at 30000: 0.1 fills, the rest expires instead of resting
    ioc = await venue.adapter.submit(
        _order("tw-ioc", OrderSide.BUY, "0.3", "30000", time_in_force=TimeInForce.IOC)
    )
    assert (ioc.status, ioc.filled_qty) == (OrderStatus.EXPIRED, D("0.1"))
    # FOK that cannot fill completely does nothing at all
    venue.mm_limit(Side.SELL, "0.1", "30000")
    fok = await venue.adapter.submit(
        _order("tw-fok", OrderSide.BUY, "0.3", "30000", time_in_force=TimeInForce.FOK)
    )
    assert (fok.status, fok.filled_qty) == (OrderStatus.EXPIRED, D(0))
    # a LIMIT_MAKER that would take is refused; one below the ask rests
    maker = OrderRequest(
        client_order_id="tw-mk", symbol=BTC, side=OrderSide.BUY,
        order_type=OrderType.LIMIT_MAKER, quantity=D("0.1"), price=D(30000),
    )  # fmt: skip
    with pytest.raises(VenueRejected):
        await venue.adapter.submit(maker)
    resting = await venue.adapter.submit(
        OrderRequest(
            client_order_id="tw-mk2", symbol=BTC, side=OrderSide.BUY,
            order_type=OrderType.LIMIT_MAKER, quantity=D("0.1"), price=D(29999),
        )
    )  # fmt: skip
    assert (resting.status, resting.order_type) == (OrderStatus.NEW, OrderType.LIMIT_MAKER)
    assert [o.client_order_id for o in await venue.adapter.open_orders(BTC)] == ["tw-mk2"]
