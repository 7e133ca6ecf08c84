"""Fixtures for the routing tests: the session chains (tests/fixtures/chain.py), a real
``tradewind sim`` process watching the base node, the simulated relayer running in process, and
a ``RouteHarness`` that builds routers and sources on them.

Accounts (anvil dev keys): #1 the desk (one wallet address on both chains), #2 the relayer,
#3.. users. Each test gets a fresh sim account for the desk, so its deposit address is fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from web3.logs import DISCARD

from tradewind.chain.bridge import RefundHub, Relayer, RelayerLeg
from tradewind.chain.deploy import LocalChains
from tradewind.chain.events import FollowerStore, InMemoryFollowerStore
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import InMemoryIntentStore, IntentStore, TransactionManager
from tradewind.desks.index.capital import DeskCapital
from tradewind.desks.index.collateral_source import CollateralDeposit
from tradewind.desks.index.routing import (
    BridgeFeeQuote,
    ChainCollateralSource,
    CollateralRouter,
    DeskWallet,
    GasPricing,
    InMemoryRouteStore,
    RouteContracts,
    RouterSettings,
    RouteStore,
    SapiDepositHistory,
    VenueCapital,
)
from tradewind.venues.binance import BinanceAdapter, BinanceConfig
from tradewind.venues.sim.process import SimEndpoints, SimProcess

T = TypeVar("T")
ARB, BASE = "arbitrum", "base"
USDC = 10**6
SIM_CONFIRMATIONS = 2
ETH_USDT = Decimal("3123.45")
FEE_QUOTE = BridgeFeeQuote(bps=5, fixed_units=10_000)  # 5 bp + 0.01 USDC
_accounts = itertools.count(1)


@pytest.fixture(scope="module")
def sim(
    chain_session: LocalChains, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimEndpoints]:
    base = chain_session.registry.chain(BASE)
    process = SimProcess(
        database=tmp_path_factory.mktemp("route-sim") / "sim.sqlite",
        admin=True,
        market=False,
        extra_args=(
            "--chain",
            f"base={base.rpc_url}",
            "--chain-token",
            f"base={base.address('MockUSDC')}",
            "--confirmations",
            str(SIM_CONFIRMATIONS),
        ),
    )
    with process as endpoints:
        yield endpoints


class RouteHarness:
    """Builds routers, sources and vault deposits on the session chains and the sim."""

    def __init__(self, chains: LocalChains, client: Any, sim: SimEndpoints) -> None:
        self.chains = chains
        self.client = client
        self.sim = sim
        account_id = f"desk-{next(_accounts)}-{time.monotonic_ns() % 100_000}"
        created = requests.post(
            f"{sim.rest_url}/admin/v1/accounts",
            json={"account_id": account_id, "balances": {"USDT": "1"}},
            timeout=10,
        ).json()
        self.account_id = account_id
        self.adapter = BinanceAdapter(
            BinanceConfig(
                venue="sim",
                rest_url=sim.rest_url,
                ws_url=sim.ws_url,
                api_key=created["apiKey"],
                api_secret=created["secretKey"],
            )
        )
        self.history = SapiDepositHistory(
            sim.rest_url, created["apiKey"], created["secretKey"], venue="sim"
        )
        self.desk_key = HotKey.from_private_key(chains.desk.private_key, source="anvil-dev-1")
        self.relayer_key = HotKey.from_private_key(chains.relayer.private_key, source="anvil-dev-2")
        self.delivered: asyncio.Queue[CollateralDeposit] = asyncio.Queue()
        self._relayer: Relayer | None = None
        self._miner: asyncio.Task[None] | None = None

    # -- building ------------------------------------------------------------------------------

    def wallet(self, name: str, key: HotKey, store: IntentStore) -> DeskWallet:
        chain = self.chains.registry.chain(name)
        manager = TransactionManager(
            self.client.w3(name), key, chain_id=chain.chain_id, store=store, poll_interval_s=0.02
        )
        return DeskWallet(name=name, w3=self.client.w3(name), tx=manager)

    def router(
        self,
        *,
        intents: IntentStore | None = None,
        routes: RouteStore | None = None,
        settings: RouterSettings | None = None,
        eth_usdt: Decimal = ETH_USDT,
        capital: DeskCapital | None = None,
    ) -> CollateralRouter:
        store = intents if intents is not None else InMemoryIntentStore()

        async def eth_price() -> Decimal:
            return eth_usdt

        return CollateralRouter(
            origin=self.wallet(ARB, self.desk_key, store),
            destination=self.wallet(BASE, self.desk_key, store),
            contracts=RouteContracts.from_registry(self.chains.registry),
            exchange=VenueCapital(self.adapter, self.history),
            fee_quote=FEE_QUOTE,
            gas_pricing=GasPricing(eth_price),
            store=routes if routes is not None else InMemoryRouteStore(),
            settings=settings
            or RouterSettings(vault_confirmations=2, fill_confirmations=2, poll_interval_s=0.05),
            capital=capital,
        )

    def source(
        self, router: CollateralRouter, *, cursor: FollowerStore | None = None
    ) -> ChainCollateralSource:
        return ChainCollateralSource(
            router, follower_store=cursor if cursor is not None else InMemoryFollowerStore()
        )

    async def sink(self, deposit: CollateralDeposit) -> None:
        await self.delivered.put(deposit)

    # -- the world around the desk ------------------------------------------------------------

    async def start_relayer(self, funds: int = 100_000 * USDC) -> None:
        token = self.client.contract(BASE, "MockUSDC")
        await self.client.transact(
            BASE,
            token.functions.faucet(self.chains.relayer.address, funds),
            self.chains.relayer.address,
        )
        store = InMemoryIntentStore()

        def leg(name: str) -> RelayerLeg:
            wallet = self.wallet(name, self.relayer_key, store)
            spoke = self.chains.registry.chain(name).address("SpokePool")
            return RelayerLeg(name=name, w3=wallet.w3, spoke_pool=spoke, tx=wallet.tx)

        base = self.chains.registry.chain(BASE)
        origin = leg(ARB)
        # The hub's role (relaying refund root bundles) is the spoke pools' owner: the admin.
        hub_key = HotKey.from_private_key(self.chains.deployer.private_key, source="anvil-dev")
        hub_wallet = self.wallet(ARB, hub_key, store)
        self._relayer = Relayer(
            origin=origin,
            destinations=[leg(BASE)],
            hub=RefundHub(origin.w3, origin.spoke_pool, hub_wallet.tx),
            allowed_output_tokens={base.chain_id: [base.address("MockUSDC")]},
            confirmations=2,
            start_block=0,
            poll_interval_s=0.05,
        )
        self._relayer.start()

    def start_mining(self, every_s: float = 0.1) -> None:
        """Blocks on both chains as a live chain would make them (automine alone only mines
        on transactions, and confirmations need later blocks)."""

        async def mine() -> None:
            while True:
                await asyncio.sleep(every_s)
                for name in (ARB, BASE):
                    with contextlib.suppress(Exception):
                        await self.chains.nodes[name].mine(1)

        self._miner = asyncio.get_running_loop().create_task(mine())

    async def stop_mining(self) -> None:
        if self._miner is not None:
            self._miner.cancel()
            await asyncio.gather(self._miner, return_exceptions=True)
            self._miner = None

    async def vault_deposit(
        self, amount: int, *, user: int = 0, symbol: str = "TW10", vault: Any = None
    ) -> tuple[int, str]:
        """User #(3+user) deposits ``amount`` USDC base units; returns (deposit id, tx hash)."""
        sender = self.chains.users[user].address
        token = self.client.contract(ARB, "MockUSDC")
        vault = vault if vault is not None else self.client.contract(ARB, "CollateralVault")
        await self.client.transact(ARB, token.functions.faucet(sender, amount), sender)
        await self.client.transact(ARB, token.functions.approve(vault.address, amount), sender)
        receipt = await self.client.transact(
            ARB, vault.functions.deposit(token.address, amount, symbol), sender
        )
        [event] = vault.events.CollateralDeposited().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["depositId"]), "0x" + bytes(receipt["transactionHash"]).hex()

    async def receipt_fee_wei(self, chain: str, tx_hash: str) -> tuple[int, int, int]:
        """(gas used, effective gas price, fee) of a transaction, from its receipt."""
        receipt = await self.client.w3(chain).eth.get_transaction_receipt(tx_hash)
        gas, price = int(receipt["gasUsed"]), int(receipt["effectiveGasPrice"])
        return gas, price, gas * price

    async def exchange_usdc(self) -> Decimal:
        balances = await self.adapter.balances()
        usdc = balances.get("USDC")
        return usdc.free if usdc is not None else Decimal(0)

    async def close(self) -> None:
        await self.stop_mining()
        if self._relayer is not None:
            await self._relayer.stop()
        await self.history.close()
        await self.adapter.close()


@pytest.fixture
async def harness(
    chains: LocalChains, chain_client: Any, sim: SimEndpoints
) -> AsyncIterator[RouteHarness]:
    route_harness = RouteHarness(chains, chain_client, sim)
    try:
        yield route_harness
    finally:
        await route_harness.close()


async def eventually(
    probe: Callable[[], Awaitable[T]], ready: Callable[[T], bool], what: str, timeout_s: float = 60
) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if ready(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)


@pytest.fixture
def tmp_state(tmp_path: Path) -> Path:
    return tmp_path
