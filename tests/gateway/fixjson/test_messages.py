"""Parsing client frames: each refusal code, strict values, timestamps, decimals."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.gateway.fixjson import (
    CancelQuoteRequest,
    MessageRejected,
    NewIndexOrder,
    parse_client_message,
    parse_server_message,
    sign_message,
)
from tradewind.gateway.fixjson.messages import InvalidServerMessage
from tradewind.gateway.fixjson.signing import address_of
from tradewind.gateway.fixjson.wire_types import iso_from_ns, ns_from_wire_timestamp

KEY = "0x" + "a1" * 32
ADDRESS = address_of(KEY)


def order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "standard_header": {
            "msg_type": "NewIndexOrder",
            "sender_comp_id": "ALICE",
            "target_comp_id": "TRADEWIND",
            "seq_num": 7,
            "timestamp": "2025-01-01T00:00:00.000Z",
        },
        "chain_id": 8453,
        "address": ADDRESS,
        "client_order_id": "o-1",
        "symbol": "TW10",
        "side": "1",
        "amount": "1000.25",
    }
    body.update(changes)
    return body


def frame(body: dict[str, Any], *, sign: bool = True) -> str:
    return json.dumps(sign_message(body, KEY) if sign else body)


def reason_of(raw: str | bytes) -> tuple[str, str]:
    with pytest.raises(MessageRejected) as info:
        parse_client_message(raw)
    return info.value.reason.value, info.value.text


def test_valid_order_parses_to_exact_values() -> None:
    message = parse_client_message(frame(order()))
    assert isinstance(message, NewIndexOrder)
    assert (message.side, message.amount, message.seq_num) == ("buy", Decimal("1000.25"), 7)
    assert message.standard_header.timestamp == 1_735_689_600_000_000_000
    assert message.signer == ADDRESS
    assert message.signed_payload is not None and message.digest is not None
    # bytes frames are read as UTF-8 too
    assert parse_client_message(frame(order()).encode()).signer == ADDRESS


def test_unsigned_quote_is_accepted_without_signer() -> None:
    body = order(client_quote_id="q-1")
    body["standard_header"]["msg_type"] = "CancelQuoteRequest"
    for name in ("client_order_id", "side", "amount"):
        del body[name]
    message = parse_client_message(frame(body, sign=False))
    assert isinstance(message, CancelQuoteRequest)
    assert (message.signer, message.digest) == (None, None)


@pytest.mark.parametrize(
    ("raw", "reason", "text_part"),
    [
        ("x" * (64 * 1024 + 1), "too_large", "exceeds"),
        ("{", "malformed_json", "not JSON"),
        (b"\xff\xfe", "malformed_json", "utf-8"),
        ('{"a": NaN}', "malformed_json", "NaN"),
        ('{"a": Infinity}', "malformed_json", "Infinity"),
        ('{"a": 1, "a": 1}', "malformed_json", "duplicate"),
        ('"just text"', "schema", "object"),
        ("{}", "schema", "standard_header"),
        ('{"standard_header": {"msg_type": 5}}', "schema", "msg_type"),
        ('{"standard_header": {"msg_type": "Heartbeat"}}', "unknown_msg_type", "Heartbeat"),
    ],
)
def test_unreadable_frames(raw: str | bytes, reason: str, text_part: str) -> None:
    got_reason, text = reason_of(raw)
    assert got_reason == reason
    assert text_part in text


def test_deep_nesting_is_refused_not_crashed() -> None:
    for depth in (1_000, 32_000):
        raw = '{"standard_header":' + "[" * depth + "]" * depth + "}"
        assert reason_of(raw)[0] in ("malformed_json", "schema")


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"amount": 5}, "schema", "amount"),
        ({"amount": "0"}, "bad_amount", "amount"),
        ({"amount": "0.000"}, "bad_amount", "amount"),
        ({"amount": "-1"}, "bad_amount", "amount"),
        ({"amount": "01"}, "bad_amount", "amount"),
        ({"amount": "1."}, "bad_amount", "amount"),
        ({"amount": ".5"}, "bad_amount", "amount"),
        ({"amount": "1e2"}, "bad_amount", "amount"),
        ({"amount": "Infinity"}, "bad_amount", "amount"),
        ({"amount": " 1"}, "bad_amount", "amount"),
        ({"amount": "0." + "0" * 17 + "1"}, None, None),  # 18 decimals is the finest
        ({"amount": "0." + "0" * 18 + "1"}, "bad_amount", "amount"),
        ({"address": ADDRESS.lower()}, "bad_address", "address"),
        ({"address": "0x1234"}, "bad_address", "address"),
        ({"address": None}, "schema", "address"),
        ({"chain_id": 0}, "bad_chain_id", "chain_id"),
        ({"chain_id": 2**53}, "bad_chain_id", "chain_id"),
        ({"chain_id": "1"}, "schema", "chain_id"),
        ({"chain_id": 1.0}, "schema", "chain_id"),
        ({"chain_id": True}, "schema", "chain_id"),
        ({"side": "BUY"}, "schema", "side"),
        ({"side": "sell"}, None, None),
        ({"symbol": "tw10"}, "schema", "symbol"),
        ({"client_order_id": ""}, "schema", "client_order_id"),
        ({"client_order_id": "a/b"}, "schema", "client_order_id"),
        ({"note": "x"}, "schema", "note"),
        ({"standard_trailer": "x"}, "schema", "standard_trailer"),
    ],
)
def test_field_checks(changes: dict[str, Any], reason: str | None, field: str | None) -> None:
    body = order(**changes)
    if reason is None:
        assert parse_client_message(frame(body)).signer == ADDRESS
        return
    raw = json.dumps({**sign_message(order(), KEY), **changes})
    got_reason, text = reason_of(raw)
    assert (got_reason, text.split(":")[0]) == (reason, field)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ({"seq_num": 0}, "standard_header.seq_num"),
        ({"seq_num": "1"}, "standard_header.seq_num"),
        ({"seq_num": True}, "standard_header.seq_num"),
        ({"timestamp": "2025-01-01 00:00:00"}, "standard_header.timestamp"),
        ({"timestamp": "2025-01-01T00:00:00+01:00"}, "standard_header.timestamp"),
        ({"timestamp": "2025-02-30T00:00:00Z"}, "standard_header.timestamp"),
        ({"timestamp": -1}, "standard_header.timestamp"),
        ({"timestamp": 1.5}, "standard_header.timestamp"),
        ({"sender_comp_id": ""}, "standard_header.sender_comp_id"),
        ({"msg_type": "NewIndexOrder", "extra": 1}, "standard_header.extra"),
    ],
)
def test_header_checks(header: dict[str, Any], field: str) -> None:
    body = order()
    body["standard_header"].update(header)
    reason, text = reason_of(frame(body))
    assert (reason, text.split(":")[0]) == ("schema", field)


def test_structure_errors_are_reported_before_value_errors() -> None:
    raw = json.dumps({**sign_message(order(), KEY), "amount": "0", "symbol": 5})
    assert reason_of(raw)[0] == "schema"
    raw = json.dumps({**sign_message(order(), KEY), "amount": "0", "chain_id": 0})
    assert reason_of(raw)[0] == "bad_chain_id"


def test_money_moving_messages_must_be_signed() -> None:
    assert reason_of(frame(order(), sign=False))[0] == "unsigned"
    cancel = order()
    cancel["standard_header"]["msg_type"] = "CancelIndexOrder"
    del cancel["side"]
    assert reason_of(frame(cancel, sign=False))[0] == "unsigned"


def test_signed_quote_is_verified() -> None:
    body = order(client_quote_id="q-1")
    body["standard_header"]["msg_type"] = "NewQuoteRequest"
    del body["client_order_id"]
    signed = sign_message(body, KEY)
    signed["amount"] = "999"
    assert reason_of(json.dumps(signed))[0] == "bad_signature"


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2025-01-01T00:00:00Z", 1_735_689_600_000_000_000),
        ("2025-01-01T00:00:00.5Z", 1_735_689_600_500_000_000),
        ("2025-01-01T00:00:00.123+00:00", 1_735_689_600_123_000_000),
        ("2025-01-01T00:00:00.123456789Z", 1_735_689_600_123_456_789),
        (1_735_689_600_123, 1_735_689_600_123_000_000),
        (0, 0),
    ],
)
def test_wire_timestamps(text: str | int, ns: int) -> None:
    assert ns_from_wire_timestamp(text) == ns


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=253_402_300_799_999_999_999))
def test_iso_round_trip_keeps_milliseconds(ns: int) -> None:
    text = iso_from_ns(ns)
    assert text.endswith("Z") and len(text) == 24
    assert ns_from_wire_timestamp(text) == ns - ns % 1_000_000


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(
        min_value=Decimal("1e-18"), max_value=Decimal("1e30"), allow_nan=False, places=18
    ).filter(lambda d: d > 0)
)
def test_any_positive_amount_with_18_places_parses_exactly(amount: Decimal) -> None:
    text = format(amount, "f")  # exact: normalize() would round to 28 digits
    message = parse_client_message(frame(order(amount=text)))
    assert message.amount == amount


def test_server_messages_parse_and_refuse_garbage() -> None:
    ack = {
        "standard_header": {
            "msg_type": "ACK",
            "sender_comp_id": "TRADEWIND",
            "target_comp_id": "ALICE",
            "seq_num": 1,
            "timestamp": "2025-01-01T00:00:00.000Z",
        },
        "chain_id": 1,
        "address": ADDRESS,
        "ref_seq_num": 3,
    }
    assert parse_server_message(json.dumps(ack)).ref_seq_num == 3
    for bad in ("nope", json.dumps({**ack, "ref_seq_num": 0}), json.dumps({**ack, "x": 1})):
        with pytest.raises(InvalidServerMessage):
            parse_server_message(bad)


def replay(**fields: Any) -> dict[str, Any]:
    body = order()
    for name in ("client_order_id", "symbol", "side", "amount"):
        del body[name]
    body["standard_header"] = {**body["standard_header"], "msg_type": "ReplayRequest"}
    return {**body, "request_id": "r-1", **fields}


def test_replay_request_from_a_time_or_from_a_sequence_number() -> None:
    by_time = parse_client_message(frame(replay(since="2025-01-01T00:00:00.000Z")))
    assert by_time.since == 1_735_689_600_000_000_000  # type: ignore[union-attr]
    assert by_time.last_report_seq_num is None  # type: ignore[union-attr]
    by_seq = parse_client_message(frame(replay(last_report_seq_num=0)))
    assert by_seq.last_report_seq_num == 0 and by_seq.since is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "fields, text_part",
    [
        ({}, "exactly one of since and last_report_seq_num"),
        ({"since": 0, "last_report_seq_num": 3}, "exactly one of since and last_report_seq_num"),
        ({"last_report_seq_num": -1}, "last_report_seq_num"),
        ({"last_report_seq_num": "3"}, "last_report_seq_num"),
        ({"last_report_seq_num": 2**63}, "last_report_seq_num"),
    ],
)
def test_replay_request_needs_one_valid_start(fields: dict[str, Any], text_part: str) -> None:
    reason, text = reason_of(frame(replay(**fields)))
    assert reason == "schema" and text_part in text


def test_replay_request_schema_says_one_start() -> None:
    from tradewind.gateway.fixjson.schemas import json_schemas

    schema = json_schemas()["client.ReplayRequest.json"]
    assert schema["oneOf"] == [{"required": ["since"]}, {"required": ["last_report_seq_num"]}]
    assert "since" not in schema["required"] and "request_id" in schema["required"]
