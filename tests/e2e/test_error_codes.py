"""Every Binance error code the simulator promises, produced over HTTP with its exact status."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAccount, SimAdmin
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e


def expect(response, status: int, code: int, msg: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    if msg is not None:
        assert body["msg"] == msg


@pytest.fixture
def raw(sim: SimEndpoints, account: SimAccount) -> RawBinance:
    return RawBinance(sim.rest_url, account.api_key, account.api_secret)


@pytest.fixture
def near(raw: RawBinance) -> Callable[[str], str]:
    """A BTCUSDT price at ``factor`` times the current average, on the 0.01 tick."""
    avg = Decimal(raw.public("GET", "/api/v3/avgPrice", symbol="BTCUSDT").json()["price"])

    def price(factor: str) -> str:
        return str((avg * Decimal(factor)).quantize(Decimal("0.01")))

    return price


def test_timestamp_outside_recv_window_minus_1021(raw: RawBinance) -> None:
    old = int(time.time() * 1000) - 60_000
    expect(
        raw.signed("GET", "/api/v3/account", timestamp=old),
        400,
        -1021,
        "Timestamp for this request is outside of the recvWindow.",
    )


def test_bad_signature_minus_1022(raw: RawBinance) -> None:
    expect(
        raw.signed("GET", "/api/v3/account", secret="wrong-secret"),
        400,
        -1022,
        "Signature for this request is not valid.",
    )


def test_illegal_parameter_minus_1100(raw: RawBinance) -> None:
    response = raw.signed(
        "POST",
        "/api/v3/order",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="abc",
        price="100",
    )
    expect(response, 400, -1100)
    assert "'quantity'" in response.json()["msg"]


def test_missing_parameter_minus_1102(raw: RawBinance) -> None:
    expect(
        raw.public("GET", "/api/v3/depth"),
        400,
        -1102,
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
    )
    response = raw.signed(
        "POST",
        "/api/v3/order",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        quantity="0.01",
        price="100",
    )
    expect(
        response,
        400,
        -1102,
        "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
    )


def test_invalid_symbol_minus_1121(raw: RawBinance) -> None:
    expect(raw.public("GET", "/api/v3/depth", symbol="NOPEUSDT"), 400, -1121, "Invalid symbol.")
    expect(
        raw.signed(
            "POST", "/api/v3/order", symbol="NOPEUSDT", side="BUY", type="MARKET", quantity="1"
        ),
        400,
        -1121,
        "Invalid symbol.",
    )


def test_insufficient_balance_and_duplicate_client_id_minus_2010(
    raw: RawBinance, admin: SimAdmin, sim: SimEndpoints, near: Callable[[str], str]
) -> None:
    poor = admin.create_account({"USDT": "10"})
    poor_raw = RawBinance(sim.rest_url, poor.api_key, poor.api_secret)
    expect(
        poor_raw.signed(
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price=near("0.9"),
        ),
        400,
        -2010,
        "Account has insufficient balance for requested action.",
    )
    first = raw.signed(
        "POST",
        "/api/v3/order",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price=near("0.9"),
        newClientOrderId="dup-1",
    )
    assert first.status_code == 200, first.text
    expect(
        raw.signed(
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price=near("0.9"),
            newClientOrderId="dup-1",
        ),
        400,
        -2010,
        "Duplicate order sent.",
    )


def test_unknown_order_cancel_minus_2011_and_query_minus_2013(raw: RawBinance) -> None:
    expect(
        raw.signed("DELETE", "/api/v3/order", symbol="BTCUSDT", orderId=99999999),
        400,
        -2011,
        "Unknown order sent.",
    )
    expect(
        raw.signed("GET", "/api/v3/order", symbol="BTCUSDT", orderId=99999999),
        400,
        -2013,
        "Order does not exist.",
    )


def test_bad_api_key_format_minus_2014_and_unknown_key_minus_2015(raw: RawBinance) -> None:
    expect(
        raw.signed("GET", "/api/v3/account", api_key="not-a-key"),
        401,
        -2014,
        "API-key format invalid.",
    )
    expect(
        raw.signed("GET", "/api/v3/account", api_key="B" * 64),
        401,
        -2015,
        "Invalid API-key, IP, or permissions for action.",
    )


@pytest.mark.parametrize(
    ("params", "filter_name"),
    [
        # BTCUSDT: tick 0.01, step 0.00001, NOTIONAL min 5 USDT, PERCENT_PRICE_BY_SIDE 0.2x..5x,
        # MARKET_LOT_SIZE max 100.
        (
            {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01", "price": ("0.9", "1")},
            "PRICE_FILTER",
        ),
        (
            {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.000001", "price": ("0.9", "")},
            "LOT_SIZE",
        ),
        (
            {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.00001", "price": ("0.9", "")},
            "NOTIONAL",
        ),
        (
            {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01", "price": ("6", "")},
            "PERCENT_PRICE_BY_SIDE",
        ),
        ({"type": "MARKET", "quantity": "101"}, "MARKET_LOT_SIZE"),
    ],
)
def test_filter_failures_minus_1013(
    raw: RawBinance, near: Callable[[str], str], params: dict[str, object], filter_name: str
) -> None:
    # PERCENT_PRICE_BY_SIDE compares with the average trade price, so make sure one exists.
    traded = raw.signed(
        "POST", "/api/v3/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.0001"
    )
    assert traded.status_code == 200, traded.text
    sent = dict(params)
    if "price" in sent:
        factor, suffix = sent["price"]  # type: ignore[misc]
        sent["price"] = near(factor) + suffix
    expect(
        raw.signed("POST", "/api/v3/order", symbol="BTCUSDT", side="BUY", **sent),
        400,
        -1013,
        f"Filter failure: {filter_name}",
    )
