"""``tradewind chain relayer``: the simulated bridge relayer as a process.

    tradewind chain relayer [--registry PATH] [--route arbitrum:base …] [--confirmations N]
                            [--state PATH] [--keystore PATH | --anvil-dev-key] [--faucet USDC]

Reads the deployment registry, follows each route's origin spoke pool and fills on the
destination pool from the relayer's own funds, then is repaid on the origin (see relayer.py).
The relayer's key: a keystore (``--keystore``, password from ``$TRADEWIND_KEYSTORE_PASSWORD`` or
``--password-file``), or ``$TRADEWIND_RELAYER_KEY``, or ``--anvil-dev-key`` (anvil's public dev
account holding the registry's relayer role; loopback nodes only). Intents and the follower's
cursor live in the ``--state`` SQLite file, so a restart resumes and never fills twice.
``--faucet`` mints MockUSDC to the relayer on every destination first (local chains only).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import typer
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.bridge.relayer import Relayer, RelayerLeg, RelayerPolicy
from tradewind.chain.bridge.spoke_pool import Erc20Contract
from tradewind.chain.events import SqliteFollowerStore
from tradewind.chain.keys import HotKey, HotKeyError, load_hot_key
from tradewind.chain.registry import DeploymentRegistry, RegistryError
from tradewind.chain.tx import SqliteIntentStore, TransactionManager, TxRequest

__all__ = ["ENV_RELAYER_KEY", "relayer_app"]

ENV_RELAYER_KEY = "TRADEWIND_RELAYER_KEY"
DEFAULT_REGISTRY = Path("var/chain/registry.json")
DEFAULT_STATE = Path("var/chain/relayer.sqlite")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_TOKEN_KEY = "MockUSDC"

relayer_app = typer.Typer(
    name="relayer",
    help="Run the simulated bridge relayer (fills spoke-pool deposits, is repaid on the origin).",
    add_completion=False,
)


class RelayerSetupError(ValueError):
    """The relayer cannot start: bad route, registry, key or faucet amount."""


def parse_routes(values: Sequence[str], registry: DeploymentRegistry) -> dict[str, list[str]]:
    """``["arbitrum:base", …]`` -> origin -> destinations, every chain in the registry."""
    routes: dict[str, list[str]] = {}
    for value in values:
        origin, sep, destination = value.partition(":")
        if not sep or not origin or not destination or origin == destination:
            raise RelayerSetupError(f"--route expects ORIGIN:DESTINATION, got {value!r}")
        for name in (origin, destination):
            registry.chain(name)  # raises UnknownChainError naming the registry's chains
        if destination not in routes.setdefault(origin, []):
            routes[origin].append(destination)
    return routes


def _is_loopback(url: str) -> bool:
    return (urlparse(url).hostname or "") in _LOOPBACK


async def _relayer_key(
    registry: DeploymentRegistry,
    *,
    keystore: Path | None,
    password_file: Path | None,
    anvil_dev_key: bool,
) -> HotKey:
    if keystore is not None:
        return await load_hot_key(keystore_path=keystore, password_file=password_file)
    raw = os.environ.get(ENV_RELAYER_KEY)
    if raw:
        return HotKey.from_private_key(raw, source=f"env:{ENV_RELAYER_KEY}")
    if anvil_dev_key:
        if not all(_is_loopback(chain.rpc_url) for chain in registry):
            raise RelayerSetupError("--anvil-dev-key is for local (loopback) chains only")
        for account in ANVIL_DEV_ACCOUNTS:
            if account.address == registry.relayer_address:
                return HotKey.from_private_key(account.private_key, source="anvil-dev")
        raise RelayerSetupError(
            f"the registry's relayer {registry.relayer_address} is not an anvil dev account"
        )
    raise RelayerSetupError(
        f"no relayer key: pass --keystore, set ${ENV_RELAYER_KEY}, or --anvil-dev-key (local)"
    )


async def _faucet(legs: dict[str, RelayerLeg], registry: DeploymentRegistry, amount: int) -> None:
    for name, leg in legs.items():
        chain = registry.chain(name)
        if not _is_loopback(chain.rpc_url):
            raise RelayerSetupError(f"--faucet is for local chains only ({name} is not loopback)")
        token = Erc20Contract(leg.w3, chain.address(_TOKEN_KEY))
        request = token.faucet(leg.tx.address, amount)

        async def build(request: TxRequest = request) -> TxRequest:
            return request

        # A fresh intent per run: minting again on a restart is what --faucet asks for.
        sent = await leg.tx.send(f"relay:faucet:{leg.chain_id}:{time.time_ns()}", build)
        typer.echo(f"faucet   {name}: {amount} base units to {leg.tx.address} ({sent.tx_hash})")


async def run_relayer(
    registry: DeploymentRegistry,
    key: HotKey,
    routes: dict[str, list[str]],
    *,
    state: Path,
    confirmations: int,
    poll_interval_s: float,
    min_fee_bps: int,
    faucet_units: int,
    stop: asyncio.Event,
) -> None:
    """Run one ``Relayer`` per origin until ``stop`` is set."""
    state.parent.mkdir(parents=True, exist_ok=True)
    intents = await SqliteIntentStore.open(state)
    cursors = await SqliteFollowerStore.open(state.with_name(state.stem + "-cursor.sqlite"))
    names = sorted({*routes, *(d for ds in routes.values() for d in ds)})
    clients: dict[str, AsyncWeb3[Any]] = {
        name: AsyncWeb3(AsyncHTTPProvider(registry.chain(name).rpc_url)) for name in names
    }
    legs = {
        name: RelayerLeg(
            name=name,
            w3=clients[name],
            spoke_pool=registry.chain(name).address("SpokePool"),
            tx=TransactionManager(
                clients[name],
                key,
                chain_id=registry.chain(name).chain_id,
                confirmations=1,
                store=intents,
            ),
        )
        for name in names
    }
    relayers: list[Relayer] = []
    try:
        for leg in legs.values():
            await leg.tx.recover()
        if faucet_units:
            funded = {d for ds in routes.values() for d in ds}
            await _faucet({n: legs[n] for n in sorted(funded)}, registry, faucet_units)
        for origin, destinations in routes.items():
            relayer = Relayer(
                origin=legs[origin],
                destinations=[legs[d] for d in destinations],
                allowed_output_tokens={
                    registry.chain(d).chain_id: [registry.chain(d).address(_TOKEN_KEY)]
                    for d in destinations
                },
                confirmations=confirmations,
                policy=RelayerPolicy(min_fee_bps=min_fee_bps),
                follower_store=cursors,
                start_block=0,
                poll_interval_s=poll_interval_s,
            )
            relayer.start()
            relayers.append(relayer)
            typer.echo(f"relaying {origin} -> {', '.join(destinations)} as {key.address}")
        typer.echo("READY relayer")
        await stop.wait()
    finally:
        for relayer in relayers:
            await relayer.stop()
        for client in clients.values():
            with contextlib.suppress(Exception):
                await client.provider.disconnect()
        await intents.close()
        await cursors.close()


def _usdc_units(value: str | None) -> int:
    if not value:
        return 0
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RelayerSetupError(f"--faucet must be a USDC amount, got {value!r}") from None
    units = amount.scaleb(6)
    if not amount.is_finite() or amount <= 0 or units != units.to_integral_value():
        raise RelayerSetupError(f"--faucet must be a positive USDC amount, got {value!r}")
    return int(units)


@relayer_app.callback(invoke_without_command=True)
def relayer_command(
    registry_path: Annotated[
        Path, typer.Option("--registry", help="Deployment registry written by `chain up`.")
    ] = DEFAULT_REGISTRY,
    route: Annotated[
        list[str] | None,
        typer.Option(help="ORIGIN:DESTINATION chain names to relay (repeatable)."),
    ] = None,
    confirmations: Annotated[
        int, typer.Option(min=1, help="Blocks deep a deposit must be before it is filled.")
    ] = 2,
    state: Annotated[
        Path, typer.Option(help="SQLite file for intents and the follower's cursor.")
    ] = DEFAULT_STATE,
    keystore: Annotated[
        Path | None, typer.Option(help="Keystore v3 file of the relayer's key.")
    ] = None,
    password_file: Annotated[
        Path | None, typer.Option(help="File whose first line unlocks the keystore.")
    ] = None,
    anvil_dev_key: Annotated[
        bool, typer.Option(help="Sign with anvil's dev account holding the relayer role (local).")
    ] = False,
    faucet: Annotated[
        str | None, typer.Option(help="Mint this much MockUSDC to the relayer first (local).")
    ] = None,
    min_fee_bps: Annotated[
        int, typer.Option(min=0, max=10_000, help="Refuse deposits paying a lower fee.")
    ] = 0,
    poll_interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 0.5,
) -> None:
    """Fill bridge deposits on the destination chain and get repaid on the origin chain."""
    try:
        registry = DeploymentRegistry.load(registry_path)
        routes = parse_routes(route or ["arbitrum:base"], registry)
        faucet_units = _usdc_units(faucet)
    except (RegistryError, RelayerSetupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        key = await _relayer_key(
            registry, keystore=keystore, password_file=password_file, anvil_dev_key=anvil_dev_key
        )
        await run_relayer(
            registry,
            key,
            routes,
            state=state,
            confirmations=confirmations,
            poll_interval_s=poll_interval,
            min_fee_bps=min_fee_bps,
            faucet_units=faucet_units,
            stop=stop,
        )

    try:
        asyncio.run(main())
    except (HotKeyError, RelayerSetupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


if __name__ == "__main__":
    relayer_app()
