"""Build a venue adapter from plain settings (URLs and keys), for the CLI and child processes.

``kind`` picks the implementation: "binance" (official SDK) or "ccxt" (ccxt.pro binance). Keys
never reach a log line from here. URLs are taken as a person pastes them: the REST base may end
in ``/api/v3`` and the WebSocket base in ``/ws`` or ``/stream`` (what ``tradewind sim`` prints);
both adapters want the bare host.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tradewind.core.clock import TimerClock
from tradewind.oms.rate_limiter import RateLimiter
from tradewind.venues.base import VenueAdapter

__all__ = ["VenueSettings", "base_urls", "open_venue", "settings_from_env"]

_REST_SUFFIXES = ("/api/v3", "/api")
_WS_SUFFIXES = ("/ws-api/v3", "/stream", "/ws")


def base_urls(rest_url: str, ws_url: str) -> tuple[str, str]:
    """The bare REST and WebSocket bases of a Binance-shaped venue from pasted URLs."""
    return _strip(rest_url, _REST_SUFFIXES), _strip(ws_url, _WS_SUFFIXES)


def _strip(url: str, suffixes: tuple[str, ...]) -> str:
    url = url.strip().rstrip("/")
    for suffix in suffixes:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueSettings:
    """Where a venue listens and the account's key pair."""

    name: str
    rest_url: str
    ws_url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)


def settings_from_env(name: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``TRADEWIND_VENUE__REST_URL`` / ``__WS_URL`` / ``__API_KEY`` / ``__API_SECRET`` present."""
    environ = os.environ if environ is None else environ
    keys = ("rest_url", "ws_url", "api_key", "api_secret")
    return {
        key: environ[f"TRADEWIND_VENUE__{key.upper()}"]
        for key in keys
        if environ.get(f"TRADEWIND_VENUE__{key.upper()}")
    }


def open_venue(
    kind: str,
    settings: VenueSettings,
    *,
    limiter: RateLimiter | None,
    clock: TimerClock | None = None,
) -> VenueAdapter:
    """An adapter of ``kind`` ("binance" or "ccxt") for ``settings``; not yet connected."""
    rest_url, ws_url = base_urls(settings.rest_url, settings.ws_url)
    if kind == "binance":
        from tradewind.venues.binance import BinanceAdapter, BinanceConfig

        config = BinanceConfig(
            venue=settings.name,
            rest_url=rest_url,
            ws_url=ws_url,
            api_key=settings.api_key,
            api_secret=settings.api_secret,
        )
        return BinanceAdapter(config, rate_limiter=limiter, clock=clock)
    if kind == "ccxt":
        from tradewind.venues.ccxt import CcxtAdapter

        return CcxtAdapter.for_binance(
            name=settings.name,
            rest_url=rest_url,
            ws_url=ws_url,
            api_key=settings.api_key,
            api_secret=settings.api_secret,
            limiter=limiter,
            clock=clock,
        )
    raise ValueError(f"unknown venue adapter kind {kind!r} (binance or ccxt)")
