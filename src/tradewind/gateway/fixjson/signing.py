"""Signing FIX/JSON messages: EIP-191 ``personal_sign`` over the message's canonical form.

Canonical form: the message without ``standard_trailer``, as JSON with sorted keys, separators
``(",", ":")``, no whitespace, non-ASCII characters as themselves, UTF-8 encoded. The trailer holds
``public_key`` (0x + 128 hex: the 64-byte uncompressed secp256k1 key, without the 0x04 prefix) and
``signature`` (0x + 130 hex: r, s, v with v 27/28 as wallets write it; 0/1 also accepted).

A signature is valid when it recovers to the trailer's public key with a low s (EIP-2: the other
s of the pair would be a second valid signature of the same message), and the message is from
``address`` when that public key hashes to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eth_keys.datatypes import PrivateKey, PublicKey, Signature
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak

from tradewind.gateway.fixjson.rejections import MessageRejected, RejectReason

__all__ = [
    "PrivateKeyLike",
    "address_of",
    "as_private_key",
    "canonical_bytes",
    "public_key_hex",
    "recover_signer",
    "sign_message",
    "signing_digest",
    "verify_message",
]

TRAILER = "standard_trailer"

PrivateKeyLike = str | bytes | PrivateKey
"""A secp256k1 private key: 0x-hex text, 32 raw bytes or an ``eth_keys`` key."""

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def canonical_bytes(body: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: ``body`` without its trailer, sorted compact JSON, UTF-8.
    Raises ``ValueError`` for values JSON cannot carry exactly (NaN, infinities)."""
    unsigned = {key: value for key, value in body.items() if key != TRAILER}
    text = json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def signing_digest(body: Mapping[str, Any]) -> bytes:
    """The EIP-191 (version 0x45) hash a signature of ``body`` signs: keccak256 of
    ``"\\x19Ethereum Signed Message:\\n" + len + canonical bytes``."""
    payload = canonical_bytes(body)
    prefix = b"\x19Ethereum Signed Message:\n" + str(len(payload)).encode("ascii")
    return keccak(prefix + payload)


def as_private_key(key: PrivateKeyLike) -> PrivateKey:
    """``key`` as an ``eth_keys`` private key."""
    if isinstance(key, PrivateKey):
        return key
    raw = bytes.fromhex(key.removeprefix("0x")) if isinstance(key, str) else key
    return PrivateKey(raw)


def public_key_hex(private_key: PrivateKeyLike) -> str:
    """The trailer's ``public_key`` for ``private_key``: 0x + 128 hex."""
    return as_private_key(private_key).public_key.to_hex()


def address_of(private_key: PrivateKeyLike) -> str:
    """The EIP-55 address of ``private_key``."""
    return str(as_private_key(private_key).public_key.to_checksum_address())


def sign_message(body: Mapping[str, Any], private_key: PrivateKeyLike) -> dict[str, Any]:
    """A copy of ``body`` with ``standard_trailer`` filled: ``personal_sign`` of the canonical
    form by ``private_key``. An existing trailer is replaced."""
    key = as_private_key(private_key)
    # eth_keys signs the EIP-191 digest directly (what Account.sign_message does, without
    # building an account per message): canonical low-s, v as 27/28
    v, r, s = key.sign_msg_hash(signing_digest(body)).vrs
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([27 + v])
    message = {name: value for name, value in body.items() if name != TRAILER}
    message[TRAILER] = {"public_key": key.public_key.to_hex(), "signature": "0x" + signature.hex()}
    return message


def _hex_bytes(value: Any, size: int, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 2 + 2 * size:
        raise MessageRejected(RejectReason.BAD_SIGNATURE, f"{what} must be 0x + {2 * size} hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise MessageRejected(
            RejectReason.BAD_SIGNATURE, f"{what} must be 0x + {2 * size} hex"
        ) from None


def _recovered_public_key(signature: bytes, digest: bytes) -> bytes:
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if v not in (0, 1) or not 0 < r < _SECP256K1_N or not 0 < s <= _SECP256K1_N // 2:
        raise MessageRejected(RejectReason.BAD_SIGNATURE, "signature has an invalid r, s or v")
    try:
        recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValidationError, ValueError):
        raise MessageRejected(RejectReason.BAD_SIGNATURE, "signature does not recover") from None
    return bytes(recovered.to_bytes())


def recover_signer(body: Mapping[str, Any]) -> str:
    """The EIP-55 address of the key that signed ``body`` (its trailer's public key, once the
    signature is shown to be that key's signature of this exact message).

    Raises ``MessageRejected``: ``unsigned`` (no trailer), ``bad_signature`` (malformed trailer,
    or not the trailer key's signature of this message)."""
    trailer = body.get(TRAILER)
    if trailer is None:
        raise MessageRejected(RejectReason.UNSIGNED, "standard_trailer is required")
    if not isinstance(trailer, Mapping):
        raise MessageRejected(RejectReason.BAD_SIGNATURE, "standard_trailer must be an object")
    public_key = _hex_bytes(trailer.get("public_key"), 64, "public_key")
    signature = _hex_bytes(trailer.get("signature"), 65, "signature")
    try:
        digest = signing_digest(body)
    except (TypeError, ValueError):
        raise MessageRejected(RejectReason.BAD_SIGNATURE, "message has no canonical form") from None
    if _recovered_public_key(signature, digest) != public_key:
        raise MessageRejected(
            RejectReason.BAD_SIGNATURE, "signature is not public_key's signature of this message"
        )
    return str(PublicKey(public_key).to_checksum_address())


def verify_message(body: Mapping[str, Any]) -> str:
    """The EIP-55 address that signed a client message ``body``; it equals ``body["address"]``.

    Raises ``MessageRejected``: ``unsigned``, ``bad_signature`` (see ``recover_signer``),
    ``signer_mismatch`` (a valid signature, but by a key that is not ``address``'s)."""
    signer = recover_signer(body)
    if signer != body.get("address"):
        raise MessageRejected(
            RejectReason.SIGNER_MISMATCH, f"message is signed by {signer}, not by its address"
        )
    return signer
