"""TradingNode: owns the kernel and runs the actors and strategies on it.

    NodeConfig (TOML) ─▶ TradingNode
        build      bus, store, clock, one adapter + rate limiter + ExecutionEngine + market data
                   per venue (the only place adapters are built), router, cache
        restore    every engine reloads its orders, fills and trade cursors from the store
        reconcile  every venue at once: instruments, user stream, open orders and fills since
                   the cursors, balances
        run        book and trade subscriptions (all venues and symbols concurrently), command
                   workers, bar timer, then each actor's on_start
        stop       on_stop of each actor, timers cancelled, streams closed, store flushed

Data flow: a venue's depth diffs → MarketDataService → top of book into the cache → on_book of
the subscribed actors; public trades → cache (+ bars) → on_trade / on_bar; order events from the
bus → on_order_event (+ on_fill) of the strategy that owns the order. Commands from strategies
are queued per venue and carried out in order by one worker per venue: each submit and modify
passes the RiskEngine (tradewind.risk.engine) first, a refused one becomes an OrderRejected
"risk <rule>: ..." and reaches no engine; then the router. ``kill_switch`` halts all trading and
cancels every open order. ``supervisor`` (tradewind.node.risk_supervisor) runs the action plans
and circuit breakers of ``[risk]`` when configured.

A handler that raises is logged with the actor id and handler; then, by ``on_handler_error``:
"continue" (the default), "stop_strategy" (that actor is stopped, FAILED) or "halt" (every actor
is stopped and commands are refused; the node stays up to report its health).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from tradewind.bus.in_process import InProcessMessageBus
from tradewind.bus.interface import MessageBus
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimeEvent, TimerClock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.events import BookSyncLost, BookUpdated, OrderEvent, OrderFilled
from tradewind.core.identifiers import InstrumentId
from tradewind.core.market import TradeTick
from tradewind.core.messages import Message
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService
from tradewind.execution.store_writer import StoreWriter
from tradewind.node.bars import BarAggregator
from tradewind.node.cache import Cache, CacheFeed
from tradewind.node.component import Component
from tradewind.node.config import NodeConfig, NodeConfigError, load_node_config
from tradewind.node.data_switch import MarketDataSwitch
from tradewind.node.metrics import NodeMetrics
from tradewind.node.risk_supervisor import RiskSupervisor
from tradewind.node.risk_view import NodeRiskView
from tradewind.node.router import ExecutionRouter
from tradewind.node.strategy import Actor, ActorState, Command, NodeServices
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.oms.rate_limiter import RateLimiter, provisional_limiter
from tradewind.risk.engine import RiskEngine, Scope
from tradewind.risk.readings import MeasureReading, MeasureSource
from tradewind.store.kernel_store import KernelStore
from tradewind.venues.base import Subscription, VenueAdapter

__all__ = ["NodeHealth", "NodeState", "NodeVenue", "TradingNode", "load_actor"]

log = get_logger("node")


class NodeState(StrEnum):
    """The node's lifecycle; HALTED: stopped trading after a handler error under "halt"."""

    CREATED = "created"
    BUILT = "built"
    RESTORED = "restored"
    RECONCILED = "reconciled"
    RUNNING = "running"
    HALTED = "halted"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """A snapshot for probes and dashboards. ``venues``: per venue, instruments listed, open
    orders, books synced / subscribed; ``actors``: each actor's state; ``risk``: the risk
    engine's trading states ("global", "venue:<name>", "strategy:<id>")."""

    state: NodeState
    ready: bool
    venues: Mapping[str, Mapping[str, int]]
    actors: Mapping[str, str]
    detail: str = ""
    risk: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class NodeVenue:
    """One venue's kernel parts, as the node built them (for components that need them)."""

    adapter: VenueAdapter
    limiter: RateLimiter
    engine: ExecutionEngine
    books: MarketDataService
    queue: asyncio.Queue[Command | None] | None = None
    worker: asyncio.Task[None] | None = None


class TradingNode:
    """One kernel: venues, engines, router, cache, clock, bus, store, and the actors on them.

    ``adapters``: venues built by the caller (an in-process venue in tests and backtests), by
    name, besides the ones the config describes. ``clock``: a TestClock for deterministic runs.
    """

    def __init__(
        self,
        config: NodeConfig | None = None,
        *,
        clock: TimerClock | None = None,
        bus: MessageBus | None = None,
        adapters: Mapping[str, VenueAdapter] | None = None,
    ) -> None:
        self.config = config or NodeConfig()
        self.clock: TimerClock = clock or LiveClock()
        self.bus: MessageBus = bus or InProcessMessageBus()
        self.router = ExecutionRouter(self.bus, self.clock)
        self.cache = Cache(self.router)
        self._feed = CacheFeed(self.cache)
        self._risk_view = NodeRiskView(self.router, self.cache)
        self.risk = RiskEngine(self.config.risk, self._risk_view, self.clock)
        self.risk.on_halt(self._cancel_halted)
        self._given = dict(adapters or {})
        self._venues: dict[str, NodeVenue] = {}
        self._components: list[Component] = []
        self._measure_sources: list[MeasureSource] = []
        self._store: StoreWriter | None = None
        self._actors: dict[str, Actor] = {}
        self._owners: dict[str, str] = {}  # client order id → actor id
        self._outbox: dict[str, tuple[str, str]] = {}  # submitted, not yet tracked
        self._book_subs: dict[tuple[str, str], list[Actor]] = {}
        self._trade_subs: dict[tuple[str, str], list[Actor]] = {}
        self._bars: dict[tuple[str, str], list[tuple[BarAggregator, list[Actor]]]] = {}
        self._streams: list[Subscription] = []
        self.state = NodeState.CREATED
        self.detail = ""
        self.handler_errors = 0
        # action plans and breakers; idle unless [risk] configures them
        self.supervisor = RiskSupervisor(self)
        self._components.append(self.supervisor)
        # a venue's backup market data source, switched to by the "backup_data" action
        self.market_data = MarketDataSwitch(self)
        self.supervisor.add_data_switch(self.market_data)
        # /metrics: counts order events from the bus, reads the rest at scrape time; served
        # (as a component) only when [metrics] listen is set
        self.metrics = NodeMetrics(self, self.config.metrics.listen)
        if self.metrics.server is not None:
            self._components.append(self.metrics)

    @classmethod
    def from_toml(cls, path: Path | str, **kwargs: Any) -> TradingNode:
        """A node built from a TOML file, with the strategies it lists added."""
        node = cls(load_node_config(path), **kwargs)
        for entry in node.config.strategies:
            node.add(load_actor(entry.class_path, entry.id, entry.config))
        return node

    # -- actors --------------------------------------------------------------------------------

    def add(self, actor: Actor) -> Actor:
        """Put ``actor`` on the node; before it reconciles (actors are started by ``run``)."""
        if actor.id in self._actors:
            raise ValueError(f"an actor {actor.id!r} is already on this node")
        if self.state not in (NodeState.CREATED, NodeState.BUILT, NodeState.RESTORED):
            raise RuntimeError(f"add actors before reconcile(); the node is {self.state}")
        actor.bind(NodeServices(self.clock, self.cache, self, self._on_actor_timer))
        self._actors[actor.id] = actor
        return actor

    def actor(self, actor_id: str) -> Actor:
        return self._actors[actor_id]

    def add_component(self, component: Component) -> None:
        """Run ``component`` with the node (restore, start, stop); before it restores."""
        if self.state not in (NodeState.CREATED, NodeState.BUILT):
            raise RuntimeError(f"add components before restore(); the node is {self.state}")
        self._components.append(component)

    def add_measure_source(self, source: MeasureSource) -> None:
        """Publish ``source``'s measures: ``/metrics``, the dashboard and action plans read them."""
        self._measure_sources.append(source)

    def measure_readings(self) -> list[MeasureReading]:
        """What every measure source on this node reads now, in the order they were added."""
        return [reading for source in self._measure_sources for reading in source.readings()]

    def venue(self, name: str) -> NodeVenue:
        """The kernel parts of venue ``name`` (after build); KeyError if there is none."""
        try:
            return self._venues[name]
        except KeyError:
            raise KeyError(f"no venue {name!r} on this node") from None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """build → restore → reconcile → run."""
        await self.build()
        await self.restore()
        await self.reconcile()
        await self.run()

    async def build(self) -> None:
        """Open the store and build every venue's adapter, limiter, engine and market data."""
        self._expect(NodeState.CREATED)
        database = self.config.node.database
        if database:
            self._store = StoreWriter(await asyncio.to_thread(KernelStore.open, database))
        adapters = dict(self._given)
        for name, entry in self.config.venues.items():
            if name in adapters:
                raise NodeConfigError(f"venue {name!r} is both configured and given")
            settings = VenueSettings(
                name=name,
                rest_url=entry.rest_url,
                ws_url=entry.ws_url,
                api_key=entry.api_key,
                api_secret=entry.api_secret,
            )
            limiter = provisional_limiter(self.clock, name)
            adapters[name] = open_venue(entry.kind, settings, limiter=limiter, clock=self.clock)
            self._venues[name] = self._venue(adapters[name], limiter)
            if entry.backup_rest_url and entry.backup_ws_url:
                backup = dataclasses.replace(
                    settings, rest_url=entry.backup_rest_url, ws_url=entry.backup_ws_url
                )
                self.market_data.add_backup(
                    name,
                    open_venue(
                        entry.kind,
                        backup,
                        limiter=provisional_limiter(self.clock, f"{name}-backup"),
                        clock=self.clock,
                    ),
                )
        for name, adapter in self._given.items():
            if adapter.name != name:
                raise NodeConfigError(f"adapter for {name!r} names itself {adapter.name!r}")
            self._venues[name] = self._venue(adapter, provisional_limiter(self.clock, name))
        for venue in self._venues.values():
            self.router.add(venue.engine)
            self._feed.attach_books(venue.engine.venue, venue.books)
            venue.books.on_book(self._on_book)
        self.bus.subscribe(OrderEvent, self._on_order_event)
        self._state(NodeState.BUILT)

    def _venue(self, adapter: VenueAdapter, limiter: RateLimiter) -> NodeVenue:
        engine = ExecutionEngine(
            adapter=adapter,
            bus=self.bus,
            limiter=limiter,
            clock=self.clock,
            store=self._store,
            owns_store=False,
            reference_price=lambda symbol: self._mid(adapter.name, symbol),
        )
        return NodeVenue(adapter, limiter, engine, MarketDataService(adapter, clock=self.clock))

    def _mid(self, venue: str, symbol: str) -> Decimal | None:
        # a market order's notional is checked against the last top of book
        return self._risk_view.reference_price(venue, symbol)

    async def restore(self) -> None:
        """Every engine reloads its state from the store."""
        self._expect(NodeState.BUILT)
        for venue in self._venues.values():
            await venue.engine.restore()
        for engine in self.router:
            for order in engine.tracker:
                self._owners.setdefault(order.client_order_id, order.strategy_id)
        for component in self._components:
            await component.restore()
        self._state(NodeState.RESTORED)

    async def reconcile(self) -> None:
        """Every venue at once: instruments, user stream, reconciliation, balances."""
        self._expect(NodeState.RESTORED)
        await asyncio.gather(
            *(venue.engine.start(restore=False) for venue in self._venues.values())
        )
        for engine in self.router:
            for order in engine.tracker:
                self._owners.setdefault(order.client_order_id, order.strategy_id)
        self._risk_view.refresh()
        self._state(NodeState.RECONCILED)

    async def run(self) -> None:
        """Subscribe the data the actors asked for, start command workers, start the actors."""
        self._expect(NodeState.RECONCILED)
        for name, venue in self._venues.items():
            venue.queue = asyncio.Queue()
            venue.worker = asyncio.create_task(self._work(venue), name=f"commands-{name}")
        for actor in self._actors.values():
            self._index_subscriptions(actor)
        self._state(NodeState.RUNNING)
        for actor in list(self._actors.values()):
            actor.state = ActorState.RUNNING
            self._call(actor, actor.on_start)
        # data last, so the actors see the first book and the first trade
        await self._subscribe_data()
        if self._bars:
            interval = self.config.node.bar_check_interval_ms * 1_000_000
            self.clock.set_timer("node:bars", interval, self._close_bars)
        for component in self._components:
            await component.start()
            log.info("node_component_started", component=component.name)

    async def stop(self) -> None:
        """Stop the actors, then the venues; flush and close the store."""
        if self.state is NodeState.STOPPED:
            return
        for component in reversed(self._components):
            try:
                await component.stop()
            except Exception:
                log.exception("node_component_stop_failed", component=component.name)
        for actor in self._actors.values():
            self._stop_actor(actor, ActorState.STOPPED)
        self.clock.cancel_timer("node:bars")
        for venue in self._venues.values():
            if venue.queue is not None and venue.worker is not None:
                venue.queue.put_nowait(None)
                with contextlib.suppress(asyncio.CancelledError):
                    await venue.worker
        for stream in self._streams:
            with contextlib.suppress(Exception):
                await stream.close()
        await self.market_data.settle()
        for venue in self._venues.values():
            await venue.books.close()
            await venue.engine.stop()
        await self.market_data.close()
        if self._store is not None:
            await self._store.close()
        self._state(NodeState.STOPPED)

    def halt(self, reason: str) -> None:
        """Stop trading: every actor stops, later commands are refused; health says why."""
        if self.state in (NodeState.HALTED, NodeState.STOPPED):
            return
        log.error("node_halted", reason=reason)
        self.detail = reason
        for actor in self._actors.values():
            self._stop_actor(actor, ActorState.STOPPED)
        self._state(NodeState.HALTED)

    def kill_switch(self, reason: str) -> None:
        """Halt all trading (the risk engine's global state) and cancel every open order on
        every venue; ``self.risk.resume()`` lifts it. Actors keep running, their orders are
        refused."""
        self.risk.halt(reason)

    def _cancel_halted(self, scope: Scope, key: str) -> None:
        # a scope went HALTED: cancel its open orders at the venues, through the command queues
        # so they run in order after whatever the venue's worker is doing
        for order in list(self._risk_view.open_orders()):
            if scope is Scope.STRATEGY and order.strategy_id != key:
                continue
            if scope is Scope.VENUE and order.venue != key:
                continue
            cancel = CancelOrder(
                venue=order.venue,
                symbol=order.symbol,
                client_order_id=order.client_order_id,
                venue_order_id=order.venue_order_id,
                ts_init=self.clock.now_ns(),
            )
            venue = self._venues.get(order.venue)
            if venue is not None and venue.queue is not None:
                venue.queue.put_nowait(cancel)
            else:
                task = asyncio.get_running_loop().create_task(self._execute(cancel))
                task.add_done_callback(_log_failure)

    def health(self) -> NodeHealth:
        venues: dict[str, dict[str, int]] = {}
        for name, venue in self._venues.items():
            symbols = sorted({iid.symbol for iid, _ in self._subscribed() if iid.venue == name})
            synced = 0
            for symbol in symbols:
                with contextlib.suppress(KeyError):
                    synced += venue.books.sync(symbol).is_synced
            venues[name] = {
                "instruments": len(venue.engine.instruments),
                "open_orders": len(venue.engine.tracker.open_orders(name)),
                "books": len(symbols),
                "books_synced": synced,
            }
        return NodeHealth(
            state=self.state,
            ready=self.state is NodeState.RUNNING,
            venues=venues,
            actors={actor_id: str(actor.state) for actor_id, actor in self._actors.items()},
            detail=self.detail,
            risk=self.risk.states(),
        )

    async def wait_books_synced(self, timeout_s: float = 10.0) -> None:
        """Return once every subscribed book is synced (TimeoutError after ``timeout_s``)."""
        waits = [
            self._venues[iid.venue].books.wait_synced(iid.symbol, timeout_s)
            for iid, kind in self._subscribed()
            if kind == "book"
        ]
        await asyncio.gather(*waits)

    def _expect(self, state: NodeState) -> None:
        if self.state is not state:
            raise RuntimeError(f"node is {self.state}, this step needs {state}")

    def _state(self, state: NodeState) -> None:
        self.state = state
        log.info("node_state", node=self.config.node.name, state=str(state))

    # -- data ----------------------------------------------------------------------------------

    def _index_subscriptions(self, actor: Actor) -> None:
        subs = actor.subscriptions
        for iid in sorted(subs.books, key=str):
            self._book_subs.setdefault((iid.venue, iid.symbol), []).append(actor)
        for iid in sorted(subs.trades, key=str):
            self._trade_subs.setdefault((iid.venue, iid.symbol), []).append(actor)
        for iid, intervals in subs.bars.items():
            key = (iid.venue, iid.symbol)
            aggregators = self._bars.setdefault(key, [])
            for interval in sorted(intervals):
                for aggregator, listeners in aggregators:
                    if aggregator.interval_ns == interval:
                        listeners.append(actor)
                        break
                else:
                    aggregators.append((BarAggregator(iid.venue, iid.symbol, interval), [actor]))
        for pattern in sorted(subs.topics):
            self.bus.subscribe_topic(pattern, self._topic_handler(actor))

    def _topic_handler(self, actor: Actor) -> Callable[[Message], None]:
        def deliver(message: Message) -> None:
            if actor.is_running:
                self._call(actor, actor.on_event, message)

        return deliver

    def _subscribed(self) -> list[tuple[InstrumentId, str]]:
        wanted = [(InstrumentId(s, v), "book") for v, s in self._book_subs]
        streamed = sorted(set(self._trade_subs) | set(self._bars))
        wanted += [(InstrumentId(s, v), "trades") for v, s in streamed]
        return wanted

    async def _subscribe_data(self) -> None:
        # every venue and symbol at once: the SDK spends ~0.5 s per subscription
        jobs = []
        for iid, kind in self._subscribed():
            venue = self._venues.get(iid.venue)
            if venue is None:
                raise NodeConfigError(f"an actor subscribes to {iid}, but no such venue")
            instrument = venue.engine.instrument(iid.symbol)
            if kind == "book":
                jobs.append(venue.books.subscribe(instrument))
            else:
                jobs.append(self._subscribe_trades(venue.adapter, iid.symbol))
        await asyncio.gather(*jobs)

    async def _subscribe_trades(self, adapter: VenueAdapter, symbol: str) -> None:
        self._streams.append(await adapter.stream_trades(symbol, self._on_trade))

    def _on_book(self, event: BookUpdated | BookSyncLost) -> None:
        if not isinstance(event, BookUpdated):
            return
        self._feed.top(event)
        for actor in self._book_subs.get((event.venue, event.symbol), ()):
            if actor.is_running:
                self._call(actor, actor.on_book, event)

    def _on_trade(self, tick: TradeTick) -> None:
        self._feed.trade(tick)
        key = (tick.venue, tick.symbol)
        for aggregator, listeners in self._bars.get(key, ()):
            bar = aggregator.on_trade(tick)
            if bar is not None:
                self._feed.bar(bar)
                for actor in listeners:
                    if actor.is_running:
                        self._call(actor, actor.on_bar, bar)
        for actor in self._trade_subs.get(key, ()):
            if actor.is_running:
                self._call(actor, actor.on_trade, tick)

    def _close_bars(self, event: TimeEvent) -> None:
        for aggregators in self._bars.values():
            for aggregator, listeners in aggregators:
                bar = aggregator.close_until(event.ts_event)
                if bar is None:
                    continue
                self._feed.bar(bar)
                for actor in listeners:
                    if actor.is_running:
                        self._call(actor, actor.on_bar, bar)

    # -- orders --------------------------------------------------------------------------------

    def _on_order_event(self, event: OrderEvent) -> None:
        self._outbox.pop(event.client_order_id, None)
        owner = self._owners.get(event.client_order_id)
        actor = None if owner is None else self._actors.get(owner)
        if actor is None or not actor.is_running:
            return
        self._call(actor, actor.on_order_event, event)
        if isinstance(event, OrderFilled) and actor.is_running:
            self._call(actor, actor.on_fill, event)

    def send(self, command: Command) -> None:
        """Queue a command for its venue's worker (the strategies' CommandSink)."""
        if self.state is not NodeState.RUNNING:
            log.warning("command_refused", state=str(self.state), command=type(command).__name__)
            return
        if isinstance(command, SubmitOrder):
            self._owners.setdefault(command.client_order_id, command.strategy_id)
            self._outbox[command.client_order_id] = (command.venue, command.symbol)
        elif isinstance(command, ModifyOrder):
            owner = self._owners.get(command.client_order_id)
            if owner is not None:
                self._owners.setdefault(command.new_client_order_id, owner)
            self._outbox[command.new_client_order_id] = (command.venue, command.symbol)
        venue = self._venues.get(command.venue)
        if venue is None or venue.queue is None:
            # no such venue: the router turns it into a rejection (an event, no state change)
            task = asyncio.get_running_loop().create_task(self._execute(command))
            task.add_done_callback(_log_failure)
            return
        venue.queue.put_nowait(command)

    def locate(self, client_order_id: str) -> tuple[str, str] | None:
        return self._outbox.get(client_order_id)

    async def _work(self, venue: NodeVenue) -> None:
        assert venue.queue is not None
        while True:
            command = await venue.queue.get()
            try:
                if command is None:
                    return
                await self._execute(command)
            except Exception:
                log.exception("command_failed", command=type(command).__name__)
            finally:
                # drain() joins the queue: a command counts as done once carried out
                venue.queue.task_done()

    async def _execute(self, command: Command) -> None:
        if isinstance(command, SubmitOrder | ModifyOrder):
            refusal = self.risk.check(command)
            if refusal is not None:
                cid = (
                    command.client_order_id
                    if isinstance(command, SubmitOrder)
                    else command.new_client_order_id
                )
                await self.router.reject(cid, command.venue, command.symbol, str(refusal))
                return
        if isinstance(command, SubmitOrder):
            placed = await self.router.submit(command)
        elif isinstance(command, CancelOrder):
            await self.router.cancel(command)
            return
        elif isinstance(command, CancelAllOrders):
            await self.router.cancel_all(command)
            return
        else:
            placed = await self.router.modify(command)
        if placed is not None:
            self._risk_view.track(placed)

    async def drain(self) -> None:
        """Wait until every queued command ran and every venue report received was applied."""
        for venue in self._venues.values():
            # join, not "queue empty": the command the worker is carrying out counts too
            if venue.queue is not None and venue.worker is not None and not venue.worker.done():
                await venue.queue.join()
            await venue.engine.drain()

    # -- handler calls and their failures ------------------------------------------------------

    def _on_actor_timer(self, actor: Actor, event: TimeEvent) -> None:
        if actor.is_running:
            name = event.name.removeprefix(f"{actor.id}:")
            self._call(actor, actor.on_timer, TimeEvent(name, event.ts_event, event.ts_init))

    def _call(self, actor: Actor, handler: Callable[..., None], *args: Any) -> None:
        try:
            handler(*args)
        except Exception as exc:
            self.handler_errors += 1
            policy = self.config.node.on_handler_error
            log.exception(
                "strategy_handler_failed",
                strategy_id=actor.id,
                handler=getattr(handler, "__name__", "?"),
                policy=policy,
            )
            if policy == "stop_strategy":
                self._stop_actor(actor, ActorState.FAILED)
            elif policy == "halt":
                self.halt(f"{actor.id}.{getattr(handler, '__name__', '?')} raised {exc!r}")

    def _stop_actor(self, actor: Actor, final: ActorState) -> None:
        if actor.state is not ActorState.RUNNING:
            if actor.state is ActorState.READY:
                actor.state = final
            return
        actor.state = final
        try:
            actor.on_stop()
        except Exception:
            log.exception("strategy_handler_failed", strategy_id=actor.id, handler="on_stop")
        actor.cancel_timers()


def load_actor(class_path: str, actor_id: str, params: Mapping[str, Any]) -> Actor:
    """Import ``class_path`` ("module:Class", an Actor or Strategy) and build it from
    ``params``; NodeConfigError naming the class or the strategy when that fails."""
    module_name, _, class_name = class_path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise NodeConfigError(f"strategy class {class_path!r} not found: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Actor)):
        raise NodeConfigError(f"{class_path!r} is not an Actor or Strategy")
    try:
        return cls.from_config(actor_id, params)
    except ValueError as exc:
        raise NodeConfigError(f"strategy {actor_id!r}: {exc}") from exc


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("command_failed", error=repr(task.exception()))
