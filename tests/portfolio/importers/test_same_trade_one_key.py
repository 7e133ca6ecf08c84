"""The same trades from CCXT (API, ms timestamps, floats) and from a Binance CSV export (seconds,
asset-suffixed strings) and from Tradewind's own fills give the same content keys, and so are
stored once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.portfolio.importers.ccxt_import import trade_to_transaction
from tradewind.portfolio.importers.csv_import import load_csv
from tradewind.portfolio.importers.fills_import import FillRecord, fills_to_transactions
from tradewind.portfolio.ledger import Transaction

ACC = "binance:main"
HEADER = '"Date(UTC)","Pair","Side","Price","Executed","Amount","Fee"\n'

# Raw GET /api/v3/myTrades records as Binance sends them (strings, ms timestamps).
RAW_TRADES: list[dict[str, Any]] = [
    {
        "symbol": "BTCUSDT",
        "id": 28457,
        "orderId": 100234,
        "orderListId": -1,
        "price": "50000.01000000",
        "qty": "0.00123000",
        "quoteQty": "61.50001230",
        "commission": "0.00000123",
        "commissionAsset": "BTC",
        "time": 1735787045123,
        "isBuyer": True,
        "isMaker": False,
        "isBestMatch": True,
    },
    {
        "symbol": "ETHBTC",
        "id": 991,
        "orderId": 5,
        "orderListId": -1,
        "price": "0.03512000",
        "qty": "1.50000000",
        "quoteQty": "0.05268000",
        "commission": "0.00075000",
        "commissionAsset": "BNB",
        "time": 1735787105999,
        "isBuyer": False,
        "isMaker": True,
        "isBestMatch": True,
    },
]
# The same two trades as Binance's trade-history export writes them (seconds, UTC).
CSV_ROWS = (
    '"2025-01-02 03:04:05","BTCUSDT","BUY","50000.01",'
    '"0.00123000BTC","61.50001230USDT","0.00000123BTC"\n'
    '"2025-01-02 03:05:05","ETHBTC","SELL","0.03512",'
    '"1.50000000ETH","0.05268000BTC","0.00075000BNB"\n'
)


def _market(symbol: str, base: str, quote: str) -> dict[str, Any]:
    return {
        "id": symbol.replace("/", ""),
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "baseId": base,
        "quoteId": quote,
        "spot": True,
        "type": "spot",
        "option": False,
        "swap": False,
        "future": False,
        "margin": False,
        "contract": False,
        "linear": None,
        "inverse": None,
        "settle": None,
        "active": True,
        "precision": {},
        "limits": {},
    }


async def _ccxt_unified(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Binance records through CCXT's own binance parser (floats, as CCXT returns them)."""
    exchange = ccxt_async.binance()
    try:
        exchange.set_markets([_market("BTC/USDT", "BTC", "USDT"), _market("ETH/BTC", "ETH", "BTC")])
        return [
            exchange.parse_trade(r, exchange.market(exchange.safe_symbol(r["symbol"]))) for r in raw
        ]
    finally:
        await exchange.close()


def _keys(txs: list[Transaction]) -> list[str]:
    return sorted(tx.content_key() for tx in txs)


def test_ccxt_binance_trades_and_the_csv_export_share_content_keys(tmp_path: Path) -> None:
    unified = asyncio.run(_ccxt_unified(RAW_TRADES))
    assert isinstance(unified[0]["amount"], float)  # CCXT's default number type
    api = [trade_to_transaction(t, ACC, "ccxt:binance") for t in unified]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + CSV_ROWS)
    csv = load_csv(path, "binance", ACC)
    assert _keys(api) == _keys(csv)
    assert api[0].timestamp_ms != csv[0].timestamp_ms  # ms vs s: the key ignores the difference


def test_tradewind_fills_share_the_key_too() -> None:
    fill = FillRecord(
        venue="binance",
        account="main",
        base="BTC",
        quote="USDT",
        side="buy",
        price=Decimal("50000.01"),
        qty=Decimal("0.00123"),
        fee=Decimal("0.00000123"),
        fee_asset="BTC",
        trade_id="28457",
        ts_ms=1735787045123,
    )
    (from_fill,) = fills_to_transactions([fill, fill])  # a repeated fill is one fill
    unified = asyncio.run(_ccxt_unified(RAW_TRADES[:1]))
    assert (
        from_fill.content_key()
        == trade_to_transaction(unified[0], ACC, "ccxt:binance").content_key()
    )


def test_imported_twice_is_stored_once(tmp_path: Path) -> None:
    from tradewind.portfolio.migrations import upgrade
    from tradewind.portfolio.store import LedgerRepository, open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    upgrade(engine)
    repo = LedgerRepository(engine, "acme")
    api = [
        trade_to_transaction(t, ACC, "ccxt:binance") for t in asyncio.run(_ccxt_unified(RAW_TRADES))
    ]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + CSV_ROWS)
    assert repo.add_many(api).added == 2
    result = repo.add_many(load_csv(path, "binance", ACC))
    assert (result.added, result.duplicates) == (0, 2)
    assert repo.count() == 2
    engine.dispose()


_ASSETS = [("BTC", "USDT"), ("ETH", "BTC"), ("SOL", "FDUSD"), ("1INCH", "USDT")]


@st.composite
def _trades(draw: st.DrawFn) -> dict[str, Any]:
    base, quote = draw(st.sampled_from(_ASSETS))
    # Up to 12 significant digits: what venues send, and what a float carries exactly.
    amount = Decimal(draw(st.integers(1, 10**9))).scaleb(-draw(st.integers(0, 8)))
    price = Decimal(draw(st.integers(1, 10**7))).scaleb(-draw(st.integers(0, 4)))
    cost = (amount * price).quantize(Decimal(1).scaleb(-8))
    fee = Decimal(draw(st.integers(0, 10**6))).scaleb(-8)
    return {
        "base": base,
        "quote": quote,
        "side": draw(st.sampled_from(["buy", "sell"])),
        "amount": amount,
        "price": price,
        "cost": cost if cost > 0 else Decimal("0.00000001"),
        "fee": fee,
        "fee_asset": draw(st.sampled_from([base, quote, "BNB"])),
        "ms": 1_700_000_000_000 + draw(st.integers(0, 10**10)),
    }


@settings(max_examples=100, deadline=None)
@given(st.lists(_trades(), min_size=1, max_size=8))
def test_any_trades_have_equal_keys_from_api_floats_and_csv_text(
    tmp_path_factory: Any, trades: list[dict[str, Any]]
) -> None:
    from datetime import UTC, datetime

    api: list[Transaction] = []
    lines = [HEADER]
    for i, t in enumerate(trades):
        unified = {
            "id": str(i),
            "timestamp": t["ms"],
            "symbol": f"{t['base']}/{t['quote']}",
            "side": t["side"],
            "amount": float(t["amount"]),
            "price": float(t["price"]),
            "cost": float(t["cost"]),
            "fee": {"cost": float(t["fee"]), "currency": t["fee_asset"]},
        }
        api.append(trade_to_transaction(unified, ACC, "ccxt:binance"))
        when = datetime.fromtimestamp(t["ms"] // 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f'"{when}","{t["base"]}{t["quote"]}","{t["side"].upper()}","{t["price"]}",'
            f'"{t["amount"]:f}{t["base"]}","{t["cost"]:f}{t["quote"]}","{t["fee"]:f}{t["fee_asset"]}"\n'
        )
    path = tmp_path_factory.mktemp("csv") / "trades.csv"
    path.write_text("".join(lines))
    from tradewind.portfolio.importers.coalesce import coalesce_same_key

    assert _keys(coalesce_same_key(api)) == _keys(load_csv(path, "binance", ACC))
