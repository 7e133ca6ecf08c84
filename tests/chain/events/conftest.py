"""Fixtures for the event follower tests: a fresh anvil node (``anvil_arbitrum``) with MockUSDC
deployed twice — the followed token and a look-alike the follower must ignore."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import pytest
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract.async_contract import AsyncContract

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.events import EventFilter, EventFollower
from tradewind.chain.nodes import AnvilNode

DEPLOYER = ANVIL_DEV_ACCOUNTS[0].address


class FollowerFactory(Protocol):
    def __call__(self, **overrides: Any) -> EventFollower: ...


Faucet = Callable[..., Awaitable[str]]


@pytest.fixture
async def w3(anvil_arbitrum: AnvilNode) -> AsyncIterator[AsyncWeb3[Any]]:
    client: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(anvil_arbitrum.rpc_url))
    try:
        yield client
    finally:
        await client.provider.disconnect()


async def _deploy_usdc(w3: AsyncWeb3[Any]) -> AsyncContract:
    artifact = load_artifact("MockUSDC")
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    tx_hash = await factory.constructor().transact({"from": DEPLOYER})
    receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi_list())


@pytest.fixture
async def usdc(w3: AsyncWeb3[Any]) -> AsyncContract:
    return await _deploy_usdc(w3)


@pytest.fixture
async def fake_usdc(w3: AsyncWeb3[Any], usdc: AsyncContract) -> AsyncContract:
    return await _deploy_usdc(w3)


@pytest.fixture
def transfer_filter(usdc: AsyncContract) -> EventFilter:
    return EventFilter(usdc.address, event_abi("MockUSDC", "Transfer"), "usdc_transfer")


@pytest.fixture
def faucet(w3: AsyncWeb3[Any]) -> Faucet:
    """``await faucet(token, to, amount)``: mint through the token's faucet; returns the tx hash
    (0x-hex). With automine off the transaction waits in the mempool."""

    async def mint(token: AsyncContract, to: str, amount: int, *, wait: bool = True) -> str:
        tx_hash = await token.functions.faucet(to, amount).transact({"from": DEPLOYER})
        if wait:
            await w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
        return "0x" + bytes(tx_hash).hex()

    return mint


@pytest.fixture
def make_follower(
    w3: AsyncWeb3[Any], anvil_arbitrum: AnvilNode, transfer_filter: EventFilter
) -> FollowerFactory:
    """A follower of the USDC Transfer events from block 0, 3 confirmations deep."""

    def make(**overrides: Any) -> EventFollower:
        options: dict[str, Any] = {
            "chain_id": anvil_arbitrum.chain_id,
            "filters": [transfer_filter],
            "confirmations": 3,
            "poll_interval": 0.02,
            "start_block": 0,
        }
        options.update(overrides)
        return EventFollower(w3, **options)

    return make
