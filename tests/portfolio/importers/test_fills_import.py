"""Tradewind's own fills → trades."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.portfolio.importers.errors import SourcePayloadError
from tradewind.portfolio.importers.fills_import import FillRecord, fills_to_transactions
from tradewind.portfolio.ledger import EntryKind, Movement


def _fill(**change: object) -> FillRecord:
    values: dict[str, object] = {
        "venue": "sim",
        "account": "demo",
        "base": "ETH",
        "quote": "USDT",
        "side": "sell",
        "price": Decimal("2000.5"),
        "qty": Decimal("0.3"),
        "fee": Decimal("0.6"),
        "fee_asset": "USDT",
        "trade_id": "t1",
        "ts_ms": 1_700_000_000_123,
    }
    values.update(change)
    return FillRecord(**values)  # type: ignore[arg-type]


def test_fill_becomes_a_trade_by_hand() -> None:
    # Sell 0.3 ETH at 2000.5 = 600.15 USDT, fee 0.6 USDT.
    (tx,) = fills_to_transactions([_fill()])
    assert tx.kind is EntryKind.TRADE
    assert tx.movements == (
        Movement("sim:demo", "ETH", Decimal("-0.3")),
        Movement("sim:demo", "USDT", Decimal("600.15")),
    )
    assert tx.fees == (Movement("sim:demo", "USDT", Decimal("-0.6")),)
    assert (tx.source, tx.external_id) == ("tradewind", "t1")


def test_reported_quote_quantity_wins_over_price_times_qty() -> None:
    (tx,) = fills_to_transactions([_fill(quote_qty=Decimal("600.14"))])
    assert tx.movements[1].amount == Decimal("600.14")


def test_distinct_twin_fills_merge_and_repeated_ids_count_once() -> None:
    fills = [_fill(trade_id="a"), _fill(trade_id="b"), _fill(trade_id="a")]
    (tx,) = fills_to_transactions(fills)
    assert tx.movements[0].amount == Decimal("-0.6")  # a + b, the repeated a once
    assert tx.external_id == "a+b"


@pytest.mark.parametrize(
    "change",
    [{"qty": Decimal(0)}, {"side": "short"}, {"fee": Decimal(-1)}, {"price": 1.5}, {"venue": ""}],
)
def test_bad_fills_are_refused_by_trade_id(change: dict[str, object]) -> None:
    with pytest.raises(SourcePayloadError, match="fill t2"):
        fills_to_transactions([_fill(), _fill(trade_id="t2", **change)])
