"""Quotes from local pool math: exact input or exact output, with price impact.

    quote(pool, state, token_in=…, amount=…, exact="in"|"out") -> DexQuote

Amounts are token base units (int). ``DexQuote.price`` is the execution price in quote per base
(human units, Decimal); ``mid`` the pool's spot price before the swap; ``price_impact_bps`` how
much worse than the mid the trader's price is, fee included (>= 0 but for rounding).
Errors change nothing: ``InvalidQuoteError`` (zero/negative amount, token not in the pool),
``InsufficientLiquidityError`` (asks for more than the pool holds or can reach).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tradewind.chain.uniswap import v2_math, v3_math
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind, TokenInfo, price_from_sqrt
from tradewind.venues.uniswap.state import PoolState, V2PairState, V3PoolState

__all__ = [
    "DexQuote",
    "DexQuoteError",
    "InsufficientLiquidityError",
    "InvalidQuoteError",
    "mid_price",
    "quote",
]

Exact = Literal["in", "out"]


class DexQuoteError(ValueError):
    """Base of the quote errors."""


class InvalidQuoteError(DexQuoteError):
    """A quote request the pool cannot take: bad amount or token."""


class InsufficientLiquidityError(DexQuoteError):
    """The pool does not hold (or cannot reach within its price range) what is asked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DexQuote:
    """A local quote. Amounts in base units of ``token_in`` / ``token_out``; ``fee`` in
    ``token_in`` base units; prices quote per base (human units)."""

    pool: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    fee: int
    mid: Decimal
    price: Decimal
    price_impact_bps: Decimal
    sqrt_price_after_x96: int = 0
    ticks_crossed: int = 0


def _human(amount: int, token: TokenInfo) -> Decimal:
    return Decimal(amount).scaleb(-token.decimals)


def quote(
    pool: PoolInfo, state: PoolState, *, token_in: str, amount: int, exact: Exact = "in"
) -> DexQuote:
    """Quote a swap of ``token_in`` for the pool's other token, ``amount`` base units of the
    input (``exact="in"``) or of the output (``exact="out"``)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidQuoteError(f"{pool.symbol}: amount must be a positive integer, got {amount!r}")
    if exact not in ("in", "out"):
        raise InvalidQuoteError(f"exact must be 'in' or 'out', got {exact!r}")
    if token_in not in (pool.token0.symbol, pool.token1.symbol):
        raise InvalidQuoteError(f"{pool.symbol}: no token {token_in!r} in this pool")
    zero_for_one = token_in == pool.token0.symbol
    t_in, t_out = (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)
    if pool.kind is PoolKind.V2:
        assert isinstance(state, V2PairState)
        amount_in, amount_out, fee, after, crossed = _v2(state, zero_for_one, amount, exact)
        mid_price = _v2_mid(pool, state)
    else:
        assert isinstance(state, V3PoolState)
        amount_in, amount_out, fee, after, crossed = _v3(state, zero_for_one, amount, exact)
        mid_price = price_from_sqrt(pool, state.sqrt_price_x96)
    base_amount = amount_out if t_out is pool.base else amount_in
    quote_amount = amount_in if t_out is pool.base else amount_out
    if base_amount == 0 or quote_amount == 0:
        raise InsufficientLiquidityError(f"{pool.symbol}: {amount} base units trade to nothing")
    price = _human(quote_amount, pool.quote) / _human(base_amount, pool.base)
    buying_base = t_out is pool.base
    impact = (price - mid_price) / mid_price if buying_base else (mid_price - price) / mid_price
    return DexQuote(
        pool=pool.symbol,
        token_in=t_in.symbol,
        token_out=t_out.symbol,
        amount_in=amount_in,
        amount_out=amount_out,
        fee=fee,
        mid=mid_price,
        price=price,
        price_impact_bps=(impact * 10_000).quantize(Decimal("0.01")),
        sqrt_price_after_x96=after,
        ticks_crossed=crossed,
    )


def mid_price(pool: PoolInfo, state: PoolState) -> Decimal:
    """The pool's spot price, quote per base (human units), before any fee."""
    if isinstance(state, V3PoolState):
        if not state.initialized:
            raise InsufficientLiquidityError(f"{pool.symbol}: the pool is not initialised")
        return price_from_sqrt(pool, state.sqrt_price_x96)
    return _v2_mid(pool, state)


def _v2_mid(pool: PoolInfo, state: V2PairState) -> Decimal:
    if state.reserve0 == 0 or state.reserve1 == 0:
        raise InsufficientLiquidityError(f"{pool.symbol}: the pair has no liquidity")
    r0, r1 = _human(state.reserve0, pool.token0), _human(state.reserve1, pool.token1)
    return r1 / r0 if pool.base_is_token0 else r0 / r1


def _v2(
    state: V2PairState, zero_for_one: bool, amount: int, exact: Exact
) -> tuple[int, int, int, int, int]:
    r_in, r_out = (
        (state.reserve0, state.reserve1) if zero_for_one else (state.reserve1, state.reserve0)
    )
    try:
        if exact == "in":
            amount_in, amount_out = amount, v2_math.get_amount_out(amount, r_in, r_out)
        else:
            amount_in, amount_out = v2_math.get_amount_in(amount, r_in, r_out), amount
    except v2_math.InsufficientReservesError as exc:
        raise InsufficientLiquidityError(str(exc)) from None
    fee = amount_in - amount_in * v2_math.FEE_NUMERATOR // v2_math.FEE_DENOMINATOR
    return amount_in, amount_out, fee, 0, 0


def _v3(
    state: V3PoolState, zero_for_one: bool, amount: int, exact: Exact
) -> tuple[int, int, int, int, int]:
    if not state.initialized or (state.liquidity == 0 and not state.ticks):
        raise InsufficientLiquidityError("the pool has no liquidity")
    try:
        result = v3_math.swap(
            sqrt_price_x96=state.sqrt_price_x96,
            tick=state.tick,
            liquidity=state.liquidity,
            fee_pips=state.fee_pips,
            tick_spacing=state.tick_spacing,
            ticks=state.ticks,
            zero_for_one=zero_for_one,
            amount_specified=amount if exact == "in" else -amount,
        )
    except v3_math.InsufficientLiquidityError as exc:
        raise InsufficientLiquidityError(str(exc)) from None
    amount0, amount1 = result.amount0, result.amount1
    amount_in, amount_out = (amount0, -amount1) if zero_for_one else (amount1, -amount0)
    if (exact == "in" and amount_in != amount) or (exact == "out" and amount_out != amount):
        raise InsufficientLiquidityError(
            f"the pool's liquidity runs out before {amount} base units ({exact}put)"
        )
    return amount_in, amount_out, result.fee_paid, result.sqrt_price_x96, len(result.ticks_crossed)
