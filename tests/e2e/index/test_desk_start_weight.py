"""A desk (re)starting when the venue already counts much request weight this minute must use the
venue's declared budget (the simulator declares 6000/min), not the 1200/min placeholder its rate
limiter starts with: otherwise each restart soon after another waits for the next minute.

Found by the kill -9 test: the third restart within a minute stalled ~30 s in
``rate_limit_wait weight=20`` (ExecutionEngine.start acquiring the exchangeInfo weight) because
the runtime's own exchangeInfo call had raised the limiter's count to the venue's figure while
its budget was still 1200 x 90 % (fixed: the runtime adopts ``adapter.rate_limits`` at once).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import requests
import structlog

from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAccount
from .conftest import desk_config, venue_settings

pytestmark = [pytest.mark.e2e]

_BURN_CALLS = 5  # x weight 250 (depth limit 5000) = 1250: above 1200 x 90 %, far below 6000


def _burn_request_weight(sim: SimEndpoints) -> None:
    """Spend 1250 request weight of this IP in the venue's current minute window, early enough
    in the window that the desk's start happens inside it."""
    if time.time() % 60 > 50:  # the desk's start takes a few seconds: no window change inside
        time.sleep(60.2 - time.time() % 60)
    for _ in range(_BURN_CALLS):
        response = requests.get(
            f"{sim.rest_url}/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 5000}, timeout=10
        )
        response.raise_for_status()


async def test_desk_start_spends_within_the_venues_declared_weight_budget(
    sim: SimEndpoints, account: SimAccount, tmp_path: Path
) -> None:
    _burn_request_weight(sim)
    runtime = IndexDeskRuntime(
        desk_config(tmp_path), venue_settings(sim, account.api_key, account.api_secret)
    )
    with structlog.testing.capture_logs() as logs:
        starting = asyncio.create_task(runtime.start())
        try:
            # whichever comes first: the start finishing, or the limiter deciding to wait
            while not starting.done():
                if any(entry["event"] == "rate_limit_wait" for entry in logs):
                    break
                await asyncio.sleep(0.01)
        finally:
            if not starting.done():
                starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            await runtime.stop()
    waits = [entry for entry in logs if entry["event"] == "rate_limit_wait"]
    assert waits == [], waits
    assert starting.exception() is None
