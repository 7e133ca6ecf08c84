"""Raw ``eth_getLogs`` entries to decoded events, or to a logged refusal that changes nothing.

A log is accepted only when it comes from the expected chain, from an address with a filter,
carries that filter's event topic and exactly as many topics as the event has indexed
parameters, and its data decodes with the ABI. Anything else is dropped with one structured log
line ``chain.event_ignored reason=<wrong_chain|removed|malformed|unknown_address|unknown_topic|
topic_count|decode_failed>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_hash.auto import keccak

from tradewind.chain.events.errors import InvalidEventFilterError
from tradewind.chain.events.model import EventFilter, abi_type_string
from tradewind.common.logging import get_logger

__all__ = ["DecodedLog", "LogDecoder", "RawLog"]

RawLog = Mapping[str, Any]
"""One entry of an ``eth_getLogs`` reply, as JSON (hex strings)."""

_log = get_logger("chain.events")


def _is_hashed_when_indexed(abi_type: str) -> bool:
    # Indexed dynamic values and tuples are stored as their keccak hash, not their value.
    return abi_type.endswith("]") or abi_type in ("string", "bytes") or abi_type.startswith("(")


@dataclass(frozen=True, slots=True)
class DecodedLog:
    """A log that matched a filter: its position, decoded args, and the raw entry (kept for
    persistence). ``timestamp_s`` is the block time when the node includes it in logs."""

    filter: EventFilter
    args: Mapping[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    timestamp_s: int | None
    raw: RawLog


@lru_cache(maxsize=65_536)
def _checksum(lower_hex40: str) -> str:
    # EIP-55; cached because the same few addresses (tokens, users) recur in every block.
    digest = keccak(lower_hex40.encode("ascii")).hex()
    return "0x" + "".join(
        char.upper() if int(digest[i], 16) >= 8 else char for i, char in enumerate(lower_hex40)
    )


def _checksum_address(value: str) -> str:
    return _checksum(value.removeprefix("0x").lower())


_ZERO_12 = bytes(12)
_INT_TYPE = re.compile(r"(u?)int(\d*)")
_BYTES_N = re.compile(r"bytes(\d+)")
WordDecoder = Callable[[bytes], Any]


def _word_decoder(abi_type: str) -> WordDecoder | None:
    """A strict decoder of one 32-byte word of a static type, or None for other types.

    Same checks as eth_abi's strict mode (clean padding, range), a fraction of its cost."""
    if abi_type == "address":

        def address(word: bytes) -> str:
            if word[:12] != _ZERO_12:
                raise ValueError("address word has non-zero high bytes")
            return _checksum(word[12:].hex())

        return address
    if abi_type == "bool":

        def boolean(word: bytes) -> bool:
            value = int.from_bytes(word, "big")
            if value > 1:
                raise ValueError(f"bool word is {value}")
            return value == 1

        return boolean
    integer = _INT_TYPE.fullmatch(abi_type)
    if integer:
        bits = int(integer.group(2) or 256)
        if integer.group(1):

            def unsigned(word: bytes) -> int:
                value = int.from_bytes(word, "big")
                if value >> bits:
                    raise ValueError(f"{abi_type} out of range: {value}")
                return value

            return unsigned
        low, high = -(1 << (bits - 1)), 1 << (bits - 1)

        def signed(word: bytes) -> int:
            value = int.from_bytes(word, "big", signed=True)
            if not low <= value < high:
                raise ValueError(f"{abi_type} out of range: {value}")
            return value

        return signed
    fixed = _BYTES_N.fullmatch(abi_type)
    if fixed and 1 <= int(fixed.group(1)) <= 32:
        size = int(fixed.group(1))
        padding = bytes(32 - size)

        def fixed_bytes(word: bytes) -> bytes:
            if word[size:] != padding:
                raise ValueError(f"{abi_type} word has non-zero padding")
            return word[:size]

        return fixed_bytes
    return None


@dataclass(frozen=True, slots=True)
class _Plan:
    filter: EventFilter
    indexed: tuple[tuple[str, str, WordDecoder | None], ...]  # None: a hash of the value
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    data_words: tuple[WordDecoder, ...] | None  # all data params are one static word each


def _plan(event_filter: EventFilter) -> _Plan:
    indexed: list[tuple[str, str, WordDecoder | None]] = []
    names: list[str] = []
    types: list[str] = []
    for i, param in enumerate(event_filter.event_abi.get("inputs", ())):
        name = str(param.get("name") or f"arg{i}")
        kind = abi_type_string(param)
        if param.get("indexed"):
            decoder = None if _is_hashed_when_indexed(kind) else _word_decoder(kind)
            if decoder is None and not _is_hashed_when_indexed(kind):
                raise InvalidEventFilterError(f"{event_filter.name!r}: cannot decode {kind}")
            indexed.append((name, kind, decoder))
        else:
            names.append(name)
            types.append(kind)
    words = [_word_decoder(kind) for kind in types]
    data_words = None if any(w is None for w in words) else tuple(w for w in words if w)
    return _Plan(event_filter, tuple(indexed), tuple(names), tuple(types), data_words)


def _normalise(value: Any, abi_type: str) -> Any:
    if abi_type == "address":
        return _checksum_address(value)
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return tuple(_normalise(v, inner) for v in value)
    if abi_type.startswith("("):
        return tuple(_normalise(v, t) for v, t in zip(value, _split_tuple(abi_type), strict=True))
    return value


def _split_tuple(abi_type: str) -> list[str]:
    body = abi_type[1 : abi_type.rindex(")")]
    parts: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if body:
        parts.append(body[start:])
    return parts


def _hex_bytes(value: object) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not 0x-hex: {value!r}")
    return bytes.fromhex(value[2:])


def _hex_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    raise ValueError(f"not a hex quantity: {value!r}")


class LogDecoder:
    """Decodes the logs of one chain against a set of event filters (one per address+event)."""

    def __init__(self, chain_id: int, filters: Iterable[EventFilter]) -> None:
        self._chain_id = chain_id
        self._plans: dict[tuple[str, str], _Plan] = {}
        self._addresses: set[str] = set()
        for event_filter in filters:
            if not isinstance(event_filter, EventFilter):
                raise InvalidEventFilterError(f"not an EventFilter: {event_filter!r}")
            key = (event_filter.address.lower(), event_filter.topic0)
            if key in self._plans:
                raise InvalidEventFilterError(
                    f"filters {self._plans[key].filter.name!r} and {event_filter.name!r} both "
                    f"follow {event_filter.signature} at {event_filter.address}"
                )
            self._plans[key] = _plan(event_filter)
            self._addresses.add(event_filter.address.lower())
        if not self._plans:
            raise InvalidEventFilterError("a follower needs at least one event filter")

    @property
    def addresses(self) -> list[str]:
        """Followed addresses, checksummed, sorted."""
        return sorted({plan.filter.address for plan in self._plans.values()})

    @property
    def topics(self) -> list[str]:
        """Followed event topics (0x-hex), sorted."""
        return sorted({topic for _, topic in self._plans})

    def _ignore(self, reason: str, raw: RawLog, source_chain_id: int, detail: str = "") -> None:
        _log.warning(
            "chain.event_ignored",
            reason=reason,
            chain_id=source_chain_id,
            expected_chain_id=self._chain_id,
            address=raw.get("address"),
            tx_hash=raw.get("transactionHash"),
            log_index=raw.get("logIndex"),
            block_number=raw.get("blockNumber"),
            detail=detail or None,
        )

    def decode(self, raw: RawLog, source_chain_id: int) -> DecodedLog | None:
        """The decoded log, or None after logging why it was ignored."""
        if source_chain_id != self._chain_id:
            self._ignore("wrong_chain", raw, source_chain_id)
            return None
        if raw.get("removed") is True:
            self._ignore("removed", raw, source_chain_id)
            return None
        try:
            address = str(raw["address"]).lower()
            topics = [str(t).lower() for t in raw["topics"]]
            data = _hex_bytes(raw["data"])
            block_number = _hex_int(raw["blockNumber"])
            log_index = _hex_int(raw["logIndex"])
            block_hash = str(raw["blockHash"]).lower()
            tx_hash = str(raw["transactionHash"]).lower()
            if len(block_hash) != 66 or len(tx_hash) != 66:
                raise ValueError("block or transaction hash is not 32 bytes")
            stamp = raw.get("blockTimestamp")
            timestamp_s = _hex_int(stamp) if stamp is not None else None
        except (KeyError, TypeError, ValueError) as exc:
            self._ignore("malformed", raw, source_chain_id, str(exc))
            return None
        if address not in self._addresses:
            self._ignore("unknown_address", raw, source_chain_id)
            return None
        plan = self._plans.get((address, topics[0])) if topics else None
        if plan is None:
            self._ignore("unknown_topic", raw, source_chain_id, topics[0] if topics else "")
            return None
        if len(topics) != 1 + len(plan.indexed):
            self._ignore(
                "topic_count",
                raw,
                source_chain_id,
                f"{len(topics)} topics, {plan.filter.signature} has {1 + len(plan.indexed)}",
            )
            return None
        try:
            args = self._decode_args(plan, topics[1:], data)
        except (DecodingError, ValueError, TypeError, OverflowError) as exc:
            self._ignore("decode_failed", raw, source_chain_id, str(exc))
            return None
        return DecodedLog(
            filter=plan.filter,
            args=args,
            block_number=block_number,
            block_hash=block_hash,
            tx_hash=tx_hash,
            log_index=log_index,
            timestamp_s=timestamp_s,
            raw=raw,
        )

    @staticmethod
    def _decode_args(plan: _Plan, topics: Sequence[str], data: bytes) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, _, word_decoder), topic in zip(plan.indexed, topics, strict=True):
            word = _hex_bytes(topic)
            if len(word) != 32:
                raise ValueError(f"topic of {name} is not 32 bytes")
            # A hashed (dynamic) value: only its keccak hash is in the log.
            args[name] = word if word_decoder is None else word_decoder(word)
        if plan.data_words is not None and plan.data_types:
            if len(data) != 32 * len(plan.data_words):
                raise ValueError(f"{len(data)} data bytes for {len(plan.data_words)} words")
            for i, (name, word_decoder) in enumerate(
                zip(plan.data_names, plan.data_words, strict=True)
            ):
                args[name] = word_decoder(data[32 * i : 32 * i + 32])
        elif plan.data_types:
            values = abi_decode(list(plan.data_types), data, strict=True)
            for name, kind, value in zip(plan.data_names, plan.data_types, values, strict=True):
                args[name] = _normalise(value, kind)
        elif data:
            raise ValueError(f"{plan.filter.signature} has no data, the log has {len(data)} bytes")
        return args
