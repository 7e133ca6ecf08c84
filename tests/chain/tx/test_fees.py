"""EIP-1559 pricing and replacement bumps: pure functions, checked on invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.chain.tx import (
    FeeCapExceededError,
    FeeHistory,
    FeePolicy,
    FeePolicyError,
    Fees,
    bumped,
    fees_from_history,
)

GWEI = 10**9
wei = st.integers(min_value=0, max_value=10**12)


@st.composite
def fees(draw: st.DrawFn) -> Fees:
    tip = draw(wei)
    return Fees(max_fee_per_gas=tip + draw(wei), max_priority_fee_per_gas=tip)


policies = st.builds(
    FeePolicy,
    bump_bps=st.integers(min_value=1250, max_value=5000),
    max_fee_cap_wei=st.just(10**13),
    min_priority_fee_wei=st.integers(min_value=0, max_value=GWEI),
)


@given(previous=fees(), fresh=fees(), policy=policies)
def test_a_bump_raises_both_fields_by_at_least_the_policy(
    previous: Fees, fresh: Fees, policy: FeePolicy
) -> None:
    new = bumped(previous, fresh, policy)
    if new is None:
        return
    factor = 10_000 + policy.bump_bps
    assert new.max_fee_per_gas * 10_000 >= previous.max_fee_per_gas * factor
    assert new.max_priority_fee_per_gas * 10_000 >= previous.max_priority_fee_per_gas * factor
    assert new.max_fee_per_gas > previous.max_fee_per_gas
    assert new.max_priority_fee_per_gas > previous.max_priority_fee_per_gas
    assert new.max_fee_per_gas >= fresh.max_fee_per_gas
    assert new.max_priority_fee_per_gas >= fresh.max_priority_fee_per_gas
    assert new.max_priority_fee_per_gas <= new.max_fee_per_gas <= policy.max_fee_cap_wei


@given(previous=fees(), policy=policies)
def test_a_bump_above_the_cap_is_refused_not_clipped(previous: Fees, policy: FeePolicy) -> None:
    new = bumped(previous, previous, policy)
    needed = -(-previous.max_fee_per_gas * (10_000 + policy.bump_bps) // 10_000)
    assert (new is None) == (max(needed, previous.max_fee_per_gas + 1) > policy.max_fee_cap_wei)


def test_offer_from_history() -> None:
    history = FeeHistory(base_fees=[GWEI, GWEI, 2 * GWEI], rewards=[3, 10**8, 5 * 10**7])
    offer = fees_from_history(history, FeePolicy())
    assert offer == Fees(max_fee_per_gas=4 * GWEI + 5 * 10**7, max_priority_fee_per_gas=5 * 10**7)


def test_tip_is_clamped_to_the_policy() -> None:
    policy = FeePolicy(min_priority_fee_wei=GWEI, max_priority_fee_wei=2 * GWEI)
    low = fees_from_history(FeeHistory(base_fees=[0], rewards=[0, 0]), policy)
    high = fees_from_history(FeeHistory(base_fees=[0], rewards=[9 * GWEI]), policy)
    assert low.max_priority_fee_per_gas == GWEI
    assert high.max_priority_fee_per_gas == 2 * GWEI


def test_offer_above_the_cap_is_refused() -> None:
    policy = FeePolicy(max_fee_cap_wei=10 * GWEI)
    with pytest.raises(FeeCapExceededError) as info:
        fees_from_history(FeeHistory(base_fees=[10 * GWEI], rewards=[GWEI]), policy)
    assert info.value.cap_wei == 10 * GWEI
    # Within the cap but with less headroom than asked: clipped to the cap.
    offer = fees_from_history(FeeHistory(base_fees=[6 * GWEI], rewards=[GWEI]), policy)
    assert offer.max_fee_per_gas == 10 * GWEI


def test_gas_limit_margin_rounds_up() -> None:
    assert FeePolicy(gas_margin_bps=2000).gas_limit(21_000) == 25_200
    assert FeePolicy(gas_margin_bps=1).gas_limit(21_001) == 21_004


@pytest.mark.parametrize(
    "options",
    [
        {"bump_bps": 1000},
        {"history_blocks": 0},
        {"reward_percentile": 101},
        {"min_priority_fee_wei": 5, "max_priority_fee_wei": 4},
        {"max_fee_cap_wei": 0},
        {"gas_margin_bps": -1},
        {"base_fee_headroom_bps": 1.5},
    ],
)
def test_impossible_policies_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(FeePolicyError):
        FeePolicy(**options)  # type: ignore[arg-type]


def test_fees_with_a_tip_above_the_max_are_refused() -> None:
    with pytest.raises(FeePolicyError):
        Fees(max_fee_per_gas=1, max_priority_fee_per_gas=2)
