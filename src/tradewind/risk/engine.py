"""RiskEngine: every order command passes its checks before it reaches a venue.

    Strategy ─ command ─▶ RiskEngine.check ─ None ─▶ ExecutionRouter ─▶ venue
                                │
                                └─ Refusal(rule, reason) ─▶ OrderRejected "risk <rule>: ..."

Checks, in order (the first that fails refuses): trading state, price band against the
reference price (the cache mid), order notional, position per asset (the position plus the open
orders on the side of the new one, across venues), open orders per strategy, order rate per
strategy, self-cross against our own resting orders. Cancels always pass: they only reduce risk.

Trading states are kept per strategy, per venue and globally; the strictest applies:
ACTIVE (every check above), REDUCING (only an order that shrinks the asset's net position and
does not flip it passes), HALTED (no order passes). A strategy's first refused command puts it
in REDUCING; its ``breaches_to_halt``-th puts it in HALTED. Halts are announced to the
``on_halt`` listeners (the node cancels the halted scope's orders at the venues). ``resume``
sets a scope ACTIVE again and clears its breaches; only an operator does that.

A refusal changes no order, position or counter except the strategy's breach count and state.
The engine reads the node through ``RiskView``; it imports nothing above ``risk``.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.enums import OrderSide
from tradewind.core.identifiers import parse_symbol
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.risk.limits import RiskLimits

__all__ = ["Refusal", "RiskEngine", "RiskView", "Scope", "TradingState"]

log = get_logger("risk.engine")

_ZERO = Decimal(0)
_BPS = Decimal(10_000)


class TradingState(StrEnum):
    """What a scope may do: everything, only reduce exposure, nothing."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


_RANK = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class Scope(StrEnum):
    """Where a trading state applies: every order, one venue's, or one strategy's."""

    GLOBAL = "global"
    VENUE = "venue"
    STRATEGY = "strategy"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a command was refused: the rule's name and a sentence with the numbers."""

    rule: str
    reason: str

    def __str__(self) -> str:
        return f"risk {self.rule}: {self.reason}"


class RiskView(Protocol):
    """What the engine reads of the node (the node implements it over its cache and engines)."""

    def open_orders(self) -> Iterable[Order]:
        """Every open order on every venue."""
        ...

    def positions(self) -> Iterable[Position]:
        """Every non-flat position on every venue (signed base units)."""
        ...

    def order(self, client_order_id: str) -> Order | None: ...

    def reference_price(self, venue: str, symbol: str) -> Decimal | None:
        """The reference price (quote per base) of the instrument, or None when unknown."""
        ...

    def touch(self, venue: str, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """The best bid and best ask of the instrument (None where unknown)."""
        ...


@dataclass(slots=True)  # not frozen: built on every command, and frozen init costs ~1 us
class _Intent:
    # a submit, or the replacement a modify would place
    strategy_id: str
    client_order_id: str
    venue: str
    symbol: str
    side: OrderSide
    quantity: Decimal  # what would rest: base units
    price: Decimal | None
    replaces: str | None  # the order a modify cancels


HaltListener = Callable[[Scope, str], None]
# (scope, key, before, after, reason) of every change of a scope's state
ChangeListener = Callable[[Scope, str, "TradingState", "TradingState", str], None]


class RiskEngine:
    """Pre-trade checks and trading states for one node; limits as in ``RiskLimits``."""

    def __init__(self, limits: RiskLimits, view: RiskView, clock: Clock) -> None:
        self.limits = limits
        self._view = view
        self._clock = clock
        self._global = TradingState.ACTIVE
        self._venues: dict[str, TradingState] = {}
        self._strategies: dict[str, TradingState] = {}
        self._breaches: dict[str, int] = {}
        self._admitted: dict[str, deque[int]] = {}  # strategy → ts of admitted orders
        self._listeners: list[HaltListener] = []
        self._change_listeners: list[ChangeListener] = []
        self.refusals = 0

    # -- states --------------------------------------------------------------------------------

    def on_halt(self, listener: HaltListener) -> None:
        """Call ``listener(scope, key)`` whenever a scope goes HALTED (key "" for global)."""
        self._listeners.append(listener)

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(scope, key, before, after, reason)`` on every change of a state."""
        self._change_listeners.append(listener)

    def state(self, scope: Scope = Scope.GLOBAL, key: str = "") -> TradingState:
        """The state set on one scope (not the effective one)."""
        if scope is Scope.GLOBAL:
            return self._global
        table = self._venues if scope is Scope.VENUE else self._strategies
        return table.get(key, TradingState.ACTIVE)

    def states(self) -> dict[str, str]:
        """Every scope that is not ACTIVE, plus global: {"global": .., "venue:x": .., ...}."""
        found = {"global": str(self._global)}
        found.update({f"venue:{k}": str(v) for k, v in self._venues.items()})
        found.update({f"strategy:{k}": str(v) for k, v in self._strategies.items()})
        return found

    def set_state(self, scope: Scope, key: str, state: TradingState, reason: str) -> TradingState:
        """Put a scope in ``state``; returns the previous one. HALTED tells the listeners."""
        if scope is not Scope.GLOBAL and not key:
            raise ValueError(f"a {scope} state needs a name")
        before = self.state(scope, key)
        if scope is Scope.GLOBAL:
            self._global = state
        elif scope is Scope.VENUE:
            self._venues[key] = state
        else:
            self._strategies[key] = state
        if state is TradingState.ACTIVE and scope is Scope.STRATEGY:
            self._breaches.pop(key, None)
        if before is not state:
            log.warning(
                "risk_state_changed",
                scope=str(scope),
                key=key,
                before=str(before),
                after=str(state),
                reason=reason,
            )
            for changed in self._change_listeners:
                changed(scope, key, before, state, reason)
            if state is TradingState.HALTED:
                for listener in self._listeners:
                    listener(scope, key)
        return before

    def halt(self, reason: str, scope: Scope = Scope.GLOBAL, key: str = "") -> None:
        """The kill switch (global by default): HALTED, and the listeners cancel the orders."""
        self.set_state(scope, key, TradingState.HALTED, reason)

    def resume(self, scope: Scope = Scope.GLOBAL, key: str = "") -> None:
        """Back to ACTIVE (an operator's decision); clears a strategy's breaches."""
        self.set_state(scope, key, TradingState.ACTIVE, "resumed")

    def effective(self, strategy_id: str, venue: str) -> tuple[TradingState, Scope]:
        """The strictest state over global, the venue and the strategy, and where it is set."""
        found, where = self._global, Scope.GLOBAL
        if found is TradingState.HALTED:
            return found, where
        venue_state = self._venues.get(venue, TradingState.ACTIVE)
        if _RANK[venue_state] > _RANK[found]:
            found, where = venue_state, Scope.VENUE
        strategy_state = self._strategies.get(strategy_id, TradingState.ACTIVE)
        if _RANK[strategy_state] > _RANK[found]:
            found, where = strategy_state, Scope.STRATEGY
        return found, where

    # -- the check -----------------------------------------------------------------------------

    def check(
        self, command: SubmitOrder | CancelOrder | CancelAllOrders | ModifyOrder
    ) -> Refusal | None:
        """None when ``command`` may go to the venue; else the Refusal (and the strategy's
        breach is counted). Cancels always pass."""
        if isinstance(command, CancelOrder | CancelAllOrders):
            return None
        intent = self._intent(command)
        if intent is None:  # a modify of an order we do not know: the router rejects it
            return None
        refusal, breach = self._refuse(intent)
        if refusal is None:
            self._admit(intent.strategy_id)
            return None
        self.refusals += 1
        log.warning(
            "risk_refused",
            strategy_id=intent.strategy_id,
            client_order_id=intent.client_order_id,
            rule=refusal.rule,
            reason=refusal.reason,
        )
        if breach:
            self._breach(intent.strategy_id, refusal)
        return refusal

    def _intent(self, command: SubmitOrder | ModifyOrder) -> _Intent | None:
        if isinstance(command, SubmitOrder):
            return _Intent(
                command.strategy_id,
                command.client_order_id,
                command.venue,
                command.symbol,
                command.side,
                command.quantity,
                command.price,
                None,
            )
        order = self._view.order(command.client_order_id)
        if order is None:
            return None
        total = order.quantity if command.quantity is None else command.quantity
        return _Intent(
            order.strategy_id,
            command.new_client_order_id,
            command.venue,
            command.symbol,
            order.side,
            max(total - order.filled_qty, _ZERO),
            order.price if command.price is None else command.price,
            order.client_order_id,
        )

    def _refuse(self, intent: _Intent) -> tuple[Refusal | None, bool]:
        """(refusal, counts as the strategy's breach)."""
        state, where = self.effective(intent.strategy_id, intent.venue)
        if state is TradingState.HALTED:
            return Refusal("state", f"{_label(where, intent)} is HALTED"), False
        base = _base(intent.symbol)
        book = self._scan(intent, base)
        if state is TradingState.REDUCING:
            refusal = self._reducing(intent, base, book.same_side)
            if refusal is not None:
                return Refusal("state", f"{_label(where, intent)} is REDUCING: {refusal}"), (
                    where is Scope.STRATEGY
                )
        limits = self.limits
        mid = None
        if limits.price_band_bps is not None or limits.max_order_notional is not None:
            mid = self._view.reference_price(intent.venue, intent.symbol)
        if limits.price_band_bps is not None and intent.price is not None:
            if mid is None:
                return Refusal("price_band", f"no reference price for {intent.symbol}"), True
            off = abs(intent.price - mid) / mid * _BPS
            if off > limits.price_band_bps:
                return Refusal(
                    "price_band",
                    f"price {intent.price} is {off:.1f} bps from mid {mid}"
                    f" (band {limits.price_band_bps} bps)",
                ), True
        if limits.max_order_notional is not None:
            price = intent.price if intent.price is not None else mid
            if price is None:
                return Refusal("notional", f"no reference price for {intent.symbol}"), True
            notional = intent.quantity * price
            if notional > limits.max_order_notional:
                return Refusal(
                    "notional",
                    f"order notional {notional} > limit {limits.max_order_notional}",
                ), True
        cap = limits.max_position.get(base)
        if cap is not None:
            # the position if every open order on this side in this asset, and this one, filled
            added = book.same_side + intent.quantity
            worst = self._net_position(base) + (added if intent.side is OrderSide.BUY else -added)
            if abs(worst) > cap:
                return Refusal(
                    "position",
                    f"{base} position with open orders would reach {worst} (limit ±{cap})",
                ), True
        if limits.max_open_orders is not None and book.mine + 1 > limits.max_open_orders:
            return Refusal(
                "open_orders",
                f"{intent.strategy_id} has {book.mine} open orders"
                f" (limit {limits.max_open_orders})",
            ), True
        if limits.max_orders_per_window is not None:
            recent = self._recent(intent.strategy_id)
            if recent >= limits.max_orders_per_window:
                return Refusal(
                    "order_rate",
                    f"{intent.strategy_id} placed {recent} orders in the last"
                    f" {limits.rate_window_ms} ms (limit {limits.max_orders_per_window})",
                ), True
        crossed = book.crossed
        if limits.self_cross and crossed is not None:
            return Refusal(
                "self_cross",
                f"{intent.side.name} at {intent.price or 'market'} would trade with our"
                f" {crossed.side.name} {crossed.client_order_id} at {crossed.price}",
            ), True
        return None, False

    def _scan(self, intent: _Intent, base: str) -> _Book:
        # one pass over our open orders (the order a modify replaces left out): this
        # strategy's count, the same side's open quantity in the asset, a crossing order
        book = _Book()
        side, price, symbol, venue = intent.side, intent.price, intent.symbol, intent.venue
        buy = side is OrderSide.BUY
        if price is None and self.limits.self_cross:
            # a market order takes the touch first: it trades with our resting order if ours is
            # at the touch (a deeper sweep is not foreseen); no book → any order of ours counts
            bid, ask = self._view.touch(venue, symbol)
            price = ask if buy else bid
        skip = (intent.replaces, intent.client_order_id)
        strategy_id = intent.strategy_id
        for order in self._view.open_orders():
            if order.client_order_id in skip:
                continue
            if order.strategy_id == strategy_id:
                book.mine += 1
            if order.side is side:
                if order.symbol == symbol or _base(order.symbol) == base:
                    book.same_side += order.quantity - order.filled_qty
            elif (
                book.crossed is None
                and order.symbol == symbol
                and order.venue == venue
                and order.price is not None
                and (price is None or (price >= order.price if buy else price <= order.price))
            ):
                book.crossed = order
        return book

    def _reducing(self, intent: _Intent, base: str, pending: Decimal) -> str | None:
        held = self._net_position(base)
        if held == 0 or (held > 0) == (intent.side is OrderSide.BUY):
            return f"a {intent.side.name} does not reduce the {base} position {held}"
        # other open orders on the same side reduce it too: together they may not flip it
        if pending + intent.quantity > abs(held):
            return (
                f"{intent.side.name} {intent.quantity} with {pending} already open would flip"
                f" the {base} position {held}"
            )
        return None

    def _net_position(self, base: str) -> Decimal:
        held = _ZERO
        for position in self._view.positions():
            if _base(position.symbol) == base:
                held += position.quantity
        return held

    def _window(self, strategy_id: str) -> deque[int]:
        admitted = self._admitted.get(strategy_id)
        if admitted is None:
            admitted = self._admitted[strategy_id] = deque()
        horizon = self._clock.now_ns() - self.limits.rate_window_ms * 1_000_000
        while admitted and admitted[0] <= horizon:
            admitted.popleft()
        return admitted

    def _recent(self, strategy_id: str) -> int:
        return len(self._window(strategy_id))

    def _admit(self, strategy_id: str) -> None:
        if self.limits.max_orders_per_window is not None:
            self._window(strategy_id).append(self._clock.now_ns())

    def _breach(self, strategy_id: str, refusal: Refusal) -> None:
        count = self._breaches.get(strategy_id, 0) + 1
        self._breaches[strategy_id] = count
        if count >= self.limits.breaches_to_halt:
            target = TradingState.HALTED
        else:
            target = TradingState.REDUCING
        if _RANK[target] > _RANK[self.state(Scope.STRATEGY, strategy_id)]:
            self.set_state(
                Scope.STRATEGY,
                strategy_id,
                target,
                f"breach {count} of {self.limits.breaches_to_halt}: {refusal}",
            )


@dataclass(slots=True)
class _Book:
    mine: int = 0  # open orders of the strategy
    same_side: Decimal = _ZERO  # open quantity on the new order's side, in its base asset
    crossed: Order | None = None  # our resting order the new one would trade with


def _label(scope: Scope, intent: _Intent) -> str:
    if scope is Scope.GLOBAL:
        return "global"
    return f"venue {intent.venue}" if scope is Scope.VENUE else f"strategy {intent.strategy_id}"


@functools.lru_cache(maxsize=4096)
def _base(symbol: str) -> str:
    return parse_symbol(symbol)[0]
