"""Malformed requests to ``tradewind sim`` get Binance's ``{code, msg}`` and are charged their
request weight: invalid UTF-8, an oversize query or body, loose number syntax."""

from __future__ import annotations

import hashlib
import hmac
import time
from decimal import Decimal

import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAccount
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e

WEIGHT = "X-MBX-USED-WEIGHT-1M"


def _binance_error(response: requests.Response, status: int, code: int) -> int:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "msg"} and body["code"] == code, body
    return int(response.headers[WEIGHT])


def _used(sim: SimEndpoints) -> int:
    return int(requests.get(f"{sim.rest_url}/api/v3/time", timeout=10).headers[WEIGHT])


def test_invalid_utf8_in_a_body_or_query_is_minus_1100_and_charged(
    sim: SimEndpoints, account: SimAccount
) -> None:
    before = _used(sim)
    headers = {
        "X-MBX-APIKEY": account.api_key,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = requests.post(
        f"{sim.rest_url}/api/v3/order", data=b"symbol=\xff\xfe&x=1", headers=headers, timeout=10
    )
    after_body = _binance_error(body, 400, -1100)
    query = requests.get(f"{sim.rest_url}/api/v3/depth?symbol=%FF%FE", timeout=10)
    after_query = _binance_error(query, 400, -1100)
    assert before < after_body < after_query  # both were charged weight


def test_an_oversize_query_or_body_is_minus_1101_and_charged(sim: SimEndpoints) -> None:
    before = _used(sim)
    long_query = requests.get(
        f"{sim.rest_url}/api/v3/depth", params={"symbol": "BTCUSDT", "x": "a" * 10_000}, timeout=10
    )
    after_query = _binance_error(long_query, 400, -1101)
    big_body = requests.post(
        f"{sim.rest_url}/api/v3/order",
        data=b"x=" + b"a" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    after_body = _binance_error(big_body, 400, -1101)
    assert before < after_query < after_body


@pytest.mark.parametrize(
    "price", ["91898.93\n", " 91898.93", "9.1e4", "+91898.93", "91898.93\r", "0x10"]
)
def test_loose_number_syntax_is_refused_and_places_nothing(
    sim: SimEndpoints, account: SimAccount, price: str
) -> None:
    raw = RawBinance(sim.rest_url, account.api_key, account.api_secret)
    avg = Decimal(raw.public("GET", "/api/v3/avgPrice", symbol="BTCUSDT").json()["price"])
    assert avg > 0
    placed = raw.signed(
        "POST", "/api/v3/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
        timeInForce="GTC", quantity="0.001", price=price,
    )  # fmt: skip
    _binance_error(placed, 400, -1100)
    assert raw.signed("GET", "/api/v3/openOrders", symbol="BTCUSDT").json() == []


def test_a_trailing_newline_in_a_signed_query_places_no_order(
    sim: SimEndpoints, account: SimAccount
) -> None:
    # exactly the reported request: price=91898.93%0A, signed over what was sent
    query = (
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001"
        f"&price=91898.93%0A&timestamp={int(time.time() * 1000)}"
    )
    signature = hmac.new(account.api_secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    answer = requests.post(
        f"{sim.rest_url}/api/v3/order?{query}&signature={signature}",
        headers={"X-MBX-APIKEY": account.api_key},
        timeout=10,
    )
    _binance_error(answer, 400, -1100)
