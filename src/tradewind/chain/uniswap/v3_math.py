"""Uniswap v3 pool math, exact in integers, as the v3-core libraries compute it.

    tick <-> sqrt price    get_sqrt_ratio_at_tick(tick) -> Q64.96, get_tick_at_sqrt_ratio(q)
    amounts                amount0_delta / amount1_delta (rounding up or down like SqrtPriceMath)
    one swap step          compute_swap_step(...) -> SwapStep (SwapMath.computeSwapStep)
    a whole swap           swap(pool_state, zero_for_one, amount_specified, limit) -> SwapResult

Prices are Q64.96 fixed point (``sqrtPriceX96 = sqrt(token1/token0) * 2**96``, token amounts in
base units); fees are in hundredths of a bip (``3000`` = 0.3 %). Every function mirrors the
Solidity line for line (TickMath, FullMath, SqrtPriceMath, SwapMath, UniswapV3Pool.swap), so a
quote made here equals the pool's result to the wei; the tests check that against the deployed
v3-core artifacts. Cost: a swap step is a handful of big-int multiplications (~µs).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "MAX_SQRT_RATIO",
    "MAX_TICK",
    "MIN_SQRT_RATIO",
    "MIN_TICK",
    "Q96",
    "InsufficientLiquidityError",
    "SwapResult",
    "SwapStep",
    "V3MathError",
    "amount0_delta",
    "amount1_delta",
    "compute_swap_step",
    "get_sqrt_ratio_at_tick",
    "get_tick_at_sqrt_ratio",
    "liquidity_for_amounts",
    "swap",
]

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
Q96 = 1 << 96
_RESOLUTION = 96
_MAX_UINT256 = (1 << 256) - 1
_MAX_UINT160 = (1 << 160) - 1
_FEE_DENOMINATOR = 1_000_000


class V3MathError(ValueError):
    """An input outside what the v3-core libraries accept (the pool would revert)."""


class InsufficientLiquidityError(V3MathError):
    """The pool cannot fill an exact-output amount: it runs out of liquidity on the way."""


def _mul_div(a: int, b: int, denominator: int) -> int:
    result = a * b // denominator
    if result > _MAX_UINT256:
        raise V3MathError("mulDiv overflow")
    return result


def _mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    result = -((-a * b) // denominator)
    if result > _MAX_UINT256:
        raise V3MathError("mulDiv overflow")
    return result


def _div_rounding_up(a: int, b: int) -> int:
    return -(-a // b)


_TICK_FACTORS = (
    (0x1, 0xFFFCB933BD6FAD37AA2D162D1A594001),
    (0x2, 0xFFF97272373D413259A46990580E213A),
    (0x4, 0xFFF2E50F5F656932EF12357CF3C7FDCC),
    (0x8, 0xFFE5CACA7E10E4E61C3624EAA0941CD0),
    (0x10, 0xFFCB9843D60F6159C9DB58835C926644),
    (0x20, 0xFF973B41FA98C081472E6896DFB254C0),
    (0x40, 0xFF2EA16466C96A3843EC78B326B52861),
    (0x80, 0xFE5DEE046A99A2A811C461F1969C3053),
    (0x100, 0xFCBE86C7900A88AEDCFFC83B479AA3A4),
    (0x200, 0xF987A7253AC413176F2B074CF7815E54),
    (0x400, 0xF3392B0822B70005940C7A398E4B70F3),
    (0x800, 0xE7159475A2C29B7443B29C7FA6E889D9),
    (0x1000, 0xD097F3BDFD2022B8845AD8F792AA5825),
    (0x2000, 0xA9F746462D870FDF8A65DC1F90E061E5),
    (0x4000, 0x70D869A156D2A1B890BB3DF62BAF32F7),
    (0x8000, 0x31BE135F97D08FD981231505542FCFA6),
    (0x10000, 0x9AA508B5B7A84E1C677DE54F3E99BC9),
    (0x20000, 0x5D6AF8DEDB81196699C329225EE604),
    (0x40000, 0x2216E584F5FA1EA926041BEDFE98),
    (0x80000, 0x48A170391F7DC42444E8FA2),
)


def get_sqrt_ratio_at_tick(tick: int) -> int:
    """``sqrt(1.0001**tick) * 2**96`` as TickMath.getSqrtRatioAtTick rounds it."""
    abs_tick = abs(tick)
    if abs_tick > MAX_TICK:
        raise V3MathError(f"tick {tick} outside [{MIN_TICK}, {MAX_TICK}]")
    ratio = 0x100000000000000000000000000000000
    for bit, factor in _TICK_FACTORS:
        if abs_tick & bit:
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = _MAX_UINT256 // ratio
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """The greatest tick whose sqrt ratio is <= ``sqrt_price_x96`` (TickMath.getTickAtSqrtRatio)."""
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise V3MathError(f"sqrt price {sqrt_price_x96} outside the v3 range")
    ratio = sqrt_price_x96 << 32
    msb = ratio.bit_length() - 1
    r = ratio >> (msb - 127) if msb >= 128 else ratio << (127 - msb)
    log_2 = (msb - 128) << 64
    for shift in range(63, 49, -1):
        r = (r * r) >> 127
        f = r >> 128
        log_2 |= f << shift
        r >>= f
    log_sqrt10001 = log_2 * 255738958999603826347141
    tick_low = (log_sqrt10001 - 3402992956809132418596140100660247210) >> 128
    tick_hi = (log_sqrt10001 + 291339464771989622907027621153398088495) >> 128
    if tick_low == tick_hi:
        return tick_low
    return tick_hi if get_sqrt_ratio_at_tick(tick_hi) <= sqrt_price_x96 else tick_low


def amount0_delta(sqrt_a: int, sqrt_b: int, liquidity: int, round_up: bool) -> int:
    """Token0 between two sqrt prices for ``liquidity`` (SqrtPriceMath.getAmount0Delta)."""
    if sqrt_a > sqrt_b:
        sqrt_a, sqrt_b = sqrt_b, sqrt_a
    if sqrt_a <= 0:
        raise V3MathError("sqrt price must be > 0")
    numerator1 = liquidity << _RESOLUTION
    numerator2 = sqrt_b - sqrt_a
    if round_up:
        return _div_rounding_up(_mul_div_rounding_up(numerator1, numerator2, sqrt_b), sqrt_a)
    return _mul_div(numerator1, numerator2, sqrt_b) // sqrt_a


def amount1_delta(sqrt_a: int, sqrt_b: int, liquidity: int, round_up: bool) -> int:
    """Token1 between two sqrt prices for ``liquidity`` (SqrtPriceMath.getAmount1Delta)."""
    if sqrt_a > sqrt_b:
        sqrt_a, sqrt_b = sqrt_b, sqrt_a
    if round_up:
        return _mul_div_rounding_up(liquidity, sqrt_b - sqrt_a, Q96)
    return _mul_div(liquidity, sqrt_b - sqrt_a, Q96)


def _next_from_amount0_rounding_up(sqrt_p: int, liquidity: int, amount: int, add: bool) -> int:
    if amount == 0:
        return sqrt_p
    numerator1 = liquidity << _RESOLUTION
    product = amount * sqrt_p
    if add:
        if product <= _MAX_UINT256:
            denominator = numerator1 + product
            if denominator >= numerator1 and denominator <= _MAX_UINT256:
                return _mul_div_rounding_up(numerator1, sqrt_p, denominator)
        return _div_rounding_up(numerator1, numerator1 // sqrt_p + amount)
    if product > _MAX_UINT256 or numerator1 <= product:
        raise InsufficientLiquidityError("not enough token0 liquidity for the output")
    denominator = numerator1 - product
    result = _mul_div_rounding_up(numerator1, sqrt_p, denominator)
    if result > _MAX_UINT160:
        raise V3MathError("sqrt price overflow")
    return result


def _next_from_amount1_rounding_down(sqrt_p: int, liquidity: int, amount: int, add: bool) -> int:
    if add:
        quotient = (
            (amount << _RESOLUTION) // liquidity
            if amount <= _MAX_UINT160
            else _mul_div(amount, Q96, liquidity)
        )
        result = sqrt_p + quotient
        if result > _MAX_UINT160:
            raise V3MathError("sqrt price overflow")
        return result
    quotient = (
        _div_rounding_up(amount << _RESOLUTION, liquidity)
        if amount <= _MAX_UINT160
        else _mul_div_rounding_up(amount, Q96, liquidity)
    )
    if sqrt_p <= quotient:
        raise InsufficientLiquidityError("not enough token1 liquidity for the output")
    return sqrt_p - quotient


def _next_sqrt_price_from_input(sqrt_p: int, liquidity: int, amount_in: int, zfo: bool) -> int:
    if zfo:
        return _next_from_amount0_rounding_up(sqrt_p, liquidity, amount_in, True)
    return _next_from_amount1_rounding_down(sqrt_p, liquidity, amount_in, True)


def _next_sqrt_price_from_output(sqrt_p: int, liquidity: int, amount_out: int, zfo: bool) -> int:
    if zfo:
        return _next_from_amount1_rounding_down(sqrt_p, liquidity, amount_out, False)
    return _next_from_amount0_rounding_up(sqrt_p, liquidity, amount_out, False)


@dataclass(frozen=True, slots=True)
class SwapStep:
    """One SwapMath.computeSwapStep: the price reached and the amounts in, out and fee (base
    units of the input/output tokens)."""

    sqrt_price_next_x96: int
    amount_in: int
    amount_out: int
    fee_amount: int


def compute_swap_step(
    sqrt_current: int,
    sqrt_target: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> SwapStep:
    """Swap within one tick range toward ``sqrt_target``; ``amount_remaining`` > 0 is exact
    input, < 0 exact output (SwapMath.computeSwapStep)."""
    zero_for_one = sqrt_current >= sqrt_target
    exact_in = amount_remaining >= 0
    amount_in = amount_out = 0
    if exact_in:
        remaining_less_fee = _mul_div(
            amount_remaining, _FEE_DENOMINATOR - fee_pips, _FEE_DENOMINATOR
        )
        amount_in = (
            amount0_delta(sqrt_target, sqrt_current, liquidity, True)
            if zero_for_one
            else amount1_delta(sqrt_current, sqrt_target, liquidity, True)
        )
        if remaining_less_fee >= amount_in:
            sqrt_next = sqrt_target
        else:
            sqrt_next = _next_sqrt_price_from_input(
                sqrt_current, liquidity, remaining_less_fee, zero_for_one
            )
    else:
        amount_out = (
            amount1_delta(sqrt_target, sqrt_current, liquidity, False)
            if zero_for_one
            else amount0_delta(sqrt_current, sqrt_target, liquidity, False)
        )
        if -amount_remaining >= amount_out:
            sqrt_next = sqrt_target
        else:
            sqrt_next = _next_sqrt_price_from_output(
                sqrt_current, liquidity, -amount_remaining, zero_for_one
            )
    is_max = sqrt_target == sqrt_next
    if zero_for_one:
        if not (is_max and exact_in):
            amount_in = amount0_delta(sqrt_next, sqrt_current, liquidity, True)
        if not (is_max and not exact_in):
            amount_out = amount1_delta(sqrt_next, sqrt_current, liquidity, False)
    else:
        if not (is_max and exact_in):
            amount_in = amount1_delta(sqrt_current, sqrt_next, liquidity, True)
        if not (is_max and not exact_in):
            amount_out = amount0_delta(sqrt_current, sqrt_next, liquidity, False)
    if not exact_in and amount_out > -amount_remaining:
        amount_out = -amount_remaining
    if exact_in and sqrt_next != sqrt_target:
        fee_amount = amount_remaining - amount_in
    else:
        fee_amount = _mul_div_rounding_up(amount_in, fee_pips, _FEE_DENOMINATOR - fee_pips)
    return SwapStep(sqrt_next, amount_in, amount_out, fee_amount)


@dataclass(frozen=True, slots=True)
class SwapResult:
    """What a swap does to a pool: the signed token deltas from the pool's side (positive =
    the pool receives, like the Swap event's ``amount0``/``amount1``), the final price, tick
    and in-range liquidity, the fees paid (input-token base units) and the ticks crossed."""

    amount0: int
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee_paid: int
    ticks_crossed: tuple[int, ...]


def swap(
    *,
    sqrt_price_x96: int,
    tick: int,
    liquidity: int,
    fee_pips: int,
    tick_spacing: int,
    ticks: Mapping[int, int],
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit_x96: int | None = None,
) -> SwapResult:
    """Simulate ``UniswapV3Pool.swap`` over the initialised ``ticks`` (tick -> liquidityNet,
    ticks multiples of ``tick_spacing``).

    ``amount_specified`` > 0 is exact input, < 0 exact output (base units). Without a price
    limit the swap may run to the v3 price bounds. Raises ``V3MathError`` where the pool
    reverts (zero amount, limit on the wrong side).
    """
    if amount_specified == 0:
        raise V3MathError("amount_specified must not be 0")
    if tick_spacing <= 0:
        raise V3MathError(f"tick_spacing must be > 0, got {tick_spacing}")
    if sqrt_price_limit_x96 is None:
        sqrt_price_limit_x96 = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    if zero_for_one:
        if not MIN_SQRT_RATIO < sqrt_price_limit_x96 < sqrt_price_x96:
            raise V3MathError("SPL: price limit must be below the current price")
    elif not sqrt_price_x96 < sqrt_price_limit_x96 < MAX_SQRT_RATIO:
        raise V3MathError("SPL: price limit must be above the current price")
    exact_in = amount_specified > 0
    ordered = sorted(ticks)
    remaining = amount_specified
    calculated = 0
    sqrt_p, current_tick, current_liquidity = sqrt_price_x96, tick, liquidity
    fee_paid = 0
    crossed: list[int] = []
    while remaining != 0 and sqrt_p != sqrt_price_limit_x96:
        tick_next, initialized = _next_initialized_tick(
            ordered, current_tick, tick_spacing, zero_for_one
        )
        tick_next = max(MIN_TICK, min(MAX_TICK, tick_next))
        sqrt_next_tick = get_sqrt_ratio_at_tick(tick_next)
        if zero_for_one:
            target = max(sqrt_next_tick, sqrt_price_limit_x96)
        else:
            target = min(sqrt_next_tick, sqrt_price_limit_x96)
        step = compute_swap_step(sqrt_p, target, current_liquidity, remaining, fee_pips)
        sqrt_start, sqrt_p = sqrt_p, step.sqrt_price_next_x96
        if exact_in:
            remaining -= step.amount_in + step.fee_amount
            calculated -= step.amount_out
        else:
            remaining += step.amount_out
            calculated += step.amount_in + step.fee_amount
        fee_paid += step.fee_amount
        if sqrt_p == sqrt_next_tick:
            if initialized:
                net = ticks[tick_next]
                current_liquidity += -net if zero_for_one else net
                if current_liquidity < 0:
                    raise V3MathError("liquidity underflow: inconsistent tick map")
                crossed.append(tick_next)
            current_tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_p != sqrt_start:
            current_tick = get_tick_at_sqrt_ratio(sqrt_p)
    if zero_for_one == exact_in:
        amount0, amount1 = amount_specified - remaining, calculated
    else:
        amount0, amount1 = calculated, amount_specified - remaining
    return SwapResult(
        amount0=amount0,
        amount1=amount1,
        sqrt_price_x96=sqrt_p,
        tick=current_tick,
        liquidity=current_liquidity,
        fee_paid=fee_paid,
        ticks_crossed=tuple(crossed),
    )


def _next_initialized_tick(
    ordered: list[int], tick: int, spacing: int, lte: bool
) -> tuple[int, bool]:
    """TickBitmap.nextInitializedTickWithinOneWord over the sorted initialised ticks: the next
    initialised tick within the current 256-tick bitmap word, else the word's edge
    (uninitialised). Stopping at word edges matters: each step rounds on its own."""
    compressed = tick // spacing  # floor, as the pool's "compressed--" for negative ticks
    if lte:
        bit_pos = compressed % 256
        word_start = compressed - bit_pos
        index = bisect_right(ordered, compressed * spacing) - 1
        if index >= 0 and ordered[index] // spacing >= word_start:
            return ordered[index], True
        return word_start * spacing, False
    compressed += 1
    bit_pos = compressed % 256
    word_end = compressed + (255 - bit_pos)
    index = bisect_left(ordered, compressed * spacing)
    if index < len(ordered) and ordered[index] // spacing <= word_end:
        return ordered[index], True
    return word_end * spacing, False


def liquidity_for_amounts(
    sqrt_price_x96: int, sqrt_a: int, sqrt_b: int, amount0: int, amount1: int
) -> int:
    """The most liquidity ``amount0``/``amount1`` buy in [sqrt_a, sqrt_b] at the current price
    (LiquidityAmounts.getLiquidityForAmounts of v3-periphery)."""
    if sqrt_a > sqrt_b:
        sqrt_a, sqrt_b = sqrt_b, sqrt_a

    def for0(lo: int, hi: int) -> int:
        return _mul_div(amount0, _mul_div(lo, hi, Q96), hi - lo)

    def for1(lo: int, hi: int) -> int:
        return _mul_div(amount1, Q96, hi - lo)

    if sqrt_price_x96 <= sqrt_a:
        return for0(sqrt_a, sqrt_b)
    if sqrt_price_x96 < sqrt_b:
        return min(for0(sqrt_price_x96, sqrt_b), for1(sqrt_a, sqrt_price_x96))
    return for1(sqrt_a, sqrt_b)
