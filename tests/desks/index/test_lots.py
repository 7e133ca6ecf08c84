"""Lots: proportional sharing with a first-come residual, exact proration, slice splitting,
and the house inventory's FIFO and deficit."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.desks.index.events import LotRecorded
from tradewind.desks.index.lots import HouseInventory, Lot, prorate, share_out, split_slices
from tradewind.desks.index.rounding import floor_to

D = Decimal
Q = D("0.00000001")
STEP = D("0.001")


@settings(max_examples=200, deadline=None)
@given(
    available=st.integers(0, 5000).map(lambda n: D(n) * STEP),
    caps=st.lists(st.integers(0, 3000).map(lambda n: D(n) / 10000), min_size=1, max_size=6),
)
def test_share_out_never_exceeds_the_lot_nor_a_cap_and_is_proportional(
    available: Decimal, caps: list[Decimal]
) -> None:
    claims = list(enumerate(caps))
    shares = share_out(available, claims, STEP)
    total = sum(caps, D(0))
    assert sum(shares.values(), D(0)) <= available
    for key, cap in claims:
        share = shares.get(key, D(0))
        assert 0 <= share <= cap
        if total > available:
            # at least the rounded-down proportional share
            assert share >= floor_to(available * cap / total, STEP)
        else:
            assert share == cap
    if total > available:
        handed = sum(shares.values(), D(0))
        # what is left over is less than what any unfilled claim could still take
        unfilled = [cap - shares.get(key, D(0)) for key, cap in claims if shares.get(key, 0) < cap]
        assert handed == available or not unfilled


def test_share_out_gives_the_residual_first_come() -> None:
    shares = share_out(D("0.010"), [("late", D("0.01")), ("later", D("0.01"))], D("0.003"))
    # 0.005 each rounds down to 0.003; residual 0.004 goes to the first claimant
    assert shares == {"late": D("0.007"), "later": D("0.003")}


def _lot(
    side: OrderSide, fee: str, fee_asset: str, qty: str = "0.3", price: str = "10000.01"
) -> Lot:
    return Lot.of(
        LotRecorded(
            venue="sim",
            trade_id="1",
            batch_id="b",
            client_order_id="c",
            symbol="BTC/USDT",
            side=side,
            price=D(price),
            qty=D(qty),
            fee=D(fee),
            fee_asset=fee_asset,
            ts=1,
        )
    )


def test_lot_net_quantity_and_value_follow_the_fee_asset() -> None:
    buy_quote = _lot(OrderSide.BUY, "0.5", "USDT")
    assert (buy_quote.net_qty, buy_quote.value) == (D("0.3"), D("3000.003") + D("0.5"))
    buy_base = _lot(OrderSide.BUY, "0.0003", "BTC")
    assert (buy_base.net_qty, buy_base.value) == (D("0.2997"), D("3000.003"))
    sell_quote = _lot(OrderSide.SELL, "0.5", "USDT")
    assert (sell_quote.net_qty, sell_quote.value) == (D("0.3"), D("3000.003") - D("0.5"))
    rebate = _lot(OrderSide.BUY, "-0.1", "USDT")
    assert rebate.value == D("2999.903")
    third = _lot(OrderSide.BUY, "0.01", "BNB")
    assert (third.net_qty, third.value) == (D("0.3"), D("3000.003"))


def test_proration_charges_up_and_credits_down() -> None:
    buy = _lot(OrderSide.BUY, "0.00000001", "USDT", qty="0.3", price="1.0000001")
    piece = prorate(buy, D("0.1"), Q)
    assert piece.value == D("0.10000002")  # 0.30000004 / 3 = 0.1000000133..
    sell = _lot(OrderSide.SELL, "0.00000001", "USDT", qty="0.3", price="1.0000001")
    assert prorate(sell, D("0.1"), Q).value == D("0.10000000")  # 0.30000002 / 3 -> down
    assert prorate(sell, D("0.2"), Q).value == D("0.20000001")


def test_split_keeps_the_first_units_and_loses_no_value() -> None:
    buy = _lot(OrderSide.BUY, "0.03", "USDT", qty="0.3", price="10")
    pieces = [prorate(buy, D("0.1"), Q), prorate(buy, D("0.2"), Q)]
    kept, released = split_slices(pieces, D("0.15"), Q)
    assert [p.qty for p in kept] == [D("0.1"), D("0.05")]
    assert [p.qty for p in released] == [D("0.15")]
    assert sum(p.value for p in kept + released) == sum(p.value for p in pieces)
    assert sum(p.fee for p in kept + released) == sum(p.fee for p in pieces)
    assert kept[1].value == D("0.505")  # a quarter of the 0.2 slice (2.02), exactly


def test_house_inventory_is_fifo_and_covers_a_deficit_first() -> None:
    house = HouseInventory(Q)
    assert house.consume("BTC/USDT", D("0.002")) == []
    assert house.deficits() == {"BTC/USDT": D("0.002")}
    house.receive("BTC/USDT", "lot-1", D("0.003"), D("150"))
    assert house.deficits() == {}
    assert house.holdings() == {"BTC/USDT": D("0.001")}
    assert house.head("BTC/USDT").cost == D(50)  # type: ignore[union-attr]
    house.receive("BTC/USDT", "lot-2", D("0.001"), D("60"))
    first = house.take_head("BTC/USDT", D("0.0004"))
    assert (first.lot_id, first.cost) == ("lot-1", D(20))
    taken = house.consume("BTC/USDT", D("0.001"))
    assert [(t.lot_id, t.qty) for t in taken] == [("lot-1", D("0.0006")), ("lot-2", D("0.0004"))]
    assert house.holdings() == {"BTC/USDT": D("0.0006")}
    assert house.head("ETH/USDT") is None
