"""A local book kept from the diff stream by Binance's documented procedure equals a fresh REST
snapshot at random instants during a 60 s run with an active market."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import pytest

from tradewind.venues.sim.clients import binance_sdk
from tradewind.venues.sim.process import SimEndpoints

from .sdk_support import as_dict, rest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SYMBOL = "ETHUSDT"
RUN_SECONDS = 60
# 100 levels weigh 5, so ~2 snapshots a second stay far inside 6000 weight a minute; the
# simulated books hold fewer levels than that, so the whole book is compared.
DEPTH = 100


class LocalBook:
    """Binance's procedure: buffer diffs, apply a snapshot, drop u <= lastUpdateId, require the
    first applied event to straddle lastUpdateId + 1 and every later one to follow on."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.last_update_id: int | None = None
        self.buffer: list[dict[str, Any]] = []
        # Book state after each applied event, by its final update id.
        self.history: dict[int, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]] = {}
        self.gaps = 0

    def on_diff(self, event: dict[str, Any]) -> None:
        if self.last_update_id is None:
            self.buffer.append(event)
            return
        self._apply(event)

    def load_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.bids = {Decimal(p): Decimal(q) for p, q in snapshot["bids"]}
        self.asks = {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}
        self.last_update_id = snapshot["lastUpdateId"]
        self.first = True
        for event in self.buffer:
            self._apply(event)
        self.buffer.clear()

    def _apply(self, event: dict[str, Any]) -> None:
        assert self.last_update_id is not None
        first_id, final_id = event["U"], event["u"]
        if final_id <= self.last_update_id:
            return
        if self.first:
            assert first_id <= self.last_update_id + 1 <= final_id, (event, self.last_update_id)
            self.first = False
        elif first_id != self.last_update_id + 1:
            self.gaps += 1
            raise AssertionError(f"gap: expected U={self.last_update_id + 1}, got {first_id}")
        for side, levels in ((self.bids, event["b"]), (self.asks, event["a"])):
            for price, qty in levels:
                if Decimal(qty) == 0:
                    side.pop(Decimal(price), None)
                else:
                    side[Decimal(price)] = Decimal(qty)
        self.last_update_id = final_id
        self.history[final_id] = (dict(self.bids), dict(self.asks))
        if len(self.history) > 400:
            del self.history[min(self.history)]


def top(levels: dict[Decimal, Decimal], n: int, reverse: bool) -> list[tuple[Decimal, Decimal]]:
    return sorted(levels.items(), reverse=reverse)[:n]


async def test_local_book_equals_rest_snapshots(sim: SimEndpoints) -> None:
    client = binance_sdk(sim.rest_url, sim.ws_url, sim.api_key, sim.api_secret)
    book = LocalBook()
    streams = await client.websocket_streams.create_connection()
    handle = await streams.diff_book_depth(symbol=SYMBOL.lower(), update_speed="100ms")
    handle.on("message", lambda m: book.on_diff(as_dict(m)))
    await asyncio.sleep(0.3)
    book.load_snapshot(await rest(client, "depth", symbol=SYMBOL, limit=DEPTH))

    rng = random.Random(20261123)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RUN_SECONDS
    compared = 0
    attempts = 0
    updates_seen = set()
    while loop.time() < deadline:
        await asyncio.sleep(rng.uniform(0.05, 0.6))
        attempts += 1
        snapshot = await rest(client, "depth", symbol=SYMBOL, limit=DEPTH)
        target = snapshot["lastUpdateId"]
        # Wait for the stream to reach the snapshot's update id (it flushes every 100 ms).
        for _ in range(40):
            if book.last_update_id is not None and book.last_update_id >= target:
                break
            await asyncio.sleep(0.05)
        state = book.history.get(target)
        if state is None:
            # The snapshot fell inside a 100 ms batch; only batch boundaries are comparable.
            continue
        bids, asks = state
        assert top(bids, DEPTH, True) == [(Decimal(p), Decimal(q)) for p, q in snapshot["bids"]]
        assert top(asks, DEPTH, False) == [(Decimal(p), Decimal(q)) for p, q in snapshot["asks"]]
        compared += 1
        updates_seen.add(target)
    await streams.close_connection(close_session=True)
    assert book.gaps == 0
    # The market moved (many distinct update ids) and enough instants were comparable.
    assert len(updates_seen) >= 10, (compared, attempts)
