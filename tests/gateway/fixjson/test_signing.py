"""Canonical form and EIP-191 signatures: known answers, tampering, malleability."""

from __future__ import annotations

import copy

import pytest
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.gateway.fixjson import MessageRejected, recover_signer, sign_message, verify_message
from tradewind.gateway.fixjson.signing import (
    address_of,
    canonical_bytes,
    public_key_hex,
    signing_digest,
)

# The key and address of the eth-account / web3.py documentation examples.
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
OTHER_KEY = "0x" + "22" * 32
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

BODY = {
    "standard_header": {
        "msg_type": "NewIndexOrder",
        "sender_comp_id": "ALICE",
        "target_comp_id": "TRADEWIND",
        "seq_num": 1,
        "timestamp": "2025-01-01T00:00:00.000Z",
    },
    "chain_id": 1,
    "address": ADDRESS,
    "client_order_id": "o-1",
    "symbol": "TW10",
    "side": "1",
    "amount": "1000.5",
}
CANONICAL = (
    '{"address":"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23","amount":"1000.5","chain_id":1,'
    '"client_order_id":"o-1","side":"1","standard_header":{"msg_type":"NewIndexOrder",'
    '"sender_comp_id":"ALICE","seq_num":1,"target_comp_id":"TRADEWIND",'
    '"timestamp":"2025-01-01T00:00:00.000Z"},"symbol":"TW10"}'
)
SIGNATURE = (
    "0xeabf56ee85dd9c82ebe0ae6a83b89c1c4bb2c9f5508cbaf9c78c4938eca4b6b6"
    "4e062a9a5bd5e0f36394e72ac64c03e4eea425a451a9fff2a0dced00bcdfb7621c"
)


def test_known_answer() -> None:
    assert address_of(KEY) == ADDRESS
    assert canonical_bytes(BODY).decode() == CANONICAL
    signed = sign_message(BODY, KEY)
    assert signed["standard_trailer"] == {
        "public_key": public_key_hex(KEY),
        "signature": SIGNATURE,
    }
    assert len(signed["standard_trailer"]["public_key"]) == 2 + 128
    assert verify_message(signed) == ADDRESS
    # an independent recovery (eth-account's) agrees
    recovered = Account.recover_message(
        encode_defunct(text=CANONICAL), signature=bytes.fromhex(SIGNATURE[2:])
    )
    assert recovered == ADDRESS
    assert signing_digest(BODY) == defunct_hash_message(text=CANONICAL)


def test_canonical_form_ignores_key_order_whitespace_and_trailer() -> None:
    shuffled = dict(reversed(list(BODY.items())))
    shuffled["standard_trailer"] = {"public_key": "x", "signature": "y"}
    assert canonical_bytes(shuffled) == CANONICAL.encode()
    assert canonical_bytes({"text": "é€"}) == '{"text":"é€"}'.encode()
    with pytest.raises(ValueError):
        canonical_bytes({"x": float("nan")})


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("amount",), "1000.6"),
        (("side",), "2"),
        (("chain_id",), 42161),
        (("standard_header", "seq_num"), 2),
        (("standard_header", "timestamp"), "2025-01-01T00:00:00.001Z"),
        (("standard_header", "target_comp_id"), "OTHER"),
    ],
)
def test_any_change_breaks_the_signature(path: tuple[str, ...], value: object) -> None:
    signed = sign_message(BODY, KEY)
    tampered = copy.deepcopy(signed)
    node = tampered
    for name in path[:-1]:
        node = node[name]
    node[path[-1]] = value
    with pytest.raises(MessageRejected) as info:
        verify_message(tampered)
    assert info.value.reason == "bad_signature"


def test_a_valid_signature_by_another_key_is_signer_mismatch() -> None:
    signed = sign_message(BODY, OTHER_KEY)
    with pytest.raises(MessageRejected) as info:
        verify_message(signed)
    assert info.value.reason == "signer_mismatch"
    assert recover_signer(signed) == address_of(OTHER_KEY)


def test_public_key_must_be_the_signing_key() -> None:
    signed = sign_message(BODY, KEY)
    signed["standard_trailer"]["public_key"] = public_key_hex(OTHER_KEY)
    with pytest.raises(MessageRejected) as info:
        verify_message(signed)
    assert info.value.reason == "bad_signature"


def test_high_s_twin_is_refused_and_v_may_be_0_or_1() -> None:
    signed = sign_message(BODY, KEY)
    raw = bytes.fromhex(signed["standard_trailer"]["signature"][2:])
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    signed["standard_trailer"]["signature"] = "0x" + twin.hex()
    with pytest.raises(MessageRejected) as info:
        verify_message(signed)
    assert info.value.reason == "bad_signature"
    signed["standard_trailer"]["signature"] = "0x" + (raw[:64] + bytes([v - 27])).hex()
    assert verify_message(signed) == ADDRESS


@pytest.mark.parametrize(
    ("trailer", "reason"),
    [
        (None, "unsigned"),
        ("sig", "bad_signature"),
        ({"public_key": "0x12", "signature": SIGNATURE}, "bad_signature"),
        ({"public_key": public_key_hex(KEY), "signature": "0x" + "zz" * 65}, "bad_signature"),
        ({"public_key": public_key_hex(KEY), "signature": "0x" + "00" * 65}, "bad_signature"),
        ({"public_key": public_key_hex(KEY)}, "bad_signature"),
    ],
)
def test_malformed_trailers(trailer: object, reason: str) -> None:
    body = {**BODY, "standard_trailer": trailer}
    with pytest.raises(MessageRejected) as info:
        verify_message(body)
    assert info.value.reason == reason


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda k: k not in ("address", "standard_trailer")),
        st.integers() | st.text(max_size=16) | st.booleans() | st.none(),
        max_size=5,
    )
)
def test_sign_then_verify_round_trips(fields: dict[str, object]) -> None:
    body = {**fields, "address": ADDRESS}
    assert verify_message(sign_message(body, KEY)) == ADDRESS
