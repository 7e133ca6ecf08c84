"""The local Chainlink feeds follow a running sim exchange's mids, with faults per token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradewind.app.cli import app
from tradewind.app.feeders import Feeders, feed_routes
from tradewind.chain.deploy import LocalChains
from tradewind.chain.feeds import FeedFault, FeedReader
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import TransactionManager
from tradewind.venues.sim.mids import SimMids
from tradewind.venues.sim.process import SimEndpoints, SimProcess


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoints]:
    process = SimProcess(database=tmp_path_factory.mktemp("sim") / "sim.sqlite")
    endpoints = process.start()
    try:
        yield endpoints
    finally:
        process.stop()


async def test_feeds_follow_the_sim_and_a_stale_fault_stops_one(
    chains: LocalChains, chain_client: Any, sim: SimEndpoints
) -> None:
    chain = chains.registry.chain("arbitrum")
    routes = feed_routes(chain)
    assert {(r.token, r.sim_symbol) for r in routes} >= {("WETH", "ETHUSDT"), ("WBTC", "BTCUSDT")}
    w3 = chain_client.w3("arbitrum")
    key = HotKey.from_private_key(chains.users[1].private_key, source="anvil-dev")
    tx = TransactionManager(w3, key, chain_id=chain.chain_id, poll_interval_s=0.02)
    async with SimMids(sim.rest_url) as mids:
        feeders = Feeders(w3, tx, routes, mids, faults={"WBTC": FeedFault.STALE})
        now = int(time.time()) + 10
        sent = await feeders.step(now)
        eth_mid = await mids.mid("ETHUSDT")
    assert sent["WBTC"] is None and sent["WETH"] is not None
    weth = await FeedReader(w3, chain.address("MockV3Aggregator:WETHUSD")).latest()
    assert weth.updated_at_ns == now * 1_000_000_000
    assert abs(weth.value - eth_mid) / eth_mid < Decimal("0.01")  # the sim moved a little since
    wbtc = await FeedReader(w3, chain.address("MockV3Aggregator:WBTCUSD")).latest()
    assert wbtc.updated_at_ns < now * 1_000_000_000  # still the deployment's round


def test_bad_feeder_options_exit_with_status_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["chain", "feeder", "--registry", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "chain up" in missing.output
