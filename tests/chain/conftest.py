"""Shared fixtures for every chain test: local anvil nodes, with and without the desk's contracts.

Fixtures (scopes chosen to keep the number of anvil processes low):

- ``anvil_path`` (session): the anvil executable; skips (or fails under ``CI=true``) when the npm
  packages are not installed.
- ``anvil_arbitrum`` / ``anvil_base`` (function): a FRESH bare ``AnvilNode`` per test ("arbitrum"
  42161 / "base" 8453, automine, no contracts). A node starts in ~0.1 s, so tests may freely
  switch automine off, drop transactions, reorg or stop it.
- ``chain_session`` (session, sync): one ``ChainSet`` with the contracts deployed by
  ``deploy_local`` (anvil dev accounts: #0 deployer/admin, #1 desk, #2 relayer, #3..#9 users);
  shared by all tests of a worker. Use it through ``chains``; never stop its nodes.
- ``chains`` (function): the session's ``LocalChains`` (nodes + registry + roles), wrapped in a
  snapshot taken before the test and reverted after it, so each test sees the freshly deployed
  state. Teardown also switches automine back on and empties the mempools.
- ``chain_client`` (function): a ``ChainClient`` over ``chains`` — ``w3(chain)``,
  ``contract(chain, key)``, ``transact(chain, call, sender)``, ``revert_reason(call, sender)``,
  ``events(chain, key, event, receipt)`` — sending from anvil's unlocked dev accounts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract.async_contract import AsyncContract, AsyncContractFunction
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import EventData, TxReceipt

from tradewind.chain.contracts import (
    CONTRACT_NAMES,
    ContractsNotBuiltError,
    decode_custom_error,
    load_artifact,
)
from tradewind.chain.deploy import LocalChains, deploy_local
from tradewind.chain.nodes import (
    ARBITRUM,
    BASE,
    AnvilNode,
    AnvilNotInstalledError,
    ChainSet,
    find_anvil,
)

T = TypeVar("T")

_INSTALL_HINT = "run `make install` (npm packages)"


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: {_INSTALL_HINT}")
    pytest.skip(f"{reason}: {_INSTALL_HINT}")


def run_in_fresh_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion in its own loop on a worker thread.

    Session fixtures are synchronous (pytest-asyncio gives each test its own loop); running the
    coroutine on another thread leaves whatever loop state the test runner keeps untouched.
    """

    async def runner() -> T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


@pytest.fixture(scope="session")
def anvil_path() -> Path:
    try:
        return find_anvil()
    except AnvilNotInstalledError as exc:
        _missing(str(exc))
        raise  # unreachable: _missing always raises


@pytest.fixture
async def anvil_arbitrum(anvil_path: Path) -> AsyncIterator[AnvilNode]:
    async with AnvilNode(ARBITRUM.name, ARBITRUM.chain_id, anvil_path=anvil_path) as node:
        yield node


@pytest.fixture
async def anvil_base(anvil_path: Path) -> AsyncIterator[AnvilNode]:
    async with AnvilNode(BASE.name, BASE.chain_id, anvil_path=anvil_path) as node:
        yield node


@pytest.fixture(scope="session")
def chain_session(anvil_path: Path) -> Iterator[LocalChains]:
    try:
        for name in CONTRACT_NAMES:
            load_artifact(name)
    except ContractsNotBuiltError as exc:
        _missing(str(exc))
    nodes = ChainSet(anvil_path=anvil_path).start_blocking()
    try:
        local = run_in_fresh_loop(lambda: deploy_local(nodes))
        yield local
    finally:
        nodes.stop_blocking()


@pytest.fixture
async def chains(chain_session: LocalChains) -> AsyncIterator[LocalChains]:
    snapshots = await chain_session.nodes.snapshot()
    try:
        yield chain_session
    finally:
        for node in chain_session.nodes.values():
            await node.set_automine(True)
            await node.request("anvil_dropAllTransactions")
        await chain_session.nodes.revert(snapshots)


class ChainClient:
    """Test-side access to the deployed contracts through anvil's unlocked dev accounts.

    ``transact`` uses ``eth_sendTransaction`` (anvil signs for its dev accounts), so tests need no
    keys; the desk's own code signs locally.
    """

    def __init__(self, local: LocalChains) -> None:
        self.local = local
        self._clients: dict[str, AsyncWeb3] = {}

    def w3(self, chain: str) -> AsyncWeb3:
        if chain not in self._clients:
            self._clients[chain] = AsyncWeb3(AsyncHTTPProvider(self.local.nodes[chain].rpc_url))
        return self._clients[chain]

    def contract(self, chain: str, key: str) -> AsyncContract:
        address = self.local.registry.chain(chain).address(key)
        abi = load_artifact(key.split(":", 1)[0]).abi_list()
        return self.w3(chain).eth.contract(address=address, abi=abi)

    async def transact(self, chain: str, call: AsyncContractFunction, sender: str) -> TxReceipt:
        """Send ``call`` from ``sender`` and wait for its receipt; fails the test on revert."""
        tx_hash = await call.transact({"from": sender})
        receipt = await self.w3(chain).eth.wait_for_transaction_receipt(
            tx_hash, timeout=30, poll_latency=0.02
        )
        assert receipt["status"] == 1, f"transaction reverted: {receipt}"
        return receipt

    @staticmethod
    async def revert_reason(call: AsyncContractFunction, sender: str) -> str:
        """The custom error ``call`` reverts with when sent by ``sender`` (fails if it succeeds),
        e.g. ``"InvoiceAlreadyMinted(0x…)"``; nothing is sent, the call is simulated."""
        try:
            await call.call({"from": sender})
        except ContractLogicError as exc:
            data = exc.data if isinstance(exc.data, str) else None
            return (decode_custom_error(data) if data else None) or str(exc)
        pytest.fail(f"{call.fn_name} did not revert")

    def events(
        self, chain: str, key: str, event: str, receipt: TxReceipt
    ) -> list[EventData]:
        """Decoded ``event`` logs of contract ``key`` in ``receipt`` (other logs skipped)."""
        contract = self.contract(chain, key)
        decoded = contract.events[event]().process_receipt(receipt, errors=DISCARD)
        return [entry for entry in decoded if entry["address"] == contract.address]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.provider.disconnect()


@pytest.fixture
async def chain_client(chains: LocalChains) -> AsyncIterator[ChainClient]:
    client = ChainClient(chains)
    try:
        yield client
    finally:
        await client.close()
