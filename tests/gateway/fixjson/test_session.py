"""Session admission without a network: clock window edges, sequence, replay memory, rates."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.core.clock import SimulatedClock
from tradewind.gateway.fixjson import (
    AccountKey,
    FixSession,
    GatewayLimits,
    MessageRejected,
    ReplayGuard,
    WeightedRateLimiter,
    sign_message,
)
from tradewind.gateway.fixjson.limits import InvalidGatewayLimits
from tradewind.gateway.fixjson.rate_limit import InvalidRateLimit
from tradewind.gateway.fixjson.signing import address_of
from tradewind.gateway.fixjson.wire_types import iso_from_ns

KEY = "0x" + "a1" * 32
ADDRESS = address_of(KEY)
S = 1_000_000_000
T0 = 1_735_689_600_000_000_000


def make_session(clock: SimulatedClock, limits: GatewayLimits | None = None) -> FixSession:
    limits = limits or GatewayLimits(rate_capacity=1000)
    return FixSession(
        comp_id="TRADEWIND",
        limits=limits,
        clock=clock,
        rate_limiter=WeightedRateLimiter(
            capacity=limits.rate_capacity,
            refill_per_second=limits.rate_refill_per_second,
            clock=clock,
        ),
        replay_guard=ReplayGuard(retention_ns=limits.replay_retention_ns),
    )


def quote(seq_num: int, ts_ns: int, *, sign: bool = True, quote_id: str = "q") -> str:
    body: dict[str, Any] = {
        "standard_header": {
            "msg_type": "NewQuoteRequest",
            "sender_comp_id": "ALICE",
            "target_comp_id": "TRADEWIND",
            "seq_num": seq_num,
            "timestamp": iso_from_ns(ts_ns),
        },
        "chain_id": 1,
        "address": ADDRESS,
        "client_quote_id": quote_id,
        "symbol": "TW10",
        "side": "buy",
        "amount": "1",
    }
    return json.dumps(sign_message(body, KEY) if sign else body)


def refusal(session: FixSession, raw: str) -> str:
    with pytest.raises(MessageRejected) as info:
        session.admit(raw)
    return info.value.reason.value


def test_clock_window_is_inclusive_at_60_seconds() -> None:
    clock = SimulatedClock(T0)
    session = make_session(clock)
    assert session.admit(quote(1, T0 - 60 * S)).seq_num == 1
    assert session.admit(quote(2, T0 + 60 * S)).seq_num == 2
    clock.advance_by(1_000_000)  # 1 ms later the same offsets are 1 ms too far
    assert refusal(session, quote(3, T0 - 60 * S)) == "stale_timestamp"
    assert refusal(session, quote(3, clock.now_ns() + 60 * S + 1_000_000)) == "stale_timestamp"


def test_refusal_changes_nothing() -> None:
    clock = SimulatedClock(T0)
    session = make_session(clock)
    assert refusal(session, quote(1, T0 - 61 * S)) == "stale_timestamp"
    assert (session.last_seq_num, session.client_comp_id, session.accounts) == (0, None, set())
    session.admit(quote(1, T0))
    assert session.accounts == {AccountKey(1, ADDRESS)}
    assert session.last_seq_num == 1


def test_unsigned_messages_do_not_bind_the_account() -> None:
    clock = SimulatedClock(T0)
    session = make_session(clock)
    session.admit(quote(1, T0, sign=False))
    assert session.accounts == set()


def test_replay_guard_is_shared_and_forgets_after_retention() -> None:
    clock = SimulatedClock(T0)
    limits = GatewayLimits(rate_capacity=1000)
    guard = ReplayGuard(retention_ns=limits.replay_retention_ns)
    limiter = WeightedRateLimiter(capacity=1000, refill_per_second=1, clock=clock)

    def new_session() -> FixSession:
        return FixSession(
            comp_id="TRADEWIND",
            limits=limits,
            clock=clock,
            rate_limiter=limiter,
            replay_guard=guard,
        )

    frame = quote(1, T0)
    new_session().admit(frame)
    assert refusal(new_session(), frame) == "replayed"
    # unsigned copies are not remembered (nothing to replay: they move no money)
    unsigned = quote(1, T0, sign=False)
    new_session().admit(unsigned)
    new_session().admit(unsigned)
    assert len(guard) == 1
    clock.advance_by(120 * S)
    assert refusal(new_session(), frame) == "stale_timestamp"
    assert len(guard) == 1
    new_session().admit(quote(1, clock.now_ns(), quote_id="q2"))
    assert len(guard) == 1  # the first digest expired when the second was stored


def test_rate_limiter_exact_refill_and_cap() -> None:
    clock = SimulatedClock(T0)
    limiter = WeightedRateLimiter(
        capacity=10, refill_per_second=Decimal("0.5"), clock=clock, weights={"Big": 10}
    )
    assert limiter.try_take("k", "Big")
    assert not limiter.try_take("k", "Big")
    assert limiter.available("k") == 0
    clock.advance_by(3 * S)
    assert limiter.available("k") == Fraction(3, 2)
    assert not limiter.try_take("k", "Big")  # refused takes nothing
    assert limiter.available("k") == Fraction(3, 2)
    assert limiter.try_take("k", "Small")  # default weight 1
    clock.advance_by(3600 * S)
    assert limiter.available("k") == 10  # capped
    assert limiter.available("other") == 10


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5 * S), st.sampled_from(["NewIndexOrder", "NewQuoteRequest"])),
        max_size=60,
    )
)
def test_rate_limiter_never_admits_more_than_capacity_plus_refill(
    steps: list[tuple[int, str]],
) -> None:
    clock = SimulatedClock(T0)
    limiter = WeightedRateLimiter(capacity=20, refill_per_second=3, clock=clock)
    spent = 0
    for advance, msg_type in steps:
        clock.advance_by(advance)
        if limiter.try_take("k", msg_type):
            spent += limiter.weight_of(msg_type)
        assert 0 <= limiter.available("k") <= 20
    elapsed_s = Fraction(clock.now_ns() - T0, S)
    assert spent <= 20 + 3 * elapsed_s


@pytest.mark.parametrize(
    "kwargs",
    [
        {"capacity": 0, "refill_per_second": 1},
        {"capacity": 10, "refill_per_second": 0},
        {"capacity": 4, "refill_per_second": 1},  # NewIndexOrder weighs 5
        {"capacity": 10, "refill_per_second": 1, "weights": {"X": 0}},
    ],
)
def test_rate_limiter_refuses_impossible_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRateLimit):
        WeightedRateLimiter(clock=SimulatedClock(T0), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_frame_bytes": 2048, "hard_frame_bytes": 1024},
        {"timestamp_window_ns": 0},
        {"timestamp_window_ns": 60 * S, "replay_retention_ns": 119 * S},
        {"allowed_chain_ids": frozenset()},
        {"outbound_queue_size": 0},
    ],
)
def test_limits_refuse_contradictions(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidGatewayLimits):
        GatewayLimits(**kwargs)
