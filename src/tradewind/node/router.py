"""ExecutionRouter: one ExecutionEngine per venue behind one command entry point.

    SubmitOrder / CancelOrder / CancelAllOrders / ModifyOrder (venue, symbol)
        ─▶ the engine of ``command.venue`` ─▶ its adapter ─▶ that venue

A command the router cannot place (no engine for the venue, a symbol the venue does not list)
becomes an ``OrderRejected`` event on the bus carrying the reason, and changes no state: no
engine sees it, nothing is stored. A cancel of an order no engine knows becomes an
``OrderCancelRejected``.
"""

from __future__ import annotations

from collections.abc import Iterator

from tradewind.bus.interface import MessageBus
from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.events import OrderCancelRejected, OrderRejected
from tradewind.core.orders import Order
from tradewind.execution.engine import ExecutionEngine
from tradewind.oms.order_tracker import UnknownOrder

__all__ = ["ExecutionRouter"]

log = get_logger("node.router")


class ExecutionRouter:
    """Routes commands to the engine of their venue; venues named as configured ("sim-b")."""

    def __init__(self, bus: MessageBus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock
        self._engines: dict[str, ExecutionEngine] = {}

    def add(self, engine: ExecutionEngine) -> None:
        """Route ``engine.venue``'s commands to ``engine``; a venue has one engine."""
        if engine.venue in self._engines:
            raise ValueError(f"venue {engine.venue!r} already has an engine")
        self._engines[engine.venue] = engine

    def engine(self, venue: str) -> ExecutionEngine | None:
        """The engine of ``venue``, or None."""
        return self._engines.get(venue)

    @property
    def venues(self) -> tuple[str, ...]:
        return tuple(self._engines)

    def __iter__(self) -> Iterator[ExecutionEngine]:
        return iter(self._engines.values())

    def find_order(self, client_order_id: str) -> Order | None:
        """The order ``client_order_id`` on whichever venue holds it."""
        for engine in self._engines.values():
            order = engine.tracker.get(client_order_id)
            if order is not None:
                return order
        return None

    def _unroutable(self, venue: str, symbol: str) -> str | None:
        engine = self._engines.get(venue)
        if engine is None:
            return f"no venue {venue!r} on this node (venues: {', '.join(self._engines) or '-'})"
        if symbol not in engine.instruments:
            return f"venue {venue!r} lists no instrument {symbol!r}"
        return None

    async def reject(self, client_order_id: str, venue: str, symbol: str, reason: str) -> None:
        """Publish an ``OrderRejected`` for an order no engine saw (router or risk refusal)."""
        log.warning("command_rejected", client_order_id=client_order_id, reason=reason)
        now = self._clock.now_ns()
        await self._bus.publish(
            OrderRejected(
                client_order_id=client_order_id,
                venue=venue,
                symbol=symbol,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )

    async def submit(self, command: SubmitOrder) -> Order | None:
        """Place the order on its venue; None when refused (an OrderRejected says why)."""
        reason = self._unroutable(command.venue, command.symbol)
        if reason is not None:
            await self.reject(command.client_order_id, command.venue, command.symbol, reason)
            return None
        return await self._engines[command.venue].submit(command)

    async def cancel(self, command: CancelOrder) -> Order | None:
        """Cancel one order; None (and an OrderCancelRejected) when no engine knows it."""
        engine = self._engines.get(command.venue)
        try:
            if engine is None:
                raise UnknownOrder(command.client_order_id)
            return await engine.cancel(command)
        except UnknownOrder:
            reason = f"no order {command.client_order_id!r} on venue {command.venue!r}"
            log.warning("cancel_rejected", client_order_id=command.client_order_id, reason=reason)
            now = self._clock.now_ns()
            await self._bus.publish(
                OrderCancelRejected(
                    client_order_id=command.client_order_id,
                    venue=command.venue,
                    symbol=command.symbol,
                    reason=reason,
                    ts_event=now,
                    ts_init=now,
                )
            )
            return None

    async def cancel_all(self, command: CancelAllOrders) -> tuple[Order, ...]:
        """Cancel every open order of the symbol on the venue; () for an unknown one (logged)."""
        reason = self._unroutable(command.venue, command.symbol)
        if reason is not None:
            log.warning("cancel_all_rejected", venue=command.venue, reason=reason)
            return ()
        return await self._engines[command.venue].cancel_all(command)

    async def modify(self, command: ModifyOrder) -> Order | None:
        """Cancel-replace (tradewind.execution.engine.ExecutionEngine.modify); a modify that
        cannot be routed or names an unknown order is rejected under the replacement's id."""
        reason = self._unroutable(command.venue, command.symbol)
        engine = self._engines.get(command.venue)
        if reason is None and engine is not None:
            try:
                return await engine.modify(command)
            except UnknownOrder:
                reason = f"no order {command.client_order_id!r} on venue {command.venue!r}"
        assert reason is not None
        await self.reject(command.new_client_order_id, command.venue, command.symbol, reason)
        return None
