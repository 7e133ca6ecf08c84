"""Orders through the whole node against the backtest venue: takers fill level by level and
expire the rest, what they took is gone until the data replenishes it, post-only orders that
would take are rejected, fees are charged per liquidity side."""

from __future__ import annotations

from decimal import Decimal

from tradewind.backtest.fees import FeeSchedule
from tradewind.core.enums import LiquiditySide, OrderStatus, OrderType, TimeInForce

from .helpers import Scripted, actions, book, diff, run

ASKS = [("101.00", "0.1"), ("102.00", "0.1")]


async def test_a_taker_fills_level_by_level_and_takes_liquidity_once() -> None:
    strategy = Scripted(
        "s",
        [
            (1, lambda s: s.buy("105.00", "0.3", time_in_force=TimeInForce.IOC)),
            (2, lambda s: s.buy("105.00", "0.1", time_in_force=TimeInForce.IOC)),
            (4, lambda s: s.buy("105.00", "0.1", time_in_force=TimeInForce.IOC)),
        ],
    )
    events = [
        book(0, [("100.00", "1")], ASKS),
        diff(3, [], [("101.00", "0.15")]),  # 0.05 new at 101 (0.1 of it we took already)
        book(10, [("100.00", "1")], ASKS),
    ]
    record, engine = await run(events, strategy, fees=FeeSchedule(Decimal(1), Decimal(5)))
    first, second, third = strategy.orders
    assert [(f.client_order_id, f.price, f.quantity) for f in record.fills] == [
        (first, Decimal("101.00"), Decimal("0.1")),
        (first, Decimal("102.00"), Decimal("0.1")),
        (third, Decimal("101.00"), Decimal("0.05")),
    ]
    assert all(f.liquidity is LiquiditySide.TAKER for f in record.fills)
    assert record.fills[0].fee == Decimal("101.00") * Decimal("0.1") * 5 / 10_000
    assert actions(record, first)[-1] == (1, "expired")
    assert actions(record, second) == [(2, "submitted"), (2, "accepted"), (2, "expired")]
    assert engine.node is not None
    order = engine.node.cache.order(first)
    assert order is not None and order.filled_qty == Decimal("0.2")
    assert order.status is OrderStatus.EXPIRED


async def test_a_post_only_order_that_would_take_is_rejected() -> None:
    strategy = Scripted("s", [(1, lambda s: s.buy("101.00", order_type=OrderType.LIMIT_MAKER))])
    # the run lasts as long as its data: a second book keeps it going past the order
    events = [book(0, [("100.00", "1")], ASKS), book(10, [("100.00", "1")], ASKS)]
    record, _ = await run(events, strategy)
    [cid] = strategy.orders
    assert actions(record, cid) == [(1, "submitted"), (1, "rejected")]
    assert [kind for _, kind, c in strategy.events if c == cid][-1] == "OrderRejected"
    assert record.fills == ()
