"""Background participants that keep every book of ``tradewind sim`` two-sided and trading.

Each symbol has a latent mid (``JumpDiffusion``) and a Poisson stream of arrivals. An arrival
moves the mid to its time and then does one thing, chosen at random:

- a limit order (``__mm_1__`` bids, ``__mm_2__`` asks) at one of ``LEVELS`` price levels around
  the mid, nearer levels likelier; when the mid has moved past stale quotes, the new order
  crosses them and trades, which is how the book follows the mid;
- a market order (``__taker__``), sized below the visible depth and leaning towards the mid;
- a cancel of a random resting quote, likelier the fuller the book (so depth settles near
  ``TARGET_ORDERS`` a side).

After it, quotes far from the mid or too deep on the wrong side of it are cancelled and a side
with fewer than ``MIN_LEVELS`` prices is refilled, so both sides always have depth. The bids and
the asks belong to different accounts, so a crossing requote never meets self-trade prevention.

Everything goes through the engine's public API; a rejection (``SimError``) is counted, never
raised. Deterministic: one seed gives the same arrivals, prices and sizes whatever the cadence
of ``step`` calls, because arrivals are processed in time order across all symbols.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine import (
    EngineEvent,
    MatchingEngine,
    NewOrder,
    OrderStatus,
    OrderType,
    OrderUpdated,
    OrderView,
    Side,
    SimError,
    SymbolSpec,
    TimeInForce,
)
from tradewind.venues.sim.market.markets import MarketProfile, Markets, default_markets
from tradewind.venues.sim.market.price_process import (
    JumpDiffusion,
    JumpDiffusionParams,
    stream_seed,
    to_step,
    to_tick,
)

log = get_logger("sim.market")

BID_MAKER = "__mm_1__"
ASK_MAKER = "__mm_2__"
TAKER = "__taker__"
PARTICIPANT_ACCOUNTS = (BID_MAKER, ASK_MAKER, TAKER)

# Arrivals a second per unit of a market's ``activity``: about 23 a second over the default
# markets, each one or two engine calls.
BASE_ARRIVALS_PER_S = 2.0
LEVELS = 20
MIN_LEVELS = 8
TARGET_ORDERS = 40
# Level spacing: the mid's typical move over this horizon, so a book of LEVELS levels a side
# spans well over a minute of typical moves and is rarely run through.
GAP_HORIZON_MS = 2_000.0
HALF_SPREAD_GAPS = 0.25
STALE_GAPS = 3
FAR_GAPS = LEVELS + 6
# A step that lags more than this (a suspended process, a jumped clock) skips the backlog.
MAX_BACKLOG_MS = 60_000
_FUNDING = Decimal(10) ** 12
_SIZE_SIGMA = 0.7
_SIZE_MU = -(_SIZE_SIGMA**2) / 2  # lognormal with mean 1
_LEVEL_DECAY = 0.25  # P(level i) ~ exp(-decay * i): the top few levels get most new quotes
_OPEN = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})
_FALLBACK_PRICE = JumpDiffusionParams(volatility=0.6, jump_rate_per_day=4.0, jump_sigma=0.008)


@dataclass(frozen=True, slots=True)
class ParticipantStats:
    """Counters since start: engine calls made and how many the engine rejected, by code."""

    actions: int
    rejected: int
    rejected_by_code: Mapping[int, int]


class _Flow:
    """One symbol's mid, arrival clock and the participants' resting quotes (id -> price)."""

    __slots__ = (
        "asks",
        "bids",
        "index",
        "mid0",
        "next_at",
        "price_params",
        "price_rng",
        "process",
        "profile",
        "rate_per_ms",
        "rng",
        "spec",
    )

    def __init__(
        self, index: int, spec: SymbolSpec, profile: MarketProfile, seed: int, intensity: float
    ) -> None:
        self.index = index
        self.spec = spec
        self.profile = profile
        self.rng = random.Random(stream_seed(seed, spec.symbol, "flow"))
        self.price_rng = random.Random(stream_seed(seed, spec.symbol, "price"))
        self.price_params = profile.price
        self.mid0 = float(profile.initial_mid)
        self.process: JumpDiffusion | None = None
        self.rate_per_ms = BASE_ARRIVALS_PER_S * profile.activity * intensity / 1000.0
        self.next_at = 0
        self.bids: dict[int, Decimal] = {}
        self.asks: dict[int, Decimal] = {}

    @property
    def mid(self) -> float:
        return self.process.mid if self.process is not None else self.mid0

    def gap(self, mid: float) -> float:
        """Distance between quote levels, in quote units (at least one tick)."""
        return max(float(self.spec.tick_size), mid * self.price_params.sigma_over(GAP_HORIZON_MS))

    def draw_interval_ms(self) -> int:
        return max(1, round(self.rng.expovariate(self.rate_per_ms)))


class MarketSimulator:
    """Background order flow on every symbol of an engine. Times in epoch ms; prices in quote
    units; ``intensity`` scales the arrival rate (1.0 is about 23 arrivals a second in total)."""

    def __init__(
        self,
        engine: MatchingEngine,
        specs: Sequence[SymbolSpec],
        seed: int,
        *,
        intensity: float = 1.0,
        markets: Markets | None = None,
    ) -> None:
        if not math.isfinite(intensity) or intensity <= 0:
            raise ValueError(f"intensity must be positive, got {intensity!r}")
        self._engine = engine
        defaults = default_markets()
        self._flows: list[_Flow] = []
        for index, spec in enumerate(specs):
            if spec.symbol not in engine.specs:
                raise ValueError(f"symbol {spec.symbol} is not listed on the engine")
            profile = _profile_for(spec, markets, defaults, engine)
            self._flows.append(_Flow(index, spec, profile, seed, intensity))
        self._by_symbol = {flow.spec.symbol: flow for flow in self._flows}
        self._heap: list[tuple[int, int]] = []
        self._started = False
        self._actions = 0
        self._rejected: dict[int, int] = {}
        self._open_accounts(self._assets())
        engine.add_listener(self._on_event)

    # -- public --------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._by_symbol)

    @property
    def stats(self) -> ParticipantStats:
        return ParticipantStats(
            self._actions, sum(self._rejected.values()), dict(sorted(self._rejected.items()))
        )

    def mid(self, symbol: str) -> Decimal:
        """The latent mid of ``symbol`` on its tick grid, in quote units."""
        flow = self._flow(symbol)
        return to_tick(flow.mid, flow.spec.tick_size)

    def seed_books(self) -> int:
        """Quote ``LEVELS`` levels a side on every symbol; returns the number of engine calls."""
        before = self._actions
        for flow in self._flows:
            self._quote_all_levels(flow)
        return self._actions - before

    def step(self, now_ms: int) -> int:
        """Do every arrival due by ``now_ms``; returns the number of engine calls made.

        The first call only fixes the simulation's start time.
        """
        if not self._started:
            self._start(now_ms)
            return 0
        before = self._actions
        self._skip_backlog(now_ms)
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            at, index = heapq.heappop(heap)
            flow = self._flows[index]
            self._arrive(flow, at)
            flow.next_at = at + flow.draw_interval_ms()
            heapq.heappush(heap, (flow.next_at, index))
        return self._actions - before

    async def run(
        self,
        clock_ms: Callable[[], int],
        interval_s: float = 0.05,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Call ``step`` every ``interval_s`` seconds until ``stop`` is set (or cancelled)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                self.step(clock_ms())
            except Exception:
                # A bug in one step must not silence the market for the rest of the run.
                log.exception("market_step_failed")
            await asyncio.sleep(interval_s)

    def shock(self, symbol: str, pct: Decimal) -> None:
        """Move ``symbol``'s mid by ``pct`` percent at once; the makers pull their quotes and
        requote around the new mid."""
        flow = self._flow(symbol)
        factor = 1 + pct / 100
        if not factor > 0:
            raise ValueError(f"a shock must leave a positive price, got {pct}%")
        if flow.process is not None:
            flow.process.shock(float(factor))
        else:
            flow.mid0 *= float(factor)
        for account, quotes in ((BID_MAKER, flow.bids), (ASK_MAKER, flow.asks)):
            if quotes:
                self._actions += 1
                try:
                    self._engine.cancel_all(account, symbol)
                except SimError as exc:
                    self._reject(exc, symbol)
                quotes.clear()
        self._quote_all_levels(flow)
        log.info("market_shocked", symbol=symbol, pct=str(pct), mid=str(self.mid(symbol)))

    # -- setup ---------------------------------------------------------------------------------
    def _assets(self) -> list[str]:
        assets: dict[str, None] = {}
        for flow in self._flows:
            assets[flow.spec.base_asset] = None
            assets[flow.spec.quote_asset] = None
        return list(assets)

    def _open_accounts(self, assets: Iterable[str]) -> None:
        engine = self._engine
        zero = Decimal(0)
        for account in PARTICIPANT_ACCOUNTS:
            if not engine.has_account(account):
                engine.create_account(account, maker_commission=zero, taker_commission=zero)
                for asset in assets:
                    engine.credit(account, asset, _FUNDING, reason="participant")
        for account in (BID_MAKER, ASK_MAKER):
            for view in engine.open_orders(account):
                self._track(view)

    def _start(self, now_ms: int) -> None:
        self._started = True
        for flow in self._flows:
            flow.process = JumpDiffusion(flow.mid0, flow.price_params, flow.price_rng, now_ms)
            flow.next_at = now_ms + flow.draw_interval_ms()
        self._heap = [(flow.next_at, flow.index) for flow in self._flows]
        heapq.heapify(self._heap)

    def _skip_backlog(self, now_ms: int) -> None:
        horizon = now_ms - MAX_BACKLOG_MS
        if not self._heap or self._heap[0][0] >= horizon:
            return
        skipped = 0
        for flow in self._flows:
            if flow.next_at < horizon:
                assert flow.process is not None
                flow.process.advance_to(horizon)
                flow.next_at = horizon + flow.draw_interval_ms()
                skipped += 1
        self._heap = [(flow.next_at, flow.index) for flow in self._flows]
        heapq.heapify(self._heap)
        log.info("market_backlog_skipped", symbols=skipped, until=horizon)

    # -- tracking our quotes -------------------------------------------------------------------
    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, OrderUpdated):
            self._track(event.order)

    def _track(self, order: OrderView) -> None:
        account = order.account_id
        if account != BID_MAKER and account != ASK_MAKER:
            return
        flow = self._by_symbol.get(order.symbol)
        if flow is None:
            return
        quotes = flow.bids if account == BID_MAKER else flow.asks
        if order.status in _OPEN:
            quotes[order.order_id] = order.price
        else:
            quotes.pop(order.order_id, None)

    # -- one arrival ---------------------------------------------------------------------------
    def _arrive(self, flow: _Flow, at: int) -> None:
        assert flow.process is not None
        mid = flow.process.advance_to(at)
        gap = flow.gap(mid)
        self._sweep(flow, mid, gap)
        rng = flow.rng
        resting = len(flow.bids) + len(flow.asks)
        cancel_weight = resting / (2 * TARGET_ORDERS)
        draw = rng.random() * (1.0 + 0.25 + cancel_weight)
        if draw < 1.0:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            self._quote(flow, side, _draw_level(rng), mid, gap)
        elif draw < 1.25:
            self._take(flow, mid, gap)
        else:
            self._cancel_random(flow)
        self._replenish(flow, mid, gap)

    def _sweep(self, flow: _Flow, mid: float, gap: float) -> None:
        """Cancel quotes too far from the mid or too deep on its wrong side."""
        far = FAR_GAPS * gap
        stale = STALE_GAPS * gap
        low_bid, high_bid = Decimal(repr(mid - far)), Decimal(repr(mid + stale))
        low_ask, high_ask = Decimal(repr(mid - stale)), Decimal(repr(mid + far))
        cap = max(MIN_LEVELS, min(flow.spec.max_num_orders - 10, 150))
        for account, quotes, low, high, nearest_first in (
            (BID_MAKER, flow.bids, low_bid, high_bid, True),
            (ASK_MAKER, flow.asks, low_ask, high_ask, False),
        ):
            doomed = [oid for oid, price in quotes.items() if price < low or price > high]
            excess = len(quotes) - len(doomed) - cap
            if excess > 0:
                gone = set(doomed)
                keep = sorted(
                    ((price, oid) for oid, price in quotes.items() if oid not in gone),
                    reverse=nearest_first,
                )
                doomed.extend(oid for _, oid in keep[-excess:])
            for order_id in doomed:
                self._cancel(account, flow, order_id)

    def _replenish(self, flow: _Flow, mid: float, gap: float) -> None:
        for side, quotes in ((Side.BUY, flow.bids), (Side.SELL, flow.asks)):
            prices = set(quotes.values())
            level = 0
            while len(prices) < MIN_LEVELS and level < LEVELS:
                price = self._level_price(flow, side, level, mid, gap)
                if price is not None and price not in prices:
                    self._quote(flow, side, level, mid, gap)
                    prices = set(quotes.values())
                level += 1

    def _quote_all_levels(self, flow: _Flow) -> None:
        mid = flow.mid
        gap = flow.gap(mid)
        for level in range(LEVELS):
            self._quote(flow, Side.BUY, level, mid, gap)
            self._quote(flow, Side.SELL, level, mid, gap)

    def _level_price(
        self, flow: _Flow, side: Side, level: int, mid: float, gap: float
    ) -> Decimal | None:
        distance = (HALF_SPREAD_GAPS + level) * gap
        spec = flow.spec
        if side is Side.BUY:
            price = to_tick(mid - distance, spec.tick_size, "down")
        else:
            price = to_tick(mid + distance, spec.tick_size, "up")
        if (spec.min_price > 0 and price < spec.min_price) or (
            spec.max_price > 0 and price > spec.max_price
        ):
            return None
        return price

    def _quote(self, flow: _Flow, side: Side, level: int, mid: float, gap: float) -> None:
        price = self._level_price(flow, side, level, mid, gap)
        if price is None:
            return
        notional = float(flow.profile.order_notional) * _size_factor(flow.rng) * (1 + 0.15 * level)
        qty = _quantity(flow.spec, notional, price, flow.spec.step_size, flow.spec.min_qty)
        if qty is None:
            return
        account = BID_MAKER if side is Side.BUY else ASK_MAKER
        order = NewOrder(
            flow.spec.symbol,
            side,
            OrderType.LIMIT,
            quantity=qty,
            price=price,
            time_in_force=TimeInForce.GTC,
        )
        self._place(account, order)

    def _take(self, flow: _Flow, mid: float, gap: float) -> None:
        spec = flow.spec
        depth = self._engine.depth(spec.symbol, 5)
        if not depth.bids or not depth.asks:
            return
        book_mid = float(depth.bids[0][0] + depth.asks[0][0]) / 2
        lean = max(-0.3, min(0.3, (mid - book_mid) / (4 * gap)))
        side = Side.BUY if flow.rng.random() < 0.5 + lean else Side.SELL
        levels = depth.asks if side is Side.BUY else depth.bids
        # Never sweep more than half of what the top five levels show.
        available = sum((qty for _, qty in levels), Decimal(0)) / 2
        step = spec.market_step_size if spec.market_step_size > 0 else spec.step_size
        notional = float(flow.profile.order_notional) * _size_factor(flow.rng) * 0.6
        # The engine checks a market order's notional at its average price; the worse of the
        # touch and the mid keeps the check comfortably met.
        reference = min(levels[0][0], to_tick(mid, spec.tick_size))
        qty = _quantity(spec, notional, reference, step, max(spec.min_qty, spec.market_min_qty))
        if qty is None:
            return
        qty = min(qty, to_step(available, step), to_step(spec.market_max_qty, step))
        if qty <= 0 or qty < spec.min_qty or qty * reference < spec.min_notional * 2:
            return
        self._place(TAKER, NewOrder(spec.symbol, side, OrderType.MARKET, quantity=qty))

    def _cancel_random(self, flow: _Flow) -> None:
        rng = flow.rng
        first = flow.bids if rng.random() < 0.5 else flow.asks
        second = flow.asks if first is flow.bids else flow.bids
        quotes = first if len(first) > MIN_LEVELS else second
        if len(quotes) <= MIN_LEVELS:
            return
        order_id = list(quotes)[rng.randrange(len(quotes))]
        self._cancel(BID_MAKER if quotes is flow.bids else ASK_MAKER, flow, order_id)

    # -- engine calls --------------------------------------------------------------------------
    def _place(self, account: str, order: NewOrder) -> None:
        self._actions += 1
        try:
            result = self._engine.place(account, order)
        except SimError as exc:
            self._reject(exc, order.symbol)
            return
        # Keeps tracking right even on an engine built without events.
        self._track(result.order)

    def _cancel(self, account: str, flow: _Flow, order_id: int) -> None:
        self._actions += 1
        try:
            self._engine.cancel(account, flow.spec.symbol, order_id=order_id)
        except SimError as exc:
            self._reject(exc, flow.spec.symbol)
        quotes = flow.bids if account == BID_MAKER else flow.asks
        quotes.pop(order_id, None)

    def _reject(self, exc: SimError, symbol: str) -> None:
        first = exc.code not in self._rejected
        self._rejected[exc.code] = self._rejected.get(exc.code, 0) + 1
        if first:
            log.warning("participant_rejected", symbol=symbol, code=exc.code, msg=exc.msg)

    def _flow(self, symbol: str) -> _Flow:
        flow = self._by_symbol.get(symbol)
        if flow is None:
            raise ValueError(f"symbol {symbol!r} has no simulated market")
        return flow


def _draw_level(rng: random.Random) -> int:
    """A level index in [0, LEVELS), geometric: the touch is likeliest."""
    u = rng.random()
    # inverse CDF of a geometric distribution truncated at LEVELS
    total = 1 - math.exp(-_LEVEL_DECAY * LEVELS)
    return min(LEVELS - 1, int(-math.log(1 - u * total) / _LEVEL_DECAY))


def _size_factor(rng: random.Random) -> float:
    return math.exp(rng.gauss(_SIZE_MU, _SIZE_SIGMA))


def _quantity(
    spec: SymbolSpec, notional: float, price: Decimal, step: Decimal, min_qty: Decimal
) -> Decimal | None:
    """A quantity of about ``notional`` (quote units) at ``price`` that passes the lot-size and
    notional filters with room to spare, or None when none does."""
    qty = to_step(Decimal(repr(notional)) / price, step)
    floor = (spec.min_notional * Decimal("1.1") / price / step).to_integral_value(
        rounding=ROUND_CEILING
    ) * step
    qty = max(qty, floor, min_qty)
    ceiling = min(to_step(spec.max_qty, step), to_step(spec.max_notional / price, step))
    qty = min(qty, ceiling)
    if qty <= 0 or qty < min_qty:
        return None
    return qty


def _profile_for(
    spec: SymbolSpec, markets: Markets | None, defaults: Markets, engine: MatchingEngine
) -> MarketProfile:
    for source in (markets, defaults):
        market = source.get(spec.symbol) if source is not None else None
        if market is not None:
            return market.profile
    # A symbol nobody described: start from whatever price the engine knows.
    known = engine.last_price(spec.symbol)
    if known is None:
        bid, ask = engine.best_bid_ask(spec.symbol)
        known = (bid[0] + ask[0]) / 2 if bid and ask else None
    mid = known if known is not None else spec.tick_size * 10_000
    notional = max(spec.min_notional * 100, mid * spec.min_qty * 10, mid * spec.step_size)
    return MarketProfile(initial_mid=mid, order_notional=notional, price=_FALLBACK_PRICE)
