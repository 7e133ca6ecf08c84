"""IndexDeskRuntime: the index desk's configuration, run as components on a TradingNode.

    TradingNode (one venue; kernel store; clock) ── builds adapter, engine, market data
        components, started in this order, stopped in reverse:
          IndexDesk (+ chain link) ─ CollateralSource (→ desk.on_deposit) ─ gateway server
    index definitions (checked against the venue's instruments)
    FastAPI app: /fix (gateway) + /invoices + /local/deposits

The node runs the lifecycle: build → restore (engine state, then the desk's journal) →
reconcile the venue → run (the desk syncs its books and trades; the gateway listens) → stop.
Used by ``tradewind serve``, the demo and the end-to-end tests, so all three run the same wiring.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from eth_account import Account

from tradewind.chain.keys import load_hot_key
from tradewind.chain.registry import DeploymentRegistry
from tradewind.common.config import ChainLinkConfig, ConfigError, DeskConfig
from tradewind.common.logging import get_logger
from tradewind.common.metrics import IncludedRegistry
from tradewind.core.clock import LiveClock, TimerClock
from tradewind.desks.index.chain_link import ChainLink
from tradewind.desks.index.collateral_source import CollateralSource, LocalCollateralSource
from tradewind.desks.index.definitions import (
    DEMO_INDEX_FILE,
    IndexDefinition,
    load_index_definitions,
)
from tradewind.desks.index.desk import DeskTimings, IndexDesk
from tradewind.desks.index.gateway_bridge import DeskGatewayHandler, JournalInvoiceReader
from tradewind.desks.index.journal import DeskJournal
from tradewind.desks.index.local_deposits import (
    LOCAL_DEPOSIT_TOKEN_ENV,
    LocalDepositRefused,
    add_local_deposit_route,
    is_loopback_host,
    post_local_deposit,
)
from tradewind.desks.index.metrics import IndexDeskCollector
from tradewind.desks.index.solver import BatchPlanner, OptimalAllocator, SolverConfig
from tradewind.desks.index.state import IndexDeskState
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.runner import GatewayServer
from tradewind.gateway.fixjson.server import build_gateway_app
from tradewind.node import NodeConfig, TradingNode
from tradewind.node.config import NodeSection, VenueEntry
from tradewind.node.venue_factory import VenueSettings

__all__ = [
    "GATEWAY_KEY_ENV",
    "LOCAL_DEPOSIT_TOKEN_ENV",
    "IndexDeskRuntime",
    "LocalDepositRefused",
    "post_local_deposit",
    "solver_config",
]

log = get_logger("desks.index.runtime")

GATEWAY_KEY_ENV = "TRADEWIND_GATEWAY_KEY"
_BPS = Decimal(10_000)


def solver_config(config: DeskConfig) -> SolverConfig:
    """The solver's settings from the [desk] section."""
    return SolverConfig(
        price_threshold=config.price_threshold_bps / _BPS,
        depth_levels=config.depth_levels,
        liquidity_fraction=config.liquidity_fraction,
        max_order_volley=config.max_order_volley,
        max_batch_volley=config.max_batch_volley,
        max_in_flight_volley=config.max_in_flight_volley,
        taker_fee_rate=config.taker_fee_bps / _BPS,
    )


@dataclass(slots=True)
class _Parts:
    node: TradingNode
    engine: ExecutionEngine
    market_data: MarketDataService
    journal: DeskJournal
    server: GatewayServer
    desk: IndexDesk
    definitions: tuple[IndexDefinition, ...] = field(default_factory=tuple)


class _DeskComponent:
    """The desk (and its chain link) on the node: journal replay at restore, trading at start."""

    name = "index-desk"

    def __init__(self, desk: IndexDesk, chain_link: ChainLink | None) -> None:
        self._desk = desk
        self._chain_link = chain_link

    async def restore(self) -> None:
        await self._desk.restore()

    async def start(self) -> None:
        await self._desk.run(source=False)
        if self._chain_link is not None:
            await self._chain_link.start()

    async def stop(self) -> None:
        await self._desk.stop(kernel=False, source=False)
        if self._chain_link is not None:
            await self._chain_link.close()


class _CollateralComponent:
    """The collateral source feeding the desk's ``on_deposit``: starts once the desk trades,
    stops before it."""

    name = "index-collateral"

    def __init__(self, source: CollateralSource, desk: IndexDesk) -> None:
        self._source = source
        self._desk = desk

    async def restore(self) -> None:
        pass

    async def start(self) -> None:
        await self._source.start(self._desk.on_deposit)

    async def stop(self) -> None:
        await self._source.stop()


class _GatewayComponent:
    """The FIX/JSON + REST server: listens once the desk trades, closes first."""

    name = "index-gateway"

    def __init__(self, server: GatewayServer) -> None:
        self.server = server

    async def restore(self) -> None:
        pass

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()


class IndexDeskRuntime:
    """Starts and stops the whole desk; ``url`` is the gateway's HTTP base once started."""

    def __init__(
        self,
        config: DeskConfig,
        venue: VenueSettings,
        *,
        source: CollateralSource | None = None,
        clock: TimerClock | None = None,
        chain: ChainLinkConfig | None = None,
        local_deposit_token: str | None = None,
        gateway_limits: GatewayLimits | None = None,
    ) -> None:
        self.config = config
        self._gateway_limits = gateway_limits
        # the token of POST /local/deposits (when on): given, from the environment, or new
        self.local_deposit_token = (
            local_deposit_token
            or os.environ.get(LOCAL_DEPOSIT_TOKEN_ENV)
            or secrets.token_urlsafe(24)
        )
        self._venue = venue
        self.source = source or LocalCollateralSource()
        self._chain_config = chain
        self.chain_link: ChainLink | None = None
        self._clock = clock or LiveClock()
        self._parts: _Parts | None = None

    @property
    def desk(self) -> IndexDesk:
        return self._require().desk

    @property
    def node(self) -> TradingNode:
        """The node the desk runs on (its health, cache and venues)."""
        return self._require().node

    @property
    def url(self) -> str:
        return self._require().server.http_url

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/fix"

    @property
    def definitions(self) -> tuple[IndexDefinition, ...]:
        return self._require().definitions

    def _require(self) -> _Parts:
        if self._parts is None:
            raise RuntimeError("the index desk runtime is not started")
        return self._parts

    def node_config(self) -> NodeConfig:
        """The node this desk runs on: one venue, the kernel store."""
        venue = self._venue
        return NodeConfig(
            node=NodeSection(name="index-desk", database=_url(self.config.kernel_database)),
            venues={
                venue.name: VenueEntry(
                    kind=self.config.venue_kind,
                    rest_url=venue.rest_url,
                    ws_url=venue.ws_url,
                    api_key=venue.api_key,
                    api_secret=venue.api_secret,
                )
            },
        )

    async def start(self) -> None:
        config = self.config
        if config.local_deposits and not is_loopback_host(config.host):
            raise ConfigError(
                f"local_deposits credits collateral without a chain and listens on loopback "
                f"only; host {config.host!r} is not loopback"
            )
        node = TradingNode(self.node_config(), clock=self._clock)
        await node.build()
        venue = node.venue(self._venue.name)
        adapter, limiter = venue.adapter, venue.limiter
        instruments = {i.symbol: i for i in await adapter.load_instruments()}
        if adapter.rate_limits:
            # the venue's declared budget replaces the placeholder at once (the engine does the
            # same at its start, but its own exchangeInfo call must already be paced by it)
            limiter.update_limits(adapter.rate_limits)
        index_file = DEMO_INDEX_FILE if config.indexes == "demo" else Path(config.indexes)
        # weights need prices: one snapshot mid per symbol the file names, read only if needed
        definitions = await asyncio.to_thread(load_index_definitions, index_file, instruments)
        engine, market_data = venue.engine, venue.books
        journal = await asyncio.to_thread(DeskJournal.open, _url(config.database))
        source = self.source
        if self._chain_config is not None and self._chain_config.enabled:
            self.chain_link = await _open_chain_link(self._chain_config, self._venue)
            source = self.chain_link.collateral_source((engine, market_data))
        desk = IndexDesk(
            state=IndexDeskState(definitions, tokens_on_chain=self.chain_link is not None),
            journal=journal,
            engine=engine,
            market_data=market_data,
            planner=BatchPlanner(solver_config(config), OptimalAllocator()),
            source=source,
            clock=self._clock,
            timings=DeskTimings(batch_interval_s=config.batch_interval_ms / 1000),
            reports_kept=config.replay_reports_kept,
        )
        app = build_gateway_app(
            DeskGatewayHandler(desk),
            JournalInvoiceReader(journal),
            comp_id=config.comp_id,
            server_key=_gateway_key(),
            clock=self._clock,
            limits=self._gateway_limits,
        )
        if config.local_deposits and isinstance(self.source, LocalCollateralSource):
            add_local_deposit_route(
                app, self.source, self._clock, token=self.local_deposit_token,
                assets={d.quote_asset for d in definitions},
                recorded=lambda key: asyncio.to_thread(journal.event, key),
            )  # fmt: skip
        desk.publishers.append(app.state.publisher)
        # /metrics on the REST app: the gateway's own, the node's and the desk's in one scrape
        app.state.metrics.register(IncludedRegistry(node.metrics.registry))
        app.state.metrics.register(IndexDeskCollector(desk.state))
        if self.chain_link is not None:
            app.state.metrics.register(IncludedRegistry(self.chain_link.tx_metrics.registry))
        if self.chain_link is not None:
            self.chain_link.attach(desk)
        server = GatewayServer(app, host=config.host, port=config.port)
        node.add_component(_DeskComponent(desk, self.chain_link))
        node.add_component(_CollateralComponent(source, desk))
        node.add_component(_GatewayComponent(server))
        try:
            await node.restore()
            await node.reconcile()
            await node.run()
        except BaseException:
            await node.stop()
            raise
        self._parts = _Parts(node, engine, market_data, journal, server, desk, definitions)
        log.info("index_desk_serving", url=server.http_url, indexes=len(definitions))

    async def stop(self) -> None:
        parts, self._parts = self._parts, None
        if parts is None:
            return
        await parts.node.stop()
        self.chain_link = None

    async def __aenter__(self) -> IndexDeskRuntime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def _open_chain_link(config: ChainLinkConfig, venue: VenueSettings) -> ChainLink:
    registry = await asyncio.to_thread(DeploymentRegistry.load, Path(config.registry))
    key = await load_hot_key()
    if key.address != registry.desk_address:
        raise ConfigError(
            f"the desk key signs as {key.address} but the registry's desk (MINTER_ROLE, "
            f"OPERATOR_ROLE) is {registry.desk_address}"
        )
    link = ChainLink(config, registry, key, venue)
    await link.open()
    return link


def _url(database: str) -> str:
    # a plain path is a SQLite file (the engine factory creates its folder)
    return database if "://" in database else f"sqlite:///{database}"


def _gateway_key() -> str:
    key = os.environ.get(GATEWAY_KEY_ENV)
    if key:
        digits = key.removeprefix("0x")
        if len(digits) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise ConfigError(
                f"{GATEWAY_KEY_ENV} must be a secp256k1 private key written as 64 hex digits "
                "(0x prefix optional), e.g. the output of "
                "`python -c \"import secrets; print('0x' + secrets.token_hex(32))\"`"
            )
        return key
    # no configured key: an ephemeral one, so clients can still check messages within a run
    account = Account.create()
    log.warning("gateway_key_ephemeral", address=account.address, env=GATEWAY_KEY_ENV)
    return str(account.key.hex())
