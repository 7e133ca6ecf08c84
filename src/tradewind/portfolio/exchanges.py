"""Async CCXT exchanges for sync, prices and reconciliation, built from an id and options.

API keys are read from environment variables whose NAMES the caller gives (never from the
command line, never logged). `url` points every REST endpoint of the exchange at another host,
e.g. `tradewind sim`, which speaks Binance's Spot API.
"""

from __future__ import annotations

import os
from typing import Any

from tradewind.node.venue_factory import base_urls

__all__ = ["ExchangeSetupError", "open_exchange"]


class ExchangeSetupError(ValueError):
    """An unknown exchange id or a missing credential variable."""


def open_exchange(
    exchange_id: str,
    *,
    url: str | None = None,
    api_key_env: str | None = None,
    secret_env: str | None = None,
) -> Any:
    """A `ccxt.async_support` exchange with rate limiting on; close it with `await x.close()`."""
    import ccxt.async_support as ccxt_async

    cls = getattr(ccxt_async, exchange_id, None)
    if cls is None or not isinstance(cls, type):
        raise ExchangeSetupError(f"unknown CCXT exchange {exchange_id!r}")
    options: dict[str, Any] = {"enableRateLimit": True}
    for field, variable in (("apiKey", api_key_env), ("secret", secret_env)):
        if variable:
            value = os.environ.get(variable)
            if not value:
                raise ExchangeSetupError(f"environment variable {variable} is not set")
            options[field] = value
    if url and exchange_id == "binance":
        # a --url Binance is `tradewind sim` or another spot-only stand-in: no futures or
        # margin hosts behind it, so CCXT must not ask for their markets
        options["options"] = {
            "fetchMarkets": {"types": ["spot"]},
            "fetchMargins": False,
            "defaultType": "spot",
        }
    exchange = cls(options)
    if url:
        # the URL as `tradewind sim` prints it (.../api/v3) or bare
        base = base_urls(url, "")[0]
        api = exchange.urls.get("api")
        if isinstance(api, dict):
            exchange.urls["api"] = {
                name: _rebase(str(endpoint), base) for name, endpoint in api.items()
            }
        else:
            exchange.urls["api"] = base
    return exchange


def _rebase(endpoint: str, base: str) -> str:
    # Keep the path (e.g. /api/v3) and swap scheme and host.
    scheme_split = endpoint.split("://", 1)
    if len(scheme_split) != 2:
        return base
    path = scheme_split[1].split("/", 1)
    return base + ("/" + path[1] if len(path) == 2 else "")
