"""Cancel, cancel-all, order lookup and history queries, generated client order ids, accounts
and the average price."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import FEE_ACCOUNT, OrderStatus, Side, SimError

BUY, SELL = Side.BUY, Side.SELL


def error(call: Any) -> tuple[int, str]:
    with pytest.raises(SimError) as caught:
        call()
    return caught.value.code, caught.value.msg


UNKNOWN = (-2011, "Unknown order sent.")
MISSING = (-2013, "Order does not exist.")


def test_cancel_releases_the_lock_and_reports_both_client_ids(h: Any) -> None:
    order = h.limit("alice", BUY, "0.5", "30000", client_order_id="mine").order
    view = h.engine.cancel(
        "alice", "BTCUSDT", order_id=order.order_id, new_client_order_id="cancel-1"
    )
    assert view.status is OrderStatus.CANCELED
    assert (view.client_order_id, view.orig_client_order_id) == ("cancel-1", "mine")
    assert h.balance("alice", "USDT") == (D("1000000"), 0)
    assert h.engine.depth("BTCUSDT").bids == []
    # the stored order keeps its own client id
    stored = h.engine.get_order("alice", "BTCUSDT", client_order_id="mine")
    assert (stored.status, stored.client_order_id, stored.orig_client_order_id) == (
        OrderStatus.CANCELED,
        "mine",
        None,
    )


def test_cancel_of_a_partially_filled_order_keeps_its_fills(h: Any) -> None:
    order = h.limit("bob", SELL, "1", "30000").order
    h.market("alice", BUY, qty="0.25")
    view = h.engine.cancel("bob", "BTCUSDT", order_id=order.order_id)
    assert (view.status, view.executed_qty) == (OrderStatus.CANCELED, D("0.25"))
    assert view.client_order_id.startswith("sim")
    assert h.balance("bob", "BTC") == (D("99.75"), 0)


def test_cancel_errors(h: Any) -> None:
    filled = h.limit("bob", SELL, "0.1", "30000").order
    h.market("alice", BUY, qty="0.1")
    live = h.limit("bob", SELL, "0.1", "31000").order
    e = h.engine
    assert error(lambda: e.cancel("bob", "BTCUSDT", order_id=999)) == UNKNOWN
    assert error(lambda: e.cancel("bob", "BTCUSDT", order_id=filled.order_id)) == UNKNOWN
    assert error(lambda: e.cancel("alice", "BTCUSDT", order_id=live.order_id)) == UNKNOWN
    assert error(lambda: e.cancel("bob", "ETHBTC", order_id=live.order_id)) == UNKNOWN
    assert error(lambda: e.cancel("bob", "BTCUSDT", client_order_id="nope")) == UNKNOWN
    # id and client id given: both must match the same order
    assert (
        error(lambda: e.cancel("bob", "BTCUSDT", order_id=live.order_id, client_order_id="other"))
        == UNKNOWN
    )
    assert error(lambda: e.cancel("bob", "BTCUSDT")) == (
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    )
    e.cancel("bob", "BTCUSDT", order_id=live.order_id, client_order_id=live.client_order_id)
    assert error(lambda: e.cancel("bob", "BTCUSDT", order_id=live.order_id)) == UNKNOWN


def test_cancel_all(h: Any) -> None:
    first = h.limit("alice", BUY, "0.1", "29000").order
    second = h.limit("alice", SELL, "0.1", "31000").order
    other = h.limit("alice", BUY, "0.1", "0.05", symbol="ETHBTC").order
    views = h.engine.cancel_all("alice", "BTCUSDT")
    assert [v.order_id for v in views] == [first.order_id, second.order_id]
    assert {v.status for v in views} == {OrderStatus.CANCELED}
    assert len({v.client_order_id for v in views}) == 2
    assert h.balance("alice", "USDT") == (D("1000000"), 0)
    # the ETHBTC buy still locks 0.1 x 0.05 = 0.005 BTC
    assert h.balance("alice", "BTC") == (D("99.995"), D("0.005"))
    assert [o.order_id for o in h.engine.open_orders("alice")] == [other.order_id]
    assert error(lambda: h.engine.cancel_all("alice", "BTCUSDT")) == UNKNOWN


def test_get_order(h: Any) -> None:
    order = h.limit("alice", BUY, "0.1", "29000", client_order_id="abc").order
    e = h.engine
    assert e.get_order("alice", "BTCUSDT", order_id=order.order_id) == order
    assert e.get_order("alice", "BTCUSDT", client_order_id="abc") == order
    assert error(lambda: e.get_order("alice", "BTCUSDT", order_id=order.order_id + 1)) == MISSING
    assert error(lambda: e.get_order("bob", "BTCUSDT", order_id=order.order_id)) == MISSING
    assert error(lambda: e.get_order("alice", "ETHBTC", order_id=order.order_id)) == MISSING
    assert (
        error(lambda: e.get_order("alice", "BTCUSDT", order_id=order.order_id, client_order_id="x"))
        == MISSING
    )
    assert error(lambda: e.get_order("alice", "BTCUSDT"))[0] == -1102
    # a reused client id finds the latest order that carried it
    e.cancel("alice", "BTCUSDT", client_order_id="abc")
    again = h.limit("alice", BUY, "0.1", "29001", client_order_id="abc").order
    assert e.get_order("alice", "BTCUSDT", client_order_id="abc").order_id == again.order_id


def test_generated_client_order_ids_are_deterministic_counters(make_harness: Any, btc: Any) -> None:
    runs = []
    for _ in range(2):
        h = make_harness([btc()])
        h.fund("alice", USDT="100000")
        first = h.limit("alice", BUY, "0.1", "29000").order
        cancel = h.engine.cancel("alice", "BTCUSDT", order_id=first.order_id)
        second = h.limit("alice", BUY, "0.1", "29000").order
        runs.append((first.client_order_id, cancel.client_order_id, second.client_order_id))
    assert runs[0] == runs[1]
    assert runs[0] == ("sim0000000000000000001", "sim0000000000000000002", "sim0000000000000000003")
    assert all(len(c) == 22 for c in runs[0])


def test_open_orders_across_symbols_in_id_order(h: Any) -> None:
    a = h.limit("alice", BUY, "0.1", "0.05", symbol="ETHBTC").order
    b = h.limit("alice", BUY, "0.1", "29000").order
    h.limit("bob", BUY, "0.1", "29000")
    assert [o.order_id for o in h.engine.open_orders("alice")] == [a.order_id, b.order_id]
    assert [o.order_id for o in h.engine.open_orders("alice", "BTCUSDT")] == [b.order_id]


def test_all_orders_windows(h: Any) -> None:
    ids = []
    for i in range(5):
        ids.append(h.limit("alice", BUY, "0.1", str(29000 + i)).order.order_id)
        h.clock.advance(1000)
    t0 = h.clock.now - 5000  # times: t0, t0+1000, ..., t0+4000
    e = h.engine
    assert [o.order_id for o in e.all_orders("alice", "BTCUSDT")] == ids
    # without a start: the latest `limit`
    assert [o.order_id for o in e.all_orders("alice", "BTCUSDT", limit=2)] == ids[3:]
    # from an order id: the first `limit` from there
    assert [o.order_id for o in e.all_orders("alice", "BTCUSDT", order_id=ids[1], limit=2)] == (
        ids[1:3]
    )
    window = e.all_orders("alice", "BTCUSDT", start_time=t0 + 1000, end_time=t0 + 3000)
    assert [o.order_id for o in window] == ids[1:4]
    assert e.all_orders("bob", "BTCUSDT") == []
    with pytest.raises(ValueError):
        e.all_orders("alice", "BTCUSDT", limit=0)


def test_my_trades_filters(h: Any) -> None:
    for price in ("30000", "30001", "30002"):
        h.limit("bob", SELL, "0.1", price)
    first = h.market("alice", BUY, qty="0.15").order  # trades 1, 2
    h.clock.advance(1000)
    second = h.market("alice", BUY, qty="0.15").order  # trades 3 (0.05 @ 30001), 4 (0.1 @ 30002)
    e = h.engine
    assert [f.trade_id for f in e.my_trades("alice", "BTCUSDT")] == [1, 2, 3, 4]
    assert [f.trade_id for f in e.my_trades("alice", "BTCUSDT", order_id=second.order_id)] == [3, 4]
    assert [f.trade_id for f in e.my_trades("alice", "BTCUSDT", from_id=2, limit=2)] == [2, 3]
    assert [f.trade_id for f in e.my_trades("alice", "BTCUSDT", limit=1)] == [4]
    assert [f.order_id for f in e.my_trades("alice", "BTCUSDT", end_time=h.clock.now - 1)] == [
        first.order_id,
        first.order_id,
    ]
    bob = e.my_trades("bob", "BTCUSDT")
    assert [(f.trade_id, f.is_maker, f.is_buyer) for f in bob] == [
        (1, True, False),
        (2, True, False),
        (3, True, False),
        (4, True, False),
    ]


def test_history_is_pruned_to_the_limit_but_open_orders_stay(make_harness: Any, btc: Any) -> None:
    h = make_harness([btc()], history_limit=3)
    h.fund("alice", USDT="1000000")
    keep = h.limit("alice", BUY, "0.1", "20000").order
    for _ in range(10):
        order = h.limit("alice", BUY, "0.1", "20001").order
        h.engine.cancel("alice", "BTCUSDT", order_id=order.order_id)
    orders = h.engine.all_orders("alice", "BTCUSDT", limit=1000)
    assert keep.order_id in [o.order_id for o in orders]
    assert 3 <= sum(o.status is OrderStatus.CANCELED for o in orders) <= 6
    assert h.engine.get_order("alice", "BTCUSDT", order_id=keep.order_id).status is OrderStatus.NEW


def test_accounts_credit_debit_and_totals(h: Any) -> None:
    e = h.engine
    with pytest.raises(ValueError, match="already exists"):
        e.create_account("alice")
    with pytest.raises(ValueError, match="already exists"):
        e.create_account(FEE_ACCOUNT)
    with pytest.raises(ValueError, match="maker_commission"):
        e.create_account("eve", maker_commission=D("1.5"))
    assert not e.has_account("eve")
    with pytest.raises(KeyError):
        e.balances("eve")
    e.debit("alice", "USDT", D("0.5"))
    assert h.balance("alice", "USDT") == (D("999999.5"), 0)
    assert error(lambda: e.debit("alice", "USDT", D("1000000"))) == (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    assert error(lambda: e.credit("alice", "USDT", D(0)))[0] == -1013
    assert error(lambda: e.credit("alice", "USDT", D("1E-30"))) == (
        -1111,
        "Parameter 'amount' has too much precision.",
    )
    e.credit("alice", "SOL", D("3"))
    assert h.balance("alice", "SOL") == (D(3), 0)
    # 3 accounts x 1,000,000 USDT - 0.5 debited
    assert e.total_by_asset()["USDT"] == D("2999999.5")
    assert e.total_by_asset()["SOL"] == D(3)


def test_avg_price_is_the_volume_weighted_average_of_the_window(h: Any) -> None:
    e = h.engine
    assert (e.avg_price("BTCUSDT"), e.last_price("BTCUSDT")) == (None, None)
    h.limit("bob", SELL, "1", "30000")
    h.market("alice", BUY, qty="1")  # 1 @ 30000 at t0
    h.clock.advance(60_000)
    h.limit("bob", SELL, "3", "36000")
    h.market("alice", BUY, qty="3")  # 3 @ 36000 at t0 + 1 min
    # (30000 + 3 x 36000) / 4 = 34500
    assert e.avg_price("BTCUSDT") == D("34500")
    assert e.last_price("BTCUSDT") == D("36000")
    h.clock.advance(240_000)  # t0 + 5 min: the first trade leaves the 5-minute window
    assert e.avg_price("BTCUSDT") == D("36000")
    h.clock.advance(600_000)  # no trade in the window: the last price
    assert e.avg_price("BTCUSDT") == D("36000")


def test_avg_price_rounds_to_the_quote_precision_and_mins_zero_means_last(
    make_harness: Any, btc: Any
) -> None:
    h = make_harness([btc(min_notional=D(0))])
    for name in ("alice", "bob"):
        h.fund(name, USDT="1000000", BTC="100")
    h.limit("bob", SELL, "1", "30000")
    h.limit("bob", SELL, "2", "30000.01")
    h.market("alice", BUY, qty="3")
    # (30000 + 60000.02) / 3 = 30000.006666... -> 30000.00666667
    assert h.engine.avg_price("BTCUSDT") == D("30000.00666667")
    last = make_harness([btc(avg_price_mins=0)])
    for name in ("alice", "bob"):
        last.fund(name, USDT="1000000", BTC="100")
    last.limit("bob", SELL, "1", "30000")
    last.limit("bob", SELL, "1", "31000")
    last.market("alice", BUY, qty="2")
    assert last.engine.avg_price("BTCUSDT") == D("31000")
