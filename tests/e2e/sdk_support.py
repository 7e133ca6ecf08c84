"""Small conveniences for driving the official Binance SDK from asyncio tests."""

from __future__ import annotations

import asyncio
from typing import Any

from tradewind.venues.binance.streams import event_kind, plain_payload

as_dict = plain_payload
__all__ = ["as_dict", "event_kind", "rest", "wait_for"]


async def rest(client: Any, method: str, **kwargs: Any) -> Any:
    """Call an SDK REST method off the event loop (the SDK uses blocking requests)."""

    def call() -> Any:
        return as_dict(getattr(client.rest_api, method)(**kwargs).data())

    return await asyncio.to_thread(call)


async def wait_for(predicate: Any, timeout_s: float = 10.0, interval_s: float = 0.05) -> None:
    """Poll ``predicate`` until true; fail with the predicate's name on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"timed out waiting for {getattr(predicate, '__name__', predicate)}"
            )
        await asyncio.sleep(interval_s)
