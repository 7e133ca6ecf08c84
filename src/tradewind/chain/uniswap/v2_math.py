"""Uniswap v2 pair math, exact in integers, as UniswapV2Library computes it (0.3 % fee).

    get_amount_out(amount_in, reserve_in, reserve_out)   what an exact input buys
    get_amount_in(amount_out, reserve_in, reserve_out)   what an exact output costs

Amounts and reserves are token base units. The pair charges 3/1000 of the input; the router
quotes with these same formulas, so a local quote equals the swap's result to the wei.
"""

from __future__ import annotations

__all__ = [
    "FEE_DENOMINATOR",
    "FEE_NUMERATOR",
    "InsufficientReservesError",
    "V2MathError",
    "get_amount_in",
    "get_amount_out",
]

FEE_NUMERATOR = 997
FEE_DENOMINATOR = 1000


class V2MathError(ValueError):
    """An amount or reserve the library would reject (INSUFFICIENT_*_AMOUNT / LIQUIDITY)."""


class InsufficientReservesError(V2MathError):
    """The pair does not hold enough of the output token for the amount asked."""


def _check(amount: int, reserve_in: int, reserve_out: int, what: str) -> None:
    if amount <= 0:
        raise V2MathError(f"{what} must be > 0 base units, got {amount}")
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientReservesError("the pair has no liquidity")


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Output base units for ``amount_in`` (UniswapV2Library.getAmountOut)."""
    _check(amount_in, reserve_in, reserve_out, "amount_in")
    amount_in_with_fee = amount_in * FEE_NUMERATOR
    return (amount_in_with_fee * reserve_out) // (reserve_in * FEE_DENOMINATOR + amount_in_with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Input base units needed for ``amount_out`` (UniswapV2Library.getAmountIn)."""
    _check(amount_out, reserve_in, reserve_out, "amount_out")
    if amount_out >= reserve_out:
        raise InsufficientReservesError(
            f"amount_out {amount_out} >= the pair's reserve {reserve_out}"
        )
    numerator = reserve_in * amount_out * FEE_DENOMINATOR
    denominator = (reserve_out - amount_out) * FEE_NUMERATOR
    return numerator // denominator + 1
