"""``SimExchange``: the simulated Binance Spot exchange assembled from its parts.

One object owns the matching engine, the moving market, market-data history, the stream hub,
API keys, rate limits, deposits, faults and persistence; the REST, WebSocket and admin layers
are thin translations onto it.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tradewind.common.logging import get_logger
from tradewind.common.metrics import metrics_handler
from tradewind.common.sim_chain_config import SimChainConfig
from tradewind.venues.sim.clock import ExchangeClock, RealClock
from tradewind.venues.sim.deposits import STATUS_SUCCESS, DepositBook, DepositRecord, deposit_key
from tradewind.venues.sim.engine import MatchingEngine, SimError, SymbolSpec
from tradewind.venues.sim.server.admin import build_admin_routes
from tradewind.venues.sim.server.auth import (
    ApiCredential,
    ApiKeyStore,
    credential_from_seed,
    new_credential,
)
from tradewind.venues.sim.server.endpoints import build_endpoints
from tradewind.venues.sim.server.faults import FaultPlan
from tradewind.venues.sim.server.metrics import SimMetrics
from tradewind.venues.sim.server.rate_limits import DEFAULT_RATE_LIMITS, RateLimit, RateLimitPolicy
from tradewind.venues.sim.server.rest import HTTP_MAX_LINE_BYTES, build_routes
from tradewind.venues.sim.server.streams import StreamHub
from tradewind.venues.sim.server.wire import fmt, fmt_balance
from tradewind.venues.sim.server.ws import StreamEndpoints, WebSocketApi

if TYPE_CHECKING:
    from tradewind.venues.sim.persistence import SimStore

log = get_logger("sim")
DEMO_ACCOUNT = "demo"
DEMO_BALANCES = {
    "USDT": Decimal("1000000"),
    "BTC": Decimal("10"),
    "ETH": Decimal("100"),
    "BNB": Decimal("100"),
}


@dataclass(frozen=True, slots=True)
class SimSettings:
    """How to run the simulated exchange. Ports are TCP ports (0 = pick a free one).

    ``chains``: deposit network (e.g. "BASE") -> the EVM node and token watched for deposits.
    """

    host: str = "127.0.0.1"
    port: int = 8090
    database: Path | None = None
    seed: int = 7
    market_activity: bool = True
    activity_intensity: float = 1.0
    admin: bool = False
    demo_seed: str | None = None
    rate_limits: tuple[RateLimit, ...] = DEFAULT_RATE_LIMITS
    ignored_429s_before_ban: int = 5
    replay_file: Path | None = None
    markets_file: Path | None = None
    chains: Mapping[str, SimChainConfig] = field(default_factory=dict)


class SimExchange:
    """The simulated exchange: engine, market, streams and the network endpoints around them."""

    def __init__(self, settings: SimSettings, clock: ExchangeClock | None = None) -> None:
        from tradewind.venues.sim.market import MarketDataRecorder, default_markets, load_markets

        self.settings = settings
        self.clock = clock or RealClock()
        self.markets = (
            load_markets(settings.markets_file) if settings.markets_file else default_markets()
        )
        self.engine = MatchingEngine(self.markets.specs, self.clock.now_ms)
        self.market_data = MarketDataRecorder(self.engine)
        self.streams = StreamHub(self.engine, self.clock.now_ms)
        self.market_data.on_agg_trade(self.streams.on_agg_trade)
        self.streams.kline_source = self.market_data.current_kline
        self.api_keys = ApiKeyStore()
        self.rate_limits = RateLimitPolicy(
            settings.rate_limits, ignored_429s_before_ban=settings.ignored_429s_before_ban
        )
        self.deposits = DepositBook()
        self.faults = FaultPlan()
        self.metrics = SimMetrics(self)  # served at /metrics on the REST port
        self.persistence: SimStore | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self.port: int = settings.port
        # a fixed demo pair only when asked for; otherwise a fresh one, kept with the data
        self.demo_credential = (
            credential_from_seed(settings.demo_seed, DEMO_ACCOUNT)
            if settings.demo_seed
            else new_credential(DEMO_ACCOUNT)
        )
        self.market: Any = None
        self.market_driver: Any = None
        self.chain_watchers: list[Any] = []

    # -- accounts ------------------------------------------------------------------------------
    async def create_account(
        self,
        account_id: str | None,
        balances: dict[str, Decimal],
        *,
        maker_commission: Decimal | None = None,
        taker_commission: Decimal | None = None,
        credential: ApiCredential | None = None,
    ) -> ApiCredential:
        account_id = account_id or f"acct-{len(self.api_keys.all()) + 1}"
        if account_id.startswith("__"):
            raise SimError(-1100, "Account ids starting with '__' are reserved.")
        if self.engine.has_account(account_id):
            raise SimError(-1100, f"Account {account_id} already exists.")
        kwargs: dict[str, Decimal] = {}
        if maker_commission is not None:
            kwargs["maker_commission"] = maker_commission
        if taker_commission is not None:
            kwargs["taker_commission"] = taker_commission
        self.engine.create_account(account_id, **kwargs)
        credential = credential or new_credential(account_id)
        self.api_keys.add(credential)
        if self.persistence is not None:
            self.persistence.save_credential(
                credential, *self.engine.account_commissions(account_id)
            )
        for asset, amount in balances.items():
            self.engine.credit(account_id, asset, amount, reason="admin")
        await self.persist()
        log.info("account_created", account_id=account_id)
        return credential

    async def credit(self, account_id: str, asset: str, amount: Decimal) -> None:
        self.engine.credit(account_id, asset, amount, reason="admin")
        await self.persist()

    async def credit_deposit(
        self,
        account_id: str,
        coin: str,
        network: str | None,
        amount: Decimal,
        tx_id: str,
        *,
        confirmations: int = 1,
        required_confirmations: int = 1,
        log_index: int | None = None,
    ) -> tuple[DepositRecord, bool]:
        """Record a deposit, pending until ``confirmations >= required_confirmations``; credit it
        once per (``tx_id``, ``log_index``). Returns the record and whether it credited now."""
        if not self.engine.has_account(account_id):
            raise KeyError(account_id)
        existing = self.deposits.get(tx_id, log_index)
        if existing is not None and existing.status == STATUS_SUCCESS:
            return existing, False
        address, resolved = self.deposits.address(account_id, coin, network)
        suffix = "" if log_index is None else f"-{log_index}"
        record = DepositRecord(
            deposit_id=existing.deposit_id if existing else f"dep-{tx_id[-12:]}{suffix}",
            account_id=account_id,
            coin=coin,
            network=resolved,
            amount=amount,
            address=address,
            tx_id=tx_id,
            # insertTime is when the exchange first saw the deposit, pending or not
            insert_time=existing.insert_time if existing else self.clock.now_ms(),
            status=STATUS_SUCCESS if confirmations >= required_confirmations else 0,
            confirmations=confirmations,
            required_confirmations=required_confirmations,
            log_index=log_index,
        )
        self.deposits.record(record)
        credited = record.status == STATUS_SUCCESS
        if credited:
            self.engine.credit(account_id, coin, amount, reason="deposit")
        if self.persistence is not None:
            self.persistence.save_deposit(record)
        await self.persist()
        log.info(
            "deposit_recorded",
            account_id=account_id,
            coin=coin,
            tx_id=tx_id,
            log_index=log_index,
            credited=credited,
            confirmations=confirmations,
        )
        return record, credited

    async def drop_pending_deposit(self, tx_id: str, log_index: int | None = None) -> bool:
        """Forget a pending (never credited) deposit whose block left the chain."""
        key = deposit_key(tx_id, log_index)
        dropped = self.deposits.discard_pending(key)
        if dropped is None:
            return False
        if self.persistence is not None:
            self.persistence.delete_deposit(key)
        await self.persist()
        log.info("deposit_dropped", account_id=dropped.account_id, tx_id=tx_id, log_index=log_index)
        return True

    def account_ids(self) -> list[str]:
        """Every account with an API key (the accounts users can deposit to)."""
        return sorted({credential.account_id for credential in self.api_keys.all()})

    def shock(self, symbol: str, pct: Decimal) -> None:
        if self.market is not None:
            self.market.shock(symbol, pct)

    async def persist(self) -> None:
        if self.persistence is not None:
            await self.persistence.flush()

    # -- views ---------------------------------------------------------------------------------
    def exchange_info(self, symbols: list[str] | None, now_ms: int) -> dict[str, Any]:
        selected = symbols or sorted(self.engine.specs)
        return {
            "timezone": "UTC",
            "serverTime": now_ms,
            "rateLimits": self.rate_limits.exchange_info(),
            "exchangeFilters": [],
            "symbols": [self._symbol_info(self.engine.specs[s]) for s in selected],
        }

    @staticmethod
    def _symbol_info(spec: SymbolSpec) -> dict[str, Any]:
        return {
            "symbol": spec.symbol,
            "status": "TRADING",
            "baseAsset": spec.base_asset,
            "baseAssetPrecision": spec.base_asset_precision,
            "quoteAsset": spec.quote_asset,
            "quotePrecision": spec.quote_asset_precision,
            "quoteAssetPrecision": spec.quote_asset_precision,
            "baseCommissionPrecision": spec.base_asset_precision,
            "quoteCommissionPrecision": spec.quote_asset_precision,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
            "icebergAllowed": False,
            "ocoAllowed": False,
            "otoAllowed": False,
            "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": False,
            "cancelReplaceAllowed": False,
            "amendAllowed": False,
            "pegInstructionsAllowed": False,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": spec.exchange_info_filters(),
            "permissions": [],
            "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "EXPIRE_TAKER",
            "allowedSelfTradePreventionModes": [
                "NONE",
                "EXPIRE_TAKER",
                "EXPIRE_MAKER",
                "EXPIRE_BOTH",
            ],
        }

    def account_json(self, account_id: str, now_ms: int, omit_zero: bool = False) -> dict[str, Any]:
        maker, taker = self.engine.account_commissions(account_id)
        balances = [
            {"asset": asset, "free": fmt_balance(free), "locked": fmt_balance(locked)}
            for asset, (free, locked) in sorted(self.engine.balances(account_id).items())
            if not (omit_zero and free == 0 and locked == 0)
        ]
        zero = fmt(Decimal(0))
        return {
            "makerCommission": int(maker * 10_000),
            "takerCommission": int(taker * 10_000),
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": fmt(maker),
                "taker": fmt(taker),
                "buyer": zero,
                "seller": zero,
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            # str hashes are salted per process; crc32 keeps the uid across restarts.
            "uid": zlib.crc32(account_id.encode()) % 10**9,
        }

    # -- lifecycle -----------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 20)
        app.add_routes(build_routes(self, build_endpoints(self)))
        streams = StreamEndpoints(self)
        ws_api = WebSocketApi(self)
        app.add_routes(
            [
                web.get("/ws", streams.raw),
                web.get("/ws/{tail:.*}", streams.raw),
                web.get("/stream", streams.combined),
                web.get("/ws-api/v3", ws_api.serve),
                web.get("/metrics", metrics_handler(self.metrics.registry)),
            ]
        )
        if self.settings.admin:
            app.add_routes(build_admin_routes(self))
        return app

    async def start(self) -> None:
        """Restore state, bind the port, and start the market and stream loops."""
        await self._open_persistence()
        stored = self.api_keys.of_account(DEMO_ACCOUNT)
        if stored is not None:
            self.demo_credential = stored  # the pair of this data directory
        elif not self.engine.has_account(DEMO_ACCOUNT):
            await self.create_account(DEMO_ACCOUNT, DEMO_BALANCES, credential=self.demo_credential)
        else:
            self.api_keys.add(self.demo_credential)
        self._start_market()
        self._runner = web.AppRunner(
            self.build_app(),
            access_log=None,
            handle_signals=False,
            # long query lines reach the pipeline, which answers them in Binance's form
            max_line_size=HTTP_MAX_LINE_BYTES,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, reuse_address=True)
        await site.start()
        # Port 0 asks the OS for a free port; report the one actually bound.
        self.port = int(self._runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._stream_loop()))
        if self.persistence is not None:
            self._tasks.append(loop.create_task(self._counters_loop()))
        self._start_chain_watchers()
        log.info("sim_started", rest=self.rest_url, ws=self.ws_url)

    async def stop(self) -> None:
        self._stop.set()
        for watcher in self.chain_watchers:
            await watcher.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self.streams.drop_all_connections()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.persistence is not None:
            from tradewind.venues.sim.persistence import save_counters

            save_counters(self.persistence, self.engine)
            await self.persistence.close()

    @property
    def rest_url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.settings.host}:{self.port}"

    async def _stream_loop(self) -> None:
        while not self._stop.is_set():
            await asyncio.sleep(0.1)
            try:
                self.streams.tick_100ms()
            except Exception:
                log.exception("stream_tick_failed")

    def _start_chain_watchers(self) -> None:
        if not self.settings.chains:
            return
        # web3 is imported only when a chain is watched: the plain sim starts without it.
        from tradewind.venues.sim.chain_watch import ChainDepositWatcher

        for network, config in sorted(self.settings.chains.items()):
            watcher = ChainDepositWatcher(self, network, config)
            watcher.start()
            self.chain_watchers.append(watcher)

    def _start_market(self) -> None:
        if self.settings.replay_file is not None:
            from tradewind.venues.sim.market import ReplayFeeder

            self.market_driver = ReplayFeeder(self.engine, self.settings.replay_file)
        elif self.settings.market_activity:
            from tradewind.venues.sim.market import MarketSimulator

            self.market = MarketSimulator(
                self.engine,
                list(self.markets.specs),
                self.settings.seed,
                intensity=self.settings.activity_intensity,
                markets=self.markets,
            )
            self.market.seed_books()
            self.market_driver = self.market
        else:
            return
        self._tasks.append(asyncio.get_running_loop().create_task(self._market_loop()))

    async def _market_loop(self) -> None:
        driver = self.market_driver
        assert driver is not None
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
            try:
                driver.step(self.clock.now_ms())
            except Exception:
                log.exception("market_step_failed")
            # Background trades can fill user orders; make those fills durable too.
            await self.persist()

    async def _counters_loop(self) -> None:
        from tradewind.venues.sim.persistence import save_counters

        assert self.persistence is not None
        while not self._stop.is_set():
            await asyncio.sleep(1.0)
            save_counters(self.persistence, self.engine)
            await self.persist()

    async def _open_persistence(self) -> None:
        if self.settings.database is None:
            return
        from tradewind.venues.sim.persistence import SimStore, restore_exchange

        store = SimStore(self.settings.database)
        restore_exchange(self, store)
        self.persistence = store
        self.engine.add_listener(store.on_engine_event)
