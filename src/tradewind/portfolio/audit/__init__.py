"""Tamper-evident audit log of the ledger: an RFC 6962 Merkle log per tenant with signed heads.

merkle.py     hashing, MerkleTree (roots, inclusion and consistency proofs of any prefix)
proofs.py     RFC 9162 proof verification (what a client holding only hashes can check)
tree_head.py  Ed25519-signed tree heads and the signing key
schema.py     audit_leaves, audit_tree_heads (tenant-scoped, same database as the ledger)
log.py        AuditLog: append (the ledger's on_write hook), publish heads, proofs
verify.py     ledger vs log, entry by entry; heads vs current tree; problems named
cli.py        `tradewind audit verify|head`
"""

from __future__ import annotations

from tradewind.portfolio.audit.log import AuditLog, AuditLogCorruptError, LogSnapshot
from tradewind.portfolio.audit.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, node_hash
from tradewind.portfolio.audit.proofs import (
    ProofError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from tradewind.portfolio.audit.tree_head import (
    SignedTreeHead,
    TreeHeadSignatureError,
    TreeHeadSigner,
    load_or_create_signing_key,
    load_public_key,
    verify_tree_head,
)
from tradewind.portfolio.audit.verify import (
    AuditProblem,
    ProblemKind,
    VerifyReport,
    compare_entries,
    verify,
)

__all__ = [
    "EMPTY_ROOT",
    "AuditLog",
    "AuditLogCorruptError",
    "AuditProblem",
    "LogSnapshot",
    "MerkleTree",
    "ProblemKind",
    "ProofError",
    "SignedTreeHead",
    "TreeHeadSignatureError",
    "TreeHeadSigner",
    "VerifyReport",
    "compare_entries",
    "leaf_hash",
    "load_or_create_signing_key",
    "load_public_key",
    "node_hash",
    "root_from_inclusion_proof",
    "verify",
    "verify_consistency",
    "verify_inclusion",
    "verify_tree_head",
]
