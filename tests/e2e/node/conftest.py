"""A second ``tradewind sim`` process (venue "sim-b") beside the e2e ``sim`` fixture, and node
configs that trade accounts on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tradewind.node import NodeConfig, load_node_config
from tradewind.venues.sim.process import SimEndpoints, SimProcess

from ..conftest import SimAccount


@pytest.fixture(scope="module")
def sim_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoints]:
    database: Path = tmp_path_factory.mktemp("sim-b") / "sim.sqlite"
    with SimProcess(database=database, admin=True, market=True, seed=11) as endpoints:
        yield endpoints


def venue_table(kind: str, sim: SimEndpoints, account: SimAccount) -> dict[str, Any]:
    return {
        "kind": kind,
        "rest_url": sim.rest_url,
        "ws_url": sim.ws_url,
        "api_key": account.api_key,
        "api_secret": account.api_secret,
    }


def node_config(database: str, venues: dict[str, dict[str, Any]], **node: Any) -> NodeConfig:
    return load_node_config({"node": {"database": database, **node}, "venues": venues}, environ={})
