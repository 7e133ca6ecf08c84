"""A priority queue in front of a RateLimiter: when the budget is short, urgent calls go first.

Calls wait in (priority, arrival) order for their turn at the limiter; once a call's budget is
granted the next one may queue at the limiter while the first runs, so calls still overlap.
A call already waiting at the limiter is not overtaken by one that arrives later.

    Priority.CRITICAL  cancels and risk actions: must not wait behind new orders
    Priority.HIGH      new orders
    Priority.NORMAL    queries
    Priority.LOW       snapshots, housekeeping
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, TypeVar

from tradewind.oms.rate_limiter import RateLimiter

__all__ = ["Priority", "PriorityRequestQueue", "QueuedCall"]

T = TypeVar("T")


class Priority(IntEnum):
    """Lower value goes first."""

    CRITICAL = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3


@dataclass(frozen=True, slots=True)
class QueuedCall(Generic[T]):
    """One call for a batch: ``call`` costs ``weight`` request weight and ``orders`` orders."""

    call: Callable[[], Awaitable[T]]
    weight: int = 1
    orders: int = 0
    priority: Priority = Priority.NORMAL


@dataclass(order=True, slots=True)
class _Ticket:
    priority: int
    sequence: int
    turn: asyncio.Event = field(compare=False)
    abandoned: bool = field(default=False, compare=False)


class PriorityRequestQueue:
    """Orders calls by priority before they spend budget at ``limiter``."""

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter
        self._heap: list[_Ticket] = []
        self._sequence = itertools.count()
        self._busy = False

    @property
    def waiting(self) -> int:
        """Calls queued for their turn (not counting the one at the limiter)."""
        return sum(1 for ticket in self._heap if not ticket.abandoned)

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        weight: int = 1,
        orders: int = 0,
        priority: Priority = Priority.NORMAL,
    ) -> T:
        """Wait for this call's turn and budget, then run it and return its result."""
        ticket = self._enqueue(priority)
        self._hand_over()
        return await self._run_ticket(ticket, call, weight, orders)

    async def run_batch(self, calls: Sequence[QueuedCall[T]]) -> list[T | BaseException]:
        """Queue every call before any runs, then gather; results (or errors) in input order."""
        tickets = [self._enqueue(item.priority) for item in calls]
        self._hand_over()
        return await asyncio.gather(
            *(
                self._run_ticket(ticket, item.call, item.weight, item.orders)
                for ticket, item in zip(tickets, calls, strict=True)
            ),
            return_exceptions=True,
        )

    def _enqueue(self, priority: Priority) -> _Ticket:
        ticket = _Ticket(int(priority), next(self._sequence), asyncio.Event())
        heapq.heappush(self._heap, ticket)
        return ticket

    async def _run_ticket(
        self, ticket: _Ticket, call: Callable[[], Awaitable[T]], weight: int, orders: int
    ) -> T:
        try:
            await ticket.turn.wait()
        except BaseException:
            ticket.abandoned = True
            if ticket.turn.is_set():  # our turn came as we were cancelled: pass it on
                self._busy = False
                self._hand_over()
            raise
        try:
            await self._limiter.acquire(weight, orders)
        finally:
            self._busy = False
            self._hand_over()
        return await call()

    def _hand_over(self) -> None:
        if self._busy:
            return
        while self._heap:
            ticket = heapq.heappop(self._heap)
            if ticket.abandoned:
                continue
            self._busy = True
            ticket.turn.set()
            return
