"""Errors of the event follower: bad filters and stores are ValueErrors, node trouble is not."""

from __future__ import annotations

from tradewind.chain.tx.errors import ChainIdMismatchError

__all__ = [
    "ChainIdMismatchError",
    "FollowerRpcError",
    "FollowerStateError",
    "InvalidEventFilterError",
    "InvalidFollowerConfigError",
]


class InvalidEventFilterError(ValueError):
    """An event filter is malformed (address, ABI entry, name) or duplicates another."""


class InvalidFollowerConfigError(ValueError):
    """A follower setting is out of range (confirmations, poll interval, block range, ...)."""


class FollowerStateError(ValueError):
    """A stored follower state cannot be used (corrupt, or written for another chain)."""


class FollowerRpcError(RuntimeError):
    """The node answered a follower request with a JSON-RPC error object."""

    def __init__(self, method: str, error: object) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
