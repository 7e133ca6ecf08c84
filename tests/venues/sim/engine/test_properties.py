"""Property tests: random order flows over several accounts and two symbols, with every order
type, time in force, STP mode, cancels and tight balances. After every operation:

- no book is crossed at rest;
- no free or locked balance is negative;
- every fill is at or better than its order's limit, and makers trade at their own price;
- every asset's total over all accounts (fee account included) is unchanged;
- each account's locked balance equals what its open orders still hold;
- a rejected operation changed nothing;
and at the end the whole state survives an export / restore round trip.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.venues.sim.engine import (
    FEE_ACCOUNT,
    NewOrder,
    OrderStatus,
    OrderType,
    OrderUpdated,
    Side,
    SimError,
    StpMode,
    TimeInForce,
)

ACCOUNTS = ("alice", "bob", "carol")
# symbol -> (mid price in ticks, tick, step, base, quote)
MARKETS = {
    "BTCUSDT": (3_000_000, D("0.01"), D("0.00001"), "BTC", "USDT"),
    "ETHBTC": (5_000, D("0.00001"), D("0.0001"), "ETH", "BTC"),
}

account_st = st.sampled_from(ACCOUNTS)
symbol_st = st.sampled_from(sorted(MARKETS))
side_st = st.sampled_from([Side.BUY, Side.SELL])
stp_st = st.sampled_from(list(StpMode))

limit_st = st.tuples(
    st.just("limit"), account_st, symbol_st, side_st,
    st.sampled_from([OrderType.LIMIT, OrderType.LIMIT, OrderType.LIMIT_MAKER]),
    st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    st.integers(1, 12000), st.integers(-15, 15), stp_st,
)  # fmt: skip
market_st = st.tuples(
    st.just("market"), account_st, symbol_st, side_st, st.booleans(), st.integers(1, 12000), stp_st
)
cancel_st = st.tuples(st.just("cancel"), account_st, symbol_st, st.integers(0, 50))
cancel_all_st = st.tuples(st.just("cancel_all"), account_st, symbol_st)
clock_st = st.tuples(st.just("clock"), st.integers(1, 200_000))
op_st = st.one_of(limit_st, limit_st, market_st, cancel_st, cancel_all_st, clock_st)


def to_order(op: tuple[Any, ...]) -> NewOrder:
    if op[0] == "limit":
        _, _, symbol, side, order_type, tif, steps, offset, stp = op
        mid, tick, step, _, _ = MARKETS[symbol]
        # buys lean above the mid and sells below, so many cross
        ticks = mid + offset + (3 if side is Side.BUY else -3)
        return NewOrder(
            symbol, side, order_type, quantity=steps * step, price=ticks * tick,
            time_in_force=tif if order_type is OrderType.LIMIT else None, stp_mode=stp,
        )  # fmt: skip
    _, _, symbol, side, by_quote, steps, stp = op
    mid, tick, step, _, _ = MARKETS[symbol]
    if by_quote:
        return NewOrder(
            symbol, side, OrderType.MARKET, quote_order_qty=steps * step * mid * tick, stp_mode=stp
        )
    return NewOrder(symbol, side, OrderType.MARKET, quantity=steps * step, stp_mode=stp)


def seed_books(h: Any) -> None:
    """Four levels a side on both symbols, from all three accounts, so takers find liquidity."""
    for symbol, (mid, tick, step, _, _) in MARKETS.items():
        for level in range(1, 5):
            for i, account in enumerate(ACCOUNTS):
                qty = (100 + 50 * i) * step
                h.engine.place(
                    account,
                    NewOrder(
                        symbol,
                        Side.BUY,
                        OrderType.LIMIT,
                        quantity=qty,
                        price=(mid - level) * tick,
                        time_in_force=TimeInForce.GTC,
                    ),
                )
                h.engine.place(
                    account,
                    NewOrder(
                        symbol,
                        Side.SELL,
                        OrderType.LIMIT,
                        quantity=qty,
                        price=(mid + level) * tick,
                        time_in_force=TimeInForce.GTC,
                    ),
                )


def fingerprint(engine: Any, with_update_ids: bool = True) -> Any:
    depths = [engine.depth(s, 1000) for s in MARKETS]
    return (
        {a: engine.balances(a) for a in (*ACCOUNTS, FEE_ACCOUNT)},
        depths if with_update_ids else [(d.bids, d.asks) for d in depths],
        [engine.open_orders(a) for a in ACCOUNTS],
        [engine.all_orders(a, s, limit=1000) for a in ACCOUNTS for s in MARKETS],
    )


def check_invariants(engine: Any, totals: dict[str, D]) -> None:
    for symbol in MARKETS:
        bid, ask = engine.best_bid_ask(symbol)
        if bid is not None and ask is not None:
            assert bid[0] < ask[0], f"{symbol} crossed: {bid} / {ask}"
    assert engine.total_by_asset() == totals
    for account in (*ACCOUNTS, FEE_ACCOUNT):
        balances = engine.balances(account)
        for asset, (free, locked) in balances.items():
            assert free >= 0 and locked >= 0, (account, asset, free, locked)
        held: dict[str, D] = {}
        for order in engine.open_orders(account):
            _, _, _, base, quote = MARKETS[order.symbol]
            assert order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
            remaining = order.orig_qty - order.executed_qty
            assert remaining > 0
            if order.side is Side.BUY:
                held[quote] = held.get(quote, D(0)) + order.price * remaining
            else:
                held[base] = held.get(base, D(0)) + remaining
        for asset, (_, locked) in balances.items():
            assert locked == held.get(asset, D(0)), (account, asset, locked, held)


def check_fills(events: list[Any]) -> None:
    for event in events:
        if not isinstance(event, OrderUpdated) or event.fill is None:
            continue
        order, fill = event.order, event.fill
        assert fill.order_id == order.order_id and fill.account_id == order.account_id
        if fill.is_maker:
            assert fill.price == order.price
        elif order.type is not OrderType.MARKET:
            if order.side is Side.BUY:
                assert fill.price <= order.price
            else:
                assert fill.price >= order.price


@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op_st, min_size=5, max_size=60))
def test_random_flows_keep_every_invariant(
    make_harness: Any, btc: Any, ethbtc: Any, ops: list[tuple[Any, ...]]
) -> None:
    h = make_harness([btc(min_notional=D(1)), ethbtc(min_notional=D("0.00001"))])
    for name in ACCOUNTS:
        h.fund(name, USDT="3000", BTC="0.2", ETH="3")
    seed_books(h)
    totals = h.engine.total_by_asset()
    for op in ops:
        h.events.clear()
        before = fingerprint(h.engine)
        try:
            if op[0] in ("limit", "market"):
                order = to_order(op)
                result = h.engine.place(op[1], order)
                assert result.order.executed_qty == sum((f.qty for f in result.fills), D(0))
                assert result.order.cumulative_quote_qty == sum(
                    (f.quote_qty for f in result.fills), D(0)
                )
                if result.order.status is OrderStatus.FILLED and order.quantity is not None:
                    assert result.order.executed_qty == order.quantity
            elif op[0] == "cancel":
                open_orders = h.engine.open_orders(op[1], op[2])
                if open_orders:
                    target = open_orders[op[3] % len(open_orders)]
                    view = h.engine.cancel(op[1], op[2], order_id=target.order_id)
                    assert view.status is OrderStatus.CANCELED
                else:
                    h.engine.cancel(op[1], op[2], order_id=10**9)
            elif op[0] == "cancel_all":
                h.engine.cancel_all(op[1], op[2])
            else:
                h.clock.advance(op[1])
        except SimError:
            assert fingerprint(h.engine) == before
            assert h.events == []
        check_fills(h.events)
        check_invariants(h.engine, totals)
    # whatever happened survives an export / restore round trip
    state = h.engine.export_state()
    twin = make_harness([btc(min_notional=D(1)), ethbtc(min_notional=D("0.00001"))])
    twin.clock.now = h.clock.now
    twin.engine.restore_state(state)
    # (re-resting orders moves the update ids on; everything else is equal)
    assert fingerprint(twin.engine, False) == fingerprint(h.engine, False)
    assert twin.engine.export_state().orders == state.orders
    check_invariants(twin.engine, totals)
