"""Admin API (accounts, deposits, shocks, faults) and the capital endpoints, over HTTP/WS."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import aiohttp
import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints, SimProcess

from .conftest import SimAccount, SimAdmin
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e


def test_deposit_address_is_stable_and_deposits_credit_once(
    sim: SimEndpoints, admin: SimAdmin, account: SimAccount
) -> None:
    raw = RawBinance(sim.rest_url, account.api_key, account.api_secret)
    first = raw.signed("GET", "/sapi/v1/capital/deposit/address", coin="USDC", network="BASE")
    again = raw.signed("GET", "/sapi/v1/capital/deposit/address", coin="USDC", network="BASE")
    assert first.status_code == 200, first.text
    address = first.json()["address"]
    assert address == again.json()["address"]
    assert address.startswith("0x") and len(address) == 42
    unknown = raw.signed("GET", "/sapi/v1/capital/deposit/address", coin="USDC", network="TRX")
    assert unknown.status_code == 400

    body = {
        "account_id": account.account_id,
        "coin": "USDC",
        "network": "BASE",
        "amount": "250.5",
        "tx_id": "0xabc123",
    }
    assert admin.post("/deposits", body)["credited"] is True
    assert admin.post("/deposits", body)["credited"] is False  # the same transaction again
    balances = {b["asset"]: b for b in raw.signed("GET", "/api/v3/account").json()["balances"]}
    assert Decimal(balances["USDC"]["free"]) == Decimal("250.5")
    history = raw.signed("GET", "/sapi/v1/capital/deposit/hisrec", coin="USDC").json()
    assert [(h["txId"], h["amount"], h["status"], h["network"]) for h in history] == [
        ("0xabc123", "250.50000000", 1, "BASE")
    ]


def test_bad_admin_input_is_refused_without_change(sim: SimEndpoints, account: SimAccount) -> None:
    url = f"{sim.rest_url}/admin/v1/credit"
    response = requests.post(
        url, json={"account_id": account.account_id, "asset": "BTC", "amount": "-1"}, timeout=10
    )
    assert response.status_code == 400
    assert "positive" in response.json()["error"]
    response = requests.post(url, data=b"{not json", timeout=10)
    assert response.status_code == 400
    response = requests.post(
        url, json={"account_id": "nobody", "asset": "BTC", "amount": "1"}, timeout=10
    )
    assert response.status_code == 404


def test_injected_failures_and_delays(sim: SimEndpoints, admin: SimAdmin) -> None:
    admin.post("/faults", {"fail_next": 2, "fail_status": 503})
    statuses = [requests.get(f"{sim.rest_url}/api/v3/ping", timeout=10) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].json()["code"] == -1001
    admin.post("/faults", {"delay_ms": 300})
    delayed = requests.get(f"{sim.rest_url}/api/v3/time", timeout=10)
    assert delayed.elapsed.total_seconds() >= 0.3
    requests.delete(f"{sim.rest_url}/admin/v1/faults", timeout=10).raise_for_status()
    assert requests.get(f"{sim.rest_url}/api/v3/time", timeout=10).elapsed.total_seconds() < 0.3


async def test_dropped_websockets_and_depth_gaps(sim: SimEndpoints, admin: SimAdmin) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{sim.ws_url}/ws/btcusdt@depth@100ms")
        first = await asyncio.wait_for(ws.receive_json(), 10)
        await asyncio.to_thread(admin.post, "/faults", {"depth_gap": ["BTCUSDT"]})
        previous_u = first["u"]
        gap_seen = False
        for _ in range(40):
            event = await asyncio.wait_for(ws.receive_json(), 10)
            if event["U"] != previous_u + 1:
                gap_seen = True
                break
            previous_u = event["u"]
        assert gap_seen, "the injected gap never showed up as a jump in U"
        dropped = await asyncio.to_thread(admin.post, "/faults", {"drop_websockets": True})
        assert dropped["dropped_websockets"] >= 1
        message = await asyncio.wait_for(ws.receive(), 10)
        assert message.type in (
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.ERROR,
        )


def test_shock_moves_the_market(sim: SimEndpoints, admin: SimAdmin) -> None:
    def mid() -> Decimal:
        book = requests.get(
            f"{sim.rest_url}/api/v3/ticker/bookTicker", params={"symbol": "DOGEUSDT"}, timeout=10
        ).json()
        return (Decimal(book["bidPrice"]) + Decimal(book["askPrice"])) / 2

    before = mid()
    admin.post("/shock", {"symbol": "DOGEUSDT", "pct": "20"})
    for _ in range(40):
        if mid() > before * Decimal("1.1"):
            break
        time.sleep(0.1)
    assert mid() > before * Decimal("1.1")


def test_admin_api_is_off_unless_enabled() -> None:
    with SimProcess(admin=False, market=False) as endpoints:
        response = requests.post(f"{endpoints.rest_url}/admin/v1/accounts", json={}, timeout=10)
        assert response.status_code == 404
