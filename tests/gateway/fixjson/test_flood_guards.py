"""The gateway's flood guards, each on its own: connections per address, NAKs per connection,
the budget unsigned traffic shares across addresses, and half-sent HTTP headers."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from decimal import Decimal

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tradewind.core.enums import OrderSide
from tradewind.gateway.fixjson import AccountKey, FixJsonClient

from .conftest import CHAIN_ID, COMP_ID, ROOMY_LIMITS

QUOTE = {"client_quote_id": "q", "symbol": "TW10", "side": "1", "amount": "1"}


async def test_connections_per_address_are_capped(start_gateway, keys) -> None:
    gateway = await start_gateway(dataclasses.replace(ROOMY_LIMITS, max_connections_per_address=2))
    first = await gateway.client()
    await gateway.client(keys.bob)
    with pytest.raises(InvalidStatus) as refused:
        await gateway.client()
    assert refused.value.response.status_code == 403
    await first.close()
    await asyncio.sleep(0.1)  # the closed session no longer counts
    await gateway.client()


async def test_a_connection_gets_a_bounded_number_of_naks(start_gateway) -> None:
    limits = dataclasses.replace(ROOMY_LIMITS, nak_rate_capacity=3)
    gateway = await start_gateway(limits)
    client = await gateway.client()
    for _ in range(6):
        await client.send_raw("{not json")
    await client.send_raw("[]")
    # three NAKs, then the refused frames are dropped unanswered
    await asyncio.sleep(0.5)
    naks = [m for m in client.received if m.msg_type == "NAK"]
    assert len(naks) == 3
    gateway.clock.advance_by(10**9)  # one NAK a second comes back
    await client.send_raw("{not json")
    nak = await client.wait_for("NAK", timeout=5)
    assert nak.reason == "malformed_json"


async def test_unsigned_traffic_shares_one_budget_and_signed_flow_is_untouched(
    start_gateway, keys
) -> None:
    limits = dataclasses.replace(
        ROOMY_LIMITS, unsigned_rate_capacity=100, unsigned_global_capacity=5
    )
    gateway = await start_gateway(limits)
    # a keyless client from another address spends the shared budget (a quote costs 2)...
    builder = FixJsonClient(
        gateway.server.ws_url, keys.bob, chain_id=CHAIN_ID, target_comp_id=COMP_ID,
        clock=gateway.clock,
    )  # fmt: skip
    async with connect(gateway.server.ws_url, local_addr=("127.0.0.2", 0)) as stranger:
        for n in range(3):
            body = builder.build(
                "NewQuoteRequest", {**QUOTE, "client_quote_id": f"s{n}"}, sign=False
            )
            await stranger.send(json.dumps(body))
        replies = [json.loads(await asyncio.wait_for(stranger.recv(), 5)) for _ in range(5)]
    kinds = [reply["standard_header"]["msg_type"] for reply in replies]
    assert kinds.count("NAK") == 1 and kinds.count("IndexQuoteResponse") == 2
    # ... so unsigned quotes from any address are refused now
    local = await gateway.client(keys.alice)
    seq = await local.quote("u1", "TW10", "1", "1", sign=False)
    assert (await local.ack_or_nak(seq)).reason == "rate_limited"
    # while a signed client is served from its account's own budget
    seq = await local.quote("signed", "TW10", "1", "1")
    assert (await local.ack_or_nak(seq)).msg_type == "ACK"


async def test_half_sent_headers_are_closed_after_the_header_timeout(start_gateway) -> None:
    gateway = await start_gateway(dataclasses.replace(ROOMY_LIMITS, header_timeout_s=0.5))
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.server.port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    await writer.drain()
    async with asyncio.timeout(5):
        assert await reader.read() == b""  # closed by the server, nothing answered
    writer.close()
    # a complete request on a new connection is answered
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.server.port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_client_that_never_reads_is_cut_off_and_others_are_served(
    start_gateway, keys
) -> None:
    fill = {
        "client_order_id": "o-1", "symbol": "TW10", "side": OrderSide.BUY,
        "filled_quantity": Decimal("0.5"), "collateral_spent": Decimal("499.1"),
        "collateral_remaining": Decimal("500.9"), "fill_rate": Decimal("0.5"),
        "status": "partially_filled", "ts": 1_735_689_600_123_456_789,
    }  # fmt: skip
    # whichever comes first ends it: 50 unsent replies, or a ping unanswered for 0.5 s
    limits = dataclasses.replace(
        ROOMY_LIMITS,
        outbound_queue_size=50,
        read_pause_queue_size=10,
        ws_ping_interval_s=0.5,
        ws_ping_timeout_s=0.5,
    )
    gateway = await start_gateway(limits)
    signer = FixJsonClient(
        gateway.server.ws_url, keys.alice, chain_id=CHAIN_ID, target_comp_id=COMP_ID,
        clock=gateway.clock, sender_comp_id="SLOW",
    )  # fmt: skip
    # a raw connection that proves Alice's key once, then reads nothing (max_queue=1: its
    # library stops reading from the socket too)
    async with connect(gateway.server.ws_url, max_queue=1, close_timeout=1) as slow:
        body = signer.build("NewQuoteRequest", QUOTE)
        await slow.send(json.dumps(body))
        await asyncio.sleep(0.2)
        bob = await gateway.client(keys.bob)
        for n in range(400):
            await gateway.publisher.publish(
                keys.chain_id, keys.alice_address, "IndexOrderFill", fill
            )
            if n % 50 == 0:
                seq = await bob.quote(f"b{n}", "TW10", "1", "1")
                assert (await bob.ack_or_nak(seq)).msg_type == "ACK"
                await bob.wait_for("IndexQuoteResponse", timeout=5)
            await asyncio.sleep(0)
        async with asyncio.timeout(10):
            alice = AccountKey(keys.chain_id, keys.alice_address)
            while gateway.server.app.state.gateway.connections.of_account(alice):
                await asyncio.sleep(0.05)
    # the slow consumer was cut off; Bob was answered throughout
    assert len(bob.received) >= 16
