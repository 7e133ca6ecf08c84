"""Point unmodified third-party clients at a simulated exchange: the official Binance SDK and
``ccxt.binance`` (REST and, through ccxt.pro, WebSocket). Nothing in the clients is patched; only
their documented configuration (base URLs, options) changes."""

from __future__ import annotations

from typing import Any

import requests
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot


def binance_sdk(rest_url: str, ws_url: str, api_key: str, api_secret: str) -> Spot:
    """The official SDK with REST at ``rest_url`` and streams at ``ws_url`` (it appends /stream)."""
    return Spot(
        config_rest_api=ConfigurationRestAPI(
            api_key=api_key, api_secret=api_secret, base_path=rest_url, retries=0
        ),
        config_ws_streams=ConfigurationWebSocketStreams(stream_url=ws_url),
    )


def ccxt_binance_config(
    rest_url: str, ws_url: str, api_key: str, api_secret: str
) -> dict[str, Any]:
    """Constructor options for ``ccxt.binance`` / ``ccxt.pro.binance`` aimed at the simulator."""
    return {
        "apiKey": api_key,
        "secret": api_secret,
        "enableRateLimit": True,
        "options": {
            "fetchMarkets": {"types": ["spot"]},
            "fetchCurrencies": False,
            "fetchMargins": False,
            "defaultType": "spot",
        },
    }


def point_ccxt_at(exchange: Any, rest_url: str, ws_url: str) -> Any:
    """Rewrite a ccxt binance instance's ``urls['api']`` to the simulator; returns the instance."""
    api = dict(exchange.urls["api"])
    for key in ("public", "private", "v3"):
        api[key] = f"{rest_url}/api/v3"
    api["v1"] = f"{rest_url}/api/v1"
    for version in ("sapi", "sapiV2", "sapiV3", "sapiV4"):
        api[version] = f"{rest_url}/sapi/{version[-2:].lower() if version != 'sapi' else 'v1'}"
    ws = dict(api.get("ws", {}))
    ws["spot"] = f"{ws_url}/ws"
    ws["margin"] = f"{ws_url}/ws"
    ws_api = dict(ws.get("ws-api", {}))
    ws_api["spot"] = f"{ws_url}/ws-api/v3"
    ws["ws-api"] = ws_api
    api["ws"] = ws
    exchange.urls["api"] = api
    return exchange


def create_listen_key(rest_url: str, api_key: str) -> str:
    """POST /api/v3/userDataStream. The SDK (13.x) dropped this call and its generic
    ``send_request`` fails (``send_request[T]`` on a plain function), so this one is plain HTTP;
    the stream itself is then read through the SDK's ``user_data(listenKey)``."""
    response = requests.post(
        f"{rest_url}/api/v3/userDataStream", headers={"X-MBX-APIKEY": api_key}, timeout=10
    )
    response.raise_for_status()
    listen_key: str = response.json()["listenKey"]
    return listen_key
