"""``tradewind chain …``: local EVM chains for development and the demo.

    tradewind chain up [--registry PATH] [--desk-address ADDR] [--index SYM …] [--block-time S]

starts "arbitrum" (42161) and "base" (8453) anvil nodes on loopback ports, deploys the desk's
contracts, writes the deployment registry and runs until Ctrl-C (or SIGTERM), then stops the
nodes. Also runnable as ``python -m tradewind.chain.cli``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from eth_utils import is_address

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import ContractsNotBuiltError
from tradewind.chain.deploy import DEFAULT_INDEX_SYMBOLS, deploy_all
from tradewind.chain.nodes import AnvilNotInstalledError, AnvilStartError, ChainSet
from tradewind.chain.registry import DeploymentRegistry, MissingRegistryError, RegistryError
from tradewind.chain.uniswap.plan import PoolPlan

__all__ = ["DEFAULT_REGISTRY_PATH", "chain_app", "set_pool_plan_source"]

# Which pools `chain up` seeds, and at what prices, is the app's business (the prices come from
# the sim exchange, a layer above this one): the app registers a source, `up` asks it.
_pool_plan_source: Callable[[], PoolPlan] | None = None


def set_pool_plan_source(source: Callable[[], PoolPlan] | None) -> None:
    """Give `chain up` the pools to seed (called by the app when it wires the CLI)."""
    global _pool_plan_source
    _pool_plan_source = source


DEFAULT_REGISTRY_PATH = Path("var/chain/registry.json")
# An external desk address has no ether on a fresh local chain; give it enough for gas.
_EXTERNAL_DESK_BALANCE_WEI = 100 * 10**18

chain_app = typer.Typer(
    name="chain",
    help="Local EVM chains (anvil): start nodes, deploy the desk's contracts.",
    no_args_is_help=True,
    add_completion=False,
)


@chain_app.callback()
def _chain() -> None:
    """Local EVM chains (anvil): start nodes, deploy the desk's contracts."""
    # A callback keeps `chain` a command group even while it has a single sub-command.


def _print_registry(registry: DeploymentRegistry, path: Path) -> None:
    for chain in registry:
        typer.echo(f"{chain.name}  chain_id={chain.chain_id}  rpc_url={chain.rpc_url}")
        for key, address in sorted(chain.contracts.items()):
            typer.echo(f"  {key:<18} {address}")
    typer.echo(f"admin   {registry.admin_address}")
    typer.echo(f"desk    {registry.desk_address}")
    typer.echo(f"relayer {registry.relayer_address}")
    typer.echo(f"registry written to {path}")


async def _run_up(
    registry_path: Path,
    desk_address: str | None,
    index_symbols: Sequence[str],
    block_time: int | None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with ChainSet(block_time=block_time) as nodes:
        setup = asyncio.create_task(_deploy(nodes, registry_path, desk_address, index_symbols))
        stopped = asyncio.create_task(stop.wait())
        # With --block-time every deployment tx waits for a block: Ctrl-C must not wait too.
        await asyncio.wait({setup, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if setup.done():
            setup.result()  # re-raise a failed deployment
            typer.echo("chains running; Ctrl-C to stop")
            await stopped
        else:
            setup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await setup
    typer.echo("chains stopped")


async def _deploy(
    nodes: ChainSet, registry_path: Path, desk_address: str | None, index_symbols: Sequence[str]
) -> None:
    deployer, default_desk, relayer = ANVIL_DEV_ACCOUNTS[:3]
    desk = desk_address or default_desk.address
    if desk_address is not None:
        for node in nodes.values():
            await node.request("anvil_setBalance", desk, hex(_EXTERNAL_DESK_BALANCE_WEI))
    existing: DeploymentRegistry | None
    try:
        existing = DeploymentRegistry.load(registry_path)
    except MissingRegistryError:
        existing = None
    except RegistryError as exc:
        typer.echo(f"warning: ignoring the old registry ({exc})", err=True)
        existing = None
    registry = await deploy_all(
        nodes,
        deployer_key=deployer.private_key,
        desk_address=desk,
        relayer_address=relayer.address,
        index_symbols=index_symbols,
        pool_plan=_pool_plan_source() if _pool_plan_source is not None else None,
        existing=existing,
    )
    registry.save(registry_path)
    _print_registry(registry, registry_path)


@chain_app.command("up")
def up(
    registry: Annotated[
        Path, typer.Option("--registry", help="Where to write the deployment registry (JSON).")
    ] = DEFAULT_REGISTRY_PATH,
    desk_address: Annotated[
        str | None,
        typer.Option(
            "--desk-address",
            help="Address that gets the desk roles (default: anvil dev account #1).",
        ),
    ] = None,
    index: Annotated[
        list[str] | None,
        typer.Option("--index", help="Index symbol to deploy a token for (repeatable)."),
    ] = None,
    block_time: Annotated[
        int | None,
        typer.Option("--block-time", help="Seconds per block (default: one block per tx)."),
    ] = None,
) -> None:
    """Start local "arbitrum" and "base" nodes, deploy the contracts, run until Ctrl-C."""
    if desk_address is not None and not is_address(desk_address):
        typer.echo(f"error: --desk-address is not an address: {desk_address!r}", err=True)
        raise typer.Exit(2)
    if block_time is not None and block_time <= 0:
        typer.echo("error: --block-time must be > 0", err=True)
        raise typer.Exit(2)
    symbols = tuple(index) if index else DEFAULT_INDEX_SYMBOLS
    try:
        asyncio.run(_run_up(registry, desk_address, symbols, block_time))
    except (AnvilNotInstalledError, ContractsNotBuiltError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except (AnvilStartError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@chain_app.command("keystore-new")
def keystore_new(
    path: Annotated[Path, typer.Argument(help="Where to write the keystore (v3 JSON, mode 0600).")],
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="File whose first line is the password."),
    ] = None,
) -> None:
    """Create an encrypted keystore for the desk's hot key; prints only its address."""
    from tradewind.chain.keys import HotKeyError, create_keystore

    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        typer.echo("error: the password is empty", err=True)
        raise typer.Exit(2)
    try:
        address = create_keystore(path, password)
    except HotKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(address)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        chain_app()
