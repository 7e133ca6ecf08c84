"""LegRunner: a batch's venue orders sent through the kernel's ExecutionEngine, fills handed back.

The desk journals a batch (with each leg's deterministic client order id) before any leg is
sent, so after a kill -9 the runner can tell, leg by leg, whether the engine already knows the
order (it restored it and reconciles it with the venue) or whether it must be sent now. Sending
twice is impossible: the engine refuses a client order id it already tracks, and the venue
refuses a duplicate open id. Fills reach the desk exactly once because the desk journal keys
lots by venue trade id; the runner may therefore hand the same fill over more than once (stream,
reconciliation and the start-up sweep all look).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradewind.common.logging import get_logger
from tradewind.core.clock import seconds_to_ns
from tradewind.core.commands import SubmitOrder
from tradewind.core.enums import OrderSide, OrderType, TimeInForce
from tradewind.core.events import OrderEvent, OrderFilled
from tradewind.core.fills import Fill
from tradewind.execution.engine import ExecutionEngine
from tradewind.oms.client_ids import client_order_id

__all__ = ["LegOrder", "LegRunner", "leg_client_order_id"]

log = get_logger("desks.index.legs")

STRATEGY_ID = "index-desk"

FillSink = Callable[[str, Fill], Awaitable[None]]
"""Called with (batch_id, fill) for every fill of a leg; may be called twice for one fill."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LegOrder:
    """One venue order of a batch: a LIMIT IOC at ``limit_price`` (quote per base), base qty."""

    batch_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    limit_price: Decimal


def leg_client_order_id(
    *, venue: str, batch_id: str, symbol: str, side: OrderSide, quantity: Decimal, price: Decimal
) -> str:
    """The deterministic client order id of a batch leg (same batch and leg → same id)."""
    return client_order_id(
        strategy_id=STRATEGY_ID,
        intent_id=f"{batch_id}:{symbol}:{side.value}",
        venue=venue,
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=price,
        time_in_force=TimeInForce.IOC,
        prefix="ix",
    )


class LegRunner:
    """Runs legs on one ExecutionEngine; ``sink`` receives their fills tagged with the batch."""

    def __init__(self, engine: ExecutionEngine, sink: FillSink) -> None:
        self._engine = engine
        self._sink = sink
        self._batch_of: dict[str, str] = {}
        self._changed = asyncio.Event()
        engine.bus.subscribe(OrderFilled, self._on_fill)
        engine.bus.subscribe(OrderEvent, self._on_order_event)

    def track(self, legs: Iterable[LegOrder]) -> None:
        """Know these legs' ids (before start, so fills found by reconciliation are not lost)."""
        for leg in legs:
            self._batch_of[leg.client_order_id] = leg.batch_id

    async def send(self, legs: Iterable[LegOrder]) -> None:
        """Send every leg the engine does not know yet; known ones are left to reconciliation."""
        batch = list(legs)
        self.track(batch)
        for leg in batch:
            if self._engine.tracker.get(leg.client_order_id) is not None:
                continue
            order = await self._engine.submit(
                SubmitOrder(
                    strategy_id=STRATEGY_ID,
                    client_order_id=leg.client_order_id,
                    venue=self._engine.venue,
                    symbol=leg.symbol,
                    side=leg.side,
                    order_type=OrderType.LIMIT,
                    quantity=leg.quantity,
                    price=leg.limit_price,
                    time_in_force=TimeInForce.IOC,
                    ts_init=self._engine.clock.now_ns(),
                )
            )
            if order is None:
                log.warning("index_leg_refused", client_order_id=leg.client_order_id)
            self._changed.set()

    def is_done(self, legs: Iterable[LegOrder]) -> bool:
        """Whether every leg is terminal at the engine (refused by pre-trade counts as done)."""
        for leg in legs:
            order = self._engine.tracker.get(leg.client_order_id)
            if order is not None and order.status.is_open:
                return False
        return True

    async def wait_done(self, legs: Iterable[LegOrder], *, poll_s: float = 1.0) -> None:
        """Return once every leg is terminal; reconciles with the venue while waiting too long."""
        batch = list(legs)
        idle = 0.0
        clock = self._engine.clock
        while not self.is_done(batch):
            self._changed.clear()
            try:
                await clock.wait_for(self._changed.wait(), seconds_to_ns(poll_s))
                idle = 0.0
            except TimeoutError:
                idle += poll_s
                if idle >= 5 * poll_s:
                    # an IOC order closes at once; silence this long means a lost report
                    await self._engine.reconcile()
                    idle = 0.0

    async def sweep(self, client_order_ids: Iterable[str] | None = None) -> None:
        """Hand over every fill the engine holds for tracked legs (all, or these ids): after a
        restart, and after a batch, in case a fill reached the engine but not the bus."""
        wanted = list(self._batch_of) if client_order_ids is None else list(client_order_ids)
        for coid in wanted:
            batch_id = self._batch_of.get(coid)
            if batch_id is None:
                continue
            for fill in self._engine.ledger.fills_of(coid):
                await self._sink(batch_id, fill)

    def _on_order_event(self, event: OrderEvent) -> None:
        if event.client_order_id in self._batch_of:
            self._changed.set()

    async def _on_fill(self, event: OrderFilled) -> None:
        # the bus awaits this inside the engine's publish, so a fill is journaled before the
        # engine moves on to the next report
        batch_id = self._batch_of.get(event.client_order_id)
        if batch_id is not None:
            await self._sink(batch_id, event.fill)
