"""Fills apply exactly once by (venue, trade id); conflicts are faults; positions follow."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.core import Fill, OrderSide
from tradewind.oms import ConflictingFill, FillLedger


def fill(
    trade_id: str,
    qty: str = "1",
    price: str = "100",
    venue: str = "binance",
    side: OrderSide = OrderSide.BUY,
    order: str = "o1",
    client: str | None = "c1",
    ts: int = 0,
) -> Fill:
    return Fill(
        venue=venue,
        symbol="BTC/USDT",
        trade_id=trade_id,
        venue_order_id=order,
        client_order_id=client,
        side=side,
        price=D(price),
        qty=D(qty),
        fee=D("0.1"),
        fee_asset="USDT",
        ts_event=ts,
    )


def test_a_fill_applies_once() -> None:
    ledger = FillLedger()
    assert ledger.apply(fill("1")) is True
    # the same trade from the REST reply and from a trade query (which lacks our id)
    assert ledger.apply(fill("1")) is False
    assert ledger.apply(fill("1", client=None)) is False
    assert len(ledger) == 1 and ledger.seen("binance", "BTC/USDT", "1")
    assert ("binance", "BTC/USDT", "1") in ledger


def test_trade_ids_are_per_symbol() -> None:
    # venues number trades per symbol: trade 1 of ETH is not trade 1 of BTC
    ledger = FillLedger()
    eth = replace(fill("1"), symbol="ETH/USDT")
    assert ledger.apply(fill("1")) is True
    assert ledger.apply(eth) is True
    assert len(ledger) == 2 and ledger.seen("binance", "ETH/USDT", "1")
    position = ledger.position("binance", "BTC/USDT")
    assert position.quantity == D(1) and position.fees == D("0.1")


def test_same_trade_id_on_another_venue_is_another_fill() -> None:
    ledger = FillLedger()
    assert ledger.apply(fill("1", venue="binance"))
    assert ledger.apply(fill("1", venue="kraken"))
    assert ledger.position("kraken", "BTC/USDT").quantity == D(1)


def test_a_conflicting_repeat_raises_and_changes_nothing() -> None:
    ledger = FillLedger([fill("1")])
    with pytest.raises(ConflictingFill, match="binance:1"):
        ledger.apply(fill("1", qty="2"))
    assert ledger.position("binance", "BTC/USDT").quantity == D(1)
    assert ledger.fills() == (fill("1"),)


def test_filled_quantity_per_order_and_last_trade_id() -> None:
    ledger = FillLedger()
    ledger.apply(fill("10", qty="0.5", order="o1", ts=5))
    ledger.apply(fill("9", qty="0.25", order="o1", ts=4))  # arrives late
    ledger.apply(fill("11", qty="1", order="o2", side=OrderSide.SELL, ts=6))
    assert ledger.filled_qty("binance", "o1") == D("0.75")
    assert ledger.filled_qty("binance", "nope") == D(0)
    assert ledger.last_trade_id("binance", "BTC/USDT") == "11"
    assert ledger.last_trade_id("kraken", "BTC/USDT") is None
    # bought 0.75 @ 100, sold 1 @ 100 → short 0.25
    assert ledger.position("binance", "BTC/USDT").quantity == D("-0.25")
    assert len(ledger.positions()) == 1


def test_restoring_from_stored_fills_rebuilds_the_same_state() -> None:
    original = FillLedger()
    for trade_id, side in (("1", OrderSide.BUY), ("2", OrderSide.SELL), ("3", OrderSide.BUY)):
        original.apply(fill(trade_id, side=side, price=str(100 + int(trade_id))))
    restored = FillLedger(original.fills())
    assert restored.positions() == original.positions()
    assert restored.fills() == original.fills()


@given(st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=40))
def test_replays_in_any_order_and_number_equal_applying_each_once(ids: list[int]) -> None:
    # every trade id maps to one fill; replaying some many times must equal applying each once
    def the_fill(trade: int) -> Fill:
        side = OrderSide.BUY if trade % 3 else OrderSide.SELL
        return fill(str(trade), qty=f"0.{trade}", price=str(90 + trade), side=side)

    replayed = FillLedger()
    applied = [the_fill(trade) for trade in ids if replayed.apply(the_fill(trade))]
    once = FillLedger(the_fill(trade) for trade in dict.fromkeys(ids))
    assert replayed.position("binance", "BTC/USDT") == once.position("binance", "BTC/USDT")
    assert len(applied) == len(set(ids))


def test_relabel_attributes_an_external_fill_and_nothing_else() -> None:
    ledger = FillLedger()
    external = fill("9", client=None)
    ledger.apply(external)
    ledger.relabel(replace(external, client_order_id="tw-9"))
    assert ledger.fills()[0].client_order_id == "tw-9"
    assert ledger.position("binance", "BTC/USDT").quantity == D(1)  # applied once still
    with pytest.raises(ValueError, match="more than the order id"):
        ledger.relabel(replace(external, client_order_id="tw-9", qty=D(2)))


def test_fills_of_an_order_come_from_its_index() -> None:
    ledger = FillLedger()
    ledger.apply(fill("1", client="tw-a"))
    ledger.apply(fill("2", client="tw-b"))
    ledger.apply(fill("3", client="tw-a"))
    orphan = fill("4", client=None)
    ledger.apply(orphan)
    assert [f.trade_id for f in ledger.fills_of("tw-a")] == ["1", "3"]
    assert ledger.fills_of("tw-c") == ()
    ledger.relabel(replace(orphan, client_order_id="tw-b"))
    assert [f.trade_id for f in ledger.fills_of("tw-b")] == ["2", "4"]
