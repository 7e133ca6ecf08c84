"""Bad CCXT input — malformed structure, unknown symbol, out-of-order order update — is rejected
with one ``venue_input_rejected`` log event and changes nothing: no report is delivered and the
adapter's ReportSequenceGuard and last-seen trade ids keep their state."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from structlog.testing import capture_logs

from tradewind.core.enums import OrderStatus
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.venues.base import MalformedPayload, UnknownSymbol, VenueReport
from tradewind.venues.ccxt import CcxtAdapter, parsing

D = Decimal
T0_MS = 1_700_000_000_000

# ccxt.binance's unified market for BTC/USDT (precisionMode TICK_SIZE), trimmed
MARKET: dict[str, Any] = {
    "id": "BTCUSDT",
    "symbol": "BTC/USDT",
    "base": "BTC",
    "quote": "USDT",
    "type": "spot",
    "spot": True,
    "active": True,
    "precision": {"amount": 1e-05, "price": 0.01},
    "limits": {
        "amount": {"min": 1e-05, "max": 9000.0},
        "price": {"min": 0.01, "max": 1000000.0},
        "cost": {"min": 5.0, "max": 9000000.0},
        "market": {"min": 0.0, "max": 100.0},
    },
}

# a unified order as watchOrders / fetchOrder return it (numbers are floats in CCXT)
ORDER: dict[str, Any] = {
    "id": "42",
    "clientOrderId": "tw-0001",
    "timestamp": T0_MS,
    "lastUpdateTimestamp": T0_MS + 2,
    "symbol": "BTC/USDT",
    "type": "limit",
    "timeInForce": "GTC",
    "side": "buy",
    "price": 30000.0,
    "amount": 0.5,
    "filled": 0.2,
    "remaining": 0.3,
    "status": "open",
    "fee": None,
    "trades": [],
}

TRADE: dict[str, Any] = {
    "id": "7",
    "order": "42",
    "timestamp": T0_MS + 2,
    "symbol": "BTC/USDT",
    "type": "limit",
    "side": "buy",
    "takerOrMaker": "maker",
    "price": 30000.0,
    "amount": 0.2,
    "cost": 6000.0,
    "fee": {"cost": 0.0002, "currency": "BTC"},
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def _rejections(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in logs if e["event"] == "venue_input_rejected"]


class _Exchange:
    """The few ccxt.pro exchange members the adapter reads on these paths; no network."""

    id = "binance"

    def __init__(self) -> None:
        self.last_response_headers: dict[str, str] = {}
        self.options: dict[str, Any] = {}
        self.open_orders: Any = []
        self.balance: Any = {}

    async def fetch_open_orders(self, symbol: str | None = None) -> Any:
        return copy.deepcopy(self.open_orders)

    async def fetch_balance(self) -> Any:
        return copy.deepcopy(self.balance)

    async def load_markets(self, reload: bool = False) -> dict[str, Any]:
        return {"BTC/USDT": copy.deepcopy(MARKET)}

    async def close(self) -> None:
        return None


@pytest.fixture
def exchange() -> _Exchange:
    return _Exchange()


@pytest.fixture
async def adapter(exchange: _Exchange) -> CcxtAdapter:
    venue = CcxtAdapter(exchange, name="sim")
    [instrument] = await venue.load_instruments()
    assert instrument.symbol == "BTC/USDT"
    assert instrument.filters.tick_size == D("0.01")  # from the float 0.01, exactly
    return venue


# -- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "error"),
    [
        (_with(ORDER, id=None), "order id missing"),
        (_with(ORDER, filled="lots"), "not a number"),
        (_with(ORDER, amount=float("nan")), "not a finite"),
        (_with(ORDER, amount=-0.5), "not a finite non-negative"),
        (_with(ORDER, status="sleeping"), "unknown order status"),
        (_with(ORDER, side="long"), "unknown side"),
        (_with(ORDER, filled=0.6), "filled_qty"),  # more filled than ordered
        ("42", "order is a str"),
    ],
)
def test_malformed_orders_raise_malformed_payload(order: Any, error: str) -> None:
    with pytest.raises(MalformedPayload, match=error):
        parsing.order_report("sim", order, {"BTC/USDT"}, 0)


def test_order_of_unknown_symbol_raises_unknown_symbol() -> None:
    with pytest.raises(UnknownSymbol, match="DOGE/USDT"):
        parsing.order_report("sim", _with(ORDER, symbol="DOGE/USDT"), {"BTC/USDT"}, 0)


def test_a_well_formed_order_reads_exactly() -> None:
    report = parsing.order_report("sim", ORDER, {"BTC/USDT"}, 0)
    assert report.status is OrderStatus.PARTIALLY_FILLED  # open with 0.2 filled
    assert (report.quantity, report.filled_qty, report.price) == (D("0.5"), D("0.2"), D(30000))
    assert report.ts_event == (T0_MS + 2) * 1_000_000


@pytest.mark.parametrize(
    ("trade", "error"),
    [
        (_with(TRADE, order=None), "lacks its id or order id"),
        (_with(TRADE, price=float("inf")), "not a finite"),
        (_with(TRADE, fee={"cost": "x", "currency": "BTC"}), "not a number"),
        (_with(TRADE, side=None), "unknown side"),
    ],
)
def test_malformed_trades_raise_malformed_payload(trade: Any, error: str) -> None:
    with pytest.raises(MalformedPayload, match=error):
        parsing.fill_report("sim", trade, {"BTC/USDT"}, 0)


# -- the adapter ----------------------------------------------------------------------------------


async def test_malformed_order_update_is_logged_and_changes_nothing(adapter: CcxtAdapter) -> None:
    delivered: list[VenueReport] = []
    with capture_logs() as logs:
        count = adapter.accept_orders([_with(ORDER, filled="lots")], delivered.append)
        not_a_list = adapter.accept_orders({"id": "42"}, delivered.append)
    assert (count, not_a_list) == (0, 0)
    assert delivered == []
    events = _rejections(logs)
    assert [e["reason"] for e in events] == ["order_update", "order_update"]
    assert "filled" in events[0]["error"] and events[0]["venue"] == "sim"
    assert len(adapter._guard) == 0
    # the good one after it goes through
    assert adapter.accept_orders([ORDER], delivered.append) == 1


async def test_unknown_symbol_is_logged_and_changes_nothing(adapter: CcxtAdapter) -> None:
    delivered: list[VenueReport] = []
    with capture_logs() as logs:
        orders = adapter.accept_orders([_with(ORDER, symbol="DOGE/USDT")], delivered.append)
        trades = adapter.accept_trades([_with(TRADE, symbol="DOGE/USDT")], delivered.append)
    assert (orders, trades) == (0, 0)
    assert delivered == []
    events = _rejections(logs)
    assert [e["reason"] for e in events] == ["order_update", "trade_update"]
    assert all("DOGE/USDT" in e["error"] for e in events)
    assert len(adapter._guard) == 0
    assert not adapter._guard.has_fill("DOGE/USDT", "7")
    assert adapter._last_trade_ids == {}  # reconciliation would not ask about DOGE/USDT


async def test_out_of_order_update_is_logged_and_changes_nothing(adapter: CcxtAdapter) -> None:
    delivered: list[VenueReport] = []
    assert adapter.accept_orders([ORDER], delivered.append) == 1
    held = adapter._guard.held("BTC/USDT", "42")
    assert held == ((T0_MS + 2) * 1_000_000, D("0.2"), 1)
    # a late update from before the fill: open, nothing filled, stamped T0+1
    late = _with(ORDER, filled=0.0, lastUpdateTimestamp=T0_MS + 1)
    with capture_logs() as logs:
        assert adapter.accept_orders([late], delivered.append) == 0
    [event] = _rejections(logs)
    assert event["reason"] == "out_of_order_report"
    assert (event["filled_qty"], event["held_filled_qty"]) == ("0", "0.2")
    assert adapter._guard.held("BTC/USDT", "42") == held
    assert len(delivered) == 1


async def test_cached_trades_are_delivered_once(adapter: CcxtAdapter) -> None:
    """watchMyTrades hands back its whole cache each time: each trade reaches on_report once."""
    delivered: list[VenueReport] = []
    second = _with(TRADE, id="8", amount=0.3, timestamp=T0_MS + 3)
    with capture_logs() as logs:
        assert adapter.accept_trades([TRADE], delivered.append) == 1
        assert adapter.accept_trades([TRADE, second], delivered.append) == 1
    assert [r.trade_id for r in delivered if isinstance(r, FillReport)] == ["7", "8"]
    assert _rejections(logs) == []  # a re-sent cached trade is not a fault
    assert all(not isinstance(r, OrderStatusReport) for r in delivered)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ([ORDER, _with(ORDER, amount=None)], "amount is missing"),
        ([_with(ORDER, symbol="DOGE/USDT")], "DOGE/USDT"),
        ({"id": "42"}, "not a list"),
    ],
)
async def test_bad_open_orders_raise_and_are_logged(
    adapter: CcxtAdapter, exchange: _Exchange, answer: Any, error: str
) -> None:
    exchange.open_orders = answer
    with capture_logs() as logs, pytest.raises((MalformedPayload, UnknownSymbol), match=error):
        await adapter.open_orders("BTC/USDT")
    [event] = _rejections(logs)
    assert event["reason"] == "order" and error in event["error"]
    exchange.open_orders = [ORDER]
    [report] = await adapter.open_orders("BTC/USDT")
    assert report.venue_order_id == "42"


@pytest.mark.parametrize(
    ("balance", "error"),
    [
        ({"free": {"BTC": -1.0}, "used": {}}, "BTC free"),
        ({"free": {"BTC": 1.0}, "used": {"BTC": "lots"}}, "BTC used"),
        ({"free": ["BTC"]}, "not objects"),
    ],
)
async def test_bad_balance_raises_and_is_logged(
    adapter: CcxtAdapter, exchange: _Exchange, balance: Any, error: str
) -> None:
    exchange.balance = balance
    with capture_logs() as logs, pytest.raises(MalformedPayload, match=error):
        await adapter.balances()
    assert [e["reason"] for e in _rejections(logs)] == ["balance"]
    # worked example: 1.5 free + 0.25 used BTC, nothing in USDT (left out)
    exchange.balance = {"free": {"BTC": 1.5, "USDT": 0.0}, "used": {"BTC": 0.25}}
    balances = await adapter.balances()
    assert list(balances) == ["BTC"]
    assert (balances["BTC"].free, balances["BTC"].locked) == (D("1.5"), D("0.25"))


# a public trade as watchTrades returns it
PUBLIC_TRADE: dict[str, Any] = {
    "id": "100", "symbol": "BTC/USDT", "price": 95000.1, "amount": 0.002, "side": "buy",
    "timestamp": T0_MS,
}  # fmt: skip


async def test_public_trades_are_new_ones_only_and_bad_ones_are_rejected(
    adapter: CcxtAdapter,
) -> None:
    got: list[Any] = []
    first = [
        PUBLIC_TRADE,
        _with(PUBLIC_TRADE, id="101", price="x"),
        _with(PUBLIC_TRADE, id="abc"),
        _with(PUBLIC_TRADE, id="102", symbol="ETH/USDT"),
    ]
    with capture_logs() as logs:
        seen = adapter.accept_public_trades("BTC/USDT", first, -1, got.append)
        # watchTrades re-sends its cache: trade 100 again is dropped quietly, 103 is new
        seen = adapter.accept_public_trades(
            "BTC/USDT", [PUBLIC_TRADE, _with(PUBLIC_TRADE, id="103")], seen, got.append
        )
        assert adapter.accept_public_trades("BTC/USDT", "nope", seen, got.append) == seen
    assert [t.trade_id for t in got] == ["100", "103"] and seen == 103
    assert (got[0].price, got[0].qty) == (D("95000.1"), D("0.002"))
    assert got[0].aggressor is not None and got[0].aggressor.value == "buy"
    assert len(_rejections(logs)) == 4
