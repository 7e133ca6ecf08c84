"""The shared ledger model: content keys that dedupe across import paths, and input checks."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.portfolio.ledger import (
    EntryKind,
    InvalidTransactionError,
    Movement,
    Transaction,
    canonical_entry_bytes,
    normalize_amount,
)


def _trade(ts: int, *, source: str = "", fee: str = "-25.5", order: int = 0) -> Transaction:
    moves = (
        Movement("binance:main", "BTC", Decimal("0.001")),
        Movement("binance:main", "USDT", Decimal("-50")),
    )
    return Transaction(
        EntryKind.TRADE,
        ts,
        moves if order == 0 else moves[::-1],
        fees=(Movement("binance:main", "USDT", Decimal(fee)),),
        source=source,
    )


def test_api_and_csv_copies_of_a_trade_share_one_key() -> None:
    # The API reports 12:00:00.734, the CSV 12:00:00; amounts written differently.
    api = _trade(1_700_000_000_734, source="ccxt:binance")
    csv = Transaction(
        EntryKind.TRADE,
        1_700_000_000_000,
        (
            Movement("binance:main", "USDT", Decimal("-50.00000000")),
            Movement("binance:main", "BTC", Decimal("0.00100000")),
        ),
        fees=(Movement("binance:main", "USDT", Decimal("-25.50")),),
        source="csv:binance",
        external_id="123",
        note="from export",
    )
    assert api.content_key() == csv.content_key()


def test_a_different_second_amount_or_kind_changes_the_key() -> None:
    base = _trade(1_700_000_000_000).content_key()
    assert _trade(1_700_000_001_000).content_key() != base
    assert _trade(1_700_000_000_000, fee="-25.4").content_key() != base
    other_kind = Transaction(
        EntryKind.SPEND, 1_700_000_000_000, _trade(0).movements, fees=_trade(0).fees
    )
    assert other_kind.content_key() != base


def test_a_zero_fee_is_the_same_event_as_no_fee() -> None:
    with_zero = Transaction(
        EntryKind.DEPOSIT,
        1000,
        (Movement("a", "BTC", Decimal(1)),),
        fees=(Movement("a", "BTC", Decimal("0E-8")),),
    )
    without = Transaction(EntryKind.DEPOSIT, 1000, (Movement("a", "BTC", Decimal(1)),))
    assert with_zero.content_key() == without.content_key()


def test_canonical_entry_bytes_cover_every_field_exactly() -> None:
    base = _trade(1_700_000_000_734)
    entry = canonical_entry_bytes(base)
    assert b'"kind":"trade"' in entry and b'"timestamp_ms":1700000000734' in entry
    changed = [
        replace(base, timestamp_ms=base.timestamp_ms + 1),
        replace(base, source="other"),
        replace(base, note="x"),
        replace(base, external_id="other-id"),
        replace(base, tx_hash="0xabc"),
        replace(base, fees=(*base.fees, Movement("binance:main", "BNB", Decimal(0)))),
    ]
    for other in changed:
        assert canonical_entry_bytes(other) != entry, other


def test_moving_text_between_account_and_asset_changes_the_entry() -> None:
    # "x|y" + "z" and "x" + "y|z" joined with "|" read alike; the audit form must not
    one = Transaction(EntryKind.DEPOSIT, 1000, (Movement("x|y", "z", Decimal(1)),))
    two = Transaction(EntryKind.DEPOSIT, 1000, (Movement("x", "y|z", Decimal(1)),))
    assert canonical_entry_bytes(one) != canonical_entry_bytes(two)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.50", "1.5"),
        ("15E-1", "1.5"),
        ("-0", "0"),
        ("0E-8", "0"),
        ("1E+3", "1000"),
        ("0.00000001", "0.00000001"),
        ("-25.500", "-25.5"),
    ],
)
def test_normalize_amount(text: str, expected: str) -> None:
    assert normalize_amount(Decimal(text)) == expected


@given(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=12,
        min_value=Decimal("-1e12"),
        max_value=Decimal("1e12"),
    )
)
def test_normalized_text_round_trips_exactly(value: Decimal) -> None:
    assert Decimal(normalize_amount(value)) == value


def test_bad_input_is_refused_with_what_is_wrong() -> None:
    with pytest.raises(InvalidTransactionError, match="finite Decimal"):
        Movement("a", "BTC", 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidTransactionError, match="finite Decimal"):
        Movement("a", "BTC", Decimal("NaN"))
    with pytest.raises(InvalidTransactionError, match="must be <= 0"):
        Transaction(EntryKind.TRADE, 0, (), fees=(Movement("a", "BNB", Decimal(1)),))
    with pytest.raises(InvalidTransactionError, match="unknown entry kind"):
        Transaction("swap", 0, ())  # type: ignore[arg-type]
    with pytest.raises(InvalidTransactionError, match="timestamp_ms"):
        Transaction(EntryKind.TRADE, 1.5, ())  # type: ignore[arg-type]


def test_kind_given_as_text_becomes_the_enum() -> None:
    tx = Transaction("deposit", 0, (Movement("a", "BTC", Decimal(1)),))  # type: ignore[arg-type]
    assert tx.kind is EntryKind.DEPOSIT
