"""``make demo`` on chain: two local anvil nodes ("arbitrum", "base"), the contracts, the
simulated relayer (its own process), a ``tradewind sim`` that watches its deposit address on
"base", and the index desk with its chain link. The scripted user deposits USDC into the vault on
arbitrum; the desk routes it (sweep, bridge, relayer fill, transfer to the exchange), the
exchange credits it, the desk converts it; then index orders over FIX/JSON are minted on base,
and a redemption burns returned tokens and pays USDC back — every step with its tx hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from eth_account import Account
from eth_utils import to_checksum_address
from rich.console import Console
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.app.demo import CHAIN_ID, DemoFailure, _order
from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.deploy import deploy_all
from tradewind.chain.nodes import ChainSet
from tradewind.chain.registry import DeploymentRegistry
from tradewind.common.config import ChainLinkConfig, TradewindConfig
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimEndpoints, SimProcess

__all__ = ["run_chain_demo"]

console = Console(width=120)
T = TypeVar("T")
USDC = 10**6
_ = CHAIN_ID  # the local demo's chain; this one uses the registry's


async def _until(probe: Callable[[], Awaitable[T]], ready: Callable[[T], bool], what: str,
                 timeout_s: float = 120) -> T:  # fmt: skip
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await probe()
        if ready(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise DemoFailure(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _minted_invoice(
    runtime: IndexDeskRuntime, chain_id: int, address: str, client_order_id: str, what: str
) -> MintInvoice:
    """The order's invoice once its on-chain mint or burn has a tx hash."""
    journal = runtime.desk.journal
    invoice = await _until(
        lambda: asyncio.to_thread(journal.get_invoice, chain_id, address, client_order_id),
        lambda inv: inv is not None and inv.tx_hash is not None,
        what,
    )
    assert invoice is not None  # the readiness test above
    return invoice


class _Chains:
    """web3 clients and contracts of the deployed local chains."""

    def __init__(self, registry: DeploymentRegistry) -> None:
        self.registry = registry
        self._w3 = {
            name: AsyncWeb3(AsyncHTTPProvider(chain.rpc_url))
            for name, chain in registry.chains.items()
        }

    def w3(self, chain: str) -> Any:
        return self._w3[chain]

    def contract(self, chain: str, key: str) -> Any:
        address = self.registry.chain(chain).address(key)
        abi = load_artifact(key.split(":", 1)[0]).abi_list()
        return self._w3[chain].eth.contract(address=to_checksum_address(address), abi=abi)

    async def close(self) -> None:
        for w3 in self._w3.values():
            await w3.provider.disconnect()

    async def send(self, chain: str, call: Any, account: Any) -> str:
        w3 = self._w3[chain]
        tx = await call.build_transaction({
            "from": account.address, "nonce": await w3.eth.get_transaction_count(account.address),
            "chainId": self.registry.chain(chain).chain_id,
        })  # fmt: skip
        signed = account.sign_transaction(tx)
        tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        if receipt["status"] != 1:
            raise DemoFailure(f"{chain} transaction {tx_hash.hex()} reverted")
        return "0x" + bytes(tx_hash).hex().removeprefix("0x")


@contextlib.asynccontextmanager
async def _miner(nodes: ChainSet, every_s: float = 0.25) -> AsyncIterator[None]:
    # local nodes mine only on transactions; confirmations need the blocks a live chain makes
    async def mine() -> None:
        while True:
            await asyncio.sleep(every_s)
            for node in nodes.values():
                with contextlib.suppress(Exception):
                    await node.mine(1)

    task = asyncio.create_task(mine())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _script(runtime: IndexDeskRuntime, chains: _Chains, user: Any) -> None:
    base_id = chains.registry.chain("base").chain_id
    usdc = chains.contract("arbitrum", "MockUSDC")
    vault = chains.contract("arbitrum", "CollateralVault")
    console.print(f"[bold]user[/] {user.address}: faucet 2000 USDC on arbitrum, deposit to vault")
    await chains.send("arbitrum", usdc.functions.faucet(user.address, 2000 * USDC), user)
    await chains.send("arbitrum", usdc.functions.approve(vault.address, 2000 * USDC), user)
    tx = await chains.send(
        "arbitrum", vault.functions.deposit(usdc.address, 2000 * USDC, "TW10"), user
    )
    console.print(f"  vault deposit tx {tx}")
    link = runtime.chain_link
    assert link is not None and link.router is not None

    async def route() -> Any:
        assert link.router is not None
        return await link.router.store.get("42161:1")

    record = await _until(route, lambda r: r is not None and str(r.stage) == "delivered",
                          "the route to deliver")  # fmt: skip
    for step in record.steps:
        console.print(f"  {step.name:<9} {step.chain_id:>6} tx {step.tx_hash}  gas {step.gas_used}")
    console.print(f"  relayer fill on base tx {record.fill_tx_hash}")
    console.print(
        f"  bridge fee {record.bridge_fee_units / USDC} USDC, gas {record.gas_usdc} USDC, "
        f"credited by the exchange {record.credited_amount} USDC"
    )
    view = runtime.desk.state.account(base_id, user.address)
    console.print(f"[bold]collateral ready[/] on the desk: {view.collateral['USDT'].free:.4f} USDT")

    async with FixJsonClient(runtime.ws_url, user.key.hex(), chain_id=base_id) as client:
        minted = await _order(client, "mint-1", "TW10", "buy", "1000")
        await _order(client, "mint-2", "TW3", "buy", "500")
        for coid in ("mint-1", "mint-2"):
            stored = await _minted_invoice(runtime, base_id, user.address, coid, f"{coid} minted")
            console.print(f"  {coid}: minted {stored.quantity} {stored.symbol} on base, tx "
                          f"{stored.tx_hash}")  # fmt: skip
        token = chains.contract("base", "IndexToken:TW10")
        balance = await token.functions.balanceOf(user.address).call()
        console.print(f"[bold]TW10 balance on base[/]: {Decimal(balance) / 10**18}")
        redeem = (Decimal(minted.quantity) / 2).quantize(Decimal("0.001"))
        desk = chains.registry.desk_address
        tx = await chains.send("base", token.functions.transfer(desk, int(redeem * 10**18)), user)
        console.print(f"[bold]return[/] {redeem} TW10 to the desk, tx {tx}")
        await _until(
            lambda: asyncio.sleep(0, runtime.desk.state.account(base_id, user.address)),
            lambda v: "TW10" in v.positions and v.positions["TW10"].free >= redeem,
            "the returned tokens",
        )
        await _order(client, "redeem-1", "TW10", "sell", str(redeem))
        stored = await _minted_invoice(runtime, base_id, user.address, "redeem-1", "the burn")
        console.print(f"  redeem-1: burned {stored.quantity} TW10, tx {stored.tx_hash}")
        usdc_balance = await _until(
            lambda: usdc.functions.balanceOf(user.address).call(), lambda b: b > 0,
            "the USDC payout",
        )  # fmt: skip
        console.print(f"[bold]paid back[/] {Decimal(usdc_balance) / USDC} USDC on arbitrum")


async def _run(cfg: TradewindConfig, tmp: Path) -> None:
    console.print("[bold]starting anvil[/] (arbitrum 42161, base 8453) and deploying contracts")
    deployer, _, relayer, *_ = ANVIL_DEV_ACCOUNTS
    desk_key = Account.create()
    user = Account.create()
    async with ChainSet() as nodes:
        registry = await deploy_all(
            nodes, deployer_key=deployer.private_key, desk_address=desk_key.address,
            relayer_address=relayer.address,
        )  # fmt: skip
        for node in nodes.values():
            for account in (desk_key, user):
                await node.request("anvil_setBalance", account.address, hex(100 * 10**18))
        # the desk's USDC float on arbitrum, from which redemptions are paid (refilled from the
        # exchange out of band in a real deployment)
        float_chains = _Chains(registry)
        await float_chains.send(
            "arbitrum",
            float_chains.contract("arbitrum", "MockUSDC").functions.faucet(
                desk_key.address, 1000 * USDC
            ),
            desk_key,
        )
        await float_chains.close()
        console.print(f"  desk {desk_key.address}: gas on both chains, 1000 USDC float")
        registry_path = tmp / "registry.json"
        registry.save(registry_path)
        for name, chain in registry.chains.items():
            console.print(
                f"  {name:<9} {chain.rpc_url}  vault/pool/tokens: "
                f"{', '.join(f'{k}={v[:10]}…' for k, v in chain.contracts.items())}"
            )
        chains = _Chains(registry)
        base = registry.chain("base")
        relayer_proc = subprocess.Popen(
            [sys.executable, "-m", "tradewind.app.cli", "chain", "relayer",
             "--registry", str(registry_path), "--anvil-dev-key", "--faucet", "1000000",
             "--state", str(tmp / "relayer.sqlite"), "--poll-interval", "0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        console.print(f"[bold]relayer[/] pid {relayer_proc.pid}")
        sim = SimProcess(
            database=tmp / "sim.sqlite", seed=cfg.sim.seed,
            extra_args=("--chain", f"base={base.rpc_url}",
                        "--chain-token", f"base={base.address('MockUSDC')}",
                        "--confirmations", "2"),
        )  # fmt: skip
        try:
            with sim as endpoints:
                console.print(f"[bold]exchange[/] {endpoints.rest_url} (credits BASE deposits)")
                await _desk(cfg, tmp, endpoints, registry_path, desk_key, chains, user, nodes)
        finally:
            await chains.close()
            relayer_proc.terminate()
            relayer_proc.wait(timeout=10)


async def _desk(cfg: TradewindConfig, tmp: Path, sim: SimEndpoints, registry_path: Path,
                desk_key: Any, chains: _Chains, user: Any, nodes: ChainSet) -> None:  # fmt: skip
    os.environ["TRADEWIND_DESK_KEY"] = desk_key.key.hex()  # this run's throwaway hot key
    desk_config = cfg.desk.model_copy(update={
        "database": str(tmp / "desk.sqlite"), "kernel_database": str(tmp / "kernel.sqlite"),
        "port": 0, "local_deposits": False,
    })  # fmt: skip
    chain_config = ChainLinkConfig(
        enabled=True, registry=str(registry_path), state_dir=str(tmp / "chain"),
        confirmations=2, poll_interval_ms=100,
    )  # fmt: skip
    venue = VenueSettings(name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
                          api_key=sim.api_key, api_secret=sim.api_secret)  # fmt: skip
    async with _miner(nodes), IndexDeskRuntime(desk_config, venue, chain=chain_config) as rt:
        console.print(f"[bold]index desk[/] gateway {rt.ws_url}  REST {rt.url}/invoices")
        await _script(rt, chains, user)
        console.print("[green]demo finished[/] (on chain)")


def run_chain_demo(cfg: TradewindConfig, tmp: Path) -> int:
    """The on-chain demo in ``tmp``; 0 when every step behaved."""
    try:
        asyncio.run(_run(cfg, tmp))
    except DemoFailure as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        return 1
    return 0
