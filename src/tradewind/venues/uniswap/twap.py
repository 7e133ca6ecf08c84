"""A v3 pool's time-weighted average price from its own oracle (``observe``), as OracleLibrary
computes it: the arithmetic mean tick over the window, rounded toward negative infinity.

    twap(w3, pool, window_s) -> Decimal     quote per base (human units)

The pool must have kept enough observations (``increaseObservationCardinalityNext``; the local
seeding asks for 64) and be older than the window, or ``observe`` reverts ("OLD"), which is
raised as ``TwapUnavailableError``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError

from tradewind.chain.contracts import load_artifact
from tradewind.chain.uniswap.v3_math import get_sqrt_ratio_at_tick
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind, price_from_sqrt

__all__ = ["TwapUnavailableError", "mean_tick", "twap"]


class TwapUnavailableError(RuntimeError):
    """The pool cannot answer for that window (too young, too few observations, not v3)."""


def mean_tick(tick_cumulative_start: int, tick_cumulative_end: int, window_s: int) -> int:
    """OracleLibrary.consult's mean tick: the difference over the window, toward -infinity."""
    delta = tick_cumulative_end - tick_cumulative_start
    tick = _trunc_div(delta, window_s)
    if delta < 0 and delta % window_s != 0:
        tick -= 1
    return tick


def _trunc_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b > 0) else -quotient


async def twap(w3: AsyncWeb3[Any], pool: PoolInfo, window_s: int) -> Decimal:
    """Mean price of the last ``window_s`` seconds, quote per base."""
    if pool.kind is not PoolKind.V3:
        raise TwapUnavailableError(f"{pool.symbol}: TWAP needs a v3 pool")
    if window_s <= 0:
        raise TwapUnavailableError(f"window_s must be > 0, got {window_s}")
    contract = w3.eth.contract(
        address=to_checksum_address(pool.address), abi=load_artifact("UniswapV3Pool").abi_list()
    )
    try:
        cumulatives, _ = await contract.functions.observe([window_s, 0]).call()
    except ContractLogicError as exc:
        raise TwapUnavailableError(f"{pool.symbol}: observe({window_s}s) reverted: {exc}") from exc
    tick = mean_tick(int(cumulatives[0]), int(cumulatives[1]), window_s)
    return price_from_sqrt(pool, get_sqrt_ratio_at_tick(tick))
