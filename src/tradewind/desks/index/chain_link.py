"""ChainLink: the index desk's collateral and index tokens on EVM chains.

    vault deposit (arbitrum) ─▶ CollateralRouter: sweep ─▶ bridge ─▶ relayer fill (base)
        ─▶ exchange deposit address ─▶ credited ─▶ USDC sold for USDT ─▶ desk deposit
    MintInvoice (buy)  ─▶ IndexMinter: mint on the order's chain, tx hash onto the invoice
    MintInvoice (sell) ─▶ IndexMinter: burn the returned tokens; CollateralPayer: USDC back
    index tokens sent to the desk ─▶ TokenReturnWatcher ─▶ IndexTokensReturned

One TransactionManager per chain signs for the desk's hot key (router, minter and payer share
it, so nonces never clash); every intent, route and follower cursor is kept in SQLite under
``state_dir``, so a restart resumes routes and settlements where they stopped.

Every capital move (vault sweep, bridge deposit, transfer to the exchange, vault top-up,
payout) passes custody's governance first (``DeskCapital``): the registry's vaults and spoke
pools, the desk's wallet, the venue's deposit address (pinned the first time it is read in a
process: a different one later is refused) and redeeming users are whitelisted, hot moves are
capped at ``hot_daily_limit_usdc`` a day. Decisions go to ``custody-journal.jsonl`` and the
Merkle audit log ``custody-audit.db`` (tenant ``custody``) in ``state_dir``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.book.depth_sync import ReadyBook
from tradewind.chain.events import SqliteFollowerStore
from tradewind.chain.keys import HotKey
from tradewind.chain.registry import DeploymentRegistry
from tradewind.chain.tx import SqliteIntentStore, TransactionManager
from tradewind.chain.tx.metrics import TxMetrics
from tradewind.common.config import ChainLinkConfig
from tradewind.common.logging import get_logger
from tradewind.custody.governance import Governance
from tradewind.desks.index.capital import DeskCapital, registry_policy
from tradewind.desks.index.collateral_source import CollateralSource
from tradewind.desks.index.conversion import ConvertingCollateralSource
from tradewind.desks.index.desk import IndexDesk
from tradewind.desks.index.minting import CollateralPayer, IndexMinter, TokenReturnWatcher
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.routing import (
    BridgeFeeQuote,
    ChainCollateralSource,
    CollateralRouter,
    DeskWallet,
    ExchangeCapital,
    ExchangeDeposit,
    GasPricing,
    RouteContracts,
    RouterSettings,
    RouteStage,
    SapiDepositHistory,
    SqliteRouteStore,
    VenueCapital,
)
from tradewind.node.venue_factory import VenueSettings
from tradewind.portfolio.audit.sink import audit_sink
from tradewind.venues.base import DepositAddress

__all__ = ["ChainLink", "PriceUnavailable"]

log = get_logger("desks.index.chain_link")

_USDC_UNITS = Decimal(10**6)


class PriceUnavailable(RuntimeError):
    """No live book to convert gas or payouts with; the step is retried later."""


class _PinnedExchange:
    """The venue's deposit address, whitelisted in the desk's policy when first read (the
    configured venue is trusted once); a different address later stays off the whitelist."""

    def __init__(self, inner: ExchangeCapital, capital: DeskCapital, venue: str) -> None:
        self._inner = inner
        self._capital = capital
        self._venue = venue
        self._pinned: set[tuple[str, str]] = set()

    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        where = await self._inner.deposit_address(coin, network)
        if (coin, network) not in self._pinned:
            self._pinned.add((coin, network))
            self._capital.allow(where.address, f"{self._venue} deposit {coin}/{network}")
            log.info("exchange_deposit_address_pinned", coin=coin, network=network)
        return where

    async def deposit_history(self, coin: str) -> list[ExchangeDeposit]:
        return await self._inner.deposit_history(coin)


class ChainLink:
    """Builds and runs the chain side of one desk (see the module doc)."""

    def __init__(
        self,
        config: ChainLinkConfig,
        registry: DeploymentRegistry,
        key: HotKey,
        venue: VenueSettings,
    ) -> None:
        self.config = config
        self.registry = registry
        self._key = key
        self._venue = venue
        self._state = Path(config.state_dir)
        self._stores: list[Any] = []
        self.wallets: dict[str, DeskWallet] = {}
        self._desk: IndexDesk | None = None
        self.router: CollateralRouter | None = None
        self.minter: IndexMinter | None = None
        self.payer: CollateralPayer | None = None
        self.watcher: TokenReturnWatcher | None = None
        self._history: SapiDepositHistory | None = None
        self._routes: Any = None
        self._vault_cursor: Any = None
        self._returns_cursor: Any = None
        self.capital: DeskCapital | None = None
        self.tx_metrics = TxMetrics()  # every chain's transactions, served with /metrics

    async def _store(self, kind: type[Any], name: str) -> Any:
        store = await kind.open(self._state / name)
        self._stores.append(store)
        return store

    async def open(self) -> None:
        """Connect to every chain of the registry and open the stores."""
        self._state.mkdir(parents=True, exist_ok=True)
        for name, deployment in self.registry.chains.items():
            w3: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(deployment.rpc_url))
            intents = await self._store(SqliteIntentStore, f"intents-{name}.sqlite")
            manager = TransactionManager(
                w3,
                self._key,
                chain_id=deployment.chain_id,
                confirmations=self.config.confirmations,
                store=intents,
                poll_interval_s=self.config.poll_interval_ms / 1000,
                metrics=self.tx_metrics,
            )
            self.wallets[name] = DeskWallet(name=name, w3=w3, tx=manager)
        self._routes = await self._store(SqliteRouteStore, "routes.sqlite")
        self._vault_cursor = await self._store(SqliteFollowerStore, "vault-follower.sqlite")
        self._returns_cursor = await self._store(SqliteFollowerStore, "returns-follower.sqlite")
        policy = registry_policy(
            self.registry,
            extra_destinations=[(self._key.address, "desk hot wallet")],
            hot_daily_limit=self.config.hot_daily_limit_usdc,
        )
        audit = audit_sink(self._state / "custody-audit.db")
        self.capital = DeskCapital(Governance(policy, self._state / "custody-journal.jsonl", audit))

    def _exchange(self, venue: VenueCapital) -> ExchangeCapital:
        if self.capital is None:
            return venue
        return _PinnedExchange(venue, self.capital, self._venue.name)

    def collateral_source(self, desk_parts: tuple[Any, Any]) -> CollateralSource:
        """The desk's collateral source: routed vault deposits, converted to the quote asset.

        ``desk_parts`` is the desk's (ExecutionEngine, MarketDataService)."""
        engine, market_data = desk_parts
        origin, destination = self.config.origin, self.config.destination
        self._history = SapiDepositHistory(
            self._venue.rest_url, self._venue.api_key, self._venue.api_secret,
            venue=self._venue.name,
        )  # fmt: skip

        async def eth_price() -> Decimal:
            return _mid(market_data, "ETH/USDT")

        async def usdc_price() -> Decimal:
            return _mid(market_data, "USDC/USDT")

        self.router = CollateralRouter(
            origin=self.wallets[origin],
            destination=self.wallets[destination],
            contracts=RouteContracts.from_registry(
                self.registry, origin=origin, destination=destination
            ),
            exchange=self._exchange(VenueCapital(engine.adapter, self._history)),
            fee_quote=BridgeFeeQuote(
                bps=self.config.bridge_fee_bps,
                fixed_units=int(self.config.bridge_fee_fixed_usdc * _USDC_UNITS),
            ),
            gas_pricing=GasPricing(eth_price, usdc_price),
            store=self._routes,
            settings=RouterSettings(
                vault_confirmations=self.config.confirmations,
                fill_confirmations=self.config.confirmations,
                poll_interval_s=self.config.poll_interval_ms / 1000,
            ),
            capital=self.capital,
        )
        chain_source = ChainCollateralSource(
            self.router,
            follower_store=self._vault_cursor,
        )
        return ConvertingCollateralSource(
            chain_source,
            engine,
            market_data,
            account_chain_id=self.registry.chain(destination).chain_id,
        )

    def attach(self, desk: IndexDesk) -> None:
        """Settle the desk's invoices on chain and feed it the index tokens users return."""
        self._desk = desk

        async def on_settled(invoice_id: str, chain_id: int, tx_hash: str) -> None:
            recorded = await desk.record_invoice_tx(invoice_id, tx_hash)
            log.info(
                "invoice_settled_on_chain",
                invoice_id=invoice_id,
                chain_id=chain_id,
                tx_hash=tx_hash,
                recorded=recorded,
            )

        self.minter = IndexMinter(
            registry=self.registry, wallets=self.wallets.values(), on_minted=on_settled
        )
        vault_chain = self.registry.chain(self.config.origin)

        async def usd_price(invoice: MintInvoice) -> Decimal:
            # USDC per unit of the invoice's quote asset (USDT): 1 / (USDT per USDC)
            return 1 / _mid(desk.market_data, "USDC/USDT")

        routes = self._routes

        async def unswept_deposits() -> int:
            # user deposits the router has seen but not swept yet sit in the vault too: a
            # payout must leave them alone or their sweep would fail
            pending = await routes.unfinished() if routes is not None else []
            return sum(r.amount_units for r in pending if r.stage is RouteStage.DETECTED)

        self.payer = CollateralPayer(
            wallet=self.wallets[self.config.origin],
            vault=vault_chain.address("CollateralVault"),
            token=vault_chain.address("MockUSDC"),
            usd_price=usd_price,
            reserve=unswept_deposits,
            capital=self.capital,
        )
        desk.invoice_listeners.extend([self.minter, self.payer])
        self.watcher = TokenReturnWatcher(
            registry=self.registry,
            clients={name: wallet.w3 for name, wallet in self.wallets.items()},
            sink=desk.on_tokens_returned,
            confirmations=self.config.confirmations,
            poll_interval_s=self.config.poll_interval_ms / 1000,
            follower_store=self._returns_cursor,
        )

    async def start(self) -> None:
        """After the desk started: settle what a previous run left unsettled, watch returns."""
        if self._desk is None or self.minter is None or self.watcher is None:
            raise RuntimeError("attach the chain link to a desk first")
        unsettled = await self._desk.unsettled_invoices()
        await self.minter.resume(unsettled)
        if self.payer is not None:
            await self.payer.resume(unsettled)
        self.watcher.start()

    async def close(self) -> None:
        for part in (self.watcher, self.minter, self.payer):
            if part is not None:
                await part.stop()
        if self._history is not None:
            await self._history.close()
        for store in self._stores:
            await store.close()


def _mid(market_data: Any, symbol: str) -> Decimal:
    view = market_data.view(symbol)
    if not isinstance(view, ReadyBook) or view.book.mid() is None:
        raise PriceUnavailable(f"no live {symbol} book")
    mid = view.book.mid()
    assert mid is not None
    return mid
