"""Invoice settlements run in the background: one task per invoice, node trouble retried.

    SettlementTasks.spawn(key, work)   start ``work`` unless a task of ``key`` is running
                 .wait(key) / .drain() / .stop()

The desk tells its invoice listeners under its journal lock, so a listener must return at once:
the mint, burn or payout runs in a task. A transient failure (node unreachable, refused for the
moment, fees above the cap) is retried with exponential backoff until it succeeds or the tasks
are stopped; any other failure ends the task with one ``chain.settlement_failed`` log line (the
desk's ``resume`` after a restart tries again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import aiohttp
from web3.exceptions import ProviderConnectionError, TimeExhausted, Web3RPCError

from tradewind.chain.tx import FeeCapExceededError, TransactionRejected
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.desks.index.capital import CapitalMovePending
from tradewind.desks.index.minting.errors import InvalidSettlementConfigError

__all__ = ["TRANSIENT", "SettlementTasks"]

log = get_logger("chain.minting")

T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    TimeoutError,
    OSError,
    Web3RPCError,
    ProviderConnectionError,
    TimeExhausted,
    TransactionRejected,
    FeeCapExceededError,
    CapitalMovePending,  # custody waits for approvals: the retry sends it once they are in
)
"""Failures worth waiting out: the node or the fee market, not the invoice."""


class SettlementTasks(Generic[T]):
    """Background tasks keyed by invoice id; ``retry_delay_s`` doubles per failure up to
    ``max_retry_delay_s`` (seconds)."""

    def __init__(
        self,
        *,
        action: str,
        retry_delay_s: float = 0.5,
        max_retry_delay_s: float = 10.0,
        clock: TimerClock | None = None,
    ) -> None:
        self._clock = clock or LiveClock()
        if not retry_delay_s > 0 or not max_retry_delay_s >= retry_delay_s:
            raise InvalidSettlementConfigError(
                "retry delays must satisfy 0 < retry_delay_s <= max_retry_delay_s"
            )
        self._action = action
        self._delay_s = retry_delay_s
        self._max_delay_s = max_retry_delay_s
        self._tasks: dict[str, asyncio.Task[T | None]] = {}

    @property
    def active(self) -> list[str]:
        """Keys whose task is still running."""
        return [key for key, task in self._tasks.items() if not task.done()]

    def spawn(self, key: str, work: Callable[[], Awaitable[T | None]]) -> bool:
        """Run ``work`` in a task unless one of ``key`` is running; whether one was started."""
        current = self._tasks.get(key)
        if current is not None and not current.done():
            return False
        self._tasks[key] = asyncio.get_running_loop().create_task(
            self._run(key, work), name=f"{self._action}:{key}"
        )
        return True

    async def wait(self, key: str) -> T | None:
        """The result of ``key``'s latest task (None: it failed, see the log)."""
        return await asyncio.shield(self._tasks[key])

    async def drain(self) -> None:
        """Wait until every task started so far has ended."""
        while pending := [task for task in self._tasks.values() if not task.done()]:
            await asyncio.wait(pending)

    async def stop(self) -> None:
        """Cancel every task (a transaction already handed to the node stays with it)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _run(self, key: str, work: Callable[[], Awaitable[T | None]]) -> T | None:
        delay = self._delay_s
        while True:
            try:
                return await work()
            except TRANSIENT as exc:
                log.warning(
                    "chain.settlement_retry",
                    action=self._action,
                    invoice_id=key,
                    retry_in_s=delay,
                    error=f"{type(exc).__name__}: {exc}",
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The end of a background task: nobody awaits it but the log (and resume).
                log.error(
                    "chain.settlement_failed",
                    action=self._action,
                    invoice_id=key,
                    error=f"{type(exc).__name__}: {exc}",
                )
                return None
            await self._clock.sleep(seconds_to_ns(delay))
            delay = min(delay * 2, self._max_delay_s)
