"""Actor and Strategy: the small classes desks are made of. Handlers in, commands out.

    Actor       handlers: on_start, on_stop, on_book, on_trade, on_bar, on_order_event, on_fill,
                on_timer, on_event; reads through ``self.cache``; time and timers through
                ``self.clock``; subscriptions (books, trades, bars, bus topics)
      └─ Strategy   + commands: submit, cancel, cancel_all, modify (idempotent client ids)

A strategy never imports a venue, an engine or asyncio: the node owns the loop, the clock and the
venues, calls the handlers (one at a time, in event order) and carries the commands out in the
order they were given, per venue. Instruments are venue-qualified (``InstrumentId``,
"BTC/USDT@sim"). The same class runs live and on a TestClock with the in-process venue.

Client order ids are deterministic (tradewind.oms.client_ids) from the strategy id, an intent id
and the order's fields. The default intent is "<clock ns>:<sequence>"; pass ``intent=`` to name
an intent yourself, so that re-issuing it (after a restart, say) can never place it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from tradewind.common.logging import get_logger
from tradewind.core.clock import TimeEvent, TimerClock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.enums import OrderSide, OrderType, TimeInForce
from tradewind.core.events import BookUpdated, OrderEvent, OrderFilled
from tradewind.core.identifiers import InstrumentId
from tradewind.core.market import Bar, TradeTick
from tradewind.core.messages import Message
from tradewind.node.cache import Cache
from tradewind.oms.client_ids import replacement_client_order_id, submit_order

__all__ = [
    "Actor",
    "ActorState",
    "Command",
    "CommandSink",
    "NodeServices",
    "Strategy",
    "Subscriptions",
]

Command = SubmitOrder | CancelOrder | CancelAllOrders | ModifyOrder


class CommandSink(Protocol):
    """Where a strategy's commands go (the node): carried out later, in order per venue."""

    def send(self, command: Command) -> None: ...

    def locate(self, client_order_id: str) -> tuple[str, str] | None:
        """(venue, symbol) of an order submitted but not yet tracked, or None."""
        ...


class ActorState(StrEnum):
    """Where an actor is in its life: READY (added), RUNNING, STOPPED, FAILED (stopped by the
    node after a handler raised, under the stop-strategy policy)."""

    READY = "ready"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(slots=True)
class Subscriptions:
    """What an actor asked for: books, trades, bars (instrument → interval ns), bus topics."""

    books: set[InstrumentId]
    trades: set[InstrumentId]
    bars: dict[InstrumentId, set[int]]
    topics: set[str]


@dataclass(frozen=True, slots=True)
class NodeServices:
    """What the node hands an actor when it is added."""

    clock: TimerClock
    cache: Cache
    commands: CommandSink
    timers: Callable[[Actor, TimeEvent], None]
    """Runs an actor's timer event through the node's handler-error policy."""


class Actor:
    """A component on the node: reacts to data and time, reads the cache, owns its state.

    Override the ``on_*`` handlers you need; each gets one event and returns nothing. An
    exception in a handler is logged with the actor id; the node's policy says whether the actor
    keeps running, is stopped, or the node halts.
    """

    config_type: ClassVar[type[BaseModel] | None] = None
    """The frozen parameters model ``from_config`` validates a TOML table with."""

    def __init__(self, actor_id: str) -> None:
        if not actor_id or actor_id != actor_id.strip():
            raise ValueError(f"an actor needs an id without surrounding spaces, got {actor_id!r}")
        self.id = actor_id
        self.state = ActorState.READY
        self.log = get_logger(f"strategy.{actor_id}")
        self.subscriptions = Subscriptions(set(), set(), {}, set())
        self._services: NodeServices | None = None

    @classmethod
    def from_config(cls, actor_id: str, params: Mapping[str, Any]) -> Actor:
        """Build from a config table: ``config_type`` validates it, the result is passed as
        ``config``. Raises ValueError (pydantic's ValidationError) on a bad table."""
        if cls.config_type is None:
            if params:
                raise ValueError(f"{cls.__name__} takes no parameters, got {sorted(params)}")
            return cls(actor_id)
        config = cls.config_type.model_validate(dict(params))
        return cls(actor_id, config)  # type: ignore[call-arg]

    # -- wiring (the node calls this) ----------------------------------------------------------

    def bind(self, services: NodeServices) -> None:
        """Attach the node's clock, cache and command sink; once."""
        if self._services is not None:
            raise RuntimeError(f"actor {self.id!r} is already on a node")
        self._services = services

    def _node(self) -> NodeServices:
        if self._services is None:
            raise RuntimeError(f"actor {self.id!r} is not on a node yet")
        return self._services

    @property
    def clock(self) -> TimerClock:
        return self._node().clock

    @property
    def cache(self) -> Cache:
        return self._node().cache

    @property
    def is_running(self) -> bool:
        return self.state is ActorState.RUNNING

    # -- subscriptions (in __init__: the node subscribes before on_start) ----------------------

    def subscribe_book(self, instrument: InstrumentId | str) -> None:
        """Receive ``on_book`` with every top-of-book change of the instrument."""
        self.subscriptions.books.add(_instrument(instrument))

    def subscribe_trades(self, instrument: InstrumentId | str) -> None:
        """Receive ``on_trade`` with every public trade of the instrument."""
        self.subscriptions.trades.add(_instrument(instrument))

    def subscribe_bars(self, instrument: InstrumentId | str, interval_ns: int) -> None:
        """Receive ``on_bar`` with every ``interval_ns`` bar built from the instrument's trades."""
        if interval_ns <= 0:
            raise ValueError(f"a bar interval must be > 0 ns, got {interval_ns}")
        iid = _instrument(instrument)
        self.subscriptions.bars.setdefault(iid, set()).add(interval_ns)

    def subscribe_topic(self, pattern: str) -> None:
        """Receive ``on_event`` with every bus message whose topic matches ``pattern``."""
        self.subscriptions.topics.add(pattern)

    # -- timers --------------------------------------------------------------------------------

    def set_timer(self, name: str, interval_ns: int) -> None:
        """``on_timer`` every ``interval_ns`` (first one interval from now) until cancelled."""
        self.clock.set_timer(self._timer_name(name), interval_ns, self._on_timer)

    def set_time_alert(self, name: str, at_ns: int) -> None:
        """``on_timer`` once at ``at_ns``."""
        self.clock.set_time_alert(self._timer_name(name), at_ns, self._on_timer)

    def cancel_timer(self, name: str) -> None:
        self.clock.cancel_timer(self._timer_name(name))

    def cancel_timers(self) -> None:
        """Stop every timer of this actor (the node calls it when the actor stops)."""
        if self._services is None:
            return
        prefix = self._timer_name("")
        for name in self.clock.timer_names:
            if name.startswith(prefix):
                self.clock.cancel_timer(name)

    def _timer_name(self, name: str) -> str:
        # timers live on the node's clock: the actor id keeps two actors' names apart
        return f"{self.id}:{name}"

    def _on_timer(self, event: TimeEvent) -> None:
        self._node().timers(self, event)

    # -- handlers (override) -------------------------------------------------------------------

    def on_start(self) -> None:
        """The node is running: subscribe, set timers, place initial orders."""

    def on_stop(self) -> None:
        """The node (or this actor) is stopping; timers are cancelled right after."""

    def on_book(self, event: BookUpdated) -> None:
        """The top of a subscribed book changed."""

    def on_trade(self, tick: TradeTick) -> None:
        """A public trade printed on a subscribed instrument."""

    def on_bar(self, bar: Bar) -> None:
        """A bar of a subscribed instrument and interval closed."""

    def on_order_event(self, event: OrderEvent) -> None:
        """One of this strategy's orders changed (accepted, rejected, canceled, expired, filled)."""

    def on_fill(self, event: OrderFilled) -> None:
        """One of this strategy's orders filled (after ``on_order_event`` with the same event)."""

    def on_timer(self, event: TimeEvent) -> None:
        """A timer of this actor fired; ``event.name`` is the name it was set with."""

    def on_event(self, message: Message) -> None:
        """A message on a subscribed bus topic."""


class Strategy(Actor):
    """An actor that trades: commands go to the node, which routes them to the venue."""

    def __init__(self, strategy_id: str) -> None:
        super().__init__(strategy_id)
        self._sequence = 0

    def _intent(self, intent: str | None) -> str:
        if intent is not None:
            return intent
        self._sequence += 1
        return f"{self.clock.now_ns()}:{self._sequence}"

    def submit(
        self,
        instrument: InstrumentId | str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal | None = None,
        *,
        order_type: OrderType | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        intent: str | None = None,
    ) -> str:
        """Place an order (LIMIT when a price is given, else MARKET); returns its client id.

        Quantity in base units, price in quote per base. Same ``intent`` and fields → same id,
        and an id the node already knows is never sent again.
        """
        iid = _instrument(instrument)
        kind = order_type or (OrderType.MARKET if price is None else OrderType.LIMIT)
        command = submit_order(
            strategy_id=self.id,
            intent_id=self._intent(intent),
            venue=iid.venue,
            symbol=iid.symbol,
            side=side,
            order_type=kind,
            quantity=quantity,
            price=price,
            time_in_force=time_in_force,
            ts_init=self.clock.now_ns(),
        )
        self._node().commands.send(command)
        return command.client_order_id

    def cancel(self, client_order_id: str) -> None:
        """Cancel one of this strategy's orders (by client id)."""
        order = self.cache.order(client_order_id)
        venue, symbol = (
            (order.venue, order.symbol) if order is not None else self._pending(client_order_id)
        )
        self._node().commands.send(
            CancelOrder(
                venue=venue,
                symbol=symbol,
                client_order_id=client_order_id,
                venue_order_id=None if order is None else order.venue_order_id,
                ts_init=self.clock.now_ns(),
            )
        )

    def cancel_all(self, instrument: InstrumentId | str) -> None:
        """Cancel every open order on the instrument."""
        iid = _instrument(instrument)
        self._node().commands.send(
            CancelAllOrders(venue=iid.venue, symbol=iid.symbol, ts_init=self.clock.now_ns())
        )

    def modify(
        self,
        client_order_id: str,
        *,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        intent: str | None = None,
    ) -> str:
        """Change an open order's total quantity and/or price; returns the replacement's client
        id (venues without amend get a cancel-replace under that id)."""
        order = self.cache.order(client_order_id)
        venue, symbol = (
            (order.venue, order.symbol) if order is not None else self._pending(client_order_id)
        )
        new_cid = replacement_client_order_id(
            strategy_id=self.id, client_order_id=client_order_id, intent_id=self._intent(intent)
        )
        self._node().commands.send(
            ModifyOrder(
                venue=venue,
                symbol=symbol,
                client_order_id=client_order_id,
                new_client_order_id=new_cid,
                quantity=quantity,
                price=price,
                ts_init=self.clock.now_ns(),
            )
        )
        return new_cid

    def _pending(self, client_order_id: str) -> tuple[str, str]:
        # an order submitted in this same handler is not tracked yet: ask the node's outbox
        found = self._node().commands.locate(client_order_id)
        if found is None:
            raise KeyError(f"strategy {self.id!r} has no order {client_order_id!r}")
        return found


def _instrument(instrument: InstrumentId | str) -> InstrumentId:
    return instrument if isinstance(instrument, InstrumentId) else InstrumentId.parse(instrument)
