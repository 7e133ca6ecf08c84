"""Known-answer tests: roots, subtree hashes and proofs of the published RFC 6962 test tree."""

from __future__ import annotations

import hashlib

import pytest

from tradewind.portfolio.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    TreeSizeError,
    leaf_hash,
    node_hash,
)

from .vectors import (
    CONSISTENCY_PROOFS,
    EMPTY_ROOT_HEX,
    INCLUSION_PROOFS,
    LEAF_INPUTS,
    NODE_HASHES,
    ROOTS,
)


def _tree(n: int = 8) -> MerkleTree:
    return MerkleTree(leaf_hash(data) for data in LEAF_INPUTS[:n])


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == EMPTY_ROOT_HEX
    assert MerkleTree().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_use_rfc6962_prefixes() -> None:
    # leaf "" -> SHA-256(0x00); the published level-0 hash of leaf 0 is exactly that.
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest() == NODE_HASHES[0][0]
    assert node_hash(NODE_HASHES[0][0], NODE_HASHES[0][1]) == NODE_HASHES[1][0]
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix_matches_published_root(size: int) -> None:
    assert _tree(8).root(size) == ROOTS[size]
    assert _tree(size).root() == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_roots_do_not_depend_on_how_leaves_were_appended(size: int) -> None:
    one_by_one = MerkleTree()
    for data in LEAF_INPUTS[:size]:
        one_by_one.append(data)
    assert one_by_one.root() == ROOTS[size]


def test_complete_subtree_hashes_match_published_node_hashes() -> None:
    tree = _tree(8)
    for level, hashes in enumerate(NODE_HASHES):
        for i, expected in enumerate(hashes):
            width = 1 << level
            # A complete aligned subtree is a tree of its own: its root is the node hash.
            sub = MerkleTree(tree.leaf_hash_at(j) for j in range(i * width, (i + 1) * width))
            assert sub.root() == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proofs_match_published_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert _tree(8).inclusion_proof(index, size) == proof


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proofs_match_published_vectors(
    first: int, second: int, proof: list[bytes]
) -> None:
    assert _tree(8).consistency_proof(first, second) == proof


def test_out_of_range_requests_raise() -> None:
    tree = _tree(5)
    with pytest.raises(TreeSizeError):
        tree.root(6)
    with pytest.raises(TreeSizeError):
        tree.inclusion_proof(5, 5)
    with pytest.raises(TreeSizeError):
        tree.inclusion_proof(0, 0)
    with pytest.raises(TreeSizeError):
        tree.consistency_proof(4, 3)
    with pytest.raises(TreeSizeError):
        tree.leaf_hash_at(-1)


def test_wrong_length_leaf_hash_is_refused_and_leaves_tree_unchanged() -> None:
    tree = _tree(3)
    with pytest.raises(ValueError, match="32 bytes"):
        tree.append_hash(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend_hashes([leaf_hash(b"ok"), b"x" * 33])  # the good one must not slip in
    assert tree.size == 3
    assert tree.root() == ROOTS[3]
