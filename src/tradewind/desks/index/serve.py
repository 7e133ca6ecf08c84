"""``tradewind serve``: run the index desk (gateway, REST, solver) until interrupted.

Venue settings come from the [venue] section or ``TRADEWIND_VENUE__*`` (keys never logged).
Prints ``READY url=... ws=...`` on stdout once the gateway listens, so a parent process (tests,
scripts) knows where to connect.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tradewind.common.config import ConfigError, TradewindConfig
from tradewind.common.logging import get_logger
from tradewind.desks.index.runtime import LOCAL_DEPOSIT_TOKEN_ENV, IndexDeskRuntime
from tradewind.node.venue_factory import VenueSettings

__all__ = ["serve_desk", "venue_settings_of"]

log = get_logger("desks.index.serve")


def venue_settings_of(config: TradewindConfig) -> VenueSettings:
    """The desk's venue from [venue]; ConfigError naming what is missing."""
    venue = config.venue
    missing = [
        name for name in ("rest_url", "ws_url", "api_key", "api_secret") if not getattr(venue, name)
    ]
    if missing:
        raise ConfigError(
            "the index desk needs [venue] "
            + ", ".join(missing)
            + " (or TRADEWIND_VENUE__"
            + missing[0].upper()
            + ")"
        )
    return VenueSettings(
        name=venue.name,
        rest_url=str(venue.rest_url),
        ws_url=str(venue.ws_url),
        api_key=str(venue.api_key),
        api_secret=str(venue.api_secret),
    )


async def serve_desk(config: TradewindConfig) -> None:
    """Start the desk, announce READY, run until SIGINT/SIGTERM, stop cleanly."""
    if config.desk.local_deposits and not os.environ.get(LOCAL_DEPOSIT_TOKEN_ENV):
        raise ConfigError(
            f"[desk] local_deposits needs a token in {LOCAL_DEPOSIT_TOKEN_ENV} (clients send it "
            "as 'Authorization: Bearer <token>')"
        )
    runtime = IndexDeskRuntime(config.desk, venue_settings_of(config), chain=config.chain)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    try:
        print(f"READY url={runtime.url} ws={runtime.ws_url}", flush=True)
        await stop.wait()
    finally:
        await runtime.stop()
    log.info("index_desk_stopped")
    sys.stdout.flush()
