"""Fixtures for the transaction manager tests: a web3 client and a manager factory on a fresh
anvil node (``anvil_arbitrum`` from tests/fixtures/chain.py), signing with dev account #1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import pytest
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.keys import HotKey
from tradewind.chain.nodes import AnvilNode
from tradewind.chain.tx import TransactionManager, TxRequest
from tradewind.core.clock import SimulatedClock

POLL_S = 0.02


class ManagerFactory(Protocol):
    def __call__(self, **overrides: Any) -> TransactionManager: ...


Eventually = Callable[[Callable[[], Awaitable[bool]]], Awaitable[None]]


@pytest.fixture
async def w3(anvil_arbitrum: AnvilNode) -> AsyncIterator[AsyncWeb3[Any]]:
    client: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(anvil_arbitrum.rpc_url))
    try:
        yield client
    finally:
        await client.provider.disconnect()


@pytest.fixture
def desk_key() -> HotKey:
    return HotKey.from_private_key(ANVIL_DEV_ACCOUNTS[1].private_key, source="anvil-dev-1")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def make_manager(
    w3: AsyncWeb3[Any], desk_key: HotKey, clock: SimulatedClock, anvil_arbitrum: AnvilNode
) -> ManagerFactory:
    """A manager on the fresh node; stuck transactions are replaced only when the test moves
    the simulated clock past ``resubmit_after_s`` (default 60 s)."""

    def make(**overrides: Any) -> TransactionManager:
        options: dict[str, Any] = {
            "chain_id": anvil_arbitrum.chain_id,
            "clock": clock,
            "poll_interval_s": POLL_S,
            "resubmit_after_s": 60.0,
        }
        options.update(overrides)
        return TransactionManager(w3, desk_key, **options)

    return make


@pytest.fixture
def eventually() -> Eventually:
    """Await until an async predicate holds (polling); fails the test after 20 s."""

    async def wait(predicate: Callable[[], Awaitable[bool]]) -> None:
        async with asyncio.timeout(20):
            while not await predicate():
                await asyncio.sleep(POLL_S)

    return wait


def transfer(to: str, value: int = 1) -> Callable[[], Awaitable[TxRequest]]:
    async def build() -> TxRequest:
        return TxRequest(to=to, value=value)

    return build


@pytest.fixture
def transfer_to() -> Callable[..., Callable[[], Awaitable[TxRequest]]]:
    """``transfer_to(address, wei)``: a builder of a plain ETH transfer."""
    return transfer


@pytest.fixture
async def mock_usdc(make_manager: ManagerFactory) -> Any:
    """MockUSDC deployed by the desk key through the manager itself; returns the contract."""
    artifact = load_artifact("MockUSDC")
    manager = make_manager()

    async def build() -> TxRequest:
        return TxRequest(to=None, data=artifact.bytecode)

    sent = await manager.send("deploy-usdc", build)
    assert sent.contract_address is not None
    return manager._w3.eth.contract(address=sent.contract_address, abi=artifact.abi_list())
