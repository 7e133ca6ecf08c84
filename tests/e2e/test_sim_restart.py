"""The simulator keeps accounts, keys, orders, trades and balances across a SIGKILL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.venues.sim.process import SimProcess

from .conftest import SimAdmin
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e


def snapshot(raw: RawBinance, symbol: str) -> dict[str, object]:
    account = raw.signed("GET", "/api/v3/account").json()
    return {
        "balances": {b["asset"]: (b["free"], b["locked"]) for b in account["balances"]},
        "open": raw.signed("GET", "/api/v3/openOrders", symbol=symbol).json(),
        "all": raw.signed("GET", "/api/v3/allOrders", symbol=symbol).json(),
        "trades": raw.signed("GET", "/api/v3/myTrades", symbol=symbol).json(),
    }


def test_state_survives_sigkill(tmp_path: Path) -> None:
    database = tmp_path / "sim.sqlite"
    first = SimProcess(database=database, admin=True, market=True)
    endpoints = first.start()
    try:
        admin = SimAdmin(endpoints)
        acct = admin.create_account({"USDT": "50000", "SOL": "100"})
        raw = RawBinance(endpoints.rest_url, acct.api_key, acct.api_secret)
        avg = Decimal(raw.public("GET", "/api/v3/avgPrice", symbol="SOLUSDT").json()["price"])
        resting_price = (avg * Decimal("0.9")).quantize(Decimal("0.01"))
        placed = raw.signed(
            "POST",
            "/api/v3/order",
            symbol="SOLUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="1.000",
            price=str(resting_price),
            newClientOrderId="survivor",
        )
        assert placed.status_code == 200, placed.text
        sold = raw.signed(
            "POST", "/api/v3/order", symbol="SOLUSDT", side="SELL", type="MARKET", quantity="2.000"
        )
        assert sold.json()["status"] == "FILLED", sold.text
        gone = raw.signed(
            "POST",
            "/api/v3/order",
            symbol="SOLUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="1.000",
            price=str(resting_price),
            newClientOrderId="gone",
        )
        assert gone.status_code == 200, gone.text
        cancel = raw.signed("DELETE", "/api/v3/order", symbol="SOLUSDT", origClientOrderId="gone")
        assert cancel.json()["status"] == "CANCELED", cancel.text
        before = snapshot(raw, "SOLUSDT")
        # A cancelled order keeps its own client id (not the cancel's) in the history.
        assert "gone" in {o["clientOrderId"] for o in before["all"]}  # type: ignore[attr-defined]
    finally:
        first.kill()

    second = SimProcess(database=database, admin=True, market=False)
    endpoints = second.start()
    try:
        raw = RawBinance(endpoints.rest_url, acct.api_key, acct.api_secret)
        after = snapshot(raw, "SOLUSDT")
        assert after == before
        # The restored order rests in the book again (background participants are not
        # persisted and the market is off, so it is alone), and can be cancelled.
        book = raw.public("GET", "/api/v3/depth", symbol="SOLUSDT", limit=100).json()
        assert [(Decimal(p), Decimal(q)) for p, q in book["bids"]] == [(resting_price, Decimal(1))]
        cancelled = raw.signed(
            "DELETE", "/api/v3/order", symbol="SOLUSDT", origClientOrderId="survivor"
        )
        assert cancelled.json()["status"] == "CANCELED", cancelled.text
        book = raw.public("GET", "/api/v3/depth", symbol="SOLUSDT", limit=100).json()
        assert book["bids"] == []
        usdt = next(
            b
            for b in raw.signed("GET", "/api/v3/account").json()["balances"]
            if b["asset"] == "USDT"
        )
        assert Decimal(usdt["locked"]) == 0
    finally:
        second.stop()
