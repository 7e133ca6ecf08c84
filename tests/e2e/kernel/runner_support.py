"""Drive ``tradewind.app.soak_runner`` child processes and read the venue's own records."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from tradewind.venues.binance.streams import plain_payload
from tradewind.venues.sim.clients import binance_sdk
from tradewind.venues.sim.process import SimEndpoints


def runner_args(
    sim: SimEndpoints, api_key: str, api_secret: str, db_url: str, *extra: str
) -> list[str]:
    return [
        sys.executable, "-m", "tradewind.app.soak_runner",
        "--rest-url", sim.rest_url, "--ws-url", sim.ws_url,
        "--api-key", api_key, "--api-secret", api_secret,
        "--db", db_url, *extra,
    ]  # fmt: skip


def start_runner(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=None, text=True, cwd=cwd)


def read_until(proc: subprocess.Popen[str], event: str, done: int = 0) -> dict[str, Any]:
    """Read JSON lines until ``event`` (with ``done`` >= the given count for progress)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        message: dict[str, Any] = json.loads(line)
        if message["event"] == event and message.get("done", 0) >= done:
            return message
    raise AssertionError(f"runner exited ({proc.wait()}) before {event}")


def mid_price(sim: SimEndpoints, symbol: str = "BTCUSDT") -> Decimal:
    book = requests.get(
        f"{sim.rest_url}/api/v3/depth", params={"symbol": symbol, "limit": 5}, timeout=10
    ).json()
    return (Decimal(book["bids"][0][0]) + Decimal(book["asks"][0][0])) / 2


class VenueTruth:
    """The account as the venue itself reports it, through the official SDK."""

    def __init__(self, sim: SimEndpoints, api_key: str, api_secret: str) -> None:
        self._client = binance_sdk(sim.rest_url, sim.ws_url, api_key, api_secret)

    def _call(self, method: str, **kwargs: Any) -> Any:
        return plain_payload(getattr(self._client.rest_api, method)(**kwargs).data())

    def trades(self, symbol: str = "BTCUSDT") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        from_id = 0
        while True:
            page = self._call("my_trades", symbol=symbol, from_id=from_id, limit=1000)
            found.extend(page)
            if len(page) < 1000:
                return found
            from_id = page[-1]["id"] + 1

    def orders(self, symbol: str = "BTCUSDT") -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("all_orders", symbol=symbol, limit=1000)
        return result

    def open_orders(self, symbol: str = "BTCUSDT") -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("get_open_orders", symbol=symbol)
        return result

    def balances(self) -> dict[str, Decimal]:
        account = self._call("get_account")
        return {
            b["asset"]: Decimal(b["free"]) + Decimal(b["locked"])
            for b in account["balances"]
            if Decimal(b["free"]) + Decimal(b["locked"]) != 0
        }
