"""Depth snapshots and diffs: aggregation, ordering, update ids, and a local book kept by
Binance's documented procedure staying equal to the engine's."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.venues.sim.engine import DepthChanges, NewOrder, OrderType, Side, SimError, StpMode
from tradewind.venues.sim.engine import TimeInForce as TIF

BUY, SELL = Side.BUY, Side.SELL


def test_depth_aggregates_per_price_best_first(h: Any) -> None:
    h.limit("alice", BUY, "0.1", "29000")
    h.limit("bob", BUY, "0.2", "29000")
    h.limit("alice", BUY, "0.3", "29500")
    h.limit("bob", SELL, "0.4", "31000")
    h.limit("carol", SELL, "0.5", "30500")
    depth = h.engine.depth("BTCUSDT")
    assert depth.bids == [(D("29500"), D("0.3")), (D("29000"), D("0.3"))]
    assert depth.asks == [(D("30500"), D("0.5")), (D("31000"), D("0.4"))]
    assert depth.last_update_id == 5
    assert h.engine.depth("BTCUSDT", 1).bids == [(D("29500"), D("0.3"))]
    assert h.engine.best_bid_ask("BTCUSDT") == ((D("29500"), D("0.3")), (D("30500"), D("0.5")))
    with pytest.raises(ValueError):
        h.engine.depth("BTCUSDT", 0)


def test_depth_changes_report_current_quantities_with_contiguous_ids(h: Any) -> None:
    e = h.engine
    assert e.take_depth_changes("BTCUSDT") is None
    a = h.limit("alice", BUY, "0.1", "29000").order
    h.limit("bob", BUY, "0.2", "29000")
    first = e.take_depth_changes("BTCUSDT")
    assert first == DepthChanges(1, 2, [(D("29000"), D("0.3"))], [])
    assert e.take_depth_changes("BTCUSDT") is None
    e.cancel("alice", "BTCUSDT", order_id=a.order_id)
    h.market("carol", SELL, qty="0.2")  # takes bob's 0.2: the level goes away
    second = e.take_depth_changes("BTCUSDT")
    assert second == DepthChanges(3, 4, [(D("29000"), D(0))], [])
    assert e.depth("BTCUSDT").last_update_id == 4


def apply(book: dict[str, dict[D, D]], changes: DepthChanges) -> None:
    for side, levels in (("bids", changes.bids), ("asks", changes.asks)):
        for price, qty in levels:
            if qty == 0:
                book[side].pop(price, None)
            else:
                book[side][price] = qty


def as_book(snapshot: Any) -> dict[str, dict[D, D]]:
    return {"bids": dict(snapshot.bids), "asks": dict(snapshot.asks)}


def random_op(h: Any, rng: random.Random) -> None:
    account = rng.choice(["alice", "bob", "carol"])
    roll = rng.random()
    try:
        if roll < 0.55:
            side = rng.choice([BUY, SELL])
            ticks = rng.randint(-30, 30) + (2_999_990 if side is BUY else 3_000_010)
            h.engine.place(
                account,
                NewOrder(
                    "BTCUSDT",
                    side,
                    OrderType.LIMIT,
                    quantity=D(rng.randint(2, 40)) / 10000,
                    price=D(ticks) / 100,
                    time_in_force=rng.choice([TIF.GTC, TIF.GTC, TIF.IOC]),
                    stp_mode=rng.choice(list(StpMode)),
                ),
            )
        elif roll < 0.8:
            open_orders = h.engine.open_orders(account, "BTCUSDT")
            if open_orders:
                h.engine.cancel(account, "BTCUSDT", order_id=rng.choice(open_orders).order_id)
        else:
            h.market(
                account,
                rng.choice([BUY, SELL]),
                qty=str(D(rng.randint(2, 60)) / 10000),
                stp=rng.choice(list(StpMode)),
            )
    except SimError:
        pass


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    snapshot_at=st.integers(0, 60),
    drains=st.sets(st.integers(0, 120), min_size=5, max_size=60),
)
def test_a_local_book_from_snapshot_and_diffs_equals_the_engine(
    make_harness: Any, btc: Any, seed: int, snapshot_at: int, drains: set[int]
) -> None:
    """The stream drains diffs at random moments; a client starts listening at the beginning,
    buffers, takes a snapshot at a random moment, then follows Binance's rules: drop diffs with
    u <= lastUpdateId, the first applied one has U <= lastUpdateId + 1 <= u, every next one
    has U == previous u + 1."""
    h = make_harness([btc()], emit_events=False)
    for name in ("alice", "bob", "carol"):
        h.fund(name, USDT="10000000", BTC="1000")
    rng = random.Random(seed)
    buffered: list[DepthChanges] = []
    snapshot = None
    # a client that has followed the stream from the empty book equals depth() at every drain
    follower: dict[str, dict[D, D]] = {"bids": {}, "asks": {}}
    for step in range(120):
        random_op(h, rng)
        if step in drains:
            changes = h.engine.take_depth_changes("BTCUSDT")
            if changes is not None:
                buffered.append(changes)
                apply(follower, changes)
            assert follower == as_book(h.engine.depth("BTCUSDT", 5000))
        if step == snapshot_at:
            snapshot = h.engine.depth("BTCUSDT", 5000)
    final = h.engine.take_depth_changes("BTCUSDT")
    if final is not None:
        buffered.append(final)
    assert snapshot is not None
    book = as_book(snapshot)
    last = snapshot.last_update_id
    previous_u: int | None = None
    for changes in buffered:
        if changes.final_update_id <= last:
            continue
        if previous_u is None:
            assert changes.first_update_id <= last + 1 <= changes.final_update_id
        else:
            assert changes.first_update_id == previous_u + 1
        apply(book, changes)
        previous_u = changes.final_update_id
    assert book == as_book(h.engine.depth("BTCUSDT", 5000))
    # and no diff was ever empty or out of order
    for earlier, later in itertools.pairwise(buffered):
        assert later.first_update_id == earlier.final_update_id + 1
