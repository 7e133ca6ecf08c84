"""Signed tree heads: what the signature covers, key pinning, and the key file."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tradewind.portfolio.audit.merkle import EMPTY_ROOT, leaf_hash
from tradewind.portfolio.audit.tree_head import (
    TreeHeadSignatureError,
    TreeHeadSigner,
    key_id_of,
    load_or_create_signing_key,
    load_public_key,
    tree_head_message,
    verify_tree_head,
)

ROOT = leaf_hash(b"root")


def test_signed_head_verifies_under_its_key_and_the_pinned_key() -> None:
    signer = TreeHeadSigner.generate()
    head = signer.sign("acme", 7, ROOT, 1_700_000_000_000)
    verify_tree_head(head)
    verify_tree_head(head, signer.public_key)
    assert head.key_id == key_id_of(signer.public_key)


@pytest.mark.parametrize(
    "change",
    [
        {"tenant": "other"},
        {"tree_size": 8},
        {"root_hash": EMPTY_ROOT},
        {"timestamp_ms": 1_700_000_000_001},
    ],
)
def test_any_changed_field_breaks_the_signature(change: dict[str, object]) -> None:
    head = TreeHeadSigner.generate().sign("acme", 7, ROOT, 1_700_000_000_000)
    with pytest.raises(TreeHeadSignatureError):
        verify_tree_head(dataclasses.replace(head, **change))  # type: ignore[arg-type]


def test_every_flipped_signature_bit_is_rejected() -> None:
    head = TreeHeadSigner.generate().sign("acme", 3, ROOT, 5)
    for bit in range(len(head.signature) * 8):
        signature = bytearray(head.signature)
        signature[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(TreeHeadSignatureError):
            verify_tree_head(dataclasses.replace(head, signature=bytes(signature)))


def test_head_resigned_by_another_key_fails_against_the_pinned_key() -> None:
    trusted, forger = TreeHeadSigner.generate(), TreeHeadSigner.generate()
    forged = forger.sign("acme", 7, ROOT, 1)
    verify_tree_head(forged)  # self-consistent …
    with pytest.raises(TreeHeadSignatureError, match="not the trusted key"):
        verify_tree_head(forged, trusted.public_key)  # … but not from the trusted signer
    # Swapping in the trusted public key does not help the forger either.
    swapped = dataclasses.replace(
        forged, public_key=trusted.public_key, key_id=key_id_of(trusted.public_key)
    )
    with pytest.raises(TreeHeadSignatureError, match="signature invalid"):
        verify_tree_head(swapped, trusted.public_key)


def test_message_layout_is_fixed() -> None:
    message = tree_head_message("t1", 2, ROOT, 3)
    # domain (23) + length byte + "t1" + size (8) + time (8) + root (32)
    assert message == (
        b"tradewind-audit-sth-v1\x00"
        + b"\x02t1"
        + (2).to_bytes(8, "big")
        + (3).to_bytes(8, "big")
        + ROOT
    )
    with pytest.raises(ValueError):
        tree_head_message("t1", 2, b"short", 3)
    with pytest.raises(ValueError):
        tree_head_message("", 2, ROOT, 3)


def test_key_file_is_created_private_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_signing_key(path)
    assert again.public_key == first.public_key
    assert load_public_key(path) == first.public_key
    public_pem = tmp_path / "audit.pub.pem"
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public_pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert load_public_key(public_pem) == first.public_key


def test_non_ed25519_key_file_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_signing_key(path)
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(path)
