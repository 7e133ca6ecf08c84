"""Swaps through the routers: a fill with its tx hash and gas, a rejection with the revert
reason and no fill when the slippage bound is beaten, reorged pool updates retracted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.venues.uniswap.conftest import DEX_CHAIN, Dex

from tradewind.chain.events import ChainEvent, ChainEventRetracted, EventFollower
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import TransactionManager
from tradewind.core.enums import OrderSide
from tradewind.venues.uniswap.book import PoolBook
from tradewind.venues.uniswap.execution import (
    _GAS_MARGIN,
    SwapFilled,
    SwapRejected,
    SwapRequest,
    UniswapExecutor,
)
from tradewind.venues.uniswap.state import V3PoolState

POOL = "WETH/USDC@3000"


def _executor(dex: Dex) -> UniswapExecutor:
    key = HotKey.from_private_key(dex.local.users[0].private_key, source="anvil-dev")
    chain = dex.local.registry.chain(DEX_CHAIN)
    tx = TransactionManager(dex.w3, key, chain_id=chain.chain_id, poll_interval_s=0.02)
    return UniswapExecutor(dex.w3, tx, dex.book, chain)


async def _balance(dex: Dex, key: str) -> int:
    contract = dex.client.contract(DEX_CHAIN, key)
    return int(await contract.functions.balanceOf(dex.trader).call())


def _follower(dex: Dex, book: PoolBook, confirmations: int) -> EventFollower:
    chain = dex.local.registry.chain(DEX_CHAIN)
    return EventFollower(
        dex.w3,
        chain_id=chain.chain_id,
        filters=book.filters(),
        start_block=0,
        confirmations=confirmations,
    )


@pytest.mark.parametrize(("pool", "exact"), [(POOL, "in"), (POOL, "out"), ("WBTC/USDC@v2", "in")])
async def test_a_swap_becomes_a_fill_with_its_tx_hash_and_gas(
    dex: Dex, pool: str, exact: str
) -> None:
    executor = _executor(dex)
    usdc_before = await _balance(dex, "MockUSDC")
    amount = 5_000 * 10**6  # USDC in (exact in) or out (exact out)
    token_in = "USDC" if exact == "in" else dex.pools[pool].base.symbol
    result = await executor.swap(
        SwapRequest(
            client_order_id=f"t-{exact}", pool=pool, token_in=token_in, amount=amount, exact=exact
        )  # type: ignore[arg-type]
    )
    assert isinstance(result, SwapFilled), result
    fill = result.fill
    assert fill.venue_order_id == result.tx_hash and fill.trade_id.startswith(result.tx_hash)
    assert fill.side is (OrderSide.BUY if exact == "in" else OrderSide.SELL)
    assert (result.amount_in, result.amount_out) == (
        result.quote.amount_in,
        result.quote.amount_out,
    )
    # the estimate runs on the state before the block the swap lands in (a v3 pool's oracle
    # write depends on that block's timestamp), so gas used may pass it by a little; never the
    # limit sent with the transaction, the estimate plus its margin
    assert result.gas_estimate is not None
    assert 0 < result.gas_used <= result.gas_estimate * _GAS_MARGIN
    usdc_after = await _balance(dex, "MockUSDC")
    assert usdc_after - usdc_before == (-amount if exact == "in" else amount)
    # the book learns the swap from the pool's own log
    await dex.sync()
    state = dex.book.state(pool)
    if isinstance(state, V3PoolState):
        assert state.sqrt_price_x96 == result.quote.sqrt_price_after_x96


@pytest.mark.parametrize("pool", [POOL, "WBTC/USDC@v2"])
async def test_the_deadline_counts_from_the_chain_clock_not_this_machines(
    dex: Dex, pool: str
) -> None:
    # A chain whose clock runs ten minutes ahead of this machine's (as a node's clock may, or this
    # session's chain after tests that warp time): a deadline counted from the local clock
    # would have passed there before the swap was sent, and the router would revert it.
    node = dex.local.nodes[DEX_CHAIN]
    await node.request("evm_increaseTime", 600)
    await node.mine(1)
    result = await _executor(dex).swap(
        SwapRequest(client_order_id="late-clock", pool=pool, token_in="USDC", amount=10**9)
    )
    assert isinstance(result, SwapFilled), result


@pytest.mark.parametrize("simulate", [True, False])
async def test_a_swap_beyond_its_slippage_bound_is_rejected_with_the_reason_and_no_fill(
    dex: Dex, simulate: bool
) -> None:
    executor = _executor(dex)
    # someone else buys first; our book has not seen it, so our quote is stale
    other = _executor(dex)
    front = await other.swap(
        SwapRequest(client_order_id="front", pool=POOL, token_in="USDC", amount=400_000 * 10**6)
    )
    assert isinstance(front, SwapFilled)
    usdc_before = await _balance(dex, "MockUSDC")
    weth_before = await _balance(dex, "WETH9")
    result = await executor.swap(
        SwapRequest(
            client_order_id="late",
            pool=POOL,
            token_in="USDC",
            amount=10_000 * 10**6,
            max_slippage_bps=Decimal(10),
            simulate=simulate,
        )
    )
    assert isinstance(result, SwapRejected)
    assert "Too little received" in result.reason
    assert (result.tx_hash is not None) is (not simulate)  # on chain only when sent blind
    assert await _balance(dex, "MockUSDC") == usdc_before
    assert await _balance(dex, "WETH9") == weth_before


async def test_a_reorg_retracts_the_pool_updates_it_undid(dex: Dex) -> None:
    book = PoolBook(list(dex.pools.values()))
    follower = _follower(dex, book, confirmations=4)

    async def sync() -> list[ChainEvent]:
        events = await follower.poll()
        for event in events:
            book.on_event(event)
        return events

    await sync()
    before = book.state(POOL)
    node = dex.local.nodes[DEX_CHAIN]
    snapshot = await node.snapshot()
    result = await _executor(dex).swap(
        SwapRequest(client_order_id="undone", pool=POOL, token_in="USDC", amount=50_000 * 10**6)
    )
    assert isinstance(result, SwapFilled)
    await sync()
    assert book.state(POOL) != before  # seen, not yet confirmed
    await node.revert(snapshot)
    await node.mine(2)
    events = await sync()
    assert any(isinstance(e, ChainEventRetracted) for e in events)
    assert book.state(POOL) == before
