"""The same trades imported from ``tradewind sim`` through CCXT and from a Binance CSV export of
them are counted once in the portfolio ledger."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import ccxt.async_support as ccxt_async
import pytest

from tradewind.portfolio.importers.ccxt_import import CcxtImporter
from tradewind.portfolio.importers.csv_import import read_csv
from tradewind.portfolio.migrations import upgrade
from tradewind.portfolio.store import CursorRepository, LedgerRepository, open_engine
from tradewind.venues.sim.clients import ccxt_binance_config, point_ccxt_at
from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAdmin
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e
ACCOUNT = "sim:portfolio"


def export_binance_csv(trades: list[dict[str, object]], path: Path) -> None:
    """Write trades the way Binance's Spot trade-history export lays them out."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date(UTC)", "Pair", "Side", "Price", "Executed", "Amount", "Fee"])
        for t in trades:
            when = datetime.fromtimestamp(int(t["time"]) / 1000, tz=UTC)  # type: ignore[call-overload]
            writer.writerow(
                [
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                    t["symbol"],
                    "BUY" if t["isBuyer"] else "SELL",
                    t["price"],
                    f"{t['qty']}ETH",
                    f"{t['quoteQty']}USDT",
                    f"{t['commission']}{t['commissionAsset']}",
                ]
            )


async def test_api_and_csv_imports_of_the_same_trades_count_once(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "20000", "ETH": "5"})
    raw = RawBinance(sim.rest_url, account.api_key, account.api_secret)
    for side, qty in (("BUY", "0.3000"), ("SELL", "0.1000"), ("BUY", "0.2000")):
        placed = raw.signed(
            "POST", "/api/v3/order", symbol="ETHUSDT", side=side, type="MARKET", quantity=qty
        )
        assert placed.json()["status"] == "FILLED", placed.text
    trades = raw.signed("GET", "/api/v3/myTrades", symbol="ETHUSDT").json()
    assert len(trades) >= 3

    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    upgrade(engine)
    ledger = LedgerRepository(engine, "desk-a")

    exchange = point_ccxt_at(
        ccxt_async.binance(
            ccxt_binance_config(sim.rest_url, sim.ws_url, account.api_key, account.api_secret)
        ),
        sim.rest_url,
        sim.ws_url,
    )
    try:
        importer = CcxtImporter(exchange, ACCOUNT, CursorRepository(ledger))
        from_api = await importer.fetch_trades(["ETH/USDT"])
    finally:
        await exchange.close()
    first = ledger.add_many(from_api)
    assert first.added >= 1
    stored_after_api = ledger.count()

    export = tmp_path / "binance-trades.csv"
    export_binance_csv(trades, export)
    from_csv = list(read_csv(export, "binance", ACCOUNT))
    assert len(from_csv) == len(from_api)
    second = ledger.add_many(from_csv)
    assert second.added == 0
    assert second.duplicates == len(from_csv)
    assert ledger.count() == stored_after_api

    # The ledger's ETH position moved exactly by the trades' net quantity less fees in ETH.
    net_eth = sum(
        (Decimal(t["qty"]) if t["isBuyer"] else -Decimal(t["qty"]))
        - (Decimal(t["commission"]) if t["commissionAsset"] == "ETH" else Decimal(0))
        for t in trades
    )
    assert ledger.balances()[(ACCOUNT, "ETH")] == net_eth
    engine.dispose()
