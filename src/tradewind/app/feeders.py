"""Chainlink feeds on the local DEX chain that follow the sim exchange's prices.

    tradewind chain feeder [--registry PATH] [--sim-url URL] [--interval S] [--lag S]
                           [--fault WETH=frozen …] [--anvil-dev-key]

One ``FeedFeeder`` per ``MockV3Aggregator:<TOKEN>USD`` of the registry's "arbitrum" chain, fed
the sim's mid of the matching USDT market (WBTC -> BTCUSDT, WETH -> ETHUSDT, SOL -> SOLUSDT),
``--lag`` seconds late, with a fault per token (none, stale, frozen, outlier). The key only pays
gas (the mock feeds take updates from anyone): ``$TRADEWIND_FEEDER_KEY``, or with
``--anvil-dev-key`` anvil's dev account #4 (loopback chains only).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.feeds import FeedFault, FeedFeeder
from tradewind.chain.keys import HotKey
from tradewind.chain.registry import ChainDeployment, DeploymentRegistry, RegistryError
from tradewind.chain.tx import TransactionManager
from tradewind.chain.uniswap.plan import ONCHAIN_TOKENS
from tradewind.common.logging import get_logger
from tradewind.venues.sim.mids import SimMids, SimMidUnavailableError

__all__ = ["ENV_FEEDER_KEY", "FeedRoute", "Feeders", "feed_routes", "feeder_command"]

ENV_FEEDER_KEY = "TRADEWIND_FEEDER_KEY"
_DEX_CHAIN = "arbitrum"
_PREFIX = "MockV3Aggregator:"
_log = get_logger("app.feeders")


class FeederSetupError(ValueError):
    """A feeder option or registry that cannot work."""


@dataclass(frozen=True, slots=True)
class FeedRoute:
    """Feed ``address`` of ``token`` follows the sim market ``sim_symbol``."""

    token: str
    sim_symbol: str
    address: str


def feed_routes(chain: ChainDeployment) -> list[FeedRoute]:
    by_token = {spec.symbol: asset for asset, spec in ONCHAIN_TOKENS.items()}
    routes = []
    for key, address in sorted(chain.contracts.items()):
        if not key.startswith(_PREFIX) or not key.endswith("USD"):
            continue
        token = key[len(_PREFIX) : -len("USD")]
        asset = by_token.get(token)
        if asset is not None:
            routes.append(FeedRoute(token, f"{asset}USDT", address))
    return routes


class Feeders:
    """Every route's feeder, stepped together."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        tx: TransactionManager,
        routes: Sequence[FeedRoute],
        mids: SimMids,
        *,
        lag_s: int = 0,
        faults: Mapping[str, FeedFault] | None = None,
    ) -> None:
        unknown = set(faults or {}) - {route.token for route in routes}
        if unknown:
            raise FeederSetupError(f"no feed for {', '.join(sorted(unknown))}")
        self.feeders = {
            route.token: FeedFeeder(
                w3,
                tx,
                route.address,
                source=mids.source(route.sim_symbol),
                lag_s=lag_s,
                name=route.token,
            )
            for route in routes
        }
        for token, fault in (faults or {}).items():
            self.feeders[token].fault = fault

    async def step(self, now_s: int) -> dict[str, int | None]:
        """One update of every feed (sequential: one key, one nonce sequence)."""
        sent: dict[str, int | None] = {}
        for token, feeder in self.feeders.items():
            try:
                sent[token] = await feeder.step(now_s)
            except SimMidUnavailableError as exc:
                _log.warning("app.feed_skipped", token=token, error=str(exc))
                sent[token] = None
        return sent

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        while not stop.is_set():
            await self.step(int(time.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)


def _faults(values: Sequence[str]) -> dict[str, FeedFault]:
    faults: dict[str, FeedFault] = {}
    for value in values:
        token, sep, mode = value.partition("=")
        try:
            faults[token] = FeedFault(mode)
        except ValueError:
            raise FeederSetupError(
                f"--fault expects TOKEN=none|stale|frozen|outlier, got {value!r}"
            ) from None
        if not sep or not token:
            raise FeederSetupError(f"--fault expects TOKEN=MODE, got {value!r}")
    return faults


def _key(anvil_dev_key: bool) -> HotKey:
    raw = os.environ.get(ENV_FEEDER_KEY)
    if raw:
        return HotKey.from_private_key(raw, source=f"env:{ENV_FEEDER_KEY}")
    if anvil_dev_key:
        return HotKey.from_private_key(ANVIL_DEV_ACCOUNTS[4].private_key, source="anvil-dev")
    raise FeederSetupError(f"no feeder key: set ${ENV_FEEDER_KEY} or pass --anvil-dev-key")


def feeder_command(
    registry_path: Annotated[
        Path, typer.Option("--registry", help="Deployment registry written by `chain up`.")
    ] = Path("var/chain/registry.json"),
    sim_url: Annotated[
        str, typer.Option(help="REST URL of the sim exchange.")
    ] = "http://127.0.0.1:8000",
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between updates.")] = 1.0,
    lag: Annotated[int, typer.Option(min=0, help="Seconds the feeds lag the sim.")] = 0,
    fault: Annotated[
        list[str] | None, typer.Option(help="TOKEN=none|stale|frozen|outlier (repeatable).")
    ] = None,
    anvil_dev_key: Annotated[
        bool, typer.Option(help="Pay gas with anvil's dev account #4 (local chains).")
    ] = False,
) -> None:
    """Drive the local Chainlink mock feeds from the sim exchange's prices."""
    try:
        registry = DeploymentRegistry.load(registry_path)
        chain = registry.chain(_DEX_CHAIN)
        routes = feed_routes(chain)
        if not routes:
            raise FeederSetupError(f"no feeds on {_DEX_CHAIN} in {registry_path}")
        faults = _faults(fault or [])
        key = _key(anvil_dev_key)
    except (RegistryError, FeederSetupError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        w3 = AsyncWeb3(AsyncHTTPProvider(chain.rpc_url))
        tx = TransactionManager(w3, key, chain_id=chain.chain_id)
        try:
            async with SimMids(sim_url) as mids:
                feeders = Feeders(w3, tx, routes, mids, lag_s=lag, faults=faults)
                typer.echo(f"feeding {', '.join(r.token for r in routes)} from {sim_url}")
                await feeders.run(stop, interval)
        finally:
            await w3.provider.disconnect()

    try:
        asyncio.run(main())
    except FeederSetupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
