"""ACK then business response, over a real uvicorn server and a real websockets client."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest

from tradewind.gateway.fixjson import (
    AccountKey,
    ClientFailure,
    FixJsonClient,
    InvalidCompId,
    OrderResponse,
    build_gateway_app,
)


async def test_order_is_acked_then_answered(gateway, keys) -> None:
    client = await gateway.client()
    seq = await client.new_index_order("o-1", "TW10", "buy", Decimal("1000.5"))
    ack = await client.wait_for("ACK")
    answer = await client.wait_for("NewIndexOrder")
    assert ack.ref_seq_num == seq == 1
    assert (answer.client_order_id, answer.status, answer.reason) == ("o-1", "new", None)
    # the ACK was sent first, both numbered by the server from 1
    assert [m.standard_header.seq_num for m in client.received] == [1, 2]
    assert [m.msg_type for m in client.received] == ["ACK", "NewIndexOrder"]
    assert all(m.address == keys.alice_address for m in client.received)
    assert all(m.standard_header.target_comp_id == client.sender_comp_id for m in client.received)
    assert all(m.standard_header.sender_comp_id == keys.comp_id for m in client.received)
    [(method, account, msg)] = gateway.handler.calls
    assert method == "new_index_order"
    assert account == AccountKey(keys.chain_id, keys.alice_address)
    assert (msg.side, msg.amount, msg.signer) == ("buy", Decimal("1000.5"), keys.alice_address)


async def test_rejected_order_carries_the_desk_reason(gateway) -> None:
    client = await gateway.client()
    await client.new_index_order("reject-1", "TW10", "2", "3")
    answer = await client.wait_for("NewIndexOrder")
    assert (answer.status, answer.reason) == ("rejected", "insufficient collateral")


async def test_cancel_and_quotes(gateway, keys) -> None:
    client = await gateway.client()
    await client.cancel_index_order("o-1", "TW10", "5")
    cancelled = await client.wait_for("CancelIndexOrder")
    assert (cancelled.client_order_id, cancelled.status) == ("o-1", "cancelled")
    await client.quote("q-1", "TW10", "buy", "100", sign=False)
    quoted = await client.wait_for("IndexQuoteResponse")
    assert (quoted.client_quote_id, quoted.status, quoted.quantity_possible) == (
        "q-1",
        "ok",
        Decimal("12.5"),
    )
    await client.quote("q-2", "NOPE", "sell", "1")
    refused = await client.wait_for("IndexQuoteResponse")
    assert (refused.status, refused.reason, refused.quantity_possible) == (
        "rejected",
        "unknown index NOPE",
        None,
    )
    seq = await client.cancel_quote("q-1", "TW10")
    assert (await client.ack_or_nak(seq)).msg_type == "ACK"
    assert [name for name, _, _ in gateway.handler.calls] == [
        "cancel_index_order",
        "quote",
        "quote",
        "cancel_quote",
    ]
    unsigned_quote = gateway.handler.of("quote")[0]
    assert unsigned_quote.signer is None


async def test_handler_exception_is_nak_internal_without_detail(gateway) -> None:
    client = await gateway.client()
    seq = await client.new_index_order("boom-1", "TW10", "buy", "1")
    assert (await client.wait_for("ACK")).ref_seq_num == seq
    nak = await client.wait_for("NAK")
    assert (nak.ref_seq_num, nak.reason, nak.text) == (seq, "internal", "internal error")
    assert "hunter2" not in str([m.model_dump() for m in client.received])
    # the connection survives
    seq = await client.new_index_order("o-2", "TW10", "buy", "1")
    assert (await client.ack_or_nak(seq)).msg_type == "ACK"


async def test_client_refuses_replies_not_signed_by_the_gateway(gateway, keys) -> None:
    client = await gateway.client(server_address=keys.alice_address)
    await client.quote("q-1", "TW10", "buy", "1")
    with pytest.raises(ClientFailure, match="not the gateway"):
        await client.wait_for("ACK")


async def test_health_names_the_signer(gateway, keys) -> None:
    await gateway.client()
    url = gateway.server.http_url + "/health"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        health = await response.json()
    assert health == {
        "status": "ok",
        "comp_id": keys.comp_id,
        "signer_address": keys.server_address,
        "sessions": 1,
    }


async def test_client_iterates_replies_in_order(gateway) -> None:
    client: FixJsonClient = await gateway.client()
    await client.new_index_order("o-1", "TW10", "buy", "1")
    seen = []
    async for message in client:
        seen.append(message.msg_type)
        if len(seen) == 2:
            break
    assert seen == ["ACK", "NewIndexOrder"]


class WrongDesk:
    """A desk that answers with things the wire cannot carry."""

    async def new_index_order(self, account, msg):
        return OrderResponse(status="accepted")

    async def cancel_index_order(self, account, msg):
        return "cancelled"

    async def quote(self, account, msg):
        return 1.5

    async def cancel_quote(self, account, msg):
        return None


async def test_malformed_desk_answers_are_nak_internal(start_gateway) -> None:
    gateway = await start_gateway(handler=WrongDesk())
    client = await gateway.client()
    for send in (
        client.new_index_order("o-1", "TW10", "buy", "1"),
        client.cancel_index_order("o-1", "TW10", "1"),
        client.quote("q-1", "TW10", "buy", "1"),
    ):
        seq = await send
        assert (await client.wait_for("ACK", lambda m, seq=seq: m.ref_seq_num == seq)).msg_type
        nak = await client.wait_for("NAK", lambda m, seq=seq: m.ref_seq_num == seq)
        assert (nak.reason, nak.text) == ("internal", "internal error")


def test_comp_id_must_fit_the_wire(keys) -> None:
    with pytest.raises(InvalidCompId):
        build_gateway_app(WrongDesk(), None, comp_id="TRADE WIND", server_key=keys.server)
