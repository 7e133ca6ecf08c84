"""Fixtures for the DEX venue tests: the session chains' seeded Uniswap pools (on "arbitrum"),
a funded trader (anvil dev account #3) and the pools' states read from their logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.fixtures.chain import ChainClient
from web3 import AsyncWeb3

from tradewind.chain.deploy import LocalChains
from tradewind.chain.events import EventFollower
from tradewind.venues.uniswap.book import PoolBook
from tradewind.venues.uniswap.pools import PoolInfo, discover_pools

DEX_CHAIN = "arbitrum"
MAX_UINT256 = 2**256 - 1
TOKEN_KEYS = {"USDC": "MockUSDC", "WETH": "WETH9", "WBTC": "MockERC20:WBTC", "SOL": "MockERC20:SOL"}


@dataclass
class Dex:
    """The seeded DEX on the session chain, a funded trader and a pool book read from logs."""

    local: LocalChains
    client: ChainClient
    w3: AsyncWeb3[Any]
    pools: dict[str, PoolInfo]
    book: PoolBook
    trader: str
    follower: EventFollower

    async def sync(self) -> None:
        """Feed the book every pool log up to the head."""
        for event in await self.follower.poll():
            self.book.on_event(event)
        await self.follower.commit()


async def fund(client: ChainClient, who: str) -> None:
    """Give ``who`` plenty of every pool token and approve both routers."""
    w3 = client.w3(DEX_CHAIN)
    for _ in range(8):
        await client.transact(
            DEX_CHAIN, client.contract(DEX_CHAIN, "MockUSDC").functions.faucet(who, 10**12), who
        )
    for key, amount in (("MockERC20:WBTC", 200 * 10**8), ("MockERC20:SOL", 50_000 * 10**9)):
        await client.transact(
            DEX_CHAIN, client.contract(DEX_CHAIN, key).functions.faucet(who, amount), who
        )
    weth = client.contract(DEX_CHAIN, "WETH9")
    tx = await weth.functions.deposit().transact({"from": who, "value": 4000 * 10**18})
    await w3.eth.wait_for_transaction_receipt(tx)
    chain = client.local.registry.chain(DEX_CHAIN)
    for spender in ("SwapRouter", "UniswapV2Router02"):
        for key in TOKEN_KEYS.values():
            await client.transact(
                DEX_CHAIN,
                client.contract(DEX_CHAIN, key).functions.approve(
                    chain.address(spender), MAX_UINT256
                ),
                who,
            )


@pytest.fixture
async def dex(chains: LocalChains, chain_client: ChainClient) -> AsyncIterator[Dex]:
    trader = chains.users[0].address
    await fund(chain_client, trader)
    w3 = chain_client.w3(DEX_CHAIN)
    chain = chains.registry.chain(DEX_CHAIN)
    pools = await discover_pools(w3, chain)
    book = PoolBook(pools)
    follower = EventFollower(
        w3, chain_id=chain.chain_id, filters=book.filters(), start_block=0, confirmations=1
    )
    result = Dex(chains, chain_client, w3, {p.symbol: p for p in pools}, book, trader, follower)
    await result.sync()
    yield result
