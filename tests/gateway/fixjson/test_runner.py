"""GatewayServer: port 0, a busy port, stop twice, serving inside the caller's loop."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import pytest

from tradewind.gateway.fixjson import GatewayServer, build_gateway_app


def _app(handler, invoices, keys):
    return build_gateway_app(handler, invoices, comp_id=keys.comp_id, server_key=keys.server)


async def test_port_zero_gives_distinct_known_ports(gateway, keys) -> None:
    other = GatewayServer(_app(gateway.handler, gateway.invoices, keys))
    async with other:
        assert other.port not in (0, gateway.server.port)
        assert other.ws_url == f"ws://127.0.0.1:{other.port}/fix"
        async with aiohttp.ClientSession() as http, http.get(other.http_url + "/health") as r:
            assert r.status == 200
    await other.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="not started"):
        _ = GatewayServer(other.app).port


async def test_busy_port_raises_oserror(gateway, keys) -> None:
    clash = GatewayServer(_app(gateway.handler, gateway.invoices, keys), port=gateway.server.port)
    with pytest.raises(OSError):
        await clash.start()


async def test_leaves_signal_handlers_to_the_loop_owner(gateway, keys) -> None:
    before = signal.getsignal(signal.SIGINT)
    async with GatewayServer(_app(gateway.handler, gateway.invoices, keys)):
        # uvicorn's own capture_signals would replace SIGINT's handler while serving
        assert signal.getsignal(signal.SIGINT) is before
        await asyncio.sleep(0)
    assert signal.getsignal(signal.SIGINT) is before


async def test_stop_closes_open_sessions(start_gateway) -> None:
    gateway = await start_gateway()
    client = await gateway.client()
    await client.ack_or_nak(await client.quote("q", "TW10", "buy", "1"))
    await gateway.server.stop()
    with pytest.raises(Exception, match="connection closed"):
        await client.wait_for("ACK", timeout=5)
