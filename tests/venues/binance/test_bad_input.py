"""Bad Binance input — malformed payload, unknown symbol, out-of-order report — is rejected with
one ``venue_input_rejected`` log event and changes nothing: no report or diff is delivered, the
adapter's ReportSequenceGuard keeps its state, and a synced book keeps its levels."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from structlog.testing import capture_logs

from tradewind.book.depth_sync import (
    BinanceDepthSync,
    DepthDiff,
    DepthSnapshot,
    ReadyBook,
    SyncOutcome,
)
from tradewind.core.enums import OrderSide, OrderStatus, OrderType
from tradewind.core.instruments import Instrument
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.venues.base import (
    MalformedPayload,
    ReportSequenceGuard,
    UnknownSymbol,
    VenueReport,
)
from tradewind.venues.binance import BinanceAdapter, BinanceConfig, parsing

D = Decimal
T0_MS = 1_700_000_000_000

# GET /api/v3/exchangeInfo, trimmed to what the adapter reads (shape as Binance sends it)
EXCHANGE_INFO: dict[str, Any] = {
    "timezone": "UTC",
    "serverTime": T0_MS,
    "rateLimits": [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    ],
    "symbols": [
        {
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "quoteAsset": "USDT",
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": "0.01000000",
                    "maxPrice": "1000000.00000000",
                    "tickSize": "0.01000000",
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": "0.00001000",
                    "maxQty": "9000.00000000",
                    "stepSize": "0.00001000",
                },
                {
                    "filterType": "NOTIONAL",
                    "minNotional": "5.00000000",
                    "applyMinToMarket": True,
                    "maxNotional": "9000000.00000000",
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
            ],
        }
    ],
}

# a user-data executionReport of a partial fill (TRADE), as the stream sends it
TRADE_REPORT: dict[str, Any] = {
    "e": "executionReport",
    "E": T0_MS + 2,
    "s": "BTCUSDT",
    "c": "tw-0001",
    "S": "BUY",
    "o": "LIMIT",
    "f": "GTC",
    "q": "0.50000000",
    "p": "30000.00000000",
    "x": "TRADE",
    "X": "PARTIALLY_FILLED",
    "r": "NONE",
    "i": 42,
    "l": "0.20000000",
    "z": "0.20000000",
    "L": "30000.00000000",
    "n": "0.00020000",
    "N": "BTC",
    "T": T0_MS + 2,
    "t": 7,
    "m": True,
    "C": "",
}

DEPTH_UPDATE: dict[str, Any] = {
    "e": "depthUpdate",
    "E": T0_MS + 5,
    "s": "BTCUSDT",
    "U": 101,
    "u": 102,
    "b": [["29999.00000000", "1.00000000"]],
    "a": [["30001.00000000", "0.00000000"]],
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def _without(base: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(base)
    del out[key]
    return out


def _book_state(sync: BinanceDepthSync) -> tuple[Any, int]:
    view = sync.view(now_ns=10**18, max_age_ns=10**18)
    assert isinstance(view, ReadyBook), view
    return view.book.depth(50), view.book.update_id


def _rejections(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in logs if e["event"] == "venue_input_rejected"]


@pytest.fixture
async def adapter(monkeypatch: pytest.MonkeyPatch) -> BinanceAdapter:
    """A BinanceAdapter whose exchangeInfo comes from EXCHANGE_INFO; nothing touches a network."""
    venue = BinanceAdapter(
        BinanceConfig(rest_url="http://127.0.0.1:9", api_key="k", api_secret="s")
    )

    responses: dict[str, Any] = {"exchange_info": EXCHANGE_INFO}

    async def rest(name: str, **_params: Any) -> Any:
        return copy.deepcopy(responses[name])

    monkeypatch.setattr(venue, "_rest", rest)
    venue.responses = responses  # type: ignore[attr-defined]  # tests set REST answers here
    instruments = await venue.load_instruments()
    assert [i.symbol for i in instruments] == ["BTC/USDT"]
    return venue


# -- parsing: specific errors, never a half-read value ------------------------------------------


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (_without(TRADE_REPORT, "z"), "missing field 'z'"),
        (_with(TRADE_REPORT, z="abc"), "not a decimal"),
        (_with(TRADE_REPORT, z=0.2), "is a float"),  # floats would smuggle binary rounding in
        (_with(TRADE_REPORT, q="NaN"), "not finite"),
        (_with(TRADE_REPORT, X="HALF_DONE"), "unknown value 'HALF_DONE'"),
        (_with(TRADE_REPORT, i="forty-two"), "not an integer"),
        (_with(TRADE_REPORT, q="-0.5"), "quantity"),  # the core report refuses it
        (_with(TRADE_REPORT, z="0.6"), "filled_qty"),  # more filled than ordered
        (["executionReport"], "expected an object"),
    ],
)
def test_malformed_execution_reports_raise_malformed_payload(payload: Any, error: str) -> None:
    symbols = parsing.SymbolMap()
    symbols.add("BTC/USDT", "BTCUSDT")
    with pytest.raises(MalformedPayload, match=error):
        parsing.execution_report("binance", payload, symbols, 0)


def test_a_well_formed_trade_report_reads_exactly() -> None:
    symbols = parsing.SymbolMap()
    symbols.add("BTC/USDT", "BTCUSDT")
    status, fill = parsing.execution_report("binance", TRADE_REPORT, symbols, 0)
    assert status.symbol == "BTC/USDT"
    assert status.status is OrderStatus.PARTIALLY_FILLED
    assert (status.quantity, status.filled_qty) == (D("0.5"), D("0.2"))
    assert status.ts_event == (T0_MS + 2) * 1_000_000
    assert fill is not None
    assert (fill.trade_id, fill.price, fill.qty, fill.fee) == ("7", D(30000), D("0.2"), D("0.0002"))


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (_with(DEPTH_UPDATE, U=103, u=102), "out of order"),
        (_with(DEPTH_UPDATE, b=[["29999.00", "-1"]]), "negative level"),
        (_with(DEPTH_UPDATE, b=[["Infinity", "1"]]), "not finite"),
        (_with(DEPTH_UPDATE, a=[["30001.00"]]), "bad level"),
        (_with(DEPTH_UPDATE, a=[[30001.0, 1.0]]), "two decimal strings"),
        (_with(DEPTH_UPDATE, b="none"), "not a list"),
    ],
)
def test_malformed_depth_updates_raise_malformed_payload(payload: Any, error: str) -> None:
    with pytest.raises(MalformedPayload, match=error):
        parsing.depth_diff("binance", payload, "BTCUSDT", 0)


def test_depth_update_of_another_symbol_is_an_unknown_symbol() -> None:
    with pytest.raises(UnknownSymbol, match="ETHUSDT"):
        parsing.depth_diff("binance", _with(DEPTH_UPDATE, s="ETHUSDT"), "BTCUSDT", 0)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda info: info["symbols"].append("BTCUSDT"),  # an entry that is not an object
        lambda info: info["symbols"][0]["filters"].append(None),
        lambda info: info["symbols"][0].update(filters="PRICE_FILTER"),
    ],
)
def test_malformed_exchange_info_raises_and_maps_no_symbol(mutate: Any) -> None:
    info = copy.deepcopy(EXCHANGE_INFO)
    mutate(info)
    symbols = parsing.SymbolMap()
    with pytest.raises(MalformedPayload):
        parsing.instruments("binance", info, symbols)
    assert len(symbols) == 0  # all or nothing: no symbol mapped from a bad payload


# -- the adapter: log event, nothing delivered, nothing remembered -------------------------------


async def test_malformed_execution_report_is_logged_and_changes_nothing(
    adapter: BinanceAdapter,
) -> None:
    delivered: list[VenueReport] = []
    with capture_logs() as logs:
        accepted = adapter.accept_execution_report(_without(TRADE_REPORT, "z"), delivered.append)
    assert accepted is False
    assert delivered == []
    [event] = _rejections(logs)
    assert event["venue"] == "binance"
    assert event["reason"] == "execution_report"
    assert "'z'" in event["error"]
    assert event["log_level"] == "warning"
    assert len(adapter._guard) == 0
    assert not adapter._guard.has_fill("BTC/USDT", "7")

    # the same report, well formed, still goes through: the rejected copy left no trace
    assert adapter.accept_execution_report(TRADE_REPORT, delivered.append) is True
    assert [type(r) for r in delivered] == [FillReport, OrderStatusReport]


async def test_unknown_symbol_is_logged_and_changes_nothing(adapter: BinanceAdapter) -> None:
    delivered: list[VenueReport] = []
    with capture_logs() as logs:
        accepted = adapter.accept_execution_report(
            _with(TRADE_REPORT, s="DOGEUSDT"), delivered.append
        )
    assert accepted is False
    assert delivered == []
    [event] = _rejections(logs)
    assert event["reason"] == "execution_report"
    assert "DOGEUSDT" in event["error"]
    assert len(adapter._guard) == 0


async def test_out_of_order_report_is_logged_and_changes_nothing(adapter: BinanceAdapter) -> None:
    delivered: list[VenueReport] = []
    # order 42 filled 0.2 at E=T0+2, then a late NEW (filled 0) stamped T0+1 arrives
    assert adapter.accept_execution_report(TRADE_REPORT, delivered.append)
    held = adapter._guard.held("BTC/USDT", "42")
    assert held == ((T0_MS + 2) * 1_000_000, D("0.2"), 1)
    late_new = _with(TRADE_REPORT, E=T0_MS + 1, x="NEW", X="NEW", z="0", l="0", t=-1)
    with capture_logs() as logs:
        accepted = adapter.accept_execution_report(late_new, delivered.append)
    assert accepted is False
    assert len(delivered) == 2  # only the fill and status of the first report
    [event] = _rejections(logs)
    assert event["reason"] == "out_of_order_report"
    assert (event["venue_order_id"], event["filled_qty"], event["held_filled_qty"]) == (
        "42",
        "0",
        "0.20000000",
    )
    assert adapter._guard.held("BTC/USDT", "42") == held

    # reopening after a terminal state is refused the same way
    done = _with(TRADE_REPORT, E=T0_MS + 3, X="FILLED", z="0.5", l="0.3", t=8)
    assert adapter.accept_execution_report(done, delivered.append)
    reopened = _with(TRADE_REPORT, E=T0_MS + 4, x="NEW", X="NEW", z="0.5", l="0", t=-1)
    with capture_logs() as logs:
        assert adapter.accept_execution_report(reopened, delivered.append) is False
    assert [e["reason"] for e in _rejections(logs)] == ["out_of_order_report"]
    assert adapter._guard.held("BTC/USDT", "42") == ((T0_MS + 3) * 1_000_000, D("0.5"), 2)


async def test_a_repeated_trade_is_not_delivered_twice(adapter: BinanceAdapter) -> None:
    delivered: list[VenueReport] = []
    assert adapter.accept_execution_report(TRADE_REPORT, delivered.append)
    with capture_logs() as logs:
        adapter.accept_execution_report(TRADE_REPORT, delivered.append)
    fills = [r for r in delivered if isinstance(r, FillReport)]
    assert [f.trade_id for f in fills] == ["7"]
    assert "duplicate_fill" in [e["reason"] for e in _rejections(logs)]


async def test_same_order_id_on_two_symbols_are_two_orders() -> None:
    """Binance numbers orders per symbol; the guard must not mix BTC/USDT #42 with ETH/USDT #42."""

    def report(symbol: str, filled: str, ts: int) -> OrderStatusReport:
        return OrderStatusReport(
            venue="binance", symbol=symbol, venue_order_id="42", client_order_id=None,
            side=OrderSide.BUY, order_type=OrderType.LIMIT,
            status=OrderStatus.PARTIALLY_FILLED if D(filled) else OrderStatus.NEW,
            quantity=D(1), filled_qty=D(filled), price=D(1), ts_event=ts, ts_init=ts,
        )  # fmt: skip

    guard = ReportSequenceGuard("binance")
    assert guard.admit(report("BTC/USDT", "0.5", 2))
    assert guard.admit(report("ETH/USDT", "0", 1))  # a different order, not a step back


def test_a_closed_order_cannot_close_again_differently() -> None:
    def report(status: OrderStatus, ts: int) -> OrderStatusReport:
        return OrderStatusReport(
            venue="binance", symbol="BTC/USDT", venue_order_id="42", client_order_id=None,
            side=OrderSide.BUY, order_type=OrderType.LIMIT, status=status,
            quantity=D(1), filled_qty=D("0.4"), price=D(1), ts_event=ts, ts_init=ts,
        )  # fmt: skip

    guard = ReportSequenceGuard("binance")
    assert guard.admit(report(OrderStatus.PARTIALLY_FILLED, 1))
    assert guard.admit(report(OrderStatus.CANCELED, 2))
    with capture_logs() as logs:
        assert not guard.admit(report(OrderStatus.EXPIRED, 3))  # same rank, newer: still refused
        assert not guard.admit(report(OrderStatus.EXPIRED, 4), replay=True)
    [event] = _rejections(logs)  # the replayed copy is dropped quietly
    assert (event["reason"], event["status"], event["symbol"]) == (
        "out_of_order_report",
        "expired",
        "BTC/USDT",
    )
    assert guard.held("BTC/USDT", "42") == (2, D("0.4"), 2)
    assert guard.admit(report(OrderStatus.CANCELED, 5))  # the same final state again is fine


def test_the_guard_forgets_the_oldest_order_past_its_bound() -> None:
    def report(order_id: str) -> OrderStatusReport:
        return OrderStatusReport(
            venue="binance", symbol="BTC/USDT", venue_order_id=order_id, client_order_id=None,
            side=OrderSide.BUY, order_type=OrderType.LIMIT, status=OrderStatus.FILLED,
            quantity=D(1), filled_qty=D(1), price=D(1), ts_event=1, ts_init=1,
        )  # fmt: skip

    guard = ReportSequenceGuard("binance", max_orders=2)
    for order_id in ("1", "2", "3"):
        assert guard.admit(report(order_id))
    assert len(guard) == 2
    assert guard.held("BTC/USDT", "1") is None and guard.held("BTC/USDT", "3") is not None


async def test_bad_depth_updates_leave_the_book_unchanged(adapter: BinanceAdapter) -> None:
    instrument: Instrument = (await adapter.load_instruments())[0]
    sync = BinanceDepthSync.for_instrument(instrument)
    snapshot = DepthSnapshot(
        last_update_id=100,
        bids=(("30000.00", "1.0"),),
        asks=(("30001.00", "2.0"),),
        ts_event=1,
        ts_init=1,
    )
    assert sync.on_snapshot(snapshot) is SyncOutcome.SYNCED
    before = _book_state(sync)

    def apply(diff: DepthDiff) -> None:
        sync.on_diff(diff)

    bad = [
        _with(DEPTH_UPDATE, s="ETHUSDT"),
        _with(DEPTH_UPDATE, b=[["29999.00", "-1"]]),
        _without(DEPTH_UPDATE, "u"),
    ]
    with capture_logs() as logs:
        results = [adapter.accept_depth_update("BTC/USDT", p, apply) for p in bad]
        unknown = adapter.accept_depth_update("DOGE/USDT", DEPTH_UPDATE, apply)
    assert results == [False, False, False] and unknown is False
    events = _rejections(logs)
    assert [e["reason"] for e in events] == ["depth_update"] * 4
    assert "DOGE/USDT" in events[3]["error"]
    assert _book_state(sync) == before
    assert sync.is_synced

    # the good update still applies: bid 29999 x 1 added, ask 30001 removed
    assert adapter.accept_depth_update("BTC/USDT", DEPTH_UPDATE, apply)
    depth, update_id = _book_state(sync)
    assert update_id == 102
    assert [(lvl.price, lvl.qty) for lvl in depth.bids] == [(D(30000), D(1)), (D(29999), D(1))]
    assert depth.asks == ()


# GET /api/v3/openOrders item
OPEN_ORDER: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "orderId": 42,
    "orderListId": -1,
    "clientOrderId": "tw-0001",
    "price": "30000.00000000",
    "origQty": "0.50000000",
    "executedQty": "0.00000000",
    "cummulativeQuoteQty": "0.00000000",
    "status": "NEW",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "side": "BUY",
    "time": T0_MS,
    "updateTime": T0_MS,
    "isWorking": True,
}


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ([OPEN_ORDER, _with(OPEN_ORDER, origQty=None)], "'origQty' is not a decimal"),
        ([_with(OPEN_ORDER, symbol="DOGEUSDT")], "DOGEUSDT"),
        ({"code": 0}, "not a list"),
    ],
)
async def test_bad_rest_answers_raise_and_are_logged(
    adapter: BinanceAdapter, answer: Any, error: str
) -> None:
    adapter.responses["get_open_orders"] = answer  # type: ignore[attr-defined]
    with capture_logs() as logs, pytest.raises((MalformedPayload, UnknownSymbol), match=error):
        await adapter.open_orders()
    [event] = _rejections(logs)
    assert event["reason"] == "open_orders" and error in event["error"]
    adapter.responses["get_open_orders"] = [OPEN_ORDER]  # type: ignore[attr-defined]
    [report] = await adapter.open_orders()
    assert (report.symbol, report.status, report.quantity) == (
        "BTC/USDT",
        OrderStatus.NEW,
        D("0.5"),
    )


async def test_bad_exchange_info_on_reload_keeps_the_symbol_map(adapter: BinanceAdapter) -> None:
    broken = copy.deepcopy(EXCHANGE_INFO)
    broken["symbols"].append({"symbol": "ETHUSDT", "baseAsset": "ETH", "quoteAsset": "USDT"})
    broken["rateLimits"] = []
    adapter.responses["exchange_info"] = broken  # type: ignore[attr-defined]
    limits = adapter.rate_limits
    with capture_logs() as logs, pytest.raises(MalformedPayload, match="filters"):
        await adapter.load_instruments()
    assert [e["reason"] for e in _rejections(logs)] == ["exchange_info"]
    assert adapter.rate_limits == limits and len(limits) == 2  # nothing half-replaced
    eth_update = _with(DEPTH_UPDATE, s="ETHUSDT")
    assert adapter.accept_depth_update("ETH/USDT", eth_update, lambda _d: None) is False


# a <symbol>@trade stream message (shape as Binance sends it)
PUBLIC_TRADE: dict[str, Any] = {
    "e": "trade", "E": T0_MS, "s": "BTCUSDT", "t": 12345, "p": "95000.10", "q": "0.002",
    "T": T0_MS, "m": True,
}  # fmt: skip


async def test_public_trades_read_exactly_and_bad_ones_are_rejected(
    adapter: BinanceAdapter,
) -> None:
    got: list[Any] = []
    bad = [
        _with(PUBLIC_TRADE, s="ETHUSDT"),  # another symbol's trade on this stream
        _with(PUBLIC_TRADE, p="abc"),
        _without(PUBLIC_TRADE, "t"),
        _with(PUBLIC_TRADE, m="yes"),
        _with(PUBLIC_TRADE, q="-1"),
    ]
    with capture_logs() as logs:
        assert adapter.accept_trade("BTC/USDT", PUBLIC_TRADE, got.append)
        assert not any(adapter.accept_trade("BTC/USDT", payload, got.append) for payload in bad)
    [tick] = got
    assert (tick.venue, tick.symbol, tick.trade_id) == ("binance", "BTC/USDT", "12345")
    assert (tick.price, tick.qty) == (D("95000.10"), D("0.002"))
    assert tick.aggressor is OrderSide.SELL  # the buyer was the maker: a seller hit the bid
    assert tick.ts_event == T0_MS * 1_000_000
    assert len(_rejections(logs)) == len(bad)
