"""Across relayer-refund leaves and the Merkle tree their root bundle commits to.

    RelayerRefundLeaf(amount_to_return, chain_id, refund_amounts, leaf_id, token, addresses)
    leaf_hash(leaf)                  keccak256(abi.encode(leaf)), as MerkleLib.verifyRelayerRefund
    RefundTree(leaves).root / .proof(index)

The tree is OpenZeppelin's (MerkleProof v4): pairs are hashed sorted, so a proof is just the
sibling hashes from the leaf up; an odd node is carried up unchanged. One leaf: root = its hash,
empty proof. Amounts are token base units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = ["RefundTree", "RelayerRefundLeaf", "leaf_hash"]

_LEAF_TYPE = "(uint256,uint256,uint256[],uint32,address,address[])"


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayerRefundLeaf:
    """SpokePoolInterface.RelayerRefundLeaf: who gets how much of ``token`` on ``chain_id``."""

    amount_to_return: int
    chain_id: int
    refund_amounts: tuple[int, ...]
    leaf_id: int
    token: str
    refund_addresses: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.refund_amounts) != len(self.refund_addresses):
            raise ValueError("refund_amounts and refund_addresses differ in length")
        if any(amount < 0 for amount in self.refund_amounts) or self.amount_to_return < 0:
            raise ValueError("refund amounts must be >= 0")

    def as_abi_tuple(self) -> tuple[object, ...]:
        return (
            self.amount_to_return,
            self.chain_id,
            list(self.refund_amounts),
            self.leaf_id,
            to_checksum_address(self.token),
            [to_checksum_address(a) for a in self.refund_addresses],
        )


def leaf_hash(leaf: RelayerRefundLeaf) -> bytes:
    return keccak(abi_encode([_LEAF_TYPE], [leaf.as_abi_tuple()]))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


class RefundTree:
    """The Merkle tree of a root bundle's relayer-refund leaves (sorted-pair hashing)."""

    def __init__(self, leaves: Sequence[RelayerRefundLeaf]) -> None:
        if not leaves:
            raise ValueError("a refund tree needs at least one leaf")
        self.leaves = tuple(leaves)
        level = [leaf_hash(leaf) for leaf in self.leaves]
        self._levels = [level]
        while len(level) > 1:
            level = [
                _pair(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                for i in range(0, len(level), 2)
            ]
            self._levels.append(level)

    @property
    def root(self) -> bytes:
        return self._levels[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """Sibling hashes from leaf ``index`` up to the root."""
        proof: list[bytes] = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof
