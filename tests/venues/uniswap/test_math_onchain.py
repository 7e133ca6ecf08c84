"""Random swaps on the deployed Uniswap pools: the local quote (pure integer math over the state
read from the pools' logs) equals what the pool did, to the wei, across tick crossings and fee
tiers; v2 likewise."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from tests.venues.uniswap.conftest import DEX_CHAIN, TOKEN_KEYS, Dex
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from tradewind.venues.uniswap.quotes import InsufficientLiquidityError, mid_price, quote
from tradewind.venues.uniswap.state import V2PairState, V3PoolState

V3_POOLS = ["WETH/USDC@3000", "WETH/USDC@500", "WBTC/USDC@3000", "SOL/USDC@3000"]
V2_PAIRS = ["WETH/USDC@v2", "WBTC/USDC@v2"]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _amount(dex: Dex, symbol: str, token: str, notional_usd: float) -> int:
    pool = dex.pools[symbol]
    info = pool.token(token)
    if token == pool.quote.symbol:
        human = Decimal(str(notional_usd))
    else:
        human = Decimal(str(notional_usd)) / mid_price(pool, dex.book.state(symbol))
    return max(1, int(human.scaleb(info.decimals)))


async def _swap_v3(dex: Dex, symbol: str, token_in: str, amount: int, exact: str) -> Any:
    pool = dex.pools[symbol]
    token_out = pool.token1 if token_in == pool.token0.symbol else pool.token0
    router = dex.client.contract(DEX_CHAIN, "SwapRouter")
    deadline = int(time.time()) + 600
    if exact == "in":
        call = router.functions.exactInputSingle(
            (
                pool.token(token_in).address,
                token_out.address,
                pool.fee_pips,
                dex.trader,
                deadline,
                amount,
                0,
                0,
            )
        )
    else:
        call = router.functions.exactOutputSingle(
            (
                pool.token(token_in).address,
                token_out.address,
                pool.fee_pips,
                dex.trader,
                deadline,
                amount,
                2**256 - 1,
                0,
            )
        )
    receipt = await dex.client.transact(DEX_CHAIN, call, dex.trader)
    contract = dex.w3.eth.contract(address=pool.address, abi=_pool_abi())
    (swap,) = [
        entry
        for entry in contract.events.Swap().process_receipt(receipt, errors=DISCARD)
        if entry["address"] == pool.address
    ]
    return swap["args"]


async def _balance(dex: Dex, symbol: str) -> int:
    key = TOKEN_KEYS[symbol]
    contract = dex.client.contract(DEX_CHAIN, key)
    return int(await contract.functions.balanceOf(dex.trader).call())


def _pool_abi() -> list[dict[str, Any]]:
    from tradewind.chain.contracts import load_artifact

    return load_artifact("UniswapV3Pool").abi_list()


@SETTINGS
@given(
    symbol=st.sampled_from(V3_POOLS),
    sell_base=st.booleans(),
    exact=st.sampled_from(["in", "out"]),
    notional_usd=st.floats(min_value=0.01, max_value=2_500_000),
)
@example(symbol="WETH/USDC@500", sell_base=True, exact="in", notional_usd=1_500_000)
@example(symbol="WBTC/USDC@3000", sell_base=False, exact="out", notional_usd=1_200_000)
@example(symbol="SOL/USDC@3000", sell_base=False, exact="in", notional_usd=2_000_000)
async def test_v3_local_quote_equals_the_pool_to_the_wei(
    dex: Dex, symbol: str, sell_base: bool, exact: str, notional_usd: float
) -> None:
    pool = dex.pools[symbol]
    token_in = pool.base.symbol if sell_base else pool.quote.symbol
    token_out = pool.quote.symbol if sell_base else pool.base.symbol
    amount = _amount(dex, symbol, token_in if exact == "in" else token_out, notional_usd)
    state = dex.book.state(symbol)
    assert isinstance(state, V3PoolState)
    node = dex.local.nodes[DEX_CHAIN]
    snapshot = await node.snapshot()
    try:
        try:
            local = quote(pool, state, token_in=token_in, amount=amount, exact=exact)  # type: ignore[arg-type]
        except InsufficientLiquidityError:
            local = None
        if local is None:
            try:
                await _swap_v3(dex, symbol, token_in, amount, exact)
            except (AssertionError, ContractLogicError):
                # the router refuses a partial exact output (or its price runs to the bound
                # and the input cannot be paid): no swap either way
                return
            raise AssertionError("the pool filled a swap the local math said it cannot")
        # an exact output near the whole pool costs more than the trader holds
        assume(local.amount_in <= await _balance(dex, token_in))
        onchain = await _swap_v3(dex, symbol, token_in, amount, exact)
        zero_for_one = token_in == pool.token0.symbol
        paid, got = (
            (onchain["amount0"], -onchain["amount1"])
            if zero_for_one
            else (onchain["amount1"], -onchain["amount0"])
        )
        assert (local.amount_in, local.amount_out) == (paid, got)
        assert local.sqrt_price_after_x96 == onchain["sqrtPriceX96"]
    finally:
        await node.revert(snapshot)


async def test_a_large_v3_swap_crosses_initialised_ticks_and_still_matches(dex: Dex) -> None:
    symbol = "WETH/USDC@500"
    pool = dex.pools[symbol]
    state = dex.book.state(symbol)
    amount = _amount(dex, symbol, "WETH", 1_800_000)
    local = quote(pool, state, token_in="WETH", amount=amount, exact="in")
    assert local.ticks_crossed >= 1
    onchain = await _swap_v3(dex, symbol, "WETH", amount, "in")
    zero_for_one = pool.token0.symbol == "WETH"
    got = -onchain["amount1"] if zero_for_one else -onchain["amount0"]
    assert local.amount_out == got
    assert local.price_impact_bps > 0


@SETTINGS
@given(
    symbol=st.sampled_from(V2_PAIRS),
    sell_base=st.booleans(),
    exact=st.sampled_from(["in", "out"]),
    notional_usd=st.floats(min_value=0.01, max_value=900_000),
)
async def test_v2_local_quote_equals_the_pair_to_the_wei(
    dex: Dex, symbol: str, sell_base: bool, exact: str, notional_usd: float
) -> None:
    pool = dex.pools[symbol]
    token_in = pool.base.symbol if sell_base else pool.quote.symbol
    token_out = pool.quote.symbol if sell_base else pool.base.symbol
    amount = _amount(dex, symbol, token_in if exact == "in" else token_out, notional_usd)
    state = dex.book.state(symbol)
    assert isinstance(state, V2PairState)
    local = quote(pool, state, token_in=token_in, amount=amount, exact=exact)  # type: ignore[arg-type]
    assume(local.amount_in <= await _balance(dex, token_in))
    router = dex.client.contract(DEX_CHAIN, "UniswapV2Router02")
    path = [pool.token(token_in).address, pool.token(token_out).address]
    deadline = int(time.time()) + 600
    node = dex.local.nodes[DEX_CHAIN]
    snapshot = await node.snapshot()
    try:
        if exact == "in":
            call = router.functions.swapExactTokensForTokens(amount, 0, path, dex.trader, deadline)
        else:
            call = router.functions.swapTokensForExactTokens(
                amount, 2**256 - 1, path, dex.trader, deadline
            )
        amounts = await call.call({"from": dex.trader})
        await dex.client.transact(DEX_CHAIN, call, dex.trader)
        assert (local.amount_in, local.amount_out) == (amounts[0], amounts[1])
        pair = dex.w3.eth.contract(address=pool.address, abi=_pair_abi())
        reserve0, reserve1, _ = await pair.functions.getReserves().call()
        zero_for_one = token_in == pool.token0.symbol
        expected = (
            (state.reserve0 + local.amount_in, state.reserve1 - local.amount_out)
            if zero_for_one
            else (state.reserve0 - local.amount_out, state.reserve1 + local.amount_in)
        )
        assert (reserve0, reserve1) == expected
    finally:
        await node.revert(snapshot)


def _pair_abi() -> list[dict[str, Any]]:
    from tradewind.chain.contracts import load_artifact

    return load_artifact("UniswapV2Pair").abi_list()
