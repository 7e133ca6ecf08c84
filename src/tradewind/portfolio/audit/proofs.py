"""Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs.

Both verifiers take only what a client would hold (sizes, hashes, the proof) and never the tree:
they recompute the root(s) from the proof and compare. Any malformed input (a hash that is not 32
bytes, an index outside the tree, a proof too short or too long) is a rejection, never an exception
of another type.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradewind.portfolio.audit.merkle import HASH_SIZE, node_hash

__all__ = [
    "ProofError",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


class ProofError(ValueError):
    """A proof that does not prove what it claims; the message says why."""


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{name} must be a {HASH_SIZE}-byte hash, got {size}")


def _check_proof(proof: Sequence[bytes]) -> None:
    for i, element in enumerate(proof):
        _check_hash(f"proof[{i}]", element)


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that `proof` implies for `leaf_hash` at `leaf_index` in a tree of `tree_size`."""
    if leaf_index < 0 or tree_size < 0:
        raise ProofError(f"negative index or size: {leaf_index}, {tree_size}")
    if leaf_index >= tree_size:
        raise ProofError(f"leaf index {leaf_index} outside a tree of {tree_size} leaves")
    _check_hash("leaf hash", leaf_hash)
    _check_proof(proof)
    fn, sn, r = leaf_index, tree_size - 1, bytes(leaf_hash)
    for element in proof:
        if sn == 0:
            raise ProofError(f"proof has {len(proof)} elements: too long for this leaf and size")
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof has {len(proof)} elements: too short for this leaf and size")
    return r


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Accept (return) only if `proof` shows `leaf_hash` at `leaf_index` under `root`."""
    _check_hash("root", root)
    computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)
    if computed != root:
        raise ProofError(
            f"inclusion proof of leaf {leaf_index} in size {tree_size} yields root "
            f"{computed.hex()[:16]}…, expected {bytes(root).hex()[:16]}…"
        )


def verify_consistency(
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Accept (return) only if `proof` shows tree `first_size` is a prefix of tree `second_size`."""
    if first_size < 0 or second_size < 0:
        raise ProofError(f"negative tree size: {first_size}, {second_size}")
    if first_size > second_size:
        raise ProofError(f"first size {first_size} exceeds second size {second_size}")
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    _check_proof(proof)
    if first_size == second_size:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if first_root != second_root:
            raise ProofError(f"equal sizes {first_size} but different roots")
        return
    if first_size == 0:
        # Every tree extends the empty tree; there is nothing to prove and nothing may be sent.
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError(f"empty proof between sizes {first_size} and {second_size}")
    path = list(proof)
    if first_size & (first_size - 1) == 0:
        path.insert(0, bytes(first_root))
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError(f"proof has {len(proof)} elements: too long for these sizes")
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof has {len(proof)} elements: too short for these sizes")
    if fr != first_root:
        raise ProofError(f"proof does not reproduce the root of size {first_size}")
    if sr != second_root:
        raise ProofError(f"proof does not reproduce the root of size {second_size}")
