"""export_state / restore_state: a round trip keeps everything, open orders keep their priority,
and a state that does not fit is refused without changing the engine."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import (
    FEE_ACCOUNT,
    EngineState,
    OrderStatus,
    Side,
)

BUY, SELL = Side.BUY, Side.SELL


def busy(h: Any) -> dict[str, int]:
    """Some history: fills, a partial fill, cancels, resting orders at one price from two
    accounts (bob's first), on both symbols."""
    ids = {}
    h.limit("bob", SELL, "0.3", "30000")
    h.market("alice", BUY, qty="0.1")  # bob partially filled
    ids["bob_old"] = h.engine.open_orders("bob", "BTCUSDT")[0].order_id
    h.clock.advance(1000)
    ids["carol"] = h.limit("carol", SELL, "0.2", "30000").order.order_id
    ids["bob_new"] = h.limit("bob", SELL, "0.2", "30000").order.order_id
    canceled = h.limit("alice", BUY, "0.1", "29000", client_order_id="gone").order
    h.engine.cancel("alice", "BTCUSDT", order_id=canceled.order_id)
    h.limit("alice", BUY, "0.5", "29500", client_order_id="keep")
    h.limit("carol", BUY, "0.01", "0.05", symbol="ETHBTC")
    # a quote-quantity market order sweeping two ETHBTC levels in one operation
    h.limit("bob", SELL, "0.1", "0.05001", symbol="ETHBTC")
    h.limit("carol", SELL, "0.1", "0.05002", symbol="ETHBTC")
    h.market("alice", BUY, quote="0.0075", symbol="ETHBTC")
    return ids


def comparable(state: EngineState) -> EngineState:
    # re-resting orders counts as book changes on top of the saved update id
    symbols = tuple(dataclasses.replace(s, update_id=0) for s in state.symbols)
    return dataclasses.replace(state, symbols=symbols)


def test_round_trip_keeps_everything(h: Any, make_harness: Any, btc: Any, ethbtc: Any) -> None:
    busy(h)
    state = h.engine.export_state()
    fresh = make_harness([btc(), ethbtc()])
    fresh.clock.now = h.clock.now
    fresh.engine.restore_state(state)
    again = fresh.engine.export_state()
    assert comparable(again) == comparable(state)
    for saved, now in zip(state.symbols, again.symbols, strict=True):
        assert now.update_id >= saved.update_id
    for account in ("alice", "bob", "carol", FEE_ACCOUNT):
        assert fresh.engine.balances(account) == h.engine.balances(account)
        assert fresh.engine.open_orders(account) == h.engine.open_orders(account)
    assert fresh.engine.depth("BTCUSDT").bids == h.engine.depth("BTCUSDT").bids
    assert fresh.engine.depth("BTCUSDT").asks == h.engine.depth("BTCUSDT").asks
    assert fresh.engine.avg_price("BTCUSDT") == h.engine.avg_price("BTCUSDT")
    assert fresh.engine.total_by_asset() == h.engine.total_by_asset()
    assert fresh.engine.get_order("alice", "BTCUSDT", client_order_id="gone").status is (
        OrderStatus.CANCELED
    )


def test_after_a_restore_both_engines_behave_identically(
    h: Any, make_harness: Any, btc: Any, ethbtc: Any
) -> None:
    ids = busy(h)
    fresh = make_harness([btc(), ethbtc()])
    fresh.clock.now = h.clock.now
    fresh.engine.restore_state(h.engine.export_state())
    results = []
    for harness in (h, fresh):
        harness.clock.advance(10)
        result = harness.market("alice", BUY, qty="0.35")
        results.append(result)
        # time priority survived: bob's old order, then carol's, then bob's newer one
        assert [(f.qty, f.price) for f in result.fills] == [
            (D("0.2"), D(30000)),
            (D("0.15"), D(30000)),
        ]
        carol = harness.engine.get_order("carol", "BTCUSDT", order_id=ids["carol"])
        assert carol.executed_qty == D("0.15")
        assert harness.engine.get_order("bob", "BTCUSDT", order_id=ids["bob_new"]).executed_qty == 0
    assert results[0] == results[1]
    # ids continue from where they were, trade ids per symbol too
    assert results[1].fills[0].trade_id == 2
    assert results[1].order.client_order_id == results[0].order.client_order_id


def test_restore_needs_a_fresh_engine(h: Any) -> None:
    state = h.engine.export_state()
    with pytest.raises(ValueError, match="fresh engine"):
        h.engine.restore_state(state)


def test_a_state_whose_locks_do_not_match_is_refused_untouched(
    h: Any, make_harness: Any, btc: Any, ethbtc: Any
) -> None:
    busy(h)
    state = h.engine.export_state()
    bad_accounts = tuple(
        dataclasses.replace(a, balances={**a.balances, "USDT": (a.balances["USDT"][0], D(0))})
        if a.account_id == "alice"
        else a
        for a in state.accounts
    )
    fresh = make_harness([btc(), ethbtc()])
    with pytest.raises(ValueError, match="locked USDT"):
        fresh.engine.restore_state(dataclasses.replace(state, accounts=bad_accounts))
    assert fresh.engine.depth("BTCUSDT").asks == []
    fresh.engine.restore_state(state)  # still fresh: the good state loads
    assert fresh.engine.depth("BTCUSDT").asks == h.engine.depth("BTCUSDT").asks


def test_a_state_for_unknown_symbols_or_accounts_is_refused(
    h: Any, make_harness: Any, btc: Any, ethbtc: Any
) -> None:
    busy(h)
    state = h.engine.export_state()
    only_btc = make_harness([btc()])
    with pytest.raises(ValueError, match="unknown symbol 'ETHBTC'"):
        only_btc.engine.restore_state(state)
    without_bob = dataclasses.replace(
        state, accounts=tuple(a for a in state.accounts if a.account_id != "bob")
    )
    fresh = make_harness([btc(), ethbtc()])
    with pytest.raises(ValueError, match="account 'bob' is not in the state"):
        fresh.engine.restore_state(without_bob)


def test_export_of_some_accounts(h: Any) -> None:
    busy(h)
    state = h.engine.export_state(["carol"])
    assert [a.account_id for a in state.accounts] == ["carol"]
    assert {o.account_id for o in state.orders} == {"carol"}
    assert {f.account_id for f in state.fills} <= {"carol"}
    assert state.next_order_id == h.engine.export_state().next_order_id


def test_same_inputs_give_the_same_state(make_harness: Any, btc: Any, ethbtc: Any) -> None:
    states = []
    for _ in range(2):
        h = make_harness([btc(), ethbtc()])
        for name in ("alice", "bob", "carol"):
            h.fund(name, USDT="1000000", BTC="100", ETH="1000")
        busy(h)
        h.market("carol", SELL, qty="0.3")
        states.append(h.engine.export_state())
    assert states[0] == states[1]
