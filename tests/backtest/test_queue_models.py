"""Queue and fill models on hand-built L2 sequences (integer ticks and lots): a resting order
fills only after the volume ahead of it traded or (per model) was cancelled; two of our orders
at one price share a print; aggressive orders take visible liquidity once."""

from __future__ import annotations

import math

import pytest

from tradewind.backtest.feeds.events import DepthEvent, TradeEvent
from tradewind.backtest.matching import InstrumentMarket, SimOrder
from tradewind.backtest.queue_models import (
    LogProbQueue,
    PowerProbQueue,
    QueueModel,
    RiskAverseQueue,
)

BID = 100


def _market(model: QueueModel) -> tuple[InstrumentMarket, list[tuple[int, int, int, bool]]]:
    fills: list[tuple[int, int, int, bool]] = []
    market = InstrumentMarket(
        model, lambda order, price, lots, maker: fills.append((order.order_id, price, lots, maker))
    )
    market.load([(BID, 5), (BID - 1, 10)], [(BID + 1, 5), (BID + 2, 10)])
    return market, fills


def _bid(order_id: int, qty: int = 2, price: int = BID) -> SimOrder:
    return SimOrder(order_id, f"c{order_id}", True, "limit", price, qty)


def _sell_print(qty: int, price: int = BID) -> TradeEvent:
    return TradeEvent(0, price, qty, False, "t")


def _bids(*levels: tuple[int, int]) -> DepthEvent:
    return DepthEvent(0, list(levels), [])


def test_risk_averse_fills_only_after_the_volume_ahead_traded() -> None:
    market, fills = _market(RiskAverseQueue())
    order = _bid(1)
    assert market.place(order) == ""
    assert order.ahead == 5
    market.apply(_bids((BID, 9)))  # others join behind us
    market.apply(_bids((BID, 7)))  # a cancel: risk-averse says it was behind us
    assert order.ahead == 5
    market.trade(_sell_print(5))  # exactly the volume ahead trades: not yet us
    assert fills == [] and order.ahead == 0
    market.trade(_sell_print(1))
    assert fills == [(1, BID, 1, True)]


def test_risk_averse_queue_is_capped_by_a_shrinking_level() -> None:
    market, fills = _market(RiskAverseQueue())
    order = _bid(1)
    market.place(order)
    market.apply(_bids((BID, 3)))  # the level shrank below what was ahead of us
    assert order.ahead == 3
    market.trade(_sell_print(3))
    assert fills == []
    market.trade(_sell_print(4))
    assert fills == [(1, BID, 2, True)] and not order.open  # 2 lots: all we had


@pytest.mark.parametrize(
    ("model", "f"),
    [
        (PowerProbQueue(2), lambda x: x**2),
        (PowerProbQueue(3), lambda x: x**3),
        (LogProbQueue(), math.log1p),
    ],
)
def test_probabilistic_models_attribute_part_of_a_cancel_to_the_front(
    model: QueueModel, f: object
) -> None:
    market, fills = _market(model)
    order = _bid(1)
    market.place(order)
    market.apply(_bids((BID, 9)))  # 4 join behind: front 5, back 4
    market.apply(_bids((BID, 7)))  # 2 cancelled somewhere
    front, back, change = 5.0, 4.0, 2
    prob = f(back) / (f(back) + f(front))  # type: ignore[operator]
    expected = front - (1 - prob) * change
    assert order.ahead == pytest.approx(expected)
    assert 3 < order.ahead < 5
    # 5 lots print: the risk-averse order (5 ahead) would not fill; this one gets what is
    # left after the estimated front, in whole lots
    market.trade(_sell_print(5))
    assert fills == [(1, BID, math.floor(5 - expected), True)]


def test_two_orders_at_one_price_share_a_print_in_queue_order() -> None:
    market, fills = _market(RiskAverseQueue())
    first = _bid(1, qty=2)
    market.place(first)  # 5 ahead of it
    market.apply(_bids((BID, 8)))  # 3 join behind the first order
    second = _bid(2, qty=2)
    market.place(second)  # 8 ahead of it (the first order is ours, not in the data)
    assert (first.ahead, second.ahead) == (5, 8)
    market.trade(_sell_print(10))  # 5 market, our 2, then 3 market: the second gets none
    assert fills == [(1, BID, 2, True)]
    assert second.ahead == 0 and second.filled == 0
    market.trade(_sell_print(1))
    assert fills[-1] == (2, BID, 1, True)
    # never more lots than printed: 11 printed, 8 market + 3 ours
    assert sum(lots for _, _, lots, _ in fills) == 3


def test_a_trade_through_fills_resting_orders_completely() -> None:
    market, fills = _market(RiskAverseQueue())
    order = _bid(1, qty=4)
    market.place(order)
    market.trade(_sell_print(1, price=BID - 1))  # a seller printed under our bid
    assert fills == [(1, BID, 4, True)] and not order.open


def test_a_market_ask_reaching_our_bid_fills_it_up_to_that_ask() -> None:
    market, fills = _market(RiskAverseQueue())
    order = _bid(1, qty=4)
    market.place(order)
    market.apply(DepthEvent(0, [], [(BID, 3)]))  # an ask appears at our price
    assert fills == [(1, BID, 3, True)] and order.open and order.leaves == 1


def test_aggressive_orders_take_visible_liquidity_once_until_replenished() -> None:
    market, fills = _market(RiskAverseQueue())
    taker = SimOrder(1, "c1", True, "limit", BID + 2, 20, "ioc")
    assert market.place(taker) == ""
    # 5 at 101 and 10 at 102: a partial fill level by level, the rest expires (IOC)
    assert fills == [(1, BID + 1, 5, False), (1, BID + 2, 10, False)] and taker.leaves == 5
    again = SimOrder(2, "c2", True, "limit", BID + 2, 3, "ioc")
    market.place(again)
    assert len(fills) == 2  # the data still shows those asks, but we took them already
    market.apply(DepthEvent(0, [], [(BID + 1, 7)]))  # 2 new lots at 101
    market.place(SimOrder(3, "c3", True, "limit", BID + 1, 3, "ioc"))
    assert fills[-1] == (3, BID + 1, 2, False)


def test_a_post_only_order_that_would_take_is_rejected() -> None:
    market, fills = _market(RiskAverseQueue())
    maker = SimOrder(1, "c1", True, "limit_maker", BID + 1, 1)
    assert "post-only" in market.place(maker)
    assert fills == [] and not market.own_bids


def test_fok_fills_completely_or_not_at_all() -> None:
    market, fills = _market(RiskAverseQueue())
    assert market.place(SimOrder(1, "c1", True, "limit", BID + 1, 6, "fok")) != ""
    assert fills == []
    assert market.place(SimOrder(2, "c2", True, "limit", BID + 1, 5, "fok")) == ""
    assert fills == [(2, BID + 1, 5, False)]
