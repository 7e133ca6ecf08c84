"""Fixtures for the relayer tests: the session chains (``chains``, ``chain_client`` from
tests/fixtures/chain.py), a relayer factory signing with dev account #2 (the registry's relayer)
and a helper making bridge deposits arbitrum -> base from a user account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from web3.types import TxReceipt

from tradewind.chain.bridge import RefundHub, Relayer, RelayerLeg
from tradewind.chain.deploy import LocalChains
from tradewind.chain.events import FollowerStore, InMemoryFollowerStore, SqliteFollowerStore
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import (
    InMemoryIntentStore,
    IntentStore,
    SqliteIntentStore,
    TransactionManager,
)

ARB, BASE = "arbitrum", "base"
USDC = 10**6


class RelayerFactory(Protocol):
    def __call__(
        self,
        *,
        intents: IntentStore | None = None,
        cursor: FollowerStore | None = None,
        **overrides: Any,
    ) -> Relayer: ...


class DepositMaker(Protocol):
    async def __call__(
        self,
        input_amount: int,
        output_amount: int,
        *,
        output_token: str | None = None,
        deadline_in: int = 3600,
    ) -> TxReceipt: ...


@pytest.fixture
def make_relayer(chains: LocalChains, chain_client: Any) -> RelayerFactory:
    key = HotKey.from_private_key(chains.relayer.private_key, source="anvil-dev-2")
    # the hub's role (refund root bundles) is played by the spoke pools' owner, the admin
    hub_key = HotKey.from_private_key(chains.deployer.private_key, source="anvil-dev-0")

    def make(
        *,
        intents: IntentStore | None = None,
        cursor: FollowerStore | None = None,
        **overrides: Any,
    ) -> Relayer:
        store = intents if intents is not None else InMemoryIntentStore()

        def leg(name: str) -> RelayerLeg:
            chain = chains.registry.chain(name)
            w3 = chain_client.w3(name)
            manager = TransactionManager(
                w3, key, chain_id=chain.chain_id, store=store, poll_interval_s=0.02
            )
            return RelayerLeg(name=name, w3=w3, spoke_pool=chain.address("SpokePool"), tx=manager)

        base = chains.registry.chain(BASE)
        origin = leg(ARB)
        arb = chains.registry.chain(ARB)
        hub_tx = TransactionManager(
            origin.w3, hub_key, chain_id=arb.chain_id, store=store, poll_interval_s=0.02
        )
        options: dict[str, Any] = {
            "origin": origin,
            "destinations": [leg(BASE)],
            "hub": RefundHub(origin.w3, origin.spoke_pool, hub_tx),
            "allowed_output_tokens": {base.chain_id: [base.address("MockUSDC")]},
            "confirmations": 2,
            "follower_store": cursor if cursor is not None else InMemoryFollowerStore(),
            "start_block": 0,
            "poll_interval_s": 0.05,
        }
        options.update(overrides)
        return Relayer(**options)

    return make


@pytest.fixture
def bridge_deposit(chains: LocalChains, chain_client: Any) -> DepositMaker:
    """``await bridge_deposit(input, output)``: user #3 deposits USDC arbitrum -> base for
    user #4; returns the origin receipt."""
    depositor, recipient = chains.users[0].address, chains.users[1].address

    async def deposit(
        input_amount: int,
        output_amount: int,
        *,
        output_token: str | None = None,
        deadline_in: int = 3600,
    ) -> TxReceipt:
        arb, base = chains.registry.chain(ARB), chains.registry.chain(BASE)
        token = chain_client.contract(ARB, "MockUSDC")
        spoke = chain_client.contract(ARB, "SpokePool")
        await chain_client.transact(ARB, token.functions.faucet(depositor, input_amount), depositor)
        await chain_client.transact(
            ARB, token.functions.approve(spoke.address, input_amount), depositor
        )
        latest = await chain_client.w3(ARB).eth.get_block("latest")
        now = int(latest["timestamp"])
        receipt: TxReceipt = await chain_client.transact(
            ARB,
            spoke.functions.depositV3(
                depositor,
                recipient,
                arb.address("MockUSDC"),
                output_token or base.address("MockUSDC"),
                input_amount,
                output_amount,
                base.chain_id,
                "0x" + "00" * 20,
                now,
                now + deadline_in,
                0,
                b"",
            ),
            depositor,
        )
        return receipt

    return deposit


@pytest.fixture
def fund_relayer(chains: LocalChains, chain_client: Any) -> Callable[[int], Awaitable[None]]:
    async def fund(amount: int) -> None:
        token = chain_client.contract(BASE, "MockUSDC")
        await chain_client.transact(
            BASE, token.functions.faucet(chains.relayer.address, amount), chains.relayer.address
        )

    return fund


@pytest.fixture
async def sqlite_stores(tmp_path: Path) -> Any:
    intents = await SqliteIntentStore.open(tmp_path / "intents.sqlite")
    cursor = await SqliteFollowerStore.open(tmp_path / "cursor.sqlite")
    try:
        yield intents, cursor
    finally:
        await intents.close()
        await cursor.close()
