"""Binance Spot trade-history CSV: both header variants, hand-checked movements, named errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.portfolio.importers.csv_import import read_csv
from tradewind.portfolio.importers.errors import CsvImportError, ImportInputError
from tradewind.portfolio.ledger import EntryKind, Movement

ACC = "binance:main"
HEADER = '"Date(UTC)","Pair","Side","Price","Executed","Amount","Fee"\n'


def _write(tmp_path: Path, text: str, name: str = "trades.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_current_variant_with_asset_suffixes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER
        + '"2025-01-02 03:04:05","BTCUSDT","BUY","50000",'
        + '"0.00100000BTC","50.00000000USDT","0.00007500BNB"\n'
        + '"2025-01-02 03:05:00","ETHBTC","SELL","0.05","2ETH","0.1BTC","0.0001BTC"\n'
        + '"2025-01-02 03:06:00","1INCHUSDT","BUY","0.5","10.51INCH","5.25USDT","0.0105 1INCH"\n',
    )
    buy, sell, inch = list(read_csv(path, "binance", ACC))
    # Buy 0.001 BTC for 50 USDT, fee 0.000075 BNB.
    assert buy.kind is EntryKind.TRADE
    assert buy.timestamp_ms == 1_735_787_045_000
    assert buy.movements == (
        Movement(ACC, "BTC", Decimal("0.001")),
        Movement(ACC, "USDT", Decimal("-50")),
    )
    assert buy.fees == (Movement(ACC, "BNB", Decimal("-0.000075")),)
    assert buy.source == "csv:binance"
    # Sell 2 ETH for 0.1 BTC, fee 0.0001 BTC (the quote).
    assert sell.movements == (
        Movement(ACC, "ETH", Decimal("-2")),
        Movement(ACC, "BTC", Decimal("0.1")),
    )
    assert sell.fees == (Movement(ACC, "BTC", Decimal("-0.0001")),)
    # 1INCH: the suffix decides the split, not the digits ("10.51INCH" is 10.5 1INCH).
    assert inch.movements == (
        Movement(ACC, "1INCH", Decimal("10.5")),
        Movement(ACC, "USDT", Decimal("-5.25")),
    )
    assert inch.fees == (Movement(ACC, "1INCH", Decimal("-0.0105")),)


def test_plain_numbers_with_fee_coin_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Date(UTC),Pair,Side,Price,Executed,Amount,Fee,Fee Coin\n"
        "2024-01-15 10:30:00,BTCUSDT,BUY,42000.00,0.5,21000.00,0.001,BTC\n"
        "2024-01-16 14:00:00,ETHFDUSD,SELL,2500.00,2.0,5000.00,0,\n",
    )
    buy, sell = list(read_csv(path, "binance", ACC))
    assert buy.movements == (
        Movement(ACC, "BTC", Decimal("0.5")),
        Movement(ACC, "USDT", Decimal("-21000")),
    )
    assert buy.fees == (Movement(ACC, "BTC", Decimal("-0.001")),)
    # ETHFDUSD splits at the longest known quote, FDUSD; a zero fee is no fee movement.
    assert sell.movements == (
        Movement(ACC, "ETH", Decimal("-2")),
        Movement(ACC, "FDUSD", Decimal("5000")),
    )
    assert sell.fees == ()


def test_legacy_variant(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Date(UTC),Market,Type,Price,Amount,Total,Fee,Fee Coin\n"
        "2021-03-04 12:34:56,BNBBTC,SELL,0.005,10,0.05,0.0075,BNB\n",
    )
    (tx,) = list(read_csv(path, "binance", ACC))
    assert tx.movements == (
        Movement(ACC, "BNB", Decimal("-10")),
        Movement(ACC, "BTC", Decimal("0.05")),
    )
    assert tx.fees == (Movement(ACC, "BNB", Decimal("-0.0075")),)


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER
        # line 2 fine; 3 side; 4 date; 5 asset; 6 pair; 7 fee asset; 8 short row
        + '"2025-01-02 03:04:05","BTCUSDT","BUY","50000","0.001BTC","50USDT","0.1BNB"\n'
        + '"2025-01-02 03:04:06","BTCUSDT","HOLD","50000","0.001BTC","50USDT","0.1BNB"\n'
        + '"2025-02-30 00:00:00","BTCUSDT","BUY","50000","0.001BTC","50USDT","0.1BNB"\n'
        + '"2025-01-02 03:04:07","BTCUSDT","BUY","50000","0.001ETH","50USDT","0.1BNB"\n'
        + '"2025-01-02 03:04:08","XYZABC","BUY","1","1","1","0"\n'
        + '"2025-01-02 03:04:09","BTCUSDT","BUY","50000","0.001BTC","50USDT","0.1"\n'
        + '"2025-01-02 03:04:10","BTCUSDT","BUY","50000","0.001BTC"\n',
    )
    with pytest.raises(CsvImportError) as caught:
        list(read_csv(path, "binance", ACC))
    # A short row hides none of the others: every bad row in one pass.
    found = [(p.line, p.column) for p in caught.value.problems]
    assert found == [
        (3, "Side"),
        (4, "Date(UTC)"),
        (5, "Executed"),
        (6, "Pair"),
        (7, "Fee"),
        (8, None),
    ]
    message = str(caught.value)
    assert (
        str(path) in message
        and "line 3, column 'Side'" in message
        and "nothing imported" in message
    )


def test_missing_column_is_named_on_the_header_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '"Date(UTC)","Pair","Side","Price","Executed","Fee"\n')
    with pytest.raises(CsvImportError) as caught:
        read_csv(path, "binance", ACC)
    assert [(p.line, p.column) for p in caught.value.problems] == [(1, "amount")]


def test_fee_coin_contradicting_fee_suffix_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Date(UTC),Pair,Side,Price,Executed,Amount,Fee,Fee Coin\n"
        "2024-01-15 10:30:00,BTCUSDT,BUY,42000,0.5BTC,21000USDT,0.001BTC,BNB\n",
    )
    with pytest.raises(CsvImportError, match="differs from Fee Coin"):
        read_csv(path, "binance", ACC)


def test_twin_fills_in_the_same_second_are_merged_not_lost(tmp_path: Path) -> None:
    row = '"2025-01-02 03:04:05","BTCUSDT","BUY","50000","0.001BTC","50USDT","0.00005BNB"\n'
    (tx,) = list(read_csv(_write(tmp_path, HEADER + row + row), "binance", ACC))
    # Two fills of 0.001 BTC for 50 USDT each: one transaction of 0.002 BTC for 100 USDT.
    assert tx.movements == (
        Movement(ACC, "BTC", Decimal("0.002")),
        Movement(ACC, "USDT", Decimal("-100")),
    )
    assert tx.fees == (Movement(ACC, "BNB", Decimal("-0.0001")),)


def test_unknown_format_empty_file_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportInputError, match="unknown CSV format"):
        read_csv(_write(tmp_path, HEADER), "bitstamp", ACC)
    with pytest.raises(CsvImportError, match="empty"):
        read_csv(_write(tmp_path, "\n\n", "empty.csv"), "binance", ACC)
    with pytest.raises(ImportInputError, match=r"file not found: .*absent\.csv"):
        read_csv(tmp_path / "absent.csv", "binance", ACC)
    assert list(read_csv(_write(tmp_path, HEADER, "only_header.csv"), "binance", ACC)) == []


def test_bom_and_trailing_empty_cells_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        (
            "\ufeff"
            + HEADER
            + '"2025-01-02 03:04:05","BTCUSDT","BUY","50000","0.001BTC","50USDT","0",,\n'
        ).encode()
    )
    (tx,) = list(read_csv(path, "binance", ACC))
    assert tx.fees == ()
