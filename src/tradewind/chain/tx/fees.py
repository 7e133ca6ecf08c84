"""EIP-1559 fees: what to offer per gas from the node's fee history, and how to bump a stuck one.

Pure functions over integers (wei per gas); the manager feeds them ``eth_feeHistory`` replies.

    offer    = fees_from_history(history, policy)
               priority = percentile tip of recent blocks, clamped to [min, max] of the policy
               max fee  = next base fee * (1 + headroom) + priority, refused above the cap
    replace  = bumped(previous, fresh, policy)
               both fields >= previous * (1 + bump) (nodes refuse a same-nonce replacement that
               raises either by less than 10-12.5 %), and never below what ``fresh`` asks now
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tradewind.chain.tx.errors import FeeCapExceededError, FeePolicyError

__all__ = ["MIN_BUMP_BPS", "FeeHistory", "FeePolicy", "Fees", "bumped", "fees_from_history"]

MIN_BUMP_BPS = 1250  # 12.5 %: geth's replacement rule is 10 %, some providers ask 12.5 %
_BPS = 10_000
GWEI = 10**9


def _ceil_bps(value: int, bps: int) -> int:
    return -(-value * bps // _BPS)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePolicy:
    """How much the desk offers per gas, in wei, and how it replaces a stuck transaction.

    ``reward_percentile``: which percentile of recent blocks' tips to pay (0-100).
    ``base_fee_headroom_bps``: max fee = next base fee * (1 + headroom) + tip, so a transaction
    stays includable while the base fee rises (10000 bps = +100 %, about 6 full blocks).
    ``bump_bps``: raise of both fee fields on a replacement, >= 1250 (12.5 %).
    ``gas_margin_bps``: gas limit = estimate * (1 + margin).
    ``max_fee_cap_wei``: the desk never offers more per gas than this.
    """

    history_blocks: int = 10
    reward_percentile: int = 50
    min_priority_fee_wei: int = 1_000_000  # 0.001 gwei: L2 sequencers take next to nothing
    max_priority_fee_wei: int = 5 * GWEI
    base_fee_headroom_bps: int = 10_000
    bump_bps: int = MIN_BUMP_BPS
    gas_margin_bps: int = 2_000
    max_fee_cap_wei: int = 500 * GWEI

    def __post_init__(self) -> None:
        for name in (
            "history_blocks",
            "reward_percentile",
            "min_priority_fee_wei",
            "max_priority_fee_wei",
            "base_fee_headroom_bps",
            "bump_bps",
            "gas_margin_bps",
            "max_fee_cap_wei",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FeePolicyError(f"FeePolicy.{name} must be an int >= 0, got {value!r}")
        if not 1 <= self.history_blocks <= 1024:
            raise FeePolicyError(f"history_blocks must be 1..1024, got {self.history_blocks}")
        if self.reward_percentile > 100:
            raise FeePolicyError(f"reward_percentile must be 0..100, got {self.reward_percentile}")
        if self.min_priority_fee_wei > self.max_priority_fee_wei:
            raise FeePolicyError("min_priority_fee_wei is above max_priority_fee_wei")
        if self.bump_bps < MIN_BUMP_BPS:
            raise FeePolicyError(
                f"bump_bps must be >= {MIN_BUMP_BPS} (12.5 %), got {self.bump_bps}"
            )
        if self.max_fee_cap_wei < self.min_priority_fee_wei or self.max_fee_cap_wei == 0:
            raise FeePolicyError("max_fee_cap_wei must be > 0 and >= min_priority_fee_wei")

    def gas_limit(self, estimate: int) -> int:
        """The gas limit to sign for a node's estimate: estimate plus the margin, rounded up."""
        return _ceil_bps(estimate, _BPS + self.gas_margin_bps)


@dataclass(frozen=True, slots=True)
class Fees:
    """An EIP-1559 fee offer in wei per gas: the most paid in total, and the tip within it."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if self.max_priority_fee_per_gas < 0 or self.max_fee_per_gas < 0:
            raise FeePolicyError(f"fees must be >= 0, got {self}")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise FeePolicyError(f"priority fee above max fee: {self}")


@dataclass(frozen=True, slots=True)
class FeeHistory:
    """``eth_feeHistory`` reduced to what pricing needs, in wei per gas.

    ``base_fees``: per block, the last entry being the *next* block's base fee.
    ``rewards``: per block, the tip at the requested percentile.
    """

    base_fees: Sequence[int]
    rewards: Sequence[int]

    @property
    def next_base_fee(self) -> int:
        return self.base_fees[-1] if self.base_fees else 0


def _median(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0


def fees_from_history(history: FeeHistory, policy: FeePolicy) -> Fees:
    """The offer for the next block. Raises FeeCapExceededError when even the next base fee
    plus the minimum tip is above the policy's cap (so nothing is sent that cannot land)."""
    tip = min(
        max(_median(history.rewards), policy.min_priority_fee_wei), policy.max_priority_fee_wei
    )
    base = history.next_base_fee
    needed = base + tip
    if needed > policy.max_fee_cap_wei:
        raise FeeCapExceededError(needed, policy.max_fee_cap_wei)
    max_fee = min(
        _ceil_bps(base, _BPS + policy.base_fee_headroom_bps) + tip, policy.max_fee_cap_wei
    )
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)


def bumped(previous: Fees, fresh: Fees, policy: FeePolicy) -> Fees | None:
    """The replacement offer at the same nonce, or None when the cap forbids a valid bump.

    Both fields rise by at least ``bump_bps`` over ``previous``; each is also at least what
    ``fresh`` (today's offer) asks, so a replacement is never cheaper than a new transaction.
    """
    tip = max(
        _ceil_bps(previous.max_priority_fee_per_gas, _BPS + policy.bump_bps),
        fresh.max_priority_fee_per_gas,
    )
    max_fee = max(
        _ceil_bps(previous.max_fee_per_gas, _BPS + policy.bump_bps), fresh.max_fee_per_gas, tip
    )
    # A zero fee stays zero under any percentage: one wei more is still a strict raise.
    if tip == previous.max_priority_fee_per_gas:
        tip += 1
    if max_fee <= previous.max_fee_per_gas:
        max_fee = max(previous.max_fee_per_gas + 1, tip)
    if max_fee > policy.max_fee_cap_wei:
        return None
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)
