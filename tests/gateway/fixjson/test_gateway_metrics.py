"""The gateway's /metrics on its REST app: open sessions, messages in and out by type, NAKs by
reason, after real FIX/JSON traffic over a real uvicorn server."""

from __future__ import annotations

import asyncio

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(url: str) -> Samples:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_gateway_metrics_count_sessions_messages_and_naks(gateway, keys) -> None:
    alice = await gateway.client()
    await gateway.client(keys.bob)
    await alice.new_index_order("o-1", "TW10", "buy", "1000")
    await alice.wait_for("NewIndexOrder")
    await alice.new_index_order("boom-1", "TW10", "buy", "1000")  # the desk raises: NAK internal
    await alice.wait_for("NAK")
    await alice.send_raw("not json")  # refused before parsing: NAK
    await alice.wait_for("NAK", lambda m: m.reason != "internal")

    samples = await _scrape(gateway.server.http_url)

    def get(metric: str, /, **labels: str) -> float:
        return samples[(metric, frozenset(labels.items()))]

    assert get("tradewind_gateway_sessions") == 2
    assert get("tradewind_gateway_messages_in_total", msg_type="NewIndexOrder") == 2
    assert get("tradewind_gateway_messages_out_total", msg_type="ACK") == 2
    assert get("tradewind_gateway_messages_out_total", msg_type="NewIndexOrder") == 1
    assert get("tradewind_gateway_messages_out_total", msg_type="NAK") == 2
    assert get("tradewind_gateway_naks_total", reason="internal") == 1
    assert sum(v for (n, _), v in samples.items() if n == "tradewind_gateway_naks_total") == 2

    await alice.close()
    gateway.clients.remove(alice)
    for _ in range(100):  # the server closes the session once it sees the disconnect
        samples = await _scrape(gateway.server.http_url)
        if get("tradewind_gateway_sessions") == 1:
            break
        await asyncio.sleep(0.02)
    assert get("tradewind_gateway_sessions") == 1
