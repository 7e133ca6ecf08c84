"""Every rejection a new order can get, with Binance's code and text, in Binance's order, and
with no state change."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import (
    NewOrder,
    OrderStatus,
    OrderType,
    Side,
    SimError,
    TimeInForce,
)

BUY, SELL = Side.BUY, Side.SELL
GTC = TimeInForce.GTC


def rejected(h: Any, account: str, order: NewOrder) -> tuple[int, str]:
    """Place ``order``, expect a SimError, and check that nothing changed."""
    before = h.engine.export_state()
    with pytest.raises(SimError) as caught:
        h.engine.place(account, order)
    assert h.engine.export_state() == before
    return caught.value.code, caught.value.msg


def lim(qty: str, price: str, side: Side = BUY, **kw: Any) -> NewOrder:
    kw.setdefault("time_in_force", GTC)
    return NewOrder("BTCUSDT", side, OrderType.LIMIT, quantity=D(qty), price=D(price), **kw)


def filt(name: str) -> tuple[int, str]:
    return -1013, f"Filter failure: {name}"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (
            NewOrder("BTCUSDT", BUY, OrderType.LIMIT, quantity=D(1), price=D(1)),
            (
                -1102,
                "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
            ),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.LIMIT, price=D(1), time_in_force=GTC),
            (-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.LIMIT, quantity=D(1), time_in_force=GTC),
            (-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."),
        ),
        (
            NewOrder(
                "BTCUSDT",
                BUY,
                OrderType.LIMIT,
                quantity=D(1),
                price=D(1),
                time_in_force=GTC,
                quote_order_qty=D(1),
            ),
            (-1106, "Parameter 'quoteOrderQty' sent when not required."),
        ),
        (
            NewOrder(
                "BTCUSDT", BUY, OrderType.LIMIT_MAKER, quantity=D(1), price=D(1), time_in_force=GTC
            ),
            (-1106, "Parameter 'timeInForce' sent when not required."),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET, quantity=D(1), price=D(1)),
            (-1106, "Parameter 'price' sent when not required."),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET, quantity=D(1), time_in_force=GTC),
            (-1106, "Parameter 'timeInForce' sent when not required."),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET, quantity=D(1), quote_order_qty=D(10)),
            (-1106, "Parameter 'quoteOrderQty' sent when not required."),
        ),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET),
            (-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"),
        ),
        (lim("0", "30000"), (-1013, "Invalid quantity.")),
        (lim("-1", "30000"), (-1013, "Invalid quantity.")),
        (lim("1", "0"), (-1013, "Invalid price.")),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET, quote_order_qty=D(0)),
            (-1013, "Invalid quantity."),
        ),
        (lim("0.000000001", "30000"), (-1111, "Parameter 'quantity' has too much precision.")),
        (lim("0.1", "30000.000000001"), (-1111, "Parameter 'price' has too much precision.")),
        (
            NewOrder("BTCUSDT", BUY, OrderType.MARKET, quote_order_qty=D("10.000000001")),
            (-1111, "Parameter 'quoteOrderQty' has too much precision."),
        ),
        (lim("0.1", "30000.005"), filt("PRICE_FILTER")),
        (lim("0.1", "0.001"), (-1013, "Filter failure: PRICE_FILTER")),
        (lim("0.00001", "1000000.01"), filt("PRICE_FILTER")),
        (lim("0.000015", "30000"), filt("LOT_SIZE")),
        (lim("9000.00001", "1"), filt("LOT_SIZE")),
        (
            NewOrder("BTCUSDT", SELL, OrderType.MARKET, quantity=D("100.00001")),
            filt("MARKET_LOT_SIZE"),
        ),
        (lim("0.0001", "30000"), filt("NOTIONAL")),  # 3 USDT < 5
        (NewOrder("BTCUSDT", BUY, OrderType.MARKET, quote_order_qty=D("4.99")), filt("NOTIONAL")),
        (
            NewOrder("BTCUSDT", BUY, OrderType.LIMIT_MAKER, quantity=D("0.0001"), price=D(30000)),
            filt("NOTIONAL"),
        ),
        # precision is checked before any filter, PRICE_FILTER before LOT_SIZE
        (lim("0.000000001", "30000.005"), (-1111, "Parameter 'quantity' has too much precision.")),
        (lim("0.000015", "30000.005"), filt("PRICE_FILTER")),
    ],
)
def test_rejections(h: Any, order: NewOrder, expected: tuple[int, str]) -> None:
    assert rejected(h, "alice", order) == expected


def test_unknown_symbols_are_invalid_everywhere(h: Any) -> None:
    order = NewOrder("DOGEUSDT", BUY, OrderType.MARKET, quantity=D(1))
    assert rejected(h, "alice", order) == (-1121, "Invalid symbol.")
    calls: list[Callable[[], object]] = [
        lambda: h.engine.cancel("alice", "DOGEUSDT", order_id=1),
        lambda: h.engine.cancel_all("alice", "DOGEUSDT"),
        lambda: h.engine.get_order("alice", "DOGEUSDT", order_id=1),
        lambda: h.engine.open_orders("alice", "DOGEUSDT"),
        lambda: h.engine.all_orders("alice", "DOGEUSDT"),
        lambda: h.engine.my_trades("alice", "DOGEUSDT"),
        lambda: h.engine.depth("DOGEUSDT"),
        lambda: h.engine.take_depth_changes("DOGEUSDT"),
        lambda: h.engine.best_bid_ask("DOGEUSDT"),
        lambda: h.engine.last_price("DOGEUSDT"),
        lambda: h.engine.avg_price("DOGEUSDT"),
    ]
    for call in calls:
        with pytest.raises(SimError) as caught:
            call()
        assert (caught.value.code, caught.value.msg, caught.value.http_status) == (
            -1121,
            "Invalid symbol.",
            400,
        )


def test_max_notional(make_harness: Any, btc: Any) -> None:
    h = make_harness([btc(max_notional=D("100000"), apply_max_to_market=True)])
    h.fund("alice", USDT="1000000", BTC="100")
    # 4 x 30000 = 120000 > 100000
    assert rejected(h, "alice", lim("4", "30000")) == filt("NOTIONAL")
    assert h.limit("alice", BUY, "3", "30000").order.status is OrderStatus.NEW
    market = NewOrder("BTCUSDT", BUY, OrderType.MARKET, quote_order_qty=D("100000.01"))
    assert rejected(h, "alice", market) == filt("NOTIONAL")


def test_market_notional_uses_the_average_price(h: Any) -> None:
    tiny_market = NewOrder("BTCUSDT", BUY, OrderType.MARKET, quantity=D("0.0001"))
    # no trade yet: no average price, so the check is skipped (and the order expires unfilled)
    assert h.engine.place("alice", tiny_market).order.status is OrderStatus.EXPIRED
    h.limit("bob", SELL, "1", "30000")
    h.limit("alice", BUY, "0.5", "30000")  # a trade at 30000
    # 0.0001 x 30000 = 3 < 5
    assert rejected(h, "alice", tiny_market) == filt("NOTIONAL")
    # 0.00017 x 30000 = 5.1
    ok = NewOrder("BTCUSDT", BUY, OrderType.MARKET, quantity=D("0.00017"))
    assert h.engine.place("alice", ok).order.status is OrderStatus.FILLED


def test_apply_min_to_market_false_lets_small_market_orders_through(
    make_harness: Any, btc: Any
) -> None:
    h = make_harness([btc(apply_min_to_market=False)])
    h.fund("alice", USDT="1000")
    order = NewOrder("BTCUSDT", BUY, OrderType.MARKET, quote_order_qty=D("1"))
    assert h.engine.place("alice", order).order.status is OrderStatus.EXPIRED


def test_legacy_min_notional(h: Any) -> None:
    # ETHBTC has MIN_NOTIONAL 0.0001 BTC: 0.0001 ETH x 0.05 = 0.000005 BTC
    order = NewOrder(
        "ETHBTC", BUY, OrderType.LIMIT, quantity=D("0.0001"), price=D("0.05"), time_in_force=GTC
    )
    assert rejected(h, "alice", order) == filt("MIN_NOTIONAL")


def test_market_lot_size_step(make_harness: Any, btc: Any) -> None:
    h = make_harness([btc(market_step_size=D("0.001"), market_min_qty=D("0.001"))])
    h.fund("alice", BTC="10")
    odd = NewOrder("BTCUSDT", SELL, OrderType.MARKET, quantity=D("0.0015"))
    assert rejected(h, "alice", odd) == filt("MARKET_LOT_SIZE")
    small = NewOrder("BTCUSDT", SELL, OrderType.MARKET, quantity=D("0.0005"))
    assert rejected(h, "alice", small) == filt("MARKET_LOT_SIZE")


def test_percent_price_by_side_bounds_follow_the_weighted_average(h: Any) -> None:
    # before any trade there is no reference: any in-range price is accepted
    h.limit("alice", BUY, "0.01", "1000")
    h.limit("bob", SELL, "1", "30000")
    h.limit("carol", BUY, "1", "30000")  # trade at 30000
    h.engine.cancel_all("alice", "BTCUSDT")
    # buys must lie within [0.2, 5] x 30000 = [6000, 150000]
    assert rejected(h, "alice", lim("0.001", "150000.01")) == filt("PERCENT_PRICE_BY_SIDE")
    assert rejected(h, "alice", lim("0.001", "5999.99")) == filt("PERCENT_PRICE_BY_SIDE")
    # on the bound itself: accepted (an IOC with nothing to take just expires)
    assert h.limit("alice", BUY, "0.001", "150000", TimeInForce.IOC).order.status is (
        OrderStatus.EXPIRED
    )
    assert h.limit("alice", BUY, "0.001", "6000").order.status is OrderStatus.NEW
    # sells likewise with the ask multipliers
    assert rejected(h, "alice", lim("0.001", "150000.01", SELL)) == filt("PERCENT_PRICE_BY_SIDE")
    assert rejected(h, "alice", lim("0.001", "5999.99", SELL)) == filt("PERCENT_PRICE_BY_SIDE")
    assert h.limit("alice", SELL, "0.001", "150000").order.status is OrderStatus.NEW


def test_asymmetric_multipliers(make_harness: Any, btc: Any) -> None:
    h = make_harness([btc(bid_multiplier_up=D("1.1"), ask_multiplier_down=D("0.9"))])
    for name in ("alice", "bob"):
        h.fund(name, USDT="1000000", BTC="100")
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("alice", BUY, "0.1", "30000")
    assert rejected(h, "alice", lim("0.001", "33000.01")) == filt("PERCENT_PRICE_BY_SIDE")
    assert rejected(h, "alice", lim("0.001", "26999.99", SELL)) == filt("PERCENT_PRICE_BY_SIDE")
    # 1.1 x 30000 = 33000 is still allowed
    assert h.limit("alice", BUY, "0.001", "33000", TimeInForce.IOC).order.status is (
        OrderStatus.EXPIRED
    )


def test_max_num_orders_counts_open_orders_per_account_and_symbol(
    make_harness: Any, btc: Any, ethbtc: Any
) -> None:
    h = make_harness([btc(max_num_orders=2), ethbtc()])
    for name in ("alice", "bob"):
        h.fund(name, USDT="1000000", BTC="100", ETH="100")
    first = h.limit("alice", BUY, "0.001", "20000").order
    h.limit("alice", BUY, "0.001", "20001")
    assert rejected(h, "alice", lim("0.001", "20002")) == filt("MAX_NUM_ORDERS")
    # another account, another symbol: unaffected
    assert h.limit("bob", BUY, "0.001", "20002").order.status is OrderStatus.NEW
    assert h.limit("alice", BUY, "0.01", "0.05", symbol="ETHBTC").order.status is OrderStatus.NEW
    h.engine.cancel("alice", "BTCUSDT", order_id=first.order_id)
    assert h.limit("alice", BUY, "0.001", "20002").order.status is OrderStatus.NEW


def test_duplicate_client_order_id_of_a_live_order(h: Any) -> None:
    live = h.limit("alice", BUY, "0.001", "20000", client_order_id="my-1").order
    assert live.client_order_id == "my-1"
    assert rejected(h, "alice", lim("0.001", "20001", client_order_id="my-1")) == (
        -2010,
        "Duplicate order sent.",
    )
    # another account may use it; after the order is gone the id is free again
    assert h.limit("bob", BUY, "0.001", "20000", client_order_id="my-1").order.order_id > 0
    h.engine.cancel("alice", "BTCUSDT", client_order_id="my-1")
    assert h.limit("alice", BUY, "0.001", "20000", client_order_id="my-1").order.order_id > 0


def test_balance_checks_come_after_the_filters(h: Any) -> None:
    h.fund("dave", USDT="1")
    assert rejected(h, "dave", lim("0.0001", "30000")) == filt("NOTIONAL")
    assert rejected(h, "dave", lim("0.001", "30000"))[0] == -2010


PRICE_MISSING = "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
QUANTITY_MISSING = "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."


def test_remembered_values_serve_only_exact_decimals(h: Any) -> None:
    # a valid price and size are remembered by their text; a float printing the same must still
    # fail validation, and the same value written with another exponent is just as valid
    assert h.limit("alice", BUY, "0.001", "20000.5").order.status is OrderStatus.NEW
    as_float: Any = float  # NewOrder's fields say Decimal; a caller may still send a float
    float_price = NewOrder(
        "BTCUSDT", BUY, OrderType.LIMIT, D("0.001"), price=as_float("20000.5"), time_in_force=GTC
    )
    float_qty = NewOrder(
        "BTCUSDT", BUY, OrderType.LIMIT, as_float("0.001"), price=D("20000.5"), time_in_force=GTC
    )
    assert rejected(h, "alice", float_price) == (-1102, PRICE_MISSING)
    assert rejected(h, "alice", float_qty) == (-1102, QUANTITY_MISSING)
    float_market = NewOrder("BTCUSDT", BUY, OrderType.MARKET, as_float("0.001"))
    assert rejected(h, "alice", float_market) == (-1102, QUANTITY_MISSING)
    again = h.limit("alice", BUY, "0.00100", "20000.50").order
    assert (again.status, again.price, again.orig_qty) == (
        OrderStatus.NEW,
        D("20000.50"),
        D("0.001"),
    )
    assert h.engine.depth("BTCUSDT").bids == [(D("20000.5"), D("0.002"))]
