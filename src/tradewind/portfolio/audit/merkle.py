"""RFC 6962 / RFC 9162 Merkle tree hashing, kept so that any prefix's root and proofs are cheap.

    leaf_hash(d)    = SHA-256(0x00 || d)
    node_hash(l, r) = SHA-256(0x01 || l || r)
    MTH({})         = SHA-256("")
    MTH(D[n])       = node_hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

`MerkleTree` stores the hash of every complete, aligned subtree (level k holds the subtrees of
2**k leaves), each level one contiguous bytearray of 32-byte hashes. Any RFC subtree of any prefix
is then one stored hash plus at most log2(n) combinations on its right edge, so roots, audit paths
(inclusion proofs) and consistency proofs of any tree size up to `size` cost O(log² n) hashes.
Building from n leaf hashes costs n - 1 node hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "TreeSizeError",
    "leaf_hash",
    "node_hash",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class TreeSizeError(ValueError):
    """A leaf index or tree size outside the tree (or an impossible pair of sizes)."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class MerkleTree:
    """An append-only RFC 6962 tree over leaf hashes (32 bytes each); proofs for any prefix."""

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend_hashes(leaf_hashes)

    # -- growing ----------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0]) // HASH_SIZE

    def append(self, data: bytes) -> int:
        """Append a leaf by its data; returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, hashed_leaf: bytes) -> int:
        """Append a leaf by its (already computed) leaf hash; returns its index."""
        index = self.size
        self.extend_hashes([hashed_leaf])
        return index

    def extend_hashes(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes, then hash each newly completed subtree once."""
        hashes = leaf_hashes if isinstance(leaf_hashes, list | tuple) else list(leaf_hashes)
        if not hashes:
            return
        # Checked before any change, so a bad hash leaves the tree as it was.
        for hashed in hashes:
            if len(hashed) != HASH_SIZE:
                raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(hashed)}")
        self._levels[0] += b"".join(hashes)
        sha256 = hashlib.sha256
        level = 0
        while True:
            below = self._levels[level]
            pairs = len(below) // (2 * HASH_SIZE)
            if pairs == 0:
                break
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            above = self._levels[level + 1]
            done = len(above) // HASH_SIZE
            if done == pairs:
                break
            # Siblings are adjacent in the level's buffer, so 0x01 || left || right is one slice.
            view = memoryview(below)
            parts = [
                sha256(_NODE_PREFIX + view[i * 64 : i * 64 + 64]).digest()
                for i in range(done, pairs)
            ]
            view.release()
            above += b"".join(parts)
            level += 1

    # -- reading ----------------------------------------------------------------------------
    def leaf_hash_at(self, index: int) -> bytes:
        """The leaf hash stored at `index`."""
        if not 0 <= index < self.size:
            raise TreeSizeError(f"leaf index {index} outside a tree of {self.size} leaves")
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def leaf_hashes(self) -> list[bytes]:
        """Every leaf hash in order."""
        base = self._levels[0]
        return [bytes(base[i : i + HASH_SIZE]) for i in range(0, len(base), HASH_SIZE)]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (default: all); the empty tree's root is SHA-256("")."""
        size = self._check_size(size)
        return EMPTY_ROOT if size == 0 else self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 audit path of leaf `index` in the tree of the first `size` leaves."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise TreeSizeError(f"leaf index {index} outside a tree of {size} leaves")
        path: list[bytes] = []
        start, width, m = 0, size, index
        while width > 1:
            k = _split(width)
            if m < k:
                path.append(self._subtree(start + k, width - k))
                width = k
            else:
                path.append(self._subtree(start, k))
                start, width, m = start + k, width - k, m - k
        path.reverse()  # collected root-down; the proof lists siblings leaf-up
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 proof that the first `old_size` leaves are a prefix of `new_size`.

        Empty when old_size is 0 or equal to new_size (nothing to prove).
        """
        new_size = self._check_size(new_size)
        if not 0 <= old_size <= new_size:
            raise TreeSizeError(f"old size {old_size} must lie in [0, {new_size}]")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, width, m, complete = 0, new_size, old_size, True
        while m != width:
            k = _split(width)
            if m <= k:
                proof.append(self._subtree(start + k, width - k))
                width = k
            else:
                proof.append(self._subtree(start, k))
                start, width, m, complete = start + k, width - k, m - k, False
        if not complete:
            proof.append(self._subtree(start, width))
        proof.reverse()
        return proof

    # -- internals --------------------------------------------------------------------------
    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise TreeSizeError(f"tree size {size} outside [0, {self.size}]")
        return size

    def _subtree(self, start: int, width: int) -> bytes:
        """MTH of leaves [start, start + width); RFC subtrees only (left parts are aligned)."""
        # Walk down the right edge: each step's left part is a complete aligned subtree.
        lefts: list[bytes] = []
        while width & (width - 1):  # not a power of two
            k = _split(width)
            lefts.append(self._complete(start, k))
            start, width = start + k, width - k
        result = self._complete(start, width)
        for left in reversed(lefts):
            result = node_hash(left, result)
        return result

    def _complete(self, start: int, width: int) -> bytes:
        level = width.bit_length() - 1
        offset = (start >> level) * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])
