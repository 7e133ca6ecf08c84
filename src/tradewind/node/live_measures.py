"""LiveMeasures: the PMM monitoring framework's measures, live on a node, as MeasureReadings.

    node cache ──────────────┐  balances (as reconciled) + our fills since, positions, tops
    bus: order events ───────┼─▶ LiveMeasures ──▶ readings() ──▶ node.measure_readings()
    providers (optional) ────┤    (a Component: a sampling timer on the node's clock)
    record_quote(...) etc. ──┘

Holdings are the venue balances of the last fetch (BalanceUpdated, published at reconciliation)
plus the effect of every fill applied after it (base, quote and fee asset), so they move with
each fill without a REST call. Oracle prices are the mids of the cache's tops of book of
``ASSET/<cash>`` instruments (cash assets count 1). Each ``sample_interval_s`` the component
samples prices (for VaR and correlation), equity (drawdown, turnover) and uptime, and asks the
providers (on-chain wallets, borrowing, gas price) and a TCP-connect probe of each venue's REST
host (network latency).

``readings()`` recomputes the cheap measures on each call (position, inventory, PnL, uptime and
RFQ figures) and reports the VaR, ES and correlation of the last sample. A measure whose inputs
the node lacks (no on-chain provider, no RFQ quotes yet, no hedge venue configured) reads None
(Band.UNKNOWN), never a made-up 0.

Inputs from desks: ``record_quote`` (an RFQ answered), ``record_quote_filled``,
``record_settlement``, ``record_gas_spent``, ``record_flash_loan``, ``record_rebalance``.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from urllib.parse import urlsplit

from tradewind.bus.interface import Subscription
from tradewind.common.logging import get_logger
from tradewind.core.clock import TimeEvent, seconds_to_ns
from tradewind.core.events import (
    BalanceUpdated,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.core.identifiers import InstrumentId, parse_symbol
from tradewind.node.node import NodeHealth, NodeState, TradingNode
from tradewind.risk.exposure import max_drawdown
from tradewind.risk.live.inventory import (
    Holding,
    InventorySnapshot,
    concentration_share,
    hedge_coverage,
    hedged_share,
    inventory_value,
    net_deltas,
    on_chain_share,
)
from tradewind.risk.live.market_risk import PriceHistory, VarReadings, correlations, value_at_risk
from tradewind.risk.live.operations import TimedSamples, UptimeTracker, node_health, ratio
from tradewind.risk.live.performance import (
    flash_loan_share,
    gas_risk_ratio,
    liquidation_buffer,
    pnl_breakdown,
    revenue_efficiency,
    turnover,
)
from tradewind.risk.live.providers import (
    BorrowingProvider,
    BorrowState,
    GasPriceProvider,
    OnChainBalanceProvider,
)
from tradewind.risk.live.settings import MeasureSettings
from tradewind.risk.readings import MeasureReading

__all__ = ["LiveMeasures", "attach_live_measures"]

log = get_logger("live_measures")

_ZERO = Decimal(0)
_MS = 1_000_000
_TIMER = "live_measures:sample"
_UPTIME_TIMER = "live_measures:uptime"
_UPTIME_EVERY_NS = 1_000_000_000  # a state change is placed to within a second


class LiveMeasures:
    """A node component and MeasureSource: every framework measure from the node's state.

    Values: ratios as fractions, latencies in ms, amounts in the first cash asset's units.
    """

    def __init__(
        self,
        node: TradingNode,
        settings: MeasureSettings | None = None,
        *,
        on_chain: OnChainBalanceProvider | None = None,
        borrowing: BorrowingProvider | None = None,
        gas_price: GasPriceProvider | None = None,
        probe_network: bool = True,
    ) -> None:
        self._node = node
        self.settings = settings or node.config.risk.measures
        self._on_chain = on_chain
        self._borrowing = borrowing
        self._gas_price = gas_price
        self._probe_network = probe_network
        s = self.settings
        window_ns = seconds_to_ns(s.window_s)
        self._thresholds = s.thresholds()
        self._cash = frozenset(s.cash_assets)
        self._unit = s.cash_assets[0] if s.cash_assets else "quote"
        self._balances: dict[tuple[str, str], Decimal] = {}  # (venue, asset) → quantity
        self._baselined: set[str] = set()  # venues whose balances came in a BalanceUpdated
        self._wallets: list[Holding] = []
        self._borrow: BorrowState | None = None
        self._prices = PriceHistory(s.returns_window)
        self._equity: list[float] = []
        self._inventory = TimedSamples(window_ns)
        self._volume = TimedSamples(window_ns)
        self._flash = TimedSamples(window_ns)
        self._gas_spent = TimedSamples(window_ns)
        self._gas_prices = TimedSamples(window_ns)
        self._rebalances = TimedSamples(window_ns)
        self._quote_response = TimedSamples(window_ns)
        self._quotes: dict[str, int] = {}  # quote id → when quoted
        self._quotes_filled: set[str] = set()
        self._settlements = TimedSamples(window_ns)  # 1.0 success, 0.0 failure
        self._network = TimedSamples(window_ns)
        self._execution = TimedSamples(window_ns)
        self._submitted: dict[str, int] = {}  # client order id → ts_init of OrderSubmitted
        self._uptime = UptimeTracker(window_ns)
        self._was_up = False
        self._flash_known = self._gas_known = False
        self._var: VarReadings | None = None
        self._correlations: dict[tuple[str, str], float] = {}
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False

    # -- Component -----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return "live_measures"

    async def restore(self) -> None:
        """Follow the bus from before reconciliation: its balance fetch is the baseline."""
        bus = self._node.bus
        self._subscriptions = [
            bus.subscribe(BalanceUpdated, self._on_balances),
            bus.subscribe(OrderFilled, self._on_fill),
            bus.subscribe(OrderSubmitted, self._on_submitted),
            bus.subscribe(OrderAccepted, self._on_accepted),
            bus.subscribe(OrderRejected, self._on_rejected),
        ]

    async def start(self) -> None:
        """Take the cache's balances of a venue that published none; start sampling."""
        for venue in self._node.cache.venues:
            if venue in self._baselined:
                continue
            for asset, balance in self._node.cache.balances(venue).items():
                self._balances[(venue, asset)] = balance.free + balance.locked
        self._started = True
        interval = seconds_to_ns(self.settings.sample_interval_s)
        self._node.clock.set_timer(_TIMER, interval, self._on_timer)
        self._node.clock.set_timer(_UPTIME_TIMER, _UPTIME_EVERY_NS, self._on_uptime_timer)
        await self.sample()

    async def stop(self) -> None:
        self._node.clock.cancel_timer(_TIMER)
        self._node.clock.cancel_timer(_UPTIME_TIMER)
        for subscription in self._subscriptions:
            self._node.bus.unsubscribe(subscription)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- what desks report ---------------------------------------------------------------------

    def record_quote(self, quote_id: str, received_ns: int, quoted_ns: int) -> None:
        """An RFQ received at ``received_ns`` was answered with quote ``quote_id`` at
        ``quoted_ns`` (the node clock's nanoseconds)."""
        if quoted_ns < received_ns:
            raise ValueError(f"quote {quote_id}: quoted before it was requested")
        self._quote_response.add(quoted_ns, (quoted_ns - received_ns) / _MS)
        self._quotes[quote_id] = quoted_ns
        self._forget_old_quotes(quoted_ns)

    def _forget_old_quotes(self, now_ns: int) -> None:
        # quotes are recorded in time order, so the oldest are first
        cutoff = now_ns - seconds_to_ns(self.settings.window_s)
        while self._quotes:
            oldest, at = next(iter(self._quotes.items()))
            if at >= cutoff:
                break
            del self._quotes[oldest]
            self._quotes_filled.discard(oldest)

    def record_quote_filled(self, quote_id: str) -> None:
        """A counterparty executed quote ``quote_id``."""
        if quote_id not in self._quotes:
            raise ValueError(f"quote {quote_id!r} was never recorded")
        self._quotes_filled.add(quote_id)

    def record_settlement(self, succeeded: bool) -> None:
        """An on-chain settlement attempt ended (mined and successful, or not)."""
        self._settlements.add(self._node.clock.now_ns(), 1.0 if succeeded else 0.0)

    def record_gas_spent(self, value: Decimal) -> None:
        """Gas paid, valued in the first cash asset's units."""
        self._gas_known = True
        self._gas_spent.add(self._node.clock.now_ns(), float(_non_negative("gas", value)))

    def record_flash_loan(self, value: Decimal) -> None:
        """A flash loan of ``value`` (cash units) was used in a trade."""
        self._flash_known = True
        self._flash.add(self._node.clock.now_ns(), float(_non_negative("flash loan", value)))

    def record_rebalance(self) -> None:
        """An inventory rebalancing happened now."""
        self._rebalances.add(self._node.clock.now_ns(), 1.0)

    def record_network_rtt(self, latency_ms: float) -> None:
        """A measured network round trip (the built-in probe calls this too)."""
        self._network.add(self._node.clock.now_ns(), latency_ms)

    # -- events --------------------------------------------------------------------------------

    def _on_balances(self, event: BalanceUpdated) -> None:
        # a fresh fetch replaces the venue's holdings; later fills apply on top of it
        self._baselined.add(event.venue)
        for key in [key for key in self._balances if key[0] == event.venue]:
            del self._balances[key]
        for balance in event.balances:
            self._balances[(event.venue, balance.asset)] = balance.free + balance.locked

    def _on_fill(self, event: OrderFilled) -> None:
        base, quote = parse_symbol(event.symbol)
        signed = event.last_qty if event.side.sign > 0 else -event.last_qty
        notional = event.last_px * event.last_qty
        for asset, change in ((base, signed), (quote, -signed * event.last_px)):
            key = (event.venue, asset)
            self._balances[key] = self._balances.get(key, _ZERO) + change
        if event.fee:
            key = (event.venue, event.fee_asset)
            self._balances[key] = self._balances.get(key, _ZERO) - event.fee
        price = self._price_in_cash(quote)
        if price is not None:
            self._volume.add(self._node.clock.now_ns(), float(notional * price))

    def _on_submitted(self, event: OrderSubmitted) -> None:
        self._submitted[event.client_order_id] = event.ts_init

    def _on_rejected(self, event: OrderRejected) -> None:
        self._submitted.pop(event.client_order_id, None)  # never acknowledged: no latency

    def _on_accepted(self, event: OrderAccepted) -> None:
        sent = self._submitted.pop(event.client_order_id, None)
        if sent is not None and event.ts_init >= sent:
            self._execution.add(event.ts_init, (event.ts_init - sent) / _MS)

    # -- sampling ------------------------------------------------------------------------------

    def _on_timer(self, _event: TimeEvent) -> None:
        task = asyncio.get_running_loop().create_task(self._sample_logged())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sample_logged(self) -> None:
        try:
            await self.sample()
        except Exception:
            # what the failed sample could not compute reads UNKNOWN until the next one
            log.exception("live_measures_sample_failed")

    async def sample(self) -> None:
        """Ask the providers, probe the venues, then sample prices, equity and uptime."""
        await self._ask_providers()
        now = self._node.clock.now_ns()
        snapshot = self.snapshot()
        assets = snapshot.risk_assets()
        self._prices.add({asset: float(snapshot.prices[asset]) for asset in assets})
        capital = _net_value(snapshot)
        if capital > 0:
            self._equity.append(float(capital))
            del self._equity[: -self.settings.returns_window]
        self._inventory.add(now, float(inventory_value(snapshot)))
        self._observe_uptime(now)
        self._var = None
        self._correlations = {}
        returns = self._prices.returns(assets)
        if returns.shape[0] >= self.settings.min_returns and capital > 0:
            exposures = [float(_asset_value(snapshot, asset)) for asset in assets]
            # Monte Carlo at ~20,000 paths × a few assets takes milliseconds; off the loop anyway
            self._var = await asyncio.to_thread(
                value_at_risk,
                returns,
                exposures,
                float(capital),
                period_s=self.settings.sample_interval_s,
                confidence=self.settings.var_confidence,
                paths=self.settings.monte_carlo_paths,
            )
            self._correlations = correlations(returns, assets)

    async def _ask_providers(self) -> None:
        if self._on_chain is not None:
            try:
                self._wallets = list(await self._on_chain.holdings())
            except Exception:
                log.exception("on_chain_balances_failed")
                self._wallets = []
        if self._borrowing is not None:
            try:
                self._borrow = await self._borrowing.state()
            except Exception:
                log.exception("borrowing_state_failed")
                self._borrow = None
        if self._gas_price is not None:
            try:
                wei = await self._gas_price.gas_price_wei()
                self._gas_prices.add(self._node.clock.now_ns(), float(wei))
            except Exception:
                log.exception("gas_price_failed")
        if self._probe_network:
            await self._probe_venues()

    async def _probe_venues(self) -> None:
        # network latency: the time of a TCP handshake with each venue's REST host
        clock = self._node.clock
        for entry in self._node.config.venues.values():
            parts = urlsplit(entry.rest_url)
            if not parts.hostname:
                continue
            port = parts.port or (443 if parts.scheme == "https" else 80)
            started = clock.now_ns()
            try:
                _reader, writer = await clock.wait_for(
                    asyncio.open_connection(parts.hostname, port), seconds_to_ns(2.0)
                )
            except (OSError, TimeoutError):
                continue
            self.record_network_rtt((clock.now_ns() - started) / _MS)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _on_uptime_timer(self, event: TimeEvent) -> None:
        self._observe_uptime(event.ts_event)

    def _observe_uptime(self, now: int, up: bool | None = None) -> None:
        # start-up is not downtime: the clock starts at the first time the node is up
        up = _is_up(self._node.health()) if up is None else up
        if up or self._was_up:
            self._was_up = True
            self._uptime.observe(now, up)

    # -- snapshots -----------------------------------------------------------------------------

    def prices(self) -> dict[str, Decimal]:
        """Oracle prices in cash units per asset: mids of ``ASSET/<cash>`` tops in the cache."""
        found: dict[str, Decimal] = {}
        cache = self._node.cache
        for venue in cache.venues:
            engine = self._node.router.engine(venue)
            if engine is None:
                continue
            for symbol in engine.instruments:
                base, quote = parse_symbol(symbol)
                if quote not in self._cash or base in found or base in self._cash:
                    continue
                top = cache.top(InstrumentId(symbol, venue))
                if top is not None and top.best_bid is not None and top.best_ask is not None:
                    found[base] = (top.best_bid + top.best_ask) / 2
        return found

    def _price_in_cash(self, asset: str) -> Decimal | None:
        if asset in self._cash:
            return Decimal(1)
        return self.prices().get(asset)

    def snapshot(self) -> InventorySnapshot:
        """What is held where now, the hedges, and the oracle prices."""
        hedge_venues = set(self.settings.hedge_venues)
        holdings = [
            Holding(asset, quantity, f"venue:{venue}", hedge=venue in hedge_venues)
            for (venue, asset), quantity in sorted(self._balances.items())
            if quantity != 0
        ]
        holdings.extend(self._wallets)
        if self._borrow is not None:
            holdings.extend(
                Holding(asset, -owed, "borrowed") for asset, owed in self._borrow.borrowed.items()
            )
        hedges: dict[str, Decimal] = {}
        for venue in hedge_venues:
            engine = self._node.router.engine(venue)
            if engine is None:
                continue
            for position in engine.ledger.positions():
                base, _ = parse_symbol(position.symbol)
                hedges[base] = hedges.get(base, _ZERO) + position.quantity
        return InventorySnapshot(
            holdings=tuple(holdings),
            prices=self.prices(),
            cash_assets=self._cash,
            hedges=hedges,
            targets=self.settings.inventory_targets,
            on_chain_known=self._on_chain is not None,
            hedge_known=bool(hedge_venues),
        )

    # -- readings ------------------------------------------------------------------------------

    def readings(self) -> list[MeasureReading]:
        """Every measure now (VaR, ES and correlation as of the last sample)."""
        now = self._node.clock.now_ns()
        s = self.settings
        snapshot = self.snapshot()
        out: list[MeasureReading] = []

        def add(name: str, value: float | None, unit: str, scope: str = "global") -> None:
            out.append(MeasureReading(name, scope, value, unit, self._thresholds.get(name), now))

        # position
        for asset, delta in net_deltas(snapshot).items():
            add("net_delta", delta, "ratio", f"asset:{asset}")
        largest = concentration_share(snapshot)
        add("concentration", None if largest is None else largest[1], "ratio")
        overall, per_asset = hedge_coverage(snapshot)
        add("hedge_coverage", overall, "ratio")
        for asset, covered in per_asset.items():
            add("hedge_coverage", covered, "ratio", f"asset:{asset}")
        add("max_drawdown", max_drawdown(self._equity) if self._equity else None, "ratio")
        # inventory
        total = inventory_value(snapshot)
        add("inventory_value", float(total), self._unit)
        add("on_chain_share", on_chain_share(snapshot), "ratio")
        add("hedged_share", hedged_share(snapshot), "ratio")
        volume = Decimal(repr(self._volume.total(now)))
        average = self._inventory.mean(now)
        add("turnover", turnover(volume, None if average is None else Decimal(repr(average))), "x")
        add("rebalance_count", float(self._rebalances.count(now)), "count")
        # risk
        for method in ("historical", "parametric", "monte_carlo"):
            estimate = None if self._var is None else getattr(self._var, method)
            add(f"var_99_1d_{method}", None if estimate is None else estimate.var, "ratio")
            es = None if estimate is None else estimate.expected_shortfall
            add(f"es_99_1d_{method}", es, "ratio")
        for (a, b), value in self._correlations.items():
            add("correlation", value, "ratio", f"pair:{a}/{b}")
        borrow = self._borrow
        buffer = (
            None
            if borrow is None
            else liquidation_buffer(borrow.collateral_value, borrow.required_value)
        )
        add("liquidation_buffer", buffer, "ratio")
        flash = Decimal(repr(self._flash.total(now))) if self._flash_known else None
        add("flash_loan_exposure", flash_loan_share(flash, volume), "ratio")
        # performance
        positions = [p for engine in self._node.router for p in engine.ledger.positions()]
        pnl = pnl_breakdown(positions, snapshot.prices)
        total_pnl = pnl.total
        add("pnl_total", None if total_pnl is None else float(total_pnl), self._unit)
        for asset, asset_pnl in sorted(pnl.by_asset.items()):
            add(
                "pnl", None if asset_pnl is None else float(asset_pnl), self._unit, f"asset:{asset}"
            )
        gas = Decimal(repr(self._gas_spent.total(now))) if self._gas_known else None
        add("gas_risk_ratio", gas_risk_ratio(gas, pnl.revenue), "ratio")
        costs = pnl.fees + (gas or _ZERO)
        add("revenue_efficiency", revenue_efficiency(pnl.revenue, costs), "ratio")
        # uptime and RFQ
        add("quote_response_ms", self._quote_response.mean(now), "ms")
        quoted = [q for q, at in self._quotes.items() if at >= now - seconds_to_ns(s.window_s)]
        filled = sum(1 for q in quoted if q in self._quotes_filled)
        add("quote_acceptance", ratio(filled, len(quoted)), "ratio")
        add("settlement_success", self._settlements.mean(now), "ratio")
        add("gas_price_variation", self._gas_prices.variation(now), "ratio")
        network = self._network.mean(now)
        execution = self._execution.mean(now)
        add("network_latency_ms", network, "ms")
        add("execution_latency_ms", execution, "ms")
        latency, limit = (
            (execution, s.execution_latency_ms)
            if execution is not None
            else (network, s.network_latency_ms)
        )
        health = self._node.health()
        add("node_health", node_health(_sync_share(health), latency, limit), "ratio")
        if self._started:
            self._observe_uptime(now, _is_up(health))
        add("uptime", self._uptime.uptime(now), "ratio")
        return out


def attach_live_measures(
    node: TradingNode,
    *,
    on_chain: OnChainBalanceProvider | None = None,
    borrowing: BorrowingProvider | None = None,
    gas_price: GasPriceProvider | None = None,
) -> LiveMeasures:
    """LiveMeasures from the node's ``[risk.measures]``, added as a component and as a measure
    source (before the node restores)."""
    measures = LiveMeasures(node, on_chain=on_chain, borrowing=borrowing, gas_price=gas_price)
    node.add_component(measures)
    node.add_measure_source(measures)
    return measures


def _is_up(health: NodeHealth) -> bool:
    if health.state is not NodeState.RUNNING:
        return False
    return all(v["books_synced"] >= v["books"] for v in health.venues.values())


def _sync_share(health: NodeHealth) -> float:
    # the share of subscribed books in sync; a node not running has none
    if health.state is not NodeState.RUNNING:
        return 0.0
    books = sum(v["books"] for v in health.venues.values())
    synced = sum(v["books_synced"] for v in health.venues.values())
    return 1.0 if books == 0 else synced / books


def _non_negative(what: str, value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a non-negative amount, got {value}")
    return value


def _asset_value(snapshot: InventorySnapshot, asset: str) -> Decimal:
    held = sum((h.quantity for h in snapshot.holdings if h.asset == asset), _ZERO)
    return held * snapshot.prices[asset]


def _net_value(snapshot: InventorySnapshot) -> Decimal:
    total = _ZERO
    for holding in snapshot.holdings:
        price = snapshot.price(holding.asset)
        if price is not None:
            total += holding.quantity * price
    return total
