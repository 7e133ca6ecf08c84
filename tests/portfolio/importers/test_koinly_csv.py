"""Koinly universal CSV: kinds from sent/received and labels, fees on top, named errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.portfolio.importers.csv_import import read_csv
from tradewind.portfolio.importers.errors import CsvImportError
from tradewind.portfolio.ledger import EntryKind, Movement

ACC = "ledger:cold"
HEADER = (
    "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
    "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
)


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "koinly.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_rows_become_the_right_kinds_and_movements(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "2025-01-02 03:04 UTC,100,USDT,0.002,BTC,1,USDT,100,USD,,bought,",
        "2025-01-03 00:00 UTC,,,0.5,ETH,,,,,,,0xabc",
        "2025-01-04 00:00 UTC,,,0.01,ETH,,,30,USD,Reward,staking reward,",
        "2025-01-05 00:00 UTC,,,5,UNI,,,,,airdrop,,",
        "2025-01-06 00:00 UTC,0.1,ETH,,,0.001,ETH,,,,to cold,0xdef",
        "2025-01-07 00:00 UTC,10,USDC,,,,,,,gift,,",
        "2025-01-08 00:00 UTC,2,USDC,,,,,,,cost,,",
    )
    trade, deposit, income, airdrop, withdrawal, gift, cost = list(read_csv(path, "koinly", ACC))
    # Sent 100 USDT, received 0.002 BTC, plus 1 USDT fee on top.
    assert trade.kind is EntryKind.TRADE
    assert trade.timestamp_ms == 1_735_787_040_000  # 2025-01-02 03:04:00 UTC
    assert trade.movements == (
        Movement(ACC, "BTC", Decimal("0.002")),
        Movement(ACC, "USDT", Decimal("-100")),
    )
    assert trade.fees == (Movement(ACC, "USDT", Decimal("-1")),)
    assert trade.note == "bought"
    assert (trade.worth, trade.worth_currency) == (Decimal("100"), "USD")
    assert (deposit.kind, deposit.tx_hash) == (EntryKind.DEPOSIT, "0xabc")
    assert deposit.movements == (Movement(ACC, "ETH", Decimal("0.5")),)
    assert income.kind is EntryKind.INCOME
    assert airdrop.kind is EntryKind.AIRDROP
    assert withdrawal.kind is EntryKind.WITHDRAWAL
    assert withdrawal.movements == (Movement(ACC, "ETH", Decimal("-0.1")),)
    assert withdrawal.fees == (Movement(ACC, "ETH", Decimal("-0.001")),)
    assert gift.kind is EntryKind.SPEND
    assert cost.kind is EntryKind.FEE
    assert cost.movements == (Movement(ACC, "USDC", Decimal("-2")),)
    assert {tx.source for tx in (trade, deposit, cost)} == {"csv:koinly"}


def test_koinly_date_and_tag_aliases(tmp_path: Path) -> None:
    path = tmp_path / "simple.csv"
    path.write_text(
        "Koinly Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Tag\n"
        "2025-01-04 00:00,,,1,DOT,mining\n"
    )
    (tx,) = list(read_csv(path, "koinly", ACC))
    assert tx.kind is EntryKind.INCOME


def test_bad_rows_are_each_named_and_nothing_is_imported(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "2025-01-02 03:04 UTC,100,USDT,0.002,BTC,,,,,,,",  # line 2 fine
        "2025-01-03 00:00 UTC,,,0.5,,,,,,,,",  # 3: amount without currency
        "2025-01-04 00:00 UTC,,,,,,,,,,,",  # 4: neither side
        "2025-01-05 00:00 UTC,,,1,ETH,,,,,realized gain,,",  # 5: unsupported label
        "yesterday,,,1,ETH,,,,,,,",  # 6: date
        "2025-01-07 00:00 UTC,-3,ETH,,,,,,,,,",  # 7: signed amount
        "2025-01-08 00:00 UTC,1,ETH,2,ETH,,,,,,,",  # 8: trade of ETH against ETH
        "2025-01-09 00:00 UTC,1,ETH,0.1,BTC,x,ETH,,,,,",  # 9: fee not a number
        "2025-01-10 00:00 UTC,1,ETH,0.1,BTC,,,,,liquidity in,,",  # 10: label on a trade
        "2025-01-11 00:00 UTC,1,ETH",  # 11: a short row hides none of the others
    )
    with pytest.raises(CsvImportError) as caught:
        list(read_csv(path, "koinly", ACC))
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (3, "Received Currency"),
        (4, None),
        (5, "Label"),
        (6, "Date"),
        (7, "Sent Amount"),
        (8, "Received Currency"),
        (9, "Fee Amount"),
        (10, "Label"),
        (11, None),
    ]
    assert "realized gain" in str(caught.value)


def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("Date,Sent Amount,Sent Currency,Received Amount\n")
    with pytest.raises(CsvImportError) as caught:
        read_csv(path, "koinly", ACC)
    assert [(p.line, p.column) for p in caught.value.problems] == [(1, "received currency")]
