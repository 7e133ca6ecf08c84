"""Every NAK reason over a live gateway: the handler never sees the message, nothing is used
up (the next valid message may reuse the refused seq_num) and the connection stays open."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tradewind.gateway.fixjson import GatewayLimits, sign_message
from tradewind.gateway.fixjson.client import FixJsonClient

ORDER = {"client_order_id": "o-1", "symbol": "TW10", "side": "1", "amount": "100"}


def _order(client: FixJsonClient, **changes: Any) -> dict[str, Any]:
    return client.build("NewIndexOrder", {**ORDER, **changes}, seq_num=1)


def _frame(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def _resigned(body: dict[str, Any], key: str) -> str:
    return _frame(sign_message(body, key))


def _tampered_amount(client: FixJsonClient, keys: Any) -> str:
    body = _order(client)
    body["amount"] = "1000"
    return _frame(body)


def _other_signer(client: FixJsonClient, keys: Any) -> str:
    return _resigned(_order(client), keys.bob)


def _with_header(client: FixJsonClient, **header: Any) -> str:
    body = _order(client)
    body["standard_header"].update(header)
    return _resigned(body, client_key(client))


def client_key(client: FixJsonClient) -> str:
    return "0x" + client._key.to_bytes().hex()


def _lowercase_address(client: FixJsonClient, keys: Any) -> str:
    body = _order(client)
    body["address"] = body["address"].lower()
    return _resigned(body, keys.alice)


def _chain_zero(client: FixJsonClient, keys: Any) -> str:
    body = _order(client)
    body["chain_id"] = 0
    return _resigned(body, keys.alice)


STALE_MS = 61_000

CASES: dict[str, tuple[str, Callable[[FixJsonClient, Any], str | bytes], int | None]] = {
    # name: (reason, frame maker, the NAK's ref_seq_num: None when the frame is unreadable)
    "too_large": ("too_large", lambda c, k: _frame(_order(c, pad="x" * 70_000)), None),
    "not_json": ("malformed_json", lambda c, k: '{"standard_header": {', None),
    "not_utf8": ("malformed_json", lambda c, k: b'{"a": "\xff"}', None),
    "duplicate_key": ("malformed_json", lambda c, k: '{"a": 1, "a": 2}', None),
    "unknown_type": ("unknown_msg_type", lambda c, k: _frame(c.build("Logon", {}, seq_num=1)), 1),
    "server_type": ("unknown_msg_type", lambda c, k: _frame(c.build("ACK", {}, seq_num=1)), 1),
    "missing_field": (
        "schema",
        lambda c, k: _frame(c.build("NewIndexOrder", {"symbol": "TW10"}, seq_num=1)),
        1,
    ),
    "extra_field": ("schema", lambda c, k: _frame(_order(c, note="hi")), 1),
    "number_amount": ("schema", lambda c, k: _frame(_order(c, amount=100)), 1),
    "zero_amount": ("bad_amount", lambda c, k: _frame(_order(c, amount="0")), 1),
    "negative_amount": ("bad_amount", lambda c, k: _frame(_order(c, amount="-5")), 1),
    "nan_amount": ("bad_amount", lambda c, k: _frame(_order(c, amount="NaN")), 1),
    "fine_amount": ("bad_amount", lambda c, k: _frame(_order(c, amount="1." + "0" * 18 + "1")), 1),
    "exponent_amount": ("bad_amount", lambda c, k: _frame(_order(c, amount="1e3")), 1),
    "bad_address": ("bad_address", _lowercase_address, 1),
    "bad_chain_id": ("bad_chain_id", _chain_zero, 1),
    "unsigned": (
        "unsigned",
        lambda c, k: _frame(c.build("NewIndexOrder", ORDER, seq_num=1, sign=False)),
        1,
    ),
    "bad_signature": ("bad_signature", _tampered_amount, 1),
    "signer_mismatch": ("signer_mismatch", _other_signer, 1),
    "wrong_target": ("wrong_target", lambda c, k: _with_header(c, target_comp_id="ELSEWHERE"), 1),
    "stale_past": (
        "stale_timestamp",
        lambda c, k: _with_header(c, timestamp=c._clock.now_ns() // 1_000_000 - STALE_MS),
        1,
    ),
    "stale_future": (
        "stale_timestamp",
        lambda c, k: _with_header(c, timestamp=c._clock.now_ns() // 1_000_000 + STALE_MS),
        1,
    ),
    "first_seq_not_one": ("seq_not_increasing", lambda c, k: _with_header(c, seq_num=2), 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_refused_message_is_naked_and_changes_nothing(gateway, keys, case: str) -> None:
    reason, make_frame, ref_seq_num = CASES[case]
    client = await gateway.client()
    frame = make_frame(client, keys)
    await client.send_raw(frame)
    nak = await client.wait_for("NAK")
    assert nak.reason == reason, nak.text
    assert nak.ref_seq_num == ref_seq_num
    assert nak.text
    assert gateway.handler.calls == []
    # nothing was used up: the valid message reuses seq_num 1
    seq = await client.new_index_order("o-ok", "TW10", "buy", "1")
    assert seq == 1
    assert (await client.ack_or_nak(seq)).msg_type == "ACK"
    assert [msg.client_order_id for msg in gateway.handler.of("new_index_order")] == ["o-ok"]


async def test_nak_names_the_account_when_readable(gateway, keys) -> None:
    client = await gateway.client()
    await client.send_raw(_frame(_order(client, amount="0")))
    nak = await client.wait_for("NAK")
    assert (nak.chain_id, nak.address) == (keys.chain_id, keys.alice_address)
    await client.send_raw("nope")
    nak = await client.wait_for("NAK")
    assert (nak.chain_id, nak.address, nak.ref_seq_num) == (None, None, None)


async def test_seq_must_increase_after_the_first(gateway) -> None:
    client = await gateway.client()
    for seq in (1, 2, 5):  # gaps are allowed
        body = client.build("NewQuoteRequest", _quote(seq), seq_num=seq)
        assert (await client.ack_or_nak(await client.send_message(body))).msg_type == "ACK"
    for seq in (5, 4):
        body = client.build("NewQuoteRequest", _quote(seq + 100), seq_num=seq)
        nak = await client.ack_or_nak(await client.send_message(body))
        assert (nak.msg_type, nak.reason) == ("NAK", "seq_not_increasing")
    assert len(gateway.handler.of("quote")) == 3


def _quote(n: int) -> dict[str, str]:
    return {"client_quote_id": f"q-{n}", "symbol": "TW10", "side": "buy", "amount": "1"}


async def test_signed_message_replayed_on_another_session_is_refused(gateway, keys) -> None:
    first = await gateway.client()
    frame = _frame(first.build("NewIndexOrder", ORDER))
    await first.send_raw(frame)
    assert (await first.ack_or_nak(1)).msg_type == "ACK"
    # same connection: the sequence catches it
    await first.send_raw(frame)
    assert (await first.wait_for("NAK")).reason == "seq_not_increasing"
    # new connection, seq 1 is fresh there: the replay memory catches it
    second = await gateway.client(keys.bob)
    await second.send_raw(frame)
    nak = await second.wait_for("NAK")
    assert (nak.reason, nak.ref_seq_num) == ("replayed", 1)
    # once the replay memory has forgotten it, the clock window refuses it
    gateway.clock.advance_by(121 * 10**9)
    await second.send_raw(frame)
    assert (await second.wait_for("NAK")).reason == "stale_timestamp"
    assert len(gateway.handler.of("new_index_order")) == 1


async def test_unserved_chain_is_bad_chain_id(start_gateway, keys) -> None:
    gateway = await start_gateway(
        GatewayLimits(rate_capacity=100, allowed_chain_ids=frozenset({1, 8453}))
    )
    client = await gateway.client()  # on chain 31337
    seq = await client.new_index_order("o-1", "TW10", "buy", "1")
    nak = await client.ack_or_nak(seq)
    assert (nak.msg_type, nak.reason) == ("NAK", "bad_chain_id")
    assert gateway.handler.calls == []


async def test_frame_above_the_hard_cap_closes_the_connection(start_gateway) -> None:
    gateway = await start_gateway(GatewayLimits(max_frame_bytes=1000, hard_frame_bytes=4000))
    client = await gateway.client()
    await client.send_raw("x" * 2000)
    assert (await client.wait_for("NAK")).reason == "too_large"
    await client.send_raw("x" * 5000)
    with pytest.raises(Exception, match="connection closed"):
        await client.wait_for("NAK", timeout=5)


async def test_unsigned_is_checked_before_the_target(gateway) -> None:
    # the documented order of reason codes is the order of the checks: a message both
    # unsigned and sent to the wrong target is refused as unsigned
    from tradewind.gateway.fixjson.rejections import RejectReason

    client = await gateway.client()
    body = client.build("NewIndexOrder", ORDER, sign=False, seq_num=1)
    body["standard_header"]["target_comp_id"] = "SOMEONE_ELSE"
    nak = await client.ack_or_nak(await client.send_message(body))
    assert (nak.msg_type, nak.reason) == ("NAK", "unsigned")
    order = list(RejectReason)
    assert order.index(RejectReason.UNSIGNED) < order.index(RejectReason.WRONG_TARGET)
