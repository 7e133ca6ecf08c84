"""A deliberately plain Binance REST client (requests + HMAC) for testing exact wire behaviour."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import requests

from tradewind.venues.sim.server.auth import sign_query


class RawBinance:
    """Sends exactly what it is told, signed or not, and returns the raw response."""

    def __init__(
        self, rest_url: str, api_key: str | None = None, api_secret: str | None = None
    ) -> None:
        self.rest_url = rest_url
        self.api_key = api_key
        self.api_secret = api_secret
        self.http = requests.Session()

    def public(self, method: str, path: str, **params: Any) -> requests.Response:
        return self.http.request(method, f"{self.rest_url}{path}", params=params, timeout=10)

    def signed(
        self,
        method: str,
        path: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        api_key: str | None = None,
        sign: bool = True,
        **params: Any,
    ) -> requests.Response:
        params["timestamp"] = timestamp if timestamp is not None else int(time.time() * 1000)
        query = urlencode(params)
        if sign:
            query += "&signature=" + sign_query(secret or self.api_secret or "", query)
        headers = {"X-MBX-APIKEY": api_key if api_key is not None else (self.api_key or "")}
        return self.http.request(
            method, f"{self.rest_url}{path}?{query}", headers=headers, timeout=10
        )
