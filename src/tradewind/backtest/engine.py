"""BacktestEngine: a TradingNode on the TestClock, with backtest venues fed from market data.

    feeds ─▶ merged by time ─▶ BacktestVenue.on_depth / on_trade ─▶ (market-data latency) ─▶
    node (MarketDataService, cache, strategies' handlers) ─▶ commands ─▶ node's command
    workers ─▶ ExecutionEngine ─▶ BacktestVenue.submit / cancel (entry / cancel latency) ─▶ ...

The node and the strategies are the ordinary ones (tradewind.node): only the clock and the
venues differ from a live run. The engine owns the loop: it takes the earliest of (a clock
timer, a venue's scheduled action, the next market-data event), moves the clock there and runs
it. Ties: timers, then scheduled actions, then market data.

Lean per-event path: market data is applied synchronously (integer book, queue models, the
node's handlers are plain calls); the engine yields to asyncio only when something became
runnable — a strategy sent a command, a response resolved a pending request — and then lets
every task run until all are waiting again (on the clock or on a venue) before it moves on.
Nothing in the loop logs per event.

Determinism: the same feeds, venues, strategies and seed give the same RunRecord, and
``run_record_json`` writes it canonically (sorted keys, Decimals as strings), so two runs
compare byte for byte.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.backtest.canonical import canonical_json
from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.feeds.events import DepthEvent, Feed, ListFeed
from tradewind.backtest.fees import FeeSchedule
from tradewind.backtest.queue_models import QueueModel
from tradewind.backtest.recorder import RunRecorder
from tradewind.backtest.records import RunRecord
from tradewind.backtest.scheduler import BacktestClock, Scheduler
from tradewind.backtest.venue import BacktestVenue, GapPolicy, ListedInstrument, VenueLatency
from tradewind.core.events import OrderSubmitted
from tradewind.node.config import NodeConfig
from tradewind.node.node import TradingNode
from tradewind.node.strategy import Actor

__all__ = ["BacktestEngine", "FeedBinding", "ProgressCallback", "run_record_json"]

ProgressCallback = Callable[[int, int], None]
"""Called every ``progress_every`` events with (events so far, clock ns)."""

_NEVER = 1 << 126
_MAX_IDLE_ROUNDS = 10_000


@dataclass(frozen=True, slots=True)
class FeedBinding:
    """Which venue and instrument ("BTC/USDT") a feed's events belong to."""

    venue: str
    symbol: str
    feed: Feed


class BacktestEngine:
    """One backtest run: add venues, feeds and strategies, then ``await run()`` once.

    ``node_config``: the node's settings (risk limits, handler-error policy); venues and
    strategies come from the engine, not from it. ``drain_ns``: after the last market-data
    event, requests and data still in flight land for up to this long (with the timers due
    meanwhile); then the node stops.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        run_id: str = "backtest",
        valuation_asset: str = "USDT",
        config_digest: str = "",
        marks: Mapping[str, Decimal] | None = None,
        node_config: NodeConfig | None = None,
        progress: ProgressCallback | None = None,
        progress_every: int = 65_536,
        drain_ns: int = 10 * 1_000_000_000,
    ) -> None:
        self.seed = seed
        self.run_id = run_id
        self.valuation_asset = valuation_asset
        self.config_digest = config_digest
        self.marks = dict(marks or {})
        self.clock = BacktestClock(0)
        self.scheduler = Scheduler()
        self.recorder = RunRecorder()
        self.venues: dict[str, BacktestVenue] = {}
        self._feeds: list[FeedBinding] = []
        self._actors: list[Actor] = []
        self._node_callbacks: list[Callable[[TradingNode], None]] = []
        self._node_config = node_config or NodeConfig()
        self._progress = progress
        self._progress_every = max(1, progress_every)
        self.drain_ns = drain_ns
        self.node: TradingNode | None = None
        self.events = 0
        self._ran = False

    # -- setup ---------------------------------------------------------------------------------

    def add_venue(
        self,
        name: str,
        instruments: list[ListedInstrument],
        *,
        balances: Mapping[str, Decimal] | None = None,
        fees: FeeSchedule | None = None,
        latency: VenueLatency | None = None,
        queue_model: QueueModel | None = None,
        gap_policy: GapPolicy = "resync",
    ) -> BacktestVenue:
        if name in self.venues:
            raise ValueError(f"a venue {name!r} is already in this backtest")
        venue = BacktestVenue(
            name,
            instruments,
            clock=self.clock,
            scheduler=self.scheduler,
            recorder=self.recorder,
            balances=balances,
            fees=fees,
            latency=latency,
            queue_model=queue_model,
            gap_policy=gap_policy,
        )
        self.venues[name] = venue
        return venue

    def add_feed(self, venue: str, symbol: str, feed: Feed) -> None:
        if venue not in self.venues:
            raise ValueError(f"feed {feed.source}: no venue {venue!r} in this backtest")
        self.venues[venue].market(symbol)  # UnknownSymbol if not listed
        self._feeds.append(FeedBinding(venue, symbol, feed))

    def add_strategy(self, actor: Actor) -> Actor:
        self._actors.append(actor)
        return actor

    def preload(self) -> int:
        """Read every feed into memory now (parsed and checked), so ``run`` only replays: for
        sweeps over one data set and for timing the replay alone. Returns the events read."""
        loaded = 0
        for index, binding in enumerate(self._feeds):
            events = list(binding.feed.events())
            loaded += len(events)
            self._feeds[index] = FeedBinding(
                binding.venue, binding.symbol, ListFeed(binding.feed.source, events)
            )
        return loaded

    def on_node(self, callback: Callable[[TradingNode], None]) -> None:
        """Call ``callback`` with the node once it is built, before it starts (to subscribe to
        its bus, say)."""
        self._node_callbacks.append(callback)

    # -- running -------------------------------------------------------------------------------

    async def run(self) -> RunRecord:
        """Replay every feed through the node and its strategies; the run's record."""
        if self._ran:
            raise RuntimeError("a BacktestEngine runs once; build another for another run")
        self._ran = True
        heap = self._prime()
        start = heap[0][0] if heap else 0
        clock = self.clock
        clock.jump_to(start)
        node = TradingNode(self._node_config, clock=clock, adapters=dict(self.venues))
        self.node = node
        for actor in self._actors:
            node.add(actor)
        node.bus.subscribe(OrderSubmitted, self._on_submitted)
        for callback in self._node_callbacks:
            callback(node)
        await node.start()
        await self._settle()
        try:
            await self._replay(heap)
        finally:
            stopping = asyncio.ensure_future(node.stop())
            await self._drive_until(stopping)
        return self.recorder.build(
            run_id=self.run_id,
            seed=self.seed,
            config_digest=self.config_digest,
            start_ns=start,
            end_ns=clock.now_ns(),
            events=self.events,
            valuation_asset=self.valuation_asset,
            initial_balances={
                name: dict(sorted(venue.initial_balances.items()))
                for name, venue in sorted(self.venues.items())
            },
            marks=dict(sorted(self.marks.items())),
        )

    def _on_submitted(self, event: OrderSubmitted) -> None:
        self.recorder.strategy_of[event.client_order_id] = event.strategy_id

    def _prime(self) -> list[list[Any]]:
        # one heap entry per feed:
        # [ts, feed index, event, iterator, on_depth, source, symbol, on_trade]
        heap: list[list[Any]] = []
        for index, binding in enumerate(self._feeds):
            venue = self.venues[binding.venue]
            iterator = binding.feed.events()
            first = next(iterator, None)
            if first is None:
                continue
            heap.append(
                [
                    first.ts,
                    index,
                    first,
                    iterator,
                    venue.on_depth,
                    binding.feed.source,
                    binding.symbol,
                    venue.on_trade,
                ]
            )
        heapq.heapify(heap)
        return heap

    async def _replay(self, heap: list[list[Any]]) -> None:
        clock, scheduler = self.clock, self.scheduler
        ready = _ready_queue()
        progress, every = self._progress, self._progress_every
        events = self.events
        last_data = clock.now_ns()
        heapreplace, heappop = heapq.heapreplace, heapq.heappop
        try:
            while True:
                next_timer = clock.next_timer_ns()
                next_action = scheduler.next_ns()
                limit = min(
                    _NEVER if next_timer is None else next_timer,
                    _NEVER if next_action is None else next_action,
                )
                clock.dirty = scheduler.dirty = False
                now = clock.now_ns()
                # market data strictly before the next timer or action, without yielding
                while heap:
                    entry = heap[0]
                    ts = entry[0]
                    if ts >= limit:
                        break
                    if ts != now:
                        if ts < now:
                            raise BacktestDataError(
                                entry[5], entry[2].line, f"time {ts} ns goes back before the clock"
                            )
                        clock.jump_to(ts)
                        now = ts
                    event = entry[2]
                    if type(event) is DepthEvent:
                        entry[4](entry[6], event, entry[5])
                    else:
                        entry[7](entry[6], event)
                    events += 1
                    if progress is not None and not events % every:
                        progress(events, ts)
                    following = next(entry[3], None)
                    if following is None:
                        last_data = ts
                        heappop(heap)
                    else:
                        entry[0] = following.ts
                        entry[2] = following
                        heapreplace(heap, entry)
                    if ready or clock.dirty or scheduler.dirty:
                        break
                if ready:
                    self.events = events
                    await self._settle()
                    continue
                if clock.dirty or scheduler.dirty:
                    continue  # a timer or an action was added: look again
                if not heap:
                    # the data is over: what is in flight still lands (responses, delayed
                    # data), with the timers due meanwhile, up to ``drain_ns`` after the end
                    if next_action is None or next_action > last_data + self.drain_ns:
                        return
                elif heap[0][0] < limit:
                    continue  # something was scheduled later than the next data event
                if next_timer is not None and next_timer <= limit:
                    clock.advance_to(max(next_timer, clock.now_ns()))
                else:
                    ts, action = scheduler.pop()
                    clock.advance_to(max(ts, clock.now_ns()))
                    action()
                self.events = events
                await self._settle()
        finally:
            self.events = events
            if progress is not None:
                progress(events, clock.now_ns())

    async def _drive_until(self, done: asyncio.Future[None]) -> None:
        """Run timers and the venues' scheduled actions until ``done`` (the node stopping)."""
        clock, scheduler = self.clock, self.scheduler
        idle = 0
        while not done.done():
            await self._settle()
            if done.done():
                break
            next_action = scheduler.next_ns()
            next_timer = clock.next_timer_ns()
            if next_action is not None and (next_timer is None or next_action < next_timer):
                ts, action = scheduler.pop()
                clock.advance_to(max(ts, clock.now_ns()))
                action()
                idle = 0
            elif next_timer is not None:
                clock.advance_to(max(next_timer, clock.now_ns()))
                idle = 0
            else:
                idle += 1
                if idle > _MAX_IDLE_ROUNDS:
                    done.cancel()
                    raise RuntimeError(
                        "the node did not stop: a task waits on nothing the backtest can advance"
                    )
                await self.clock.sleep(0)  # a yield to the loop, through the clock
        done.result()

    async def _settle(self) -> None:
        """Let every runnable task run until all wait (on the clock, a venue, or a queue)."""
        ready = _ready_queue()
        yield_to_loop = self.clock.sleep  # sleep(0): one turn of the loop, no time passes
        await yield_to_loop(0)
        while ready:
            await yield_to_loop(0)


def _ready_queue() -> Any:
    # asyncio's queue of callbacks ready to run: empty means every task is waiting. Not public
    # API, but the only way to tell "idle" without a round trip per event; a loop without it
    # gets a stand-in that is always non-empty, so the engine then yields every time (slower,
    # still correct).
    loop = asyncio.get_running_loop()
    ready = getattr(loop, "_ready", None)
    return ready if ready is not None else _AlwaysReady()


class _AlwaysReady:
    def __bool__(self) -> bool:
        return True


# -- canonical JSON of a record ----------------------------------------------------------------


def run_record_json(record: RunRecord) -> bytes:
    """The record as canonical JSON (sorted keys, no spaces, Decimals as strings, enums as
    values): equal records give equal bytes."""
    return canonical_json(record)
