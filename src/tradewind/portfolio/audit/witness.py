"""The witness: the latest signed tree head, kept outside the store it vouches for.

Heads saved in the store can be deleted together with the leaves and ledger rows they cover,
so after every audited write the new head is also written to a witness file (one per tenant,
JSON, mode 0600, replaced atomically). ``tradewind audit verify`` proves that the witnessed head
is a prefix of the current tree; truncating the store, deleting its heads or rewriting its
history all break that proof. Copy the witness directory off the host (or point it at a mount
the portfolio's database users cannot write) for the witness to mean more than the store.

    {"tenant", "tree_size", "root_hash", "timestamp_ms", "key_id", "public_key", "signature"}
    (hashes, keys and signature as lower-case hex)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tradewind.portfolio.audit.tree_head import SignedTreeHead
from tradewind.portfolio.store.tenancy import validate_tenant_id

__all__ = [
    "DEFAULT_WITNESS_DIR",
    "WITNESS_DIR_ENV",
    "InvalidWitness",
    "read_witness",
    "witness_path",
    "write_witness",
]

WITNESS_DIR_ENV = "TRADEWIND_AUDIT_WITNESS_DIR"
DEFAULT_WITNESS_DIR = Path("var/audit_witness")


class InvalidWitness(ValueError):
    """A witness file that cannot be read as a signed tree head."""


def witness_path(tenant: str, directory: Path | None = None) -> Path:
    """The witness file of ``tenant`` in ``directory`` (default: $TRADEWIND_AUDIT_WITNESS_DIR or
    var/audit_witness)."""
    base = directory or Path(os.environ.get(WITNESS_DIR_ENV) or DEFAULT_WITNESS_DIR)
    return base / f"{validate_tenant_id(tenant)}.sth.json"


def write_witness(path: Path, head: SignedTreeHead) -> None:
    """Replace the witness at ``path`` with ``head`` (atomic rename, file mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "tenant": head.tenant,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "timestamp_ms": head.timestamp_ms,
        "key_id": head.key_id,
        "public_key": head.public_key.hex(),
        "signature": head.signature.hex(),
    }
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(body, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def read_witness(path: Path) -> SignedTreeHead:
    """The head in the witness file at ``path``; ``InvalidWitness`` when unreadable."""
    try:
        body: Any = json.loads(path.read_text())
        return SignedTreeHead(
            tenant=str(body["tenant"]),
            tree_size=int(body["tree_size"]),
            root_hash=bytes.fromhex(body["root_hash"]),
            timestamp_ms=int(body["timestamp_ms"]),
            key_id=str(body["key_id"]),
            public_key=bytes.fromhex(body["public_key"]),
            signature=bytes.fromhex(body["signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidWitness(f"witness {path} is unreadable: {exc}") from None
