"""What the follower watches for and what it emits.

EventFilter                 one contract event to follow: address + ABI entry + a name for it
EventKey                    (chain id, tx hash, log index, block hash): one log in one block
ChainEvent (core Event)     a decoded log: addresses checksummed, integers as int, bytes as bytes
  ├─ ChainEventSeen         in a block, not yet ``confirmations`` deep
  ├─ ChainEventConfirmed    ``confirmations`` deep; emitted once per key, and once per
  │                         (chain id, tx hash, log index) even if a reorg re-includes the tx
  └─ ChainEventRetracted    a seen event whose block left the canonical chain before its depth
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import event_abi_to_log_topic, is_address, to_checksum_address

from tradewind.chain.events.errors import InvalidEventFilterError
from tradewind.core.messages import Event

__all__ = [
    "ChainEvent",
    "ChainEventConfirmed",
    "ChainEventRetracted",
    "ChainEventSeen",
    "EventFilter",
    "EventKey",
]


def abi_type_string(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a parameter (tuples spelled out, as in signatures)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type_string(c) for c in param.get("components", ()))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@dataclass(frozen=True, slots=True)
class EventFilter:
    """One event of one contract to follow. ``address`` is checksummed on construction;
    ``event_abi`` is the event's ABI entry (non-anonymous); ``name`` labels the stream."""

    address: str
    event_abi: Mapping[str, Any] = field(repr=False)
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.address, str) or not is_address(self.address):
            raise InvalidEventFilterError(
                f"EventFilter.address is not an address: {self.address!r}"
            )
        object.__setattr__(self, "address", to_checksum_address(self.address))
        abi = self.event_abi
        if not isinstance(abi, Mapping) or abi.get("type") != "event" or not abi.get("name"):
            raise InvalidEventFilterError(f"EventFilter {self.name!r}: not an event ABI entry")
        if abi.get("anonymous"):
            raise InvalidEventFilterError(
                f"EventFilter {self.name!r}: anonymous events have no topic to filter on"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidEventFilterError("EventFilter.name must be a non-empty string")
        try:
            for param in abi.get("inputs", ()):
                abi_type_string(param)
            event_abi_to_log_topic(dict(abi))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidEventFilterError(
                f"EventFilter {self.name!r}: malformed event ABI ({exc})"
            ) from None

    @property
    def event_name(self) -> str:
        return str(self.event_abi["name"])

    @property
    def signature(self) -> str:
        types = ",".join(abi_type_string(p) for p in self.event_abi.get("inputs", ()))
        return f"{self.event_name}({types})"

    @property
    def topic0(self) -> str:
        """The event's signature hash, 0x-hex lower case."""
        return "0x" + event_abi_to_log_topic(dict(self.event_abi)).hex()  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class EventKey:
    """One log in one block: hashes 0x-hex lower case."""

    chain_id: int
    tx_hash: str
    log_index: int
    block_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainEvent(Event):
    """A decoded contract event. ``ts_event``: the block's timestamp in ns when the node gives
    it, else when the follower saw the log; ``args`` by ABI parameter name (read-only)."""

    chain_id: int
    filter_name: str
    event_name: str
    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    args: Mapping[str, Any] = field(hash=False)

    @property
    def key(self) -> EventKey:
        return EventKey(self.chain_id, self.tx_hash, self.log_index, self.block_hash)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainEventSeen(ChainEvent):
    """The event is in a canonical block that is not yet ``confirmations`` deep."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainEventConfirmed(ChainEvent):
    """The event's block is ``confirmations`` deep (1 = the block itself): act on it."""

    confirmations: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainEventRetracted(ChainEvent):
    """A seen event's block was dropped from the canonical chain before it was confirmed."""
