"""Binance transaction history (operations), Coinbase and Kraken exports, on small real-shaped
files: each row kind to the right transaction, and every bad row named in one pass."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.portfolio.importers import CsvImportError, read_csv
from tradewind.portfolio.importers.kraken_csv import kraken_asset
from tradewind.portfolio.ledger import EntryKind, Movement

ACC = "x:main"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


BINANCE_HISTORY = """User_ID,UTC_Time,Account,Operation,Coin,Change,Remark
1,2023-01-05 10:00:00,Spot,Deposit,USDT,1000,
1,2023-01-06 11:00:00,Spot,Buy,BTC,0.05,
1,2023-01-06 11:00:00,Spot,Buy,USDT,-850,
1,2023-01-06 11:00:00,Spot,Fee,BNB,-0.001,
1,2023-02-01 00:00:00,Spot,Simple Earn Flexible Subscription,USDT,-100,
1,2023-02-01 00:00:00,Earn,Simple Earn Flexible Subscription,USDT,100,
1,2023-02-02 00:00:00,Earn,Simple Earn Flexible Interest,USDT,0.05,
1,2023-03-01 00:00:00,Spot,Staking Rewards,ETH,0.001,
1,2023-04-01 00:00:00,Spot,Distribution,BNB,0.01,
1,2023-05-01 00:00:00,Spot,Withdraw,BTC,-0.01,
"""


def test_binance_operations_become_income_trades_and_transfers(tmp_path: Path) -> None:
    txs = list(read_csv(_file(tmp_path, BINANCE_HISTORY), "binance-history", ACC))
    assert [tx.kind for tx in txs] == [
        EntryKind.DEPOSIT,
        EntryKind.TRADE,
        EntryKind.INCOME,
        EntryKind.INCOME,
        EntryKind.AIRDROP,
        EntryKind.WITHDRAWAL,
    ]
    trade = txs[1]
    assert set(trade.movements) == {
        Movement(ACC, "BTC", Decimal("0.05")),
        Movement(ACC, "USDT", Decimal("-850")),
    }
    assert trade.fees == (Movement(ACC, "BNB", Decimal("-0.001")),)
    assert [tx.note for tx in txs[2:5]] == [
        "label lending interest",
        "label staking",
        "label airdrop",
    ]


def test_binance_history_names_every_bad_row(tmp_path: Path) -> None:
    text = BINANCE_HISTORY + (
        "1,2023-06-01 00:00:00,Futures,Funding Fee,USDT,-1,\n"  # line 12: not supported
        "1,2023-06-02 00:00:00,Spot,Staking Rewards,ETH,-0.1,\n"  # 13: negative income
        "1,2023-06-03 00:00:00,Spot,Buy,BTC,0.1,\n"  # 14: a trade with nothing out
        "1,2023-06-04,Spot\n"  # 15: short row
    )
    with pytest.raises(CsvImportError) as caught:
        read_csv(_file(tmp_path, text), "binance-history", ACC)
    assert [p.line for p in caught.value.problems] == [12, 13, 14, 15]


COINBASE = """You can use this transaction report to inform your likely tax obligations.

Transactions
User,someone,abc
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
a1,2024-01-02 10:00:00 UTC,Buy,BTC,0.01,USD,$40000.00,$400.00,$405.99,$5.99,Bought 0.01 BTC
a2,2024-02-02 10:00:00 UTC,Staking Income,ETH,0.001,USD,"$2,300.00",$2.30,$2.30,$0.00,
a3,2024-03-02 10:00:00 UTC,Convert,ETH,-0.5,USD,"$3,000.00","$1,500.00","$1,500.00",$0.00,Converted 0.5 ETH to 0.02 BTC
a4,2024-04-02 10:00:00 UTC,Sell,BTC,-0.005,USD,"$60,000.00",$300.00,$297.00,$3.00,
a5,2024-05-02 10:00:00 UTC,Send,BTC,-0.001,USD,"$60,000.00",,,,To 0xabc
"""  # noqa: E501


def test_coinbase_rows(tmp_path: Path) -> None:
    buy, income, convert, sell, send = read_csv(_file(tmp_path, COINBASE), "coinbase", ACC)
    assert buy.kind is EntryKind.TRADE
    assert buy.movements == (
        Movement(ACC, "BTC", Decimal("0.01")),
        Movement(ACC, "USD", Decimal("-400.00")),
    )
    assert buy.fees == (Movement(ACC, "USD", Decimal("-5.99")),)
    assert (income.kind, income.worth, income.worth_currency) == (
        EntryKind.INCOME,
        Decimal("2.30"),
        "USD",
    )
    assert convert.movements == (
        Movement(ACC, "BTC", Decimal("0.02")),
        Movement(ACC, "ETH", Decimal("-0.5")),
    )
    assert convert.worth == Decimal("1500.00")
    assert sell.movements[0] == Movement(ACC, "BTC", Decimal("-0.005"))
    assert send.kind is EntryKind.WITHDRAWAL


def test_coinbase_unknown_type_is_named(tmp_path: Path) -> None:
    text = COINBASE + "a6,2024-06-02 10:00:00 UTC,Wrap,ETH,1,USD,$1,$1,$1,$0,\n"
    with pytest.raises(CsvImportError, match="type 'wrap' is not supported") as caught:
        read_csv(_file(tmp_path, text), "coinbase", ACC)
    assert [p.line for p in caught.value.problems] == [11]


KRAKEN = """"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"
"L1","R1","2024-01-02 10:00:00","deposit","","currency","ZEUR","1000.0000","0.0000","1000"
"L2","T1","2024-01-03 10:00:00","trade","","currency","ZEUR","-500.0000","0.8000","499.2"
"L3","T1","2024-01-03 10:00:00","trade","","currency","XXBT","0.0120000000","0","0.012"
"L4","S1","2024-02-01 10:00:00","transfer","spottostaking","currency","DOT","-10","0","0"
"L5","S2","2024-02-01 10:00:00","transfer","stakingfromspot","currency","DOT.S","10","0","10"
"L6","S3","2024-02-08 10:00:00","staking","","currency","DOT.S","0.05","0","10.05"
"","S3","2024-02-08 10:00:00","staking","","currency","DOT.S","0.05","0","10.05"
"L7","W1","2024-03-01 10:00:00","withdrawal","","currency","XXBT","-0.0100000000","0.0001","0"
"""


def test_kraken_ledger_rows(tmp_path: Path) -> None:
    deposit, trade, staking, withdrawal = read_csv(_file(tmp_path, KRAKEN), "kraken", ACC)
    assert deposit.movements == (Movement(ACC, "EUR", Decimal(1000)),)
    assert trade.movements == (
        Movement(ACC, "BTC", Decimal("0.012")),
        Movement(ACC, "EUR", Decimal(-500)),
    )
    assert trade.fees == (Movement(ACC, "EUR", Decimal("-0.8")),)
    assert (staking.kind, staking.movements, staking.note) == (
        EntryKind.INCOME,
        (Movement(ACC, "DOT", Decimal("0.05")),),
        "label staking",
    )
    assert withdrawal.fees == (Movement(ACC, "BTC", Decimal("-0.0001")),)
    assert [kraken_asset(c) for c in ("XXBT", "XETH", "ZUSD", "ETH2.S", "XXDG", "USDT")] == [
        "BTC",
        "ETH",
        "USD",
        "ETH",
        "DOGE",
        "USDT",
    ]


def test_kraken_bad_rows_all_named(tmp_path: Path) -> None:
    text = KRAKEN + (
        '"L8","M1","2024-04-01 10:00:00","margin","","currency","XXBT","1","0","1"\n'
        '"L9","T9","2024-04-02 10:00:00","trade","","currency","XXBT","1","x","1"\n'
    )
    with pytest.raises(CsvImportError) as caught:
        read_csv(_file(tmp_path, text), "kraken", ACC)
    assert [(p.line, p.column) for p in caught.value.problems] == [(10, "type"), (11, "fee")]
