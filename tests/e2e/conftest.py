"""Fixtures for end-to-end tests: a real ``tradewind sim`` process and fresh accounts on it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints, SimProcess

_account_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class SimAccount:
    """An account created on the running simulator through its admin API."""

    account_id: str
    api_key: str
    api_secret: str


class SimAdmin:
    """Calls the simulator's admin API (``/admin/v1``)."""

    def __init__(self, endpoints: SimEndpoints) -> None:
        self.endpoints = endpoints
        self._http = requests.Session()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._http.post(
            f"{self.endpoints.rest_url}/admin/v1{path}", json=body, timeout=10
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def get(self, path: str) -> dict[str, Any]:
        response = self._http.get(f"{self.endpoints.rest_url}/admin/v1{path}", timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def create_account(self, balances: dict[str, str], **extra: Any) -> SimAccount:
        account_id = f"t{next(_account_ids)}-{id(self) % 10_000}"
        body = {"account_id": account_id, "balances": balances, **extra}
        created = self.post("/accounts", body)
        return SimAccount(created["account_id"], created["apiKey"], created["secretKey"])


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoints]:
    database: Path = tmp_path_factory.mktemp("sim") / "sim.sqlite"
    with SimProcess(database=database, admin=True, market=True) as endpoints:
        yield endpoints


@pytest.fixture(scope="module")
def admin(sim: SimEndpoints) -> SimAdmin:
    return SimAdmin(sim)


@pytest.fixture
def account(admin: SimAdmin) -> SimAccount:
    return admin.create_account({"USDT": "100000", "BTC": "2", "ETH": "20"})
