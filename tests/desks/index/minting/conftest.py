"""Fixtures for the minting tests: the session chains (``chains``, ``chain_client`` from
tests/fixtures/chain.py) and a ``MintingHarness`` that builds desk wallets, invoices and moves
tokens around with anvil's unlocked dev accounts (#1 the desk, #3.. users)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tradewind.chain.deploy import LocalChains
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import (
    InMemoryIntentStore,
    IntentStore,
    SqliteIntentStore,
    TransactionManager,
)
from tradewind.core.enums import OrderSide
from tradewind.desks.index.reports import MintInvoice, invoice_id_of
from tradewind.desks.index.routing import DeskWallet

T = TypeVar("T")
ARB, BASE = "arbitrum", "base"
ARB_ID, BASE_ID = 42161, 8453
TOKEN = 10**18
USDC = 10**6
_orders = iter(range(1, 1_000_000))


class MintingHarness:
    """Desk wallets, invoices and token moves on the session chains."""

    def __init__(self, chains: LocalChains, client: Any, tmp_path: Path) -> None:
        self.chains = chains
        self.client = client
        self.registry = chains.registry
        self.desk = chains.desk.address
        self.desk_key = HotKey.from_private_key(chains.desk.private_key, source="anvil-dev-1")
        self._tmp = tmp_path
        self._stores: list[SqliteIntentStore] = []

    # -- the desk ------------------------------------------------------------------------------

    def wallet(self, name: str, store: IntentStore | None = None) -> DeskWallet:
        chain = self.registry.chain(name)
        manager = TransactionManager(
            self.client.w3(name),
            self.desk_key,
            chain_id=chain.chain_id,
            store=store if store is not None else InMemoryIntentStore(),
            poll_interval_s=0.02,
        )
        return DeskWallet(name=name, w3=self.client.w3(name), tx=manager)

    def wallets(self, store: IntentStore | None = None) -> list[DeskWallet]:
        shared = store if store is not None else InMemoryIntentStore()
        return [self.wallet(ARB, shared), self.wallet(BASE, shared)]

    async def sqlite_store(self, name: str = "intents.sqlite") -> SqliteIntentStore:
        """A (new connection to the) SQLite intent store ``name`` in the test's tmp dir."""
        store = await SqliteIntentStore.open(self._tmp / name)
        self._stores.append(store)
        return store

    async def desk_nonce(self, chain: str) -> int:
        return int(await self.client.w3(chain).eth.get_transaction_count(self.desk, "latest"))

    # -- invoices ------------------------------------------------------------------------------

    def user(self, index: int = 0) -> str:
        return self.chains.users[index].address

    def invoice(
        self,
        side: OrderSide,
        quantity: Decimal,
        *,
        chain_id: int = BASE_ID,
        user: int = 0,
        symbol: str = "TW10",
        amount_paid: Decimal = Decimal(0),
        tx_hash: str | None = None,
    ) -> MintInvoice:
        address = self.user(user)
        client_order_id = f"order-{next(_orders)}"
        return MintInvoice(
            invoice_id=invoice_id_of(chain_id, address, client_order_id),
            chain_id=chain_id,
            address=address,
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            quantity=quantity,
            lots=(),
            amount_paid=amount_paid,
            amount_remaining=Decimal(0),
            assets_value=amount_paid,
            exchange_fees=Decimal(0),
            desk_fee=Decimal(0),
            routing_fees=Decimal(0),
            fill_rate=Decimal(1),
            position=Decimal(0),
            tx_hash=tx_hash,
            ts=1,
        )

    # -- tokens (through anvil's unlocked accounts) ---------------------------------------------

    async def index_balance(self, chain: str, owner: str, symbol: str = "TW10") -> int:
        token = self.client.contract(chain, f"IndexToken:{symbol}")
        return int(await token.functions.balanceOf(owner).call())

    async def usdc_balance(self, chain: str, owner: str) -> int:
        token = self.client.contract(chain, "MockUSDC")
        return int(await token.functions.balanceOf(owner).call())

    async def mint_directly(self, chain: str, to: str, units: int, symbol: str = "TW10") -> str:
        """The desk's role used by hand (not through the minter): a fresh random invoice hash."""
        token = self.client.contract(chain, f"IndexToken:{symbol}")
        reference = os.urandom(32)
        receipt = await self.client.transact(
            chain, token.functions.mint(to, units, reference), self.desk
        )
        return "0x" + bytes(receipt["transactionHash"]).hex()

    async def transfer_tokens(
        self, chain: str, sender: str, to: str, units: int, symbol: str = "TW10"
    ) -> str:
        token = self.client.contract(chain, f"IndexToken:{symbol}")
        receipt = await self.client.transact(chain, token.functions.transfer(to, units), sender)
        return "0x" + bytes(receipt["transactionHash"]).hex()

    async def fund_usdc(self, chain: str, to: str, units: int) -> None:
        token = self.client.contract(chain, "MockUSDC")
        await self.client.transact(chain, token.functions.faucet(to, units), to)

    async def vault_deposit(self, units: int, user: int = 1) -> None:
        sender = self.user(user)
        token = self.client.contract(ARB, "MockUSDC")
        vault = self.client.contract(ARB, "CollateralVault")
        await self.fund_usdc(ARB, sender, units)
        await self.client.transact(ARB, token.functions.approve(vault.address, units), sender)
        await self.client.transact(
            ARB, vault.functions.deposit(token.address, units, "TW10"), sender
        )

    async def close(self) -> None:
        for store in self._stores:
            await store.close()


@pytest.fixture
async def harness(
    chains: LocalChains, chain_client: Any, tmp_path: Path
) -> AsyncIterator[MintingHarness]:
    minting = MintingHarness(chains, chain_client, tmp_path)
    try:
        yield minting
    finally:
        await minting.close()


class Recorder:
    """An ``on_minted``/``on_paid`` callback that remembers its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    async def __call__(self, invoice_id: str, chain_id: int, tx_hash: str) -> None:
        self.calls.append((invoice_id, chain_id, tx_hash))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


async def eventually(
    probe: Callable[[], Awaitable[T]], ready: Callable[[T], bool], what: str, timeout_s: float = 30
) -> T:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await probe()
        if ready(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.02)
