"""Time from a vault deposit to collateral-ready, on local chains with the relayer and the sim.

    .venv/bin/python bench/bench_collateral_route.py [--deposits 10] [--concurrent 1]
        [--arbitrum-block-s 0.25] [--base-block-s 2.0] [--confirmations 2]
        [--sim-confirmations 2] [--poll-s 0.1]

Set-up: two anvil nodes ("arbitrum" 42161, "base" 8453) with the desk's contracts
(``deploy_local``), then automine OFF and one block every ``--arbitrum-block-s`` /
``--base-block-s`` seconds (Arbitrum- and Base-like block times), so every transaction waits for
its chain's next block as on a live chain. In process: the simulated relayer (fills after
``--confirmations`` origin blocks) and the desk's ``ChainCollateralSource`` (vault depth and fill
depth ``--confirmations``). A ``tradewind sim`` process watches base and credits after
``--sim-confirmations`` blocks, polling every ``--poll-s``.

Measured per deposit: from the block that holds the user's vault deposit (its receipt) to the
``CollateralDeposit`` reaching the desk's sink. ``--concurrent`` deposits are made at once per
round (1 = latency of a lone deposit). Printed: p50 / p90 / max over all deposits, and the p50 of
each stage (time from the previous stage being stored to this one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.logs import DISCARD

from tradewind.chain.bridge import RefundHub, Relayer, RelayerLeg
from tradewind.chain.contracts import load_artifact
from tradewind.chain.deploy import LocalChains, deploy_local
from tradewind.chain.keys import HotKey
from tradewind.chain.nodes import ChainSet
from tradewind.chain.tx import InMemoryIntentStore, TransactionManager
from tradewind.common.logging import configure_logging
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
    RouteStage,
    RoutingRecord,
    SapiDepositHistory,
    VenueCapital,
)
from tradewind.venues.binance import BinanceAdapter, BinanceConfig
from tradewind.venues.sim.process import SimEndpoints, SimProcess

USDC = 10**6
ETH_USDT = Decimal("3100")


class TimedRouteStore(InMemoryRouteStore):
    """Remembers when each record first reached each stage (monotonic seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.reached: dict[str, dict[RouteStage, float]] = {}

    async def put(self, record: RoutingRecord) -> None:
        self.reached.setdefault(record.deposit_id, {}).setdefault(record.stage, time.monotonic())
        await super().put(record)


def _w3(url: str) -> AsyncWeb3[Any]:
    return AsyncWeb3(AsyncHTTPProvider(url))


async def _mine_every(local: LocalChains, name: str, seconds: float) -> None:
    node = local.nodes[name]
    while True:
        await asyncio.sleep(seconds)
        with contextlib.suppress(Exception):
            await node.mine(1)


def _start_sim(local: LocalChains, confirmations: int, poll_s: float, workdir: Path) -> SimProcess:
    base = local.registry.chain("base")
    config = workdir / "sim.toml"
    config.write_text(
        "[sim.chains.BASE]\n"
        f'rpc_url = "{base.rpc_url}"\n'
        f'token = "{base.address("MockUSDC")}"\n'
        f"confirmations = {confirmations}\n"
        f"poll_interval_ms = {int(poll_s * 1000)}\n"
    )
    return SimProcess(
        database=workdir / "sim.sqlite",
        admin=True,
        market=False,
        extra_args=("--config", str(config)),
    )


def _account(sim: SimEndpoints) -> tuple[str, str]:
    import requests

    created = requests.post(
        f"{sim.rest_url}/admin/v1/accounts",
        json={"account_id": "bench-desk", "balances": {"USDT": "1"}},
        timeout=10,
    ).json()
    return created["apiKey"], created["secretKey"]


async def _deposit(local: LocalChains, user_index: int, amount: int) -> tuple[str, float]:
    """A user's vault deposit (faucet, approve, deposit); returns (deposit id, mined at)."""
    user = local.users[user_index].address
    arb = local.registry.chain("arbitrum")
    w3 = _w3(arb.rpc_url)
    token = w3.eth.contract(
        address=arb.address("MockUSDC"), abi=load_artifact("MockUSDC").abi_list()
    )
    vault = w3.eth.contract(
        address=arb.address("CollateralVault"), abi=load_artifact("CollateralVault").abi_list()
    )
    try:
        for call in (
            token.functions.faucet(user, amount),
            token.functions.approve(vault.address, amount),
        ):
            await w3.eth.wait_for_transaction_receipt(
                await call.transact({"from": user}), poll_latency=0.01
            )
        tx = await vault.functions.deposit(token.address, amount, "TW10").transact({"from": user})
        receipt = await w3.eth.wait_for_transaction_receipt(tx, poll_latency=0.01)
        mined_at = time.monotonic()
        [event] = vault.events.CollateralDeposited().process_receipt(receipt, errors=DISCARD)
        return f"{arb.chain_id}:{event['args']['depositId']}", mined_at
    finally:
        await w3.provider.disconnect()


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-route-"))
    nodes = ChainSet()
    await nodes.start()
    sim_process: SimProcess | None = None
    clients: list[AsyncWeb3[Any]] = []
    try:
        local = await deploy_local(nodes)
        sim_process = _start_sim(local, args.sim_confirmations, args.poll_s, workdir)
        sim = await asyncio.to_thread(sim_process.start)
        api_key, api_secret = await asyncio.to_thread(_account, sim)

        desk_key = HotKey.from_private_key(local.desk.private_key, source="anvil-dev-1")
        relayer_key = HotKey.from_private_key(local.relayer.private_key, source="anvil-dev-2")

        def wallet(name: str, key: HotKey) -> DeskWallet:
            chain = local.registry.chain(name)
            w3 = _w3(chain.rpc_url)
            clients.append(w3)
            manager = TransactionManager(
                w3,
                key,
                chain_id=chain.chain_id,
                store=InMemoryIntentStore(),
                poll_interval_s=0.02,
            )
            return DeskWallet(name=name, w3=w3, tx=manager)

        # The relayer's float on base, before blocks slow down.
        base = local.registry.chain("base")
        w3_base = _w3(base.rpc_url)
        clients.append(w3_base)
        token = w3_base.eth.contract(
            address=base.address("MockUSDC"), abi=load_artifact("MockUSDC").abi_list()
        )
        await token.functions.faucet(local.relayer.address, 1_000_000 * USDC).transact(
            {"from": local.relayer.address}
        )
        for name in ("arbitrum", "base"):
            await nodes[name].set_automine(False)
        miners = [
            asyncio.create_task(_mine_every(local, "arbitrum", args.arbitrum_block_s)),
            asyncio.create_task(_mine_every(local, "base", args.base_block_s)),
        ]

        legs = {name: wallet(name, relayer_key) for name in ("arbitrum", "base")}
        # the hub's role (refund root bundles) is the spoke pools' owner, the deployer
        hub_key = HotKey.from_private_key(local.deployer.private_key, source="anvil-dev-0")
        hub = wallet("arbitrum", hub_key)
        relayer = Relayer(
            hub=RefundHub(hub.w3, local.registry.chain("arbitrum").address("SpokePool"), hub.tx),
            origin=RelayerLeg(
                name="arbitrum",
                w3=legs["arbitrum"].w3,
                spoke_pool=local.registry.chain("arbitrum").address("SpokePool"),
                tx=legs["arbitrum"].tx,
            ),
            destinations=[
                RelayerLeg(
                    name="base",
                    w3=legs["base"].w3,
                    spoke_pool=base.address("SpokePool"),
                    tx=legs["base"].tx,
                )
            ],
            allowed_output_tokens={base.chain_id: [base.address("MockUSDC")]},
            confirmations=args.confirmations,
            start_block=0,
            poll_interval_s=args.poll_s,
        )
        relayer.start()

        async def eth_price() -> Decimal:
            return ETH_USDT

        adapter = BinanceAdapter(
            BinanceConfig(
                venue="sim",
                rest_url=sim.rest_url,
                ws_url=sim.ws_url,
                api_key=api_key,
                api_secret=api_secret,
            )
        )
        history = SapiDepositHistory(sim.rest_url, api_key, api_secret, venue="sim")
        store = TimedRouteStore()
        router = CollateralRouter(
            origin=wallet("arbitrum", desk_key),
            destination=wallet("base", desk_key),
            contracts=RouteContracts.from_registry(local.registry),
            exchange=VenueCapital(adapter, history),
            fee_quote=BridgeFeeQuote(bps=5, fixed_units=10_000),
            gas_pricing=GasPricing(eth_price),
            store=store,
            settings=RouterSettings(
                vault_confirmations=args.confirmations,
                fill_confirmations=args.confirmations,
                poll_interval_s=args.poll_s,
            ),
        )
        delivered: dict[str, float] = {}
        arrived = asyncio.Event()

        async def sink(deposit: CollateralDeposit) -> None:
            delivered.setdefault(deposit.deposit_id, time.monotonic())
            arrived.set()

        source = ChainCollateralSource(router)
        await source.start(sink)

        latencies: list[float] = []
        made: dict[str, float] = {}
        rounds = -(-args.deposits // args.concurrent)
        started = time.monotonic()
        for round_index in range(rounds):
            batch = min(args.concurrent, args.deposits - round_index * args.concurrent)
            results = await asyncio.gather(
                *(_deposit(local, i % len(local.users), (100 + i) * USDC) for i in range(batch))
            )
            made.update(dict(results))
            while not all(key in delivered for key, _ in results):
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 300)
            latencies += [delivered[key] - mined for key, mined in results]
        elapsed = time.monotonic() - started

        await source.stop()
        await relayer.stop()
        for task in miners:
            task.cancel()
        await history.close()
        await adapter.close()

        stages = [
            RouteStage.DETECTED,
            RouteStage.SWEPT,
            RouteStage.BRIDGED,
            RouteStage.FILLED,
            RouteStage.TRANSFERRED,
            RouteStage.CREDITED,
            RouteStage.DELIVERED,
        ]
        print(f"deposits            {len(latencies)} ({args.concurrent} at a time)")
        print(f"block times         arbitrum {args.arbitrum_block_s}s, base {args.base_block_s}s")
        print(
            f"confirmations       vault/relayer/fill {args.confirmations}, "
            f"exchange {args.sim_confirmations}; polls every {args.poll_s}s"
        )
        ordered = sorted(latencies)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(
            f"deposit -> ready    p50 {statistics.median(latencies):.2f}s  p90 {p90:.2f}s  "
            f"max {max(latencies):.2f}s  (mean {statistics.fmean(latencies):.2f}s)"
        )
        print(f"throughput          {len(latencies) / elapsed:.2f} deposits/s over {elapsed:.1f}s")
        previous = {key: mined for key, mined in made.items()}
        print("stage p50 (from the previous stage)")
        for stage in stages:
            spans = []
            for key in made:
                reached = store.reached.get(key, {})
                at = delivered.get(key) if stage is RouteStage.DELIVERED else reached.get(stage)
                if at is not None:
                    spans.append(at - previous[key])
                    previous[key] = at
            if spans:
                print(f"  {stage.value:<12} {statistics.median(spans):6.2f}s")
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.provider.disconnect()
        if sim_process is not None:
            sim_process.stop()
        await nodes.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deposits", type=int, default=10)
    parser.add_argument("--concurrent", type=int, default=1)
    parser.add_argument("--arbitrum-block-s", type=float, default=0.25)
    parser.add_argument("--base-block-s", type=float, default=2.0)
    parser.add_argument("--confirmations", type=int, default=2)
    parser.add_argument("--sim-confirmations", type=int, default=2)
    parser.add_argument("--poll-s", type=float, default=0.1)
    args = parser.parse_args()
    if args.deposits < 1 or args.concurrent < 1:
        parser.error("--deposits and --concurrent must be >= 1")
    configure_logging("warning", "keyvalue")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
