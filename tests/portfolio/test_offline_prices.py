"""Offline prices: the history file formats, and lookups from the store with EUR conversion."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tradewind.portfolio.importers.errors import CsvImportError, ImportInputError
from tradewind.portfolio.prices import NoPrice, Priced, StalePrice
from tradewind.portfolio.prices.history_files import FrameError, read_history
from tradewind.portfolio.prices.offline import ECB_VENUE, IMPORT_VENUE, HistorySource
from tradewind.portfolio.store import LedgerRepository, PriceCacheRepository

DAY = 86_400_000
JAN1 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_format_gives_closes_and_the_candle_length(tmp_path: Path) -> None:
    kraken = _file(
        tmp_path, "XBTUSD_60.csv", "1704067200,1,2,0.5,42000,1,1\n1704070800,1,2,0.5,42100,1,1\n"
    )
    [candles] = read_history(kraken, "kraken", "BTC", "USD")
    assert (candles.symbol, candles.timeframe) == ("BTC/USD", "1h")
    assert candles.closes == ((JAN1, Decimal(42000)), (JAN1 + 3_600_000, Decimal(42100)))
    # Binance klines: microseconds from 2025 on, close time = open + length - 1.
    us = "1735689600000000,1,2,0.5,95000,1,1735775999999999,0,0,0,0,0\n"
    [candles] = read_history(_file(tmp_path, "k.csv", us), "binance", "btc", "usdt")
    assert (candles.symbol, candles.timeframe, candles.closes[0]) == (
        "BTC/USDT",
        "1d",
        (1_735_689_600_000, Decimal(95000)),
    )
    sim = json.dumps([[JAN1, "1", "2", "0.5", "2300.5", "1", JAN1 + 59_999, "0"]])
    [candles] = read_history(_file(tmp_path, "k.json", sim), "sim", "ETH", "USDT")
    assert (candles.timeframe, candles.closes) == ("1m", ((JAN1, Decimal("2300.5")),))
    gecko = "snapped_at,price,market_cap,total_volume\n2024-01-02 00:00:00 UTC,42000.5,1,1\n"
    [candles] = read_history(_file(tmp_path, "g.csv", gecko), "coingecko", "BTC", "USD")
    assert candles.closes == ((JAN1, Decimal("42000.5")),)  # the close of 1 January
    ecb = "Date,USD,JPY,\n2024-01-02,1.0956,155.52,\n2024-01-01,N/A,N/A,\n"
    rates = {c.quote: c for c in read_history(_file(tmp_path, "e.csv", ecb), "ecb", "", "")}
    assert rates["USD"].closes == ((JAN1 + DAY, Decimal("1.0956")),)


def test_bad_files_name_every_bad_row_or_the_problem(tmp_path: Path) -> None:
    bad = _file(tmp_path, "b.csv", "1704067200,1,2,0.5,x,1,1\n1704070800,1,2,0.5,-1,1,1\n1,2\n")
    with pytest.raises(CsvImportError) as caught:
        read_history(bad, "kraken", "BTC", "USD")
    assert [p.line for p in caught.value.problems] == [1, 2, 3]
    with pytest.raises(ImportInputError, match="file not found"):
        read_history(tmp_path / "absent.csv", "kraken", "BTC", "USD")
    odd = _file(tmp_path, "o.csv", "1704067200,1,2,0.5,1,1,1\n1704067300,1,2,0.5,1,1,1\n")
    with pytest.raises(FrameError, match="100000 ms"):
        read_history(odd, "kraken", "BTC", "USD")
    with pytest.raises(ImportInputError, match="--asset is required"):
        read_history(odd, "kraken", "", "USD")


def test_history_source_prices_from_the_store_and_converts_to_eur(sqlite_store: Engine) -> None:
    cache = PriceCacheRepository(LedgerRepository(sqlite_store, "t"))
    cache.store(IMPORT_VENUE, "BTC/USD", "1d", [(JAN1, Decimal(40000))], 0)
    cache.store(ECB_VENUE, "EUR/USD", "1d", [(JAN1, Decimal("1.25"))], 0)
    usd = HistorySource(cache, "USD", par_assets={"USDT"})
    eur = HistorySource(cache, "EUR")

    def ask(source: HistorySource, asset: str, ms: int) -> object:
        return asyncio.run(source.historical(asset, ms))

    assert ask(usd, "BTC", JAN1 + 3_600_000) == Priced(Decimal(40000))
    assert ask(usd, "USDT", JAN1) == Priced(Decimal(1))
    # 40,000 USD at 1.25 USD per EUR is 32,000 EUR.
    assert ask(eur, "BTC", JAN1 + 3_600_000) == Priced(Decimal(32000))
    # The next day has no candle: the last one is stale, two days later there is none.
    stale = ask(usd, "BTC", JAN1 + DAY + 3_600_000)
    assert isinstance(stale, StalePrice) and stale.age_ms == 3_600_000
    assert isinstance(ask(usd, "BTC", JAN1 + 5 * DAY), NoPrice)
    assert isinstance(ask(usd, "ETH", JAN1), NoPrice)


def test_a_net_worth_in_usd_is_converted_for_a_eur_report(sqlite_store: Engine) -> None:
    from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
    from tradewind.portfolio.report_builder import _worth_in

    repo = LedgerRepository(sqlite_store, "t")
    PriceCacheRepository(repo).store(ECB_VENUE, "EUR/USD", "1d", [(JAN1, Decimal("1.25"))], 0)
    reward = Transaction(
        EntryKind.INCOME,
        JAN1 + 3_600_000,
        (Movement("w", "ETH", Decimal(1)),),
        worth=Decimal(2500),
        worth_currency="USD",
    )
    late = Transaction(
        EntryKind.INCOME,
        JAN1 + 30 * DAY,  # no fixing within 4 days: the worth is dropped, a price must value it
        (Movement("w", "ETH", Decimal(1)),),
        worth=Decimal(2500),
        worth_currency="USD",
    )
    converted, dropped = _worth_in(repo, [reward, late], "EUR")
    assert (converted.worth, converted.worth_currency) == (Decimal(2000), "EUR")
    assert (dropped.worth, dropped.worth_currency) == (None, "")
