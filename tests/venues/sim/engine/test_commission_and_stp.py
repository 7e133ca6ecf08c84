"""Commissions (rates, rounding down to 8 places, the fee account, conservation) and the four
self-trade prevention modes."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import (
    FEE_ACCOUNT,
    ExecutionType,
    OrderStatus,
    OrderUpdated,
    Side,
    StpMode,
)
from tradewind.venues.sim.engine import TimeInForce as TIF

BUY, SELL = Side.BUY, Side.SELL


@pytest.fixture
def tiny(make_harness: Any, btc: Any) -> Any:
    """BTCUSDT without a minimum notional, so one-step trades are allowed."""
    harness = make_harness([btc(min_notional=D(0))])
    for name in ("alice", "bob", "carol"):
        harness.fund(name, USDT="1000000", BTC="100")
    return harness


def test_commissions_round_down_to_8_decimals(tiny: Any) -> None:
    h = tiny
    h.limit("bob", SELL, "0.00001", "30000.01")
    result = h.limit("alice", BUY, "0.00001", "30000.01")
    (fill,) = result.fills
    # quote 0.00001 x 30000.01 = 0.3000001; bob's 0.1% = 0.0003000001 -> 0.00030000
    assert fill.quote_qty == D("0.3000001")
    assert fill.commission == D("0.00000001")  # alice: 0.1% of 0.00001 BTC
    (bob_fill,) = h.engine.my_trades("bob", "BTCUSDT")
    assert (bob_fill.commission, bob_fill.commission_asset) == (D("0.0003"), "USDT")
    assert bob_fill.is_maker and not bob_fill.is_buyer
    assert h.balance("bob", "USDT") == (D("1000000") + D("0.3000001") - D("0.0003"), 0)


def test_per_account_rates_apply_by_role(tiny: Any) -> None:
    h = tiny
    h.engine.create_account("vip", maker_commission=D(0), taker_commission=D("0.00075"))
    h.fund("vip", USDT="100000")
    assert h.engine.account_commissions("vip") == (D(0), D("0.00075"))
    h.limit("bob", SELL, "0.00001", "30000")
    (fill,) = h.limit("vip", BUY, "0.00001", "30000").fills
    # 0.00001 x 0.00075 = 0.0000000075 BTC, rounded down to 0
    assert fill.commission == 0
    h.limit("vip", BUY, "1", "29000")
    (fill,) = h.market("carol", SELL, qty="1").fills
    (vip_fill,) = [f for f in h.engine.my_trades("vip", "BTCUSDT") if f.is_maker]
    assert vip_fill.commission == 0  # maker rate 0
    assert fill.commission == D("29")  # carol, taker: 0.1% of 29000 USDT


def test_every_commission_lands_in_the_fee_account_and_totals_are_conserved(h: Any) -> None:
    totals = h.engine.total_by_asset()
    h.limit("bob", SELL, "0.3", "30000")
    h.limit("carol", SELL, "0.3", "30050")
    h.market("alice", BUY, qty="0.5")  # 0.3 @ 30000 + 0.2 @ 30050 = 9000 + 6010
    # alice pays 0.0005 BTC; bob 9 USDT; carol 6.01 USDT
    assert h.balance(FEE_ACCOUNT, "BTC") == (D("0.0005"), 0)
    assert h.balance(FEE_ACCOUNT, "USDT") == (D("15.01"), 0)
    assert h.engine.total_by_asset() == totals


def _updates(events: list[Any]) -> list[tuple[int, ExecutionType, OrderStatus]]:
    return [
        (e.order.order_id, e.execution_type, e.order.status)
        for e in events
        if isinstance(e, OrderUpdated)
    ]


def test_expire_taker_stops_at_the_own_order(h: Any) -> None:
    bob = h.limit("bob", SELL, "0.1", "30000").order
    own = h.limit("alice", SELL, "0.1", "30001").order
    h.take_events()
    result = h.limit("alice", BUY, "0.3", "30001")  # default EXPIRE_TAKER
    taker = result.order
    assert (taker.status, taker.executed_qty) == (OrderStatus.EXPIRED_IN_MATCH, D("0.1"))
    assert [f.order_id for f in h.engine.my_trades("bob", "BTCUSDT")] == [bob.order_id]
    # the own maker is untouched and nothing of the taker rests
    assert h.engine.get_order("alice", "BTCUSDT", order_id=own.order_id).status is OrderStatus.NEW
    assert h.engine.depth("BTCUSDT").bids == []
    assert h.balance("alice", "USDT") == (D("997000"), 0)
    assert _updates(h.take_events())[-1] == (
        taker.order_id,
        ExecutionType.TRADE_PREVENTION,
        OrderStatus.EXPIRED_IN_MATCH,
    )


def test_expire_maker_removes_own_orders_and_keeps_matching(h: Any) -> None:
    own = h.limit("alice", SELL, "0.1", "30000").order
    bob = h.limit("bob", SELL, "0.1", "30001").order
    h.take_events()
    result = h.limit("alice", BUY, "0.1", "30001", stp_mode=StpMode.EXPIRE_MAKER)
    assert result.order.status is OrderStatus.FILLED
    assert [f.price for f in result.fills] == [D("30001")]
    expired = h.engine.get_order("alice", "BTCUSDT", order_id=own.order_id)
    assert (expired.status, expired.executed_qty) == (OrderStatus.EXPIRED_IN_MATCH, 0)
    # the expired sell's 0.1 BTC lock is released; alice bought 0.1 - 0.0001 commission
    assert h.balance("alice", "BTC") == (D("100.0999"), 0)
    assert h.engine.get_order("bob", "BTCUSDT", order_id=bob.order_id).status is OrderStatus.FILLED
    assert (own.order_id, ExecutionType.TRADE_PREVENTION, OrderStatus.EXPIRED_IN_MATCH) in (
        _updates(h.take_events())
    )


def test_expire_both_expires_maker_and_taker(h: Any) -> None:
    own = h.limit("alice", SELL, "0.1", "30000").order
    h.limit("bob", SELL, "0.1", "30001")
    result = h.limit("alice", BUY, "0.2", "30001", TIF.GTC, stp_mode=StpMode.EXPIRE_BOTH)
    assert (result.order.status, result.order.executed_qty) == (OrderStatus.EXPIRED_IN_MATCH, 0)
    assert h.engine.get_order("alice", "BTCUSDT", order_id=own.order_id).status is (
        OrderStatus.EXPIRED_IN_MATCH
    )
    assert h.engine.depth("BTCUSDT").asks == [(D("30001"), D("0.1"))]
    assert h.balance("alice", "BTC") == (D("100"), 0)
    assert h.balance("alice", "USDT") == (D("1000000"), 0)


def test_stp_none_lets_an_account_trade_with_itself(h: Any) -> None:
    h.limit("alice", SELL, "0.1", "30000")
    result = h.limit("alice", BUY, "0.1", "30000", stp_mode=StpMode.NONE)
    assert result.order.status is OrderStatus.FILLED
    # both sides are alice: she pays 0.0001 BTC (as buyer) and 3 USDT (as seller)
    assert h.balance("alice", "BTC") == (D("99.9999"), 0)
    assert h.balance("alice", "USDT") == (D("999997"), 0)
    fills = h.engine.my_trades("alice", "BTCUSDT")
    assert sorted((f.is_buyer, f.is_maker) for f in fills) == [(False, True), (True, False)]


def test_the_takers_mode_decides_not_the_makers(h: Any) -> None:
    h.limit("alice", SELL, "0.1", "30000", stp_mode=StpMode.NONE)
    result = h.limit("alice", BUY, "0.1", "30000")  # taker's EXPIRE_TAKER wins
    assert result.order.status is OrderStatus.EXPIRED_IN_MATCH


def test_fok_counts_only_liquidity_it_may_take(h: Any) -> None:
    h.limit("alice", SELL, "0.1", "30000")
    h.limit("bob", SELL, "0.1", "30000")
    before = h.engine.depth("BTCUSDT")
    # with EXPIRE_TAKER the own order at the front blocks everything: FOK expires untouched
    result = h.limit("alice", BUY, "0.1", "30000", TIF.FOK)
    assert (result.order.status, result.order.executed_qty) == (OrderStatus.EXPIRED, 0)
    assert h.engine.depth("BTCUSDT") == before
    # with EXPIRE_MAKER the own order is skipped (and expired) and bob's fills it
    result = h.limit("alice", BUY, "0.1", "30000", TIF.FOK, stp_mode=StpMode.EXPIRE_MAKER)
    assert result.order.status is OrderStatus.FILLED
