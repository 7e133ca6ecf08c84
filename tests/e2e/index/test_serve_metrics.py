"""``tradewind serve``'s /metrics, from the index desk runtime against a ``tradewind sim``
process: one scrape holds the gateway's, the node's and the desk's series; it is not in the
OpenAPI document (it is Prometheus text, not the JSON API)."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tradewind.desks.index.runtime import IndexDeskRuntime

pytestmark = [pytest.mark.e2e]


async def test_serve_exposes_gateway_node_and_desk_metrics_in_one_scrape(
    desk_runtime: IndexDeskRuntime,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{desk_runtime.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await response.text()
        async with http.get(f"{desk_runtime.url}/openapi.json") as response:
            assert "/metrics" not in (await response.json())["paths"]
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert {
        "tradewind_gateway_sessions",
        "tradewind_node_running",
        "tradewind_node_trading_state",
        "tradewind_index_orders",
        "tradewind_index_open_batches",
    } <= set(families)
    [running] = families["tradewind_node_running"].samples
    assert running.value == 1
    demo_symbols = {s.labels["symbol"] for s in families["tradewind_index_orders"].samples}
    assert demo_symbols  # every index of the desk, each status at zero before any order
    assert all(s.value == 0 for s in families["tradewind_index_orders"].samples)
