"""Corruption probes in the style of transparency-dev/merkle's verifier tests.

For each known-good proof, every probe (wrong index, wrong size, a flipped bit in each proof
element, a truncated or extended proof, a replaced root or leaf) must be rejected; the good proof
must be accepted. Then the same over generated trees, and hypothesis properties for random sizes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.portfolio.audit.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from tradewind.portfolio.audit.proofs import (
    ProofError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

from .vectors import CONSISTENCY_PROOFS, INCLUSION_PROOFS, LEAF_INPUTS, ROOTS

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    element = bytearray(proof[i])
    element[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:i], bytes(element), *proof[i + 1 :]]


def inclusion_probes(
    index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
) -> list[tuple[str, Callable[[], None]]]:
    """Every corrupted variant of a good inclusion proof, as (description, check) pairs."""

    def probe(i: int, n: int, lf: bytes, p: list[bytes], r: bytes) -> Callable[[], None]:
        return lambda: verify_inclusion(i, n, lf, p, r)

    # No "size + 1" probe: a path often has the same shape in the next tree size, and the size
    # is authenticated by the signed tree head, not by the path (transparency-dev likewise
    # probes only size * 2 and size / 2).
    probes = [
        ("index - 1", probe(index - 1, size, leaf, proof, root)),
        ("index + 1", probe(index + 1, size, leaf, proof, root)),
        ("index ^ 2", probe(index ^ 2, size, leaf, proof, root)),
        ("size * 2", probe(index, size * 2, leaf, proof, root)),
        ("size / 2", probe(index, size // 2, leaf, proof, root)),
        ("wrong leaf", probe(index, size, b"WrongLeaf", proof, root)),
        ("other leaf", probe(index, size, leaf_hash(b"other"), proof, root)),
        ("empty root", probe(index, size, leaf, proof, EMPTY_ROOT)),
        ("random root", probe(index, size, leaf, proof, SOME_HASH)),
        ("trailing garbage", probe(index, size, leaf, [*proof, b""], root)),
        ("trailing root", probe(index, size, leaf, [*proof, root], root)),
        ("preceding garbage", probe(index, size, leaf, [b"", *proof], root)),
        ("preceding root", probe(index, size, leaf, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        for bit in range(256):
            probes.append(
                (f"proof[{i}] bit {bit}", probe(index, size, leaf, _flip(proof, i, bit), root))
            )
    if proof:
        probes.append(("truncated", probe(index, size, leaf, proof[:-1], root)))
        probes.append(("first element dropped", probe(index, size, leaf, proof[1:], root)))
    if len(proof) > 1:
        inserted = [proof[0], SOME_HASH, *proof[1:]]
        probes.append(("inserted element", probe(index, size, leaf, inserted, root)))
        probes.append(
            ("swapped elements", probe(index, size, leaf, [proof[1], proof[0], *proof[2:]], root))
        )
    # An index below zero is meaningless; the probe list keeps it only where index > 0.
    return [(d, f) for d, f in probes if not (d == "index - 1" and index == 0)]


def consistency_probes(
    first: int, second: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[tuple[str, Callable[[], None]]]:
    """Every corrupted variant of a good (non-trivial) consistency proof."""

    def probe(m: int, n: int, r1: bytes, r2: bytes, p: list[bytes]) -> Callable[[], None]:
        return lambda: verify_consistency(m, n, r1, r2, p)

    probes = [
        ("size1 - 1", probe(first - 1, second, root1, root2, proof)),
        ("size1 + 1", probe(first + 1, second, root1, root2, proof)),
        ("size1 ^ 2", probe(first ^ 2, second, root1, root2, proof)),
        ("size2 * 2", probe(first, second * 2, root1, root2, proof)),
        ("size2 / 2", probe(first, second // 2, root1, root2, proof)),
        ("wrong root1", probe(first, second, b"WrongRoot", root2, proof)),
        ("wrong root2", probe(first, second, root1, b"WrongRoot", proof)),
        ("random root1", probe(first, second, SOME_HASH, root2, proof)),
        ("random root2", probe(first, second, root1, SOME_HASH, proof)),
        ("swapped roots", probe(first, second, root2, root1, proof)),
        ("empty proof", probe(first, second, root1, root2, [])),
        ("trailing garbage", probe(first, second, root1, root2, [*proof, b""])),
        ("trailing root1", probe(first, second, root1, root2, [*proof, root1])),
        ("trailing root2", probe(first, second, root1, root2, [*proof, root2])),
        ("preceding garbage", probe(first, second, root1, root2, [b"", *proof])),
        ("preceding root1", probe(first, second, root1, root2, [root1, *proof])),
        ("preceding root2", probe(first, second, root1, root2, [root2, *proof])),
        ("preceding proof[0]", probe(first, second, root1, root2, [proof[0], *proof])),
        ("truncated", probe(first, second, root1, root2, proof[:-1])),
    ]
    for i in range(len(proof)):
        for bit in range(256):
            probes.append(
                (f"proof[{i}] bit {bit}", probe(first, second, root1, root2, _flip(proof, i, bit)))
            )
    return [(d, f) for d, f in probes if "size1 - 1" not in d or first > 1]


def _accepted(probes: list[tuple[str, Callable[[], None]]]) -> list[str]:
    wrong = []
    for description, check in probes:
        try:
            check()
        except ProofError:
            continue
        wrong.append(description)
    return wrong


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_published_inclusion_proofs_verify_and_every_probe_is_rejected(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf = leaf_hash(LEAF_INPUTS[index])
    root = ROOTS[size]
    assert root_from_inclusion_proof(index, size, leaf, proof) == root
    verify_inclusion(index, size, leaf, proof, root)
    assert _accepted(inclusion_probes(index, size, leaf, proof, root)) == []


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY_PROOFS)
def test_published_consistency_proofs_verify_and_every_probe_is_rejected(
    first: int, second: int, proof: list[bytes]
) -> None:
    verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)
    if proof:  # trivial proofs (equal sizes) have nothing to corrupt
        probes = consistency_probes(first, second, ROOTS[first], ROOTS[second], proof)
        assert _accepted(probes) == []


def test_probe_harness_would_notice_an_accepting_verifier() -> None:
    # Guards the harness itself: a verifier that accepts everything must show up as "wrong".
    assert _accepted([("always ok", lambda: None)]) == ["always ok"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 16, 31, 33])
def test_probes_on_generated_trees(size: int) -> None:
    tree = MerkleTree(leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    root = tree.root()
    for index in sorted({0, size // 2, size - 1}):
        proof = tree.inclusion_proof(index)
        leaf = tree.leaf_hash_at(index)
        verify_inclusion(index, size, leaf, proof, root)
        assert _accepted(inclusion_probes(index, size, leaf, proof, root)) == [], (index, size)
    for first in sorted({1, size // 2, size - 1} - {0, size}):
        proof = tree.consistency_proof(first)
        verify_consistency(first, size, tree.root(first), root, proof)
        probes = consistency_probes(first, size, tree.root(first), root, proof)
        assert _accepted(probes) == [], (first, size)


def test_single_entry_tree_edge_cases() -> None:
    # In a 1-leaf tree the root is the leaf hash and the audit path is empty.
    hashed = leaf_hash(b"data")
    verify_inclusion(0, 1, hashed, [], hashed)
    for leaf, root in [(hashed, b""), (b"", hashed), (b"", b"")]:
        with pytest.raises(ProofError):
            verify_inclusion(0, 1, leaf, [], root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (1, 1)])
def test_inclusion_with_index_outside_tree_is_rejected(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)


def test_trivial_consistency_cases() -> None:
    r1, r2 = leaf_hash(b"1"), leaf_hash(b"2")
    # Always consistent: equal sizes with equal roots, and anything from the empty tree.
    verify_consistency(0, 0, r1, r1, [])
    verify_consistency(0, 1, r1, r2, [])
    verify_consistency(1, 1, r2, r2, [])
    rejected = [
        (0, 0, r1, r2, []),  # equal sizes, different roots
        (1, 1, r1, r2, []),
        (1, 0, r1, r2, []),  # time travel to the past
        (2, 1, r1, r2, []),
        (1, 2, r1, r2, []),  # a real extension with an empty proof
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),  # roots match but a proof was sent
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
    ]
    for first, second, root1, root2, proof in rejected:
        with pytest.raises(ProofError):
            verify_consistency(first, second, root1, root2, proof)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_inclusion_and_consistency_proof_verifies(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=300), label="n")
    m = data.draw(st.integers(min_value=0, max_value=n), label="m")
    index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
    tree = MerkleTree(leaf_hash(i.to_bytes(3, "big")) for i in range(n))
    verify_inclusion(index, n, tree.leaf_hash_at(index), tree.inclusion_proof(index), tree.root())
    verify_consistency(m, n, tree.root(m), tree.root(), tree.consistency_proof(m))
    if m:
        inner = data.draw(st.integers(min_value=0, max_value=m - 1), label="inner")
        # A leaf of the old tree is provable under the old root, from the grown tree's store.
        verify_inclusion(
            inner, m, tree.leaf_hash_at(inner), tree.inclusion_proof(inner, m), tree.root(m)
        )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=200), st.data())
def test_a_changed_leaf_breaks_consistency_with_the_old_head(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=1, max_value=n - 1), label="m")
    changed = data.draw(st.integers(min_value=0, max_value=m - 1), label="changed")
    hashes = [leaf_hash(i.to_bytes(3, "big")) for i in range(n)]
    old_root = MerkleTree(hashes[:m]).root()
    hashes[changed] = leaf_hash(b"tampered")
    tampered = MerkleTree(hashes)
    with pytest.raises(ProofError):
        verify_consistency(m, n, old_root, tampered.root(), tampered.consistency_proof(m))
