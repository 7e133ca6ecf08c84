"""Log decoding without a node: typed args, and refusals that log and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode as abi_encode
from structlog.testing import capture_logs

from tradewind.chain.contracts import event_abi
from tradewind.chain.events import (
    EventFilter,
    EventFollower,
    InvalidEventFilterError,
    InvalidFollowerConfigError,
    LogDecoder,
)

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TRANSFER = event_abi("MockUSDC", "Transfer")
DEPOSIT = {
    "type": "event",
    "name": "Deposited",
    "anonymous": False,
    "inputs": [
        {"name": "user", "type": "address", "indexed": True},
        {"name": "symbol", "type": "string", "indexed": True},
        {"name": "amount", "type": "uint256", "indexed": False},
        {"name": "note", "type": "string", "indexed": False},
        {"name": "ref", "type": "bytes32", "indexed": False},
        {"name": "hops", "type": "address[]", "indexed": False},
        {
            "name": "leg",
            "type": "tuple",
            "indexed": False,
            "components": [
                {"name": "to", "type": "address"},
                {"name": "fee", "type": "int64"},
            ],
        },
    ],
}


def _word(value: str | int) -> str:
    if isinstance(value, str):
        return "0x" + value[2:].lower().rjust(64, "0")
    return "0x" + format(value, "064x")


def _raw(topics: list[str], data: bytes) -> dict[str, Any]:
    return {
        "address": TOKEN.lower(),
        "topics": topics,
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "aa" * 32,
        "transactionHash": "0x" + "bb" * 32,
        "logIndex": "0x2",
        "removed": False,
        "blockTimestamp": "0x6553f100",
    }


@pytest.fixture
def transfer() -> EventFilter:
    return EventFilter(TOKEN, TRANSFER, "usdc")


def test_transfer_args_are_typed(transfer: EventFilter) -> None:
    decoder = LogDecoder(42161, [transfer])
    raw = _raw(
        [transfer.topic0, _word("0x" + "00" * 20), _word(ALICE.lower())],
        abi_encode(["uint256"], [10**30]),
    )
    decoded = decoder.decode(raw, 42161)
    assert decoded is not None
    assert decoded.args == {"from": "0x" + "00" * 20, "to": ALICE, "value": 10**30}
    assert (decoded.block_number, decoded.log_index, decoded.timestamp_s) == (16, 2, 0x6553F100)
    assert decoded.filter is transfer


def test_dynamic_indexed_values_stay_hashes_and_nested_values_decode() -> None:
    deposit = EventFilter(TOKEN, DEPOSIT, "vault")
    decoder = LogDecoder(1, [deposit])
    symbol_hash = "0x" + "cd" * 32
    data = abi_encode(
        ["uint256", "string", "bytes32", "address[]", "(address,int64)"],
        [5, "hello", b"\x01" * 32, [ALICE.lower()], (ALICE.lower(), -3)],
    )
    decoded = decoder.decode(_raw([deposit.topic0, _word(ALICE), symbol_hash], data), 1)
    assert decoded is not None
    assert decoded.args == {
        "user": ALICE,
        "symbol": bytes.fromhex("cd" * 32),
        "amount": 5,
        "note": "hello",
        "ref": b"\x01" * 32,
        "hops": (ALICE,),
        "leg": (ALICE, -3),
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"address": "0x" + "12" * 20}, "unknown_address"),
        ({"topics": ["0x" + "99" * 32]}, "unknown_topic"),
        ({"topics": []}, "unknown_topic"),
        ({"data": "0x"}, "decode_failed"),
        ({"data": "0xzz"}, "malformed"),
        ({"blockNumber": None}, "malformed"),
        ({"blockHash": "0x12"}, "malformed"),
        ({"removed": True}, "removed"),
    ],
)
def test_bad_logs_are_ignored_with_a_reason(
    transfer: EventFilter, change: dict[str, Any], reason: str
) -> None:
    decoder = LogDecoder(42161, [transfer])
    raw = {
        **_raw([transfer.topic0, _word(ALICE), _word(ALICE)], abi_encode(["uint256"], [1])),
        **change,
    }
    with capture_logs() as logs:
        assert decoder.decode(raw, 42161) is None
    assert [(e["event"], e["reason"]) for e in logs] == [("chain.event_ignored", reason)]


def test_an_erc721_transfer_with_the_same_topic_is_not_an_erc20_transfer(
    transfer: EventFilter,
) -> None:
    decoder = LogDecoder(42161, [transfer])
    raw = _raw([transfer.topic0, _word(ALICE), _word(ALICE), _word(7)], b"")
    with capture_logs() as logs:
        assert decoder.decode(raw, 42161) is None
    assert logs[0]["reason"] == "topic_count"


def test_a_log_from_another_chain_is_ignored(transfer: EventFilter) -> None:
    decoder = LogDecoder(42161, [transfer])
    raw = _raw([transfer.topic0, _word(ALICE), _word(ALICE)], abi_encode(["uint256"], [1]))
    with capture_logs() as logs:
        assert decoder.decode(raw, 8453) is None
    assert logs[0]["reason"] == "wrong_chain"
    assert logs[0]["chain_id"] == 8453 and logs[0]["expected_chain_id"] == 42161


def test_an_address_word_with_dirty_high_bytes_fails_decoding(transfer: EventFilter) -> None:
    decoder = LogDecoder(42161, [transfer])
    dirty = "0x" + "ff" * 12 + ALICE[2:].lower()
    raw = _raw([transfer.topic0, dirty, _word(ALICE)], abi_encode(["uint256"], [1]))
    with capture_logs() as logs:
        assert decoder.decode(raw, 42161) is None
    assert logs[0]["reason"] == "decode_failed"


@pytest.mark.parametrize(
    ("address", "abi", "name", "problem"),
    [
        ("0x123", TRANSFER, "x", "not an address"),
        (TOKEN, {"type": "function", "name": "f"}, "x", "not an event"),
        (TOKEN, {**TRANSFER, "anonymous": True}, "x", "anonymous"),
        (TOKEN, TRANSFER, " ", "name"),
        (TOKEN, {"type": "event", "name": "E", "inputs": [{"name": "a"}]}, "x", "malformed"),
    ],
)
def test_bad_filters_are_refused(address: str, abi: Any, name: str, problem: str) -> None:
    with pytest.raises(InvalidEventFilterError, match=problem):
        EventFilter(address, abi, name)


def test_duplicate_or_no_filters_are_refused(transfer: EventFilter) -> None:
    with pytest.raises(InvalidEventFilterError, match="both follow"):
        LogDecoder(1, [transfer, EventFilter(TOKEN.lower(), TRANSFER, "again")])
    with pytest.raises(InvalidEventFilterError, match="at least one"):
        LogDecoder(1, [])


def test_filter_topic_and_signature(transfer: EventFilter) -> None:
    assert transfer.signature == "Transfer(address,address,uint256)"
    assert transfer.topic0 == ("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
    assert EventFilter(TOKEN.lower(), TRANSFER, "x").address == TOKEN


@pytest.mark.parametrize(
    "options",
    [
        {"confirmations": 0},
        {"confirmations": True},
        {"poll_interval": 0},
        {"start_block": -1},
        {"max_block_range": 0},
        {"history_depth": 3},  # must be deeper than confirmations (3)
        {"chain_id": 0},
    ],
)
def test_bad_follower_settings_are_refused(transfer: EventFilter, options: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"chain_id": 1, "filters": [transfer], "confirmations": 3}
    settings.update(options)
    with pytest.raises(InvalidFollowerConfigError):
        EventFollower(None, **settings)  # type: ignore[arg-type]
