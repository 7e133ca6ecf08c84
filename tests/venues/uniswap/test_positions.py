"""v3 positions as a capability: mint, increase, decrease, collect through the published
NonfungiblePositionManager; the pool book sees the liquidity move; bad ranges are refused."""

from __future__ import annotations

import pytest
from tests.venues.uniswap.conftest import DEX_CHAIN, Dex

from tradewind.chain.keys import HotKey
from tradewind.chain.tx import TransactionManager
from tradewind.venues.uniswap.positions import InvalidPositionError, Positions
from tradewind.venues.uniswap.state import V3PoolState

POOL = "WETH/USDC@3000"


def _positions(dex: Dex) -> Positions:
    key = HotKey.from_private_key(dex.local.users[0].private_key, source="anvil-dev")
    chain = dex.local.registry.chain(DEX_CHAIN)
    tx = TransactionManager(dex.w3, key, chain_id=chain.chain_id, poll_interval_s=0.02)
    return Positions(dex.w3, tx, chain)


async def test_mint_increase_decrease_collect(dex: Dex) -> None:
    positions = _positions(dex)
    pool = dex.pools[POOL]
    for token in (pool.token0, pool.token1):
        await positions.approve(token.address, intent=f"approve-{token.symbol}")
    state = dex.book.state(POOL)
    assert isinstance(state, V3PoolState)
    lower = state.tick // 60 * 60 - 600
    upper = lower + 1800
    minted = await positions.mint(pool, lower, upper, 30_000 * 10**6, 10 * 10**18, intent="m1")
    assert minted.liquidity > 0 and minted.amount0 > 0 and minted.amount1 > 0
    held = await positions.position(minted.token_id)
    assert (held.tick_lower, held.tick_upper, held.liquidity) == (lower, upper, minted.liquidity)

    more = await positions.increase(minted.token_id, 3_000 * 10**6, 10**18, intent="m2")
    assert more.token_id == minted.token_id and more.liquidity > 0
    total = minted.liquidity + more.liquidity

    await dex.sync()
    after = dex.book.state(POOL)
    assert isinstance(after, V3PoolState)
    assert after.liquidity == state.liquidity + total

    removed = await positions.decrease(minted.token_id, total, intent="m3")
    assert removed.amount0 > 0 and removed.amount1 > 0
    collected = await positions.collect(minted.token_id, intent="m4")
    assert (collected.amount0, collected.amount1) == (removed.amount0, removed.amount1)
    assert (await positions.position(minted.token_id)).liquidity == 0

    with pytest.raises(InvalidPositionError, match="holds 0 liquidity"):
        await positions.decrease(minted.token_id, 1, intent="m5")


@pytest.mark.parametrize(
    ("lower", "upper", "message"),
    [(600, 0, "empty"), (61, 600, "multiples of 60"), (-887_280, 0, "out of bounds")],
)
async def test_a_bad_range_is_refused_before_anything_is_sent(
    dex: Dex, lower: int, upper: int, message: str
) -> None:
    positions = _positions(dex)
    with pytest.raises(InvalidPositionError, match=message):
        await positions.mint(dex.pools[POOL], lower, upper, 1, 1, intent="bad")
    with pytest.raises(InvalidPositionError, match="v3 pools only"):
        await positions.mint(dex.pools["WETH/USDC@v2"], 0, 60, 1, 1, intent="bad2")
