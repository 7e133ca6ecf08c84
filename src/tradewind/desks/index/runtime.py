"""IndexDeskRuntime: the index desk wired to a venue, its stores and the FIX/JSON gateway.

    venue adapter ─▶ ExecutionEngine (kernel store) ─┐
                 └▶ MarketDataService (books) ───────┼─▶ IndexDesk ◀─ CollateralSource
    index definitions (checked against instruments) ─┘       │
    FastAPI app: /fix (gateway) + /invoices + /local/deposits ◀┘

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

from tradewind.bus.in_process import InProcessMessageBus
from tradewind.chain.keys import load_hot_key
from tradewind.chain.registry import DeploymentRegistry
from tradewind.common.config import ChainLinkConfig, ConfigError, DeskConfig
from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock
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
from tradewind.desks.index.solver import BatchPlanner, OptimalAllocator, SolverConfig
from tradewind.desks.index.state import IndexDeskState
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService
from tradewind.execution.store_writer import StoreWriter
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.runner import GatewayServer
from tradewind.gateway.fixjson.server import build_gateway_app
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.oms.rate_limiter import provisional_limiter
from tradewind.store.kernel_store import KernelStore

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
    engine: ExecutionEngine
    market_data: MarketDataService
    journal: DeskJournal
    server: GatewayServer
    desk: IndexDesk
    definitions: tuple[IndexDefinition, ...] = field(default_factory=tuple)


class IndexDeskRuntime:
    """Starts and stops the whole desk; ``url`` is the gateway's HTTP base once started."""

    def __init__(
        self,
        config: DeskConfig,
        venue: VenueSettings,
        *,
        source: CollateralSource | None = None,
        clock: Clock | None = None,
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

    async def start(self) -> None:
        config = self.config
        if config.local_deposits and not is_loopback_host(config.host):
            raise ConfigError(
                f"local_deposits credits collateral without a chain and listens on loopback "
                f"only; host {config.host!r} is not loopback"
            )
        limiter = provisional_limiter(self._clock, "index-desk")
        adapter = open_venue(config.venue_kind, self._venue, limiter=limiter)
        instruments = {i.symbol: i for i in await adapter.load_instruments()}
        if adapter.rate_limits:
            # the venue's declared budget replaces the placeholder at once (the engine does the
            # same at its start, but its own exchangeInfo call must already be paced by it)
            limiter.update_limits(adapter.rate_limits)
        source = DEMO_INDEX_FILE if config.indexes == "demo" else Path(config.indexes)
        # weights need prices: one snapshot mid per symbol the file names, read only if needed
        definitions = await asyncio.to_thread(load_index_definitions, source, instruments)
        kernel_url = _url(config.kernel_database)
        kernel_store = StoreWriter(await asyncio.to_thread(KernelStore.open, kernel_url))
        bus = InProcessMessageBus()
        engine = ExecutionEngine(
            adapter=adapter, bus=bus, limiter=limiter, clock=self._clock, store=kernel_store
        )
        market_data = MarketDataService(adapter, bus=bus, clock=self._clock)
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
        if self.chain_link is not None:
            self.chain_link.attach(desk)
        await desk.start()
        if self.chain_link is not None:
            await self.chain_link.start()
        server = GatewayServer(app, host=config.host, port=config.port)
        await server.start()
        self._parts = _Parts(engine, market_data, journal, server, desk, definitions)
        log.info("index_desk_serving", url=server.http_url, indexes=len(definitions))

    async def stop(self) -> None:
        parts, self._parts = self._parts, None
        if parts is None:
            return
        await parts.server.stop()
        await parts.desk.stop()
        if self.chain_link is not None:
            await self.chain_link.close()
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
        return key
    # no configured key: an ephemeral one, so clients can still check messages within a run
    account = Account.create()
    log.warning("gateway_key_ephemeral", address=account.address, env=GATEWAY_KEY_ENV)
    return account.key.hex()
