"""EIP-712: the spec's Mail example, equality with eth_account on random structs, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.chain.eip712 import (
    EIP712Error,
    Signature,
    TypedData,
    hash_typed_data,
    recover_signer,
    sign_digest,
)

MAIL_TYPES = {
    "Person": [("name", "string"), ("wallet", "address")],
    "Mail": [("from", "Person"), ("to", "Person"), ("contents", "string")],
}
MAIL_DOMAIN = {
    "name": "Ether Mail",
    "version": "1",
    "chainId": 1,
    "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
}
MAIL = {
    "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
    "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
    "contents": "Hello, Bob!",
}


def test_mail_example_matches_the_specification() -> None:
    # Values from eips.ethereum.org/EIPS/eip-712 (Example.js / Example.sol).
    schema = TypedData.from_types(MAIL_TYPES)
    assert schema.encode_type("Mail") == (
        "Mail(Person from,Person to,string contents)Person(string name,address wallet)"
    )
    assert schema.type_hash("Mail").hex() == (
        "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"
    )
    assert schema.hash_struct("Mail", MAIL).hex() == (
        "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"
    )
    domain = TypedData({"EIP712Domain": tuple((k, t) for k, t in _DOMAIN_KINDS)})
    assert domain.hash_struct("EIP712Domain", MAIL_DOMAIN).hex() == (
        "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"
    )
    digest = hash_typed_data(schema, "Mail", MAIL_DOMAIN, MAIL)
    assert digest.hex() == "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    signature = sign_digest(keccak(b"cow"), digest)
    assert signature.v == 28
    assert signature.r == 0x4355C47D63924E8A72E509B65029052EB6C299D53A04E167C5775FD466751C9D
    assert signature.s == 0x07299936D304C153F6443DFA05F40FF007D72911B6F72307F996231605B91562
    assert recover_signer(digest, signature) == MAIL["from"]["wallet"]  # type: ignore[index]


_DOMAIN_KINDS = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
)


def test_signature_equals_eth_account_and_is_low_s() -> None:
    key = keccak(b"some key")
    digest = hash_typed_data(MAIL_TYPES, "Mail", MAIL_DOMAIN, MAIL)
    ours = sign_digest(key, digest)
    theirs = Account.unsafe_sign_hash(digest, key)
    assert (ours.r, ours.s, ours.v) == (theirs.r, theirs.s, theirs.v)
    assert Signature.from_bytes(ours.to_bytes()) == ours


# --- random structs against eth_account ------------------------------------------------------

_ATOMIC = [
    "address",
    "bool",
    "string",
    "bytes",
    "uint8",
    "uint256",
    "uint64",
    "int8",
    "int256",
    "int32",
    "bytes1",
    "bytes32",
    "bytes7",
]


def _value(draw: st.DrawFn, kind: str, types: dict[str, list[tuple[str, str]]]) -> Any:
    if kind.endswith("]"):
        inner, _, size = kind[:-1].rpartition("[")
        count = int(size) if size else draw(st.integers(0, 3))
        return [_value(draw, inner, types) for _ in range(count)]
    if kind in types:
        return {name: _value(draw, sub, types) for name, sub in types[kind]}
    if kind == "address":
        return to_checksum_address(draw(st.binary(min_size=20, max_size=20)))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "string":
        return draw(st.text(max_size=12))
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    if kind.startswith("uint"):
        return draw(st.integers(0, (1 << int(kind[4:])) - 1))
    if kind.startswith("int"):
        bits = int(kind[3:])
        return draw(st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1))
    size = int(kind[5:])
    return draw(st.binary(min_size=size, max_size=size))


@st.composite
def typed_messages(draw: st.DrawFn) -> tuple[dict[str, list[tuple[str, str]]], str, dict[str, Any]]:
    count = draw(st.integers(1, 3))
    names = [f"S{i}" for i in range(count)]
    types: dict[str, list[tuple[str, str]]] = {}
    # Struct i references struct i + 1 (every struct reachable, as eth_account requires) and
    # may reference any later one: no cycles.
    for i in reversed(range(count)):
        members = []
        for j in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(_ATOMIC + names[i + 1 :]))
            suffix = draw(st.sampled_from(["", "", "", "[]", "[2]", "[][1]"]))
            members.append((f"f{j}", kind + suffix))
        if i + 1 < count:
            members.append(("next", names[i + 1] + draw(st.sampled_from(["", "[]", "[1]"]))))
        types[names[i]] = members
    return types, "S0", _value(draw, "S0", types)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_messages(), st.integers(0, 2**64), st.booleans())
def test_digest_equals_eth_account_on_random_structs(
    case: tuple[dict[str, list[tuple[str, str]]], str, dict[str, Any]],
    chain_id: int,
    with_salt: bool,
) -> None:
    types, primary, message = case
    domain: dict[str, Any] = {
        "name": "Tradewind",
        "chainId": chain_id,
        "verifyingContract": "0x" + "ab" * 20,
    }
    if with_salt:
        domain["salt"] = b"\x07" * 32
    ours = hash_typed_data(types, primary, domain, message)
    full = {
        "types": {
            "EIP712Domain": [
                {"name": n, "type": t}
                for n, t in (
                    ("name", "string"),
                    ("chainId", "uint256"),
                    ("verifyingContract", "address"),
                    ("salt", "bytes32"),
                )
                if n in domain
            ],
            **{s: [{"name": n, "type": t} for n, t in m] for s, m in types.items()},
        },
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }
    theirs = _hash_eip191_message(encode_typed_data(full_message=full))
    assert ours == theirs


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "message", "needle"),
    [
        ({"T": [("a", "uint8")]}, {"a": 256}, "out of range for uint8"),
        ({"T": [("a", "int8")]}, {"a": -129}, "out of range for int8"),
        ({"T": [("a", "address")]}, {"a": "0x1234"}, "not a 20-byte hex address"),
        ({"T": [("a", "bytes4")]}, {"a": b"abc"}, "bytes4 needs 4 bytes"),
        ({"T": [("a", "uint8[2]")]}, {"a": [1]}, "needs 2 items"),
        ({"T": [("a", "bool")]}, {"a": 1}, "expected a bool"),
        ({"T": [("a", "uint256")]}, {"a": True}, "got a bool"),
        ({"T": [("a", "uint256")]}, {}, "T.a: missing"),
        ({"T": [("a", "uint256")]}, {"a": 1, "b": 2}, "unknown field(s) b"),
        ({"T": [("a", "Missing")]}, {"a": 1}, "unknown type 'Missing'"),
        ({"T": [("a", "uint7")]}, {"a": 1}, "unknown type 'uint7'"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    types: dict[str, list[tuple[str, str]]], message: dict[str, Any], needle: str
) -> None:
    with pytest.raises(EIP712Error, match=None) as caught:
        hash_typed_data(types, "T", {"chainId": 1}, message)
    assert needle in str(caught.value)


def test_bad_domain_and_signature_are_refused() -> None:
    with pytest.raises(EIP712Error, match="unknown EIP712Domain field"):
        hash_typed_data(MAIL_TYPES, "Mail", {"chain": 1}, MAIL)
    with pytest.raises(EIP712Error, match="65 bytes"):
        Signature.from_bytes(b"\0" * 64)
    good = sign_digest(keccak(b"k"), keccak(b"d"))
    high_s = Signature(
        good.r,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - good.s,
        good.v ^ 1,
    )
    with pytest.raises(EIP712Error, match="high s"):
        Signature.from_bytes(high_s.to_bytes())
