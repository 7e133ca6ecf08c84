"""Signed tree heads: (tenant, size, root, timestamp) signed with Ed25519, and the signing key.

The signed message is a fixed binary layout (cf. RFC 6962 §3.5's TreeHeadSignature), so a head
can be checked by any Ed25519 implementation:

    b"tradewind-audit-sth-v1\\x00" || len(tenant) (1 byte) || tenant (ASCII)
    || tree_size (8 bytes, big-endian) || timestamp_ms (8 bytes, big-endian) || root (32 bytes)

The tenant is inside the signature so a head of one tenant cannot be passed off as another's.
Each tenant has its own key (``signing_key_path``: ``$TRADEWIND_AUDIT_KEY_DIR/<tenant>.pem``,
default ``var/audit_keys``), so one leaked key does not let its holder re-sign every tenant's
history.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tradewind.portfolio.audit.merkle import HASH_SIZE

__all__ = [
    "DEFAULT_KEY_DIR",
    "KEY_DIR_ENV",
    "SignedTreeHead",
    "TreeHeadSignatureError",
    "TreeHeadSigner",
    "key_id_of",
    "load_or_create_signing_key",
    "load_public_key",
    "signing_key_path",
    "tree_head_message",
    "verify_tree_head",
]

KEY_DIR_ENV = "TRADEWIND_AUDIT_KEY_DIR"
DEFAULT_KEY_DIR = Path("var/audit_keys")
_DOMAIN = b"tradewind-audit-sth-v1\x00"


class TreeHeadSignatureError(ValueError):
    """A tree head whose signature does not verify under the expected key."""


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A signed statement: the tenant's log had `tree_size` leaves and `root_hash` at a time.

    `key_id` is the hex SHA-256 of the raw 32-byte Ed25519 public key; `public_key` is that key.
    """

    tenant: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    key_id: str
    public_key: bytes
    signature: bytes

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return tree_head_message(self.tenant, self.tree_size, self.root_hash, self.timestamp_ms)


def tree_head_message(tenant: str, tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The canonical signed bytes of a tree head (layout in the module docstring)."""
    encoded = tenant.encode("ascii")
    if not 1 <= len(encoded) <= 255:
        raise ValueError(f"tenant id must be 1-255 ASCII bytes, got {tenant!r}")
    if len(root_hash) != HASH_SIZE:
        raise ValueError(f"root hash must be {HASH_SIZE} bytes, got {len(root_hash)}")
    if tree_size < 0 or timestamp_ms < 0:
        raise ValueError(f"tree size and timestamp must be >= 0: {tree_size}, {timestamp_ms}")
    return b"".join(
        [
            _DOMAIN,
            len(encoded).to_bytes(1, "big"),
            encoded,
            tree_size.to_bytes(8, "big"),
            timestamp_ms.to_bytes(8, "big"),
            bytes(root_hash),
        ]
    )


def signing_key_path(tenant: str, directory: Path | None = None) -> Path:
    """The signing key file of ``tenant``: ``<directory>/<tenant>.pem`` (default directory:
    $TRADEWIND_AUDIT_KEY_DIR or var/audit_keys). ``ValueError`` for an unusable tenant id."""
    if not tenant or not all(c.isascii() and (c.isalnum() or c in "_.-") for c in tenant):
        raise ValueError(f"tenant id may use only letters, digits, '_', '.', '-': {tenant!r}")
    if tenant in (".", ".."):
        raise ValueError(f"tenant id {tenant!r} cannot name a key file")
    base = directory or Path(os.environ.get(KEY_DIR_ENV) or DEFAULT_KEY_DIR)
    return base / f"{tenant}.pem"


def key_id_of(public_key: bytes) -> str:
    """Hex SHA-256 of a raw Ed25519 public key."""
    return hashlib.sha256(public_key).hexdigest()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class TreeHeadSigner:
    """Signs tree heads with one Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._public = _raw_public(private_key.public_key())

    @classmethod
    def generate(cls) -> TreeHeadSigner:
        """A signer with a fresh random key (tests, first start)."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    @property
    def key_id(self) -> str:
        """Hex SHA-256 of the public key."""
        return key_id_of(self._public)

    def sign(
        self, tenant: str, tree_size: int, root_hash: bytes, timestamp_ms: int
    ) -> SignedTreeHead:
        """Sign (tenant, size, root, time)."""
        message = tree_head_message(tenant, tree_size, root_hash, timestamp_ms)
        return SignedTreeHead(
            tenant=tenant,
            tree_size=tree_size,
            root_hash=bytes(root_hash),
            timestamp_ms=timestamp_ms,
            key_id=self.key_id,
            public_key=self._public,
            signature=self._key.sign(message),
        )


def verify_tree_head(head: SignedTreeHead, trusted_public_key: bytes | None = None) -> None:
    """Accept only a head whose signature verifies; under `trusted_public_key` when given.

    Without a trusted key the head's own recorded key is used, which proves integrity of the
    head but not who signed it.
    """
    public = head.public_key if trusted_public_key is None else trusted_public_key
    if trusted_public_key is not None and head.public_key != trusted_public_key:
        raise TreeHeadSignatureError(
            f"tree head of size {head.tree_size} was signed by key {head.key_id[:16]}…, "
            f"not the trusted key {key_id_of(trusted_public_key)[:16]}…"
        )
    if head.key_id != key_id_of(head.public_key):
        raise TreeHeadSignatureError(
            f"tree head of size {head.tree_size}: key id does not match key"
        )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(head.signature, head.message())
    except (InvalidSignature, ValueError):
        raise TreeHeadSignatureError(
            f"tree head of size {head.tree_size} at {head.timestamp_ms}: signature invalid"
        ) from None


def load_or_create_signing_key(path: Path) -> TreeHeadSigner:
    """The signer of the PEM (PKCS#8, unencrypted) key at `path`; created (mode 0600) if absent."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return TreeHeadSigner(key)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never overwrite a key another process created meanwhile.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return TreeHeadSigner(key)


def load_public_key(path: Path) -> bytes:
    """The raw Ed25519 public key from a PEM file holding either the private or the public key."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return _raw_public(private.public_key())
    public = serialization.load_pem_public_key(data)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return _raw_public(public)
