"""The RiskEngine's pre-trade checks and trading states against a hand-made node view: each rule
refuses with its numbers, a refusal changes nothing, REDUCING lets only reducing orders through,
and a strategy's breaches take it to REDUCING, then HALTED (telling the halt listeners)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.enums import OrderSide, OrderStatus, OrderType
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.risk.engine import Refusal, RiskEngine, Scope, TradingState
from tradewind.risk.limits import RiskLimits

T0 = 1_700_000_000_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@dataclass
class View:
    orders: list[Order] = field(default_factory=list)
    held: list[Position] = field(default_factory=list)
    mid: Decimal | None = Decimal(100)
    bid: Decimal | None = None
    ask: Decimal | None = None

    def open_orders(self) -> Iterable[Order]:
        return [o for o in self.orders if o.is_open]

    def positions(self) -> Iterable[Position]:
        return self.held

    def order(self, client_order_id: str) -> Order | None:
        return next((o for o in self.orders if o.client_order_id == client_order_id), None)

    def reference_price(self, venue: str, symbol: str) -> Decimal | None:
        return self.mid

    def touch(self, venue: str, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        return self.bid, self.ask


def resting(cid: str, side: OrderSide, qty: str, price: str, strategy: str = "s1") -> Order:
    return Order(
        client_order_id=cid,
        strategy_id=strategy,
        venue="v",
        symbol="BTC/USDT",
        side=side,
        order_type=OrderType.LIMIT,
        quantity=Decimal(qty),
        price=Decimal(price),
        status=OrderStatus.NEW,
        ts_init=T0,
        ts_last=T0,
    )


_seq = iter(range(10**6))


def submit(
    side: OrderSide, qty: str, price: str | None = "100", strategy: str = "s1"
) -> SubmitOrder:
    return SubmitOrder(
        strategy_id=strategy,
        client_order_id=f"c{next(_seq)}",
        venue="v",
        symbol="BTC/USDT",
        side=side,
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        quantity=Decimal(qty),
        price=None if price is None else Decimal(price),
        ts_init=T0,
    )


def refused(risk: RiskEngine, command: SubmitOrder) -> Refusal:
    """The refusal of ``command``; the strategy is then resumed, so one test can try many rules
    without its breaches piling up."""
    refusal = risk.check(command)
    assert refusal is not None, command
    risk.resume(Scope.STRATEGY, command.strategy_id)
    return refusal


def engine(view: View, clock: TestClock | None = None, **limits: object) -> RiskEngine:
    return RiskEngine(RiskLimits.model_validate(limits), view, clock or TestClock(T0))


def test_no_limits_pass_everything_and_cancels_always_pass() -> None:
    risk = engine(View())
    assert risk.check(submit(BUY, "1000")) is None
    risk.halt("test")
    assert (
        risk.check(CancelOrder(venue="v", symbol="BTC/USDT", client_order_id="x", ts_init=T0))
        is None
    )
    assert risk.check(CancelAllOrders(venue="v", symbol="BTC/USDT", ts_init=T0)) is None
    refusal = refused(risk, submit(BUY, "1"))
    assert refusal is not None and str(refusal) == "risk state: global is HALTED"


def test_order_notional_names_the_numbers_and_uses_the_mid_for_market_orders() -> None:
    view = View()
    risk = engine(view, max_order_notional="1000")
    assert risk.check(submit(BUY, "10", "100")) is None  # exactly 1000 passes
    refusal = refused(risk, submit(BUY, "10.01", "100"))
    assert refusal is not None and refusal.rule == "notional"
    assert refusal.reason == "order notional 1001.00 > limit 1000"
    refusal = refused(risk, submit(SELL, "11", None))  # market: 11 × mid 100
    assert refusal is not None and "1100" in refusal.reason
    view.mid = None
    refusal = refused(risk, submit(SELL, "1", None))
    assert refusal is not None and refusal.reason == "no reference price for BTC/USDT"


def test_price_band_against_the_mid() -> None:
    risk = engine(View(), price_band_bps=200)
    assert risk.check(submit(BUY, "1", "98")) is None  # 200 bps: on the edge
    refusal = refused(risk, submit(BUY, "1", "97.9"))
    assert refusal is not None and refusal.rule == "price_band"
    assert refusal.reason == "price 97.9 is 210.0 bps from mid 100 (band 200 bps)"


def test_position_limit_counts_the_position_and_open_orders_on_the_same_side() -> None:
    view = View(
        orders=[resting("b1", BUY, "1", "99"), resting("a1", SELL, "3", "101")],
        held=[Position(venue="v", symbol="BTC/USDT", quantity=Decimal(2), cost=Decimal(200))],
    )
    risk = engine(view, max_position={"BTC": "4"}, self_cross=False)
    assert risk.check(submit(BUY, "1")) is None  # 2 + 1 open + 1 = 4
    refusal = refused(risk, submit(BUY, "1.5"))
    assert refusal is not None and refusal.rule == "position"
    assert refusal.reason == "BTC position with open orders would reach 4.5 (limit ±4)"
    # sells: 2 - 3 open - 3 = -4 passes; one more step does not
    assert risk.check(submit(SELL, "3")) is None
    refusal = refused(risk, submit(SELL, "3.1"))
    assert refusal is not None and "-4.1" in refusal.reason
    # a modify replaces its order: b1 (1) → 2 gives 2 + 2 = 4
    modify = ModifyOrder(
        venue="v",
        symbol="BTC/USDT",
        client_order_id="b1",
        new_client_order_id="b1x",
        quantity=Decimal(2),
        ts_init=T0,
    )
    assert risk.check(modify) is None


def test_open_orders_per_strategy() -> None:
    view = View(orders=[resting("b1", BUY, "1", "90"), resting("b2", BUY, "1", "90", "s2")])
    risk = engine(view, max_open_orders=2)
    assert risk.check(submit(BUY, "1")) is None
    view.orders.append(resting("b3", BUY, "1", "90"))
    refusal = refused(risk, submit(BUY, "1"))
    assert refusal.rule == "open_orders" and refusal.reason == "s1 has 2 open orders (limit 2)"
    assert risk.check(submit(BUY, "1", strategy="s2")) is None  # s2 has its own count


def test_order_rate_window_slides() -> None:
    clock = TestClock(T0)
    risk = engine(View(), clock, max_orders_per_window=2, rate_window_ms=1000, breaches_to_halt=9)
    assert risk.check(submit(BUY, "1")) is None
    assert risk.check(submit(BUY, "1")) is None
    refusal = refused(risk, submit(BUY, "1"))
    assert refusal.rule == "order_rate"
    assert refusal.reason == "s1 placed 2 orders in the last 1000 ms (limit 2)"
    clock.advance_by(SECOND_NS)
    assert risk.check(submit(BUY, "1")) is None  # refused orders did not count


def test_self_cross_against_our_resting_orders_on_the_same_book() -> None:
    view = View(orders=[resting("a1", SELL, "1", "101", strategy="other")])
    risk = engine(view)
    assert risk.check(submit(BUY, "1", "100.99")) is None
    refusal = refused(risk, submit(BUY, "1", "101"))
    assert refusal is not None and refusal.rule == "self_cross"
    assert refusal.reason == "BUY at 101 would trade with our SELL a1 at 101"
    # a market buy takes the best ask first: ours at 101 only when it is the best ask
    view.bid, view.ask = Decimal("99"), Decimal("100.5")
    assert risk.check(submit(BUY, "1", None)) is None
    view.ask = Decimal(101)
    refusal = refused(risk, submit(BUY, "1", None))
    assert refusal.reason == "BUY at market would trade with our SELL a1 at 101"
    view.bid = view.ask = None  # no book: any resting sell of ours may be hit
    assert refused(risk, submit(BUY, "1", None)).rule == "self_cross"
    assert engine(view, self_cross=False).check(submit(BUY, "1", "101")) is None


def test_breaches_take_a_strategy_to_reducing_then_halted() -> None:
    view = View(
        held=[Position(venue="v", symbol="BTC/USDT", quantity=Decimal(2), cost=Decimal(200))]
    )
    risk = engine(view, max_order_notional="1000", breaches_to_halt=3)
    halted: list[tuple[Scope, str]] = []
    risk.on_halt(lambda scope, key: halted.append((scope, key)))

    assert risk.check(submit(BUY, "20")) is not None  # breach 1: notional
    assert risk.state(Scope.STRATEGY, "s1") is TradingState.REDUCING
    assert risk.state() is TradingState.ACTIVE
    assert risk.check(submit(BUY, "1", strategy="s2")) is None  # others unaffected
    # REDUCING: a sell within the long position passes, a buy or a flipping sell does not
    assert risk.check(submit(SELL, "1.5")) is None
    view.orders.append(resting("a1", SELL, "1.5", "100"))
    refusal = risk.check(submit(SELL, "1"))  # 1.5 open + 1 > 2 held: breach 2
    assert refusal is not None and refusal.rule == "state"
    assert refusal.reason == (
        "strategy s1 is REDUCING: SELL 1 with 1.5 already open would flip the BTC position 2"
    )
    assert halted == []
    refusal = risk.check(submit(BUY, "1"))  # breach 3
    assert refusal is not None and "does not reduce the BTC position 2" in refusal.reason
    assert risk.state(Scope.STRATEGY, "s1") is TradingState.HALTED
    assert halted == [(Scope.STRATEGY, "s1")]
    refusal = risk.check(submit(SELL, "0.1"))
    assert refusal is not None and refusal.reason == "strategy s1 is HALTED"
    assert risk.states()["strategy:s1"] == "halted"
    risk.resume(Scope.STRATEGY, "s1")
    assert risk.check(submit(BUY, "1", "99")) is None


def test_venue_and_global_states_apply_to_every_strategy() -> None:
    view = View(
        held=[Position(venue="v", symbol="BTC/USDT", quantity=Decimal(-1), cost=Decimal(-100))]
    )
    risk = engine(view)
    risk.set_state(Scope.VENUE, "v", TradingState.REDUCING, "maintenance")
    assert risk.check(submit(BUY, "1")) is None  # buys back the short
    refusal = risk.check(submit(SELL, "1"))
    assert refusal is not None and refusal.reason.startswith("venue v is REDUCING")
    # a venue or global state does not count as the strategy's breach
    assert risk.state(Scope.STRATEGY, "s1") is TradingState.ACTIVE
    with pytest.raises(ValueError, match="needs a name"):
        risk.set_state(Scope.VENUE, "", TradingState.HALTED, "x")


def test_limits_refuse_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ValidationError, match="max_notional"):
        RiskLimits.model_validate({"max_notional": "1"})
    with pytest.raises(ValidationError, match="max_position"):
        RiskLimits.model_validate({"max_position": {"BTC": "-1"}})
    with pytest.raises(ValidationError):
        RiskLimits.model_validate({"max_order_notional": "0"})
    limits = RiskLimits.model_validate({"max_order_notional": "2.5", "max_position": {"BTC": 1}})
    assert limits.max_order_notional == Decimal("2.5") and limits.max_position["BTC"] == 1
    with pytest.raises(ValidationError):
        limits.self_cross = False
