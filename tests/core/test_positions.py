"""Positions: exact cost, realised and unrealised PnL, flips and fees."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.core import DomainValueError, Fill, OrderSide, Position

_counter = iter(range(1_000_000))


def fill(side: OrderSide, qty: str, price: str, fee: str = "0", fee_asset: str = "USDT") -> Fill:
    return Fill(
        venue="binance",
        symbol="BTC/USDT",
        trade_id=str(next(_counter)),
        venue_order_id="1",
        client_order_id="c",
        side=side,
        price=D(price),
        qty=D(qty),
        fee=D(fee),
        fee_asset=fee_asset,
        ts_event=10,
    )


BUY, SELL = OrderSide.BUY, OrderSide.SELL


def flat() -> Position:
    return Position(venue="binance", symbol="BTC/USDT")


def test_long_then_partial_and_full_close() -> None:
    # buy 2 @ 100, buy 1 @ 103 → qty 3, cost 303, avg 101
    position = flat().apply(fill(BUY, "2", "100")).apply(fill(BUY, "1", "103"))
    assert (position.quantity, position.cost, position.avg_price) == (D(3), D(303), D(101))
    # sell 1 @ 110: removes 303/3 = 101 of cost → realised 9; left 2 with cost 202
    position = position.apply(fill(SELL, "1", "110"))
    assert (position.quantity, position.cost, position.realised_pnl) == (D(2), D(202), D(9))
    # mark 105: unrealised 2*105 - 202 = 8
    assert position.unrealised_pnl(D(105)) == D(8)
    # sell the rest @ 99: realised 9 + (198 - 202) = 5, flat with no cost
    position = position.apply(fill(SELL, "2", "99"))
    assert position.is_flat and position.cost == 0 and position.realised_pnl == D(5)
    assert position.avg_price is None


def test_short_and_flip_through_zero() -> None:
    # sell 1 @ 100 → short 1 with cost -100
    position = flat().apply(fill(SELL, "1", "100"))
    assert (position.quantity, position.cost) == (D(-1), D(-100))
    # mark 90: unrealised -1*90 - (-100) = +10 for the short
    assert position.unrealised_pnl(D(90)) == D(10)
    # buy 3 @ 95: closes the short (realised 100 - 95 = 5), opens long 2 @ 95
    position = position.apply(fill(BUY, "3", "95"))
    assert (position.quantity, position.cost, position.realised_pnl) == (D(2), D(190), D(5))


def test_thirds_keep_total_pnl_exact() -> None:
    # buy 1 @ 10, 1 @ 10, 1 @ 11: cost 31. Selling 1 removes 31/3 (not exact in decimal)
    position = flat()
    for price in ("10", "10", "11"):
        position = position.apply(fill(BUY, "1", price))
    position = position.apply(fill(SELL, "1", "12"))
    # total PnL at mark 12 must be exactly 3*12 - 31 = 5 despite the rounded share
    assert position.total_pnl(D(12)) == D(5)
    # the share r = 31/3 cut at 30 places: realised = 12 - r and open cost = 31 - r, so
    # realised - cost = 12 - 31 exactly: nothing was lost to the rounding
    assert position.realised_pnl - position.cost == D(12) - D(31)
    assert position.realised_pnl == D(
        "1.666666666666666666666666666667"
    )  # 12 - 10.3…33 (30 places)


def test_fees_in_quote_and_base() -> None:
    # quote fee is accumulated in fees
    position = flat().apply(fill(BUY, "1", "100", fee="0.1", fee_asset="USDT"))
    assert position.fees == D("0.1") and position.quantity == D(1)
    assert position.total_pnl(D(100)) == D("-0.1")
    # base fee: 1 BTC bought @ 100, 0.001 BTC kept by the venue → 0.999 held, cost share of the
    # fee (100 * 0.001 = 0.1) is realised as a loss; value at 100 is unchanged
    position = flat().apply(fill(BUY, "1", "100", fee="0.001", fee_asset="BTC"))
    assert position.quantity == D("0.999")
    assert position.cost == D("99.900")
    assert position.realised_pnl == D("-0.100")
    assert position.total_pnl(D(100)) == D("-0.1")
    # a third-asset fee (BNB) does not touch the position
    position = flat().apply(fill(BUY, "1", "100", fee="0.01", fee_asset="BNB"))
    assert (position.quantity, position.fees, position.realised_pnl) == (D(1), D(0), D(0))


def test_fill_for_another_market_is_refused() -> None:
    other = Fill(
        venue="kraken",
        symbol="BTC/USDT",
        trade_id="1",
        venue_order_id="1",
        client_order_id=None,
        side=BUY,
        price=D(1),
        qty=D(1),
        fee=D(0),
        fee_asset="USDT",
        ts_event=0,
    )
    with pytest.raises(DomainValueError, match="kraken"):
        flat().apply(other)


trades = st.lists(
    st.tuples(
        st.sampled_from([BUY, SELL]),
        st.decimals(min_value=D("0.001"), max_value=D(50), places=3),
        st.decimals(min_value=D("0.01"), max_value=D(1000), places=2),
    ),
    min_size=1,
    max_size=30,
)


@given(trades, st.decimals(min_value=D("0.01"), max_value=D(1000), places=2))
def test_total_pnl_equals_cash_flow_plus_holdings(
    sequence: list[tuple[OrderSide, D, D]], mark: D
) -> None:
    # model: PnL = cash received - cash paid + quantity held * mark, all exact
    position = flat()
    cash = D(0)
    held = D(0)
    for side, qty, price in sequence:
        position = position.apply(fill(side, str(qty), str(price)))
        cash -= side.sign * qty * price
        held += side.sign * qty
    assert position.quantity == held
    assert position.total_pnl(mark) == cash + held * mark
