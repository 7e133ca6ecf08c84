"""Field types of the FIX/JSON wire format: how each value travels and what it becomes.

    ClientAmount     "12.5"  -> Decimal > 0, at most 18 decimals (NAK bad_amount otherwise)
    DecimalText      Decimal <-> "12.5" (server-emitted amounts, any finite value)
    ChecksumAddress  EIP-55 "0x..." (NAK bad_address otherwise)
    ChainId          integer 1 .. 2**53-1 (NAK bad_chain_id otherwise)
    WireTimestamp    ISO-8601 UTC ("...T12:00:00.123Z") or integer ms -> integer ns;
                     emitted as ISO-8601 with milliseconds
    WireSide         "1" | "2" | "buy" | "sell" -> "buy" | "sell"

Client-side values are strict: a number where a string is expected (or the reverse) is a schema
error, never coerced, because the signature covers the exact text the client sent.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Literal

from eth_utils import is_checksum_address
from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "AMOUNT_MAX_DECIMALS",
    "ChainId",
    "ChecksumAddress",
    "ClientAmount",
    "ClientId",
    "CompId",
    "DecimalText",
    "HexPublicKey",
    "HexSignature",
    "IndexSymbol",
    "SeenSeqNum",
    "SeqNum",
    "WireSide",
    "WireTimestamp",
    "decimal_text",
    "is_checksummed",
    "iso_from_ns",
    "ns_from_wire_timestamp",
]

AMOUNT_MAX_DECIMALS = 18
"""ERC-20 tokens have at most 18 decimals; a finer amount cannot be settled."""

MAX_CHAIN_ID = 2**53 - 1
"""The largest chain id wallets accept (EIP-2294)."""

_AMOUNT = re.compile(rf"(0|[1-9][0-9]{{0,35}})(\.[0-9]{{1,{AMOUNT_MAX_DECIMALS}}})?")
_AMOUNT_PATTERN = rf"^(0|[1-9][0-9]{{0,35}})(\.[0-9]{{1,{AMOUNT_MAX_DECIMALS}}})?$"
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|\+00:00)")
_ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$"
_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def _string_or_schema_error(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a string")
    return value


def _client_amount(value: Any) -> Decimal:
    text = _string_or_schema_error(value)
    if len(text) > 64 or _AMOUNT.fullmatch(text) is None:
        raise PydanticCustomError(
            "bad_amount",
            "amount must be a plain decimal string with at most {places} decimals",
            {"places": AMOUNT_MAX_DECIMALS},
        )
    amount = Decimal(text)
    if amount <= 0:
        raise PydanticCustomError("bad_amount", "amount must be positive")
    return amount


def decimal_text(value: Decimal) -> str:
    """A Decimal as the wire writes it: plain notation, no exponent."""
    return format(value, "f")


def _decimal_value(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "Input should be a decimal string")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PydanticCustomError("decimal_type", "a decimal must be finite")
        return value
    text = _string_or_schema_error(value)
    if _DECIMAL.fullmatch(text) is None:
        raise PydanticCustomError("decimal_type", "Input should be a plain decimal string")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise PydanticCustomError("decimal_type", "Input should be a decimal string") from None


@lru_cache(maxsize=4096)
def is_checksummed(text: str) -> bool:
    """Whether ``text`` is an EIP-55 checksummed address (cached)."""
    # keccak per check is a large share of a frame's cost; clients reuse their address
    return _ADDRESS.fullmatch(text) is not None and bool(is_checksum_address(text))


def _checksum_address(value: Any) -> str:
    text = _string_or_schema_error(value)
    if not is_checksummed(text):
        raise PydanticCustomError("bad_address", "address must be an EIP-55 checksummed address")
    return text


def _chain_id(value: int) -> int:
    if not 1 <= value <= MAX_CHAIN_ID:
        raise PydanticCustomError(
            "bad_chain_id", "chain_id must be in 1..{top}", {"top": MAX_CHAIN_ID}
        )
    return value


def ns_from_wire_timestamp(value: Any) -> int:
    """Nanoseconds since the epoch of a wire timestamp: ISO-8601 UTC text or integer ms.
    Raises ``ValueError`` for anything else."""
    if isinstance(value, bool):
        raise ValueError("a timestamp is ISO-8601 UTC text or integer milliseconds")
    if isinstance(value, int):
        if not 0 <= value <= _MAX_MS:
            raise ValueError(f"timestamp {value} ms is out of range")
        return value * 1_000_000
    if not isinstance(value, str):
        raise ValueError("a timestamp is ISO-8601 UTC text or integer milliseconds")
    match = _ISO.fullmatch(value)
    if match is None:
        raise ValueError("a timestamp looks like 2025-01-31T12:00:00.000Z")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    fraction = (match.group(7) or "").ljust(9, "0")
    return calendar.timegm(when.utctimetuple()) * 1_000_000_000 + int(fraction)


def iso_from_ns(ns: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. ``2025-01-31T12:00:00.123Z``."""
    seconds, rest = divmod(ns, 1_000_000_000)
    when = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{rest // 1_000_000:03d}Z"


def _wire_timestamp(value: Any) -> int:
    try:
        return ns_from_wire_timestamp(value)
    except ValueError as exc:
        raise PydanticCustomError("timestamp_type", str(exc)) from None


def _side(value: Any) -> str:
    text = _string_or_schema_error(value)
    side = {"1": "buy", "buy": "buy", "2": "sell", "sell": "sell"}.get(text)
    if side is None:
        raise PydanticCustomError("side_type", 'side is "1" (buy), "2" (sell), "buy" or "sell"')
    return side


ClientAmount = Annotated[
    Decimal,
    PlainValidator(_client_amount),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _AMOUNT_PATTERN,
            "maxLength": 64,
            "description": f"Positive decimal, at most {AMOUNT_MAX_DECIMALS} decimals.",
        }
    ),
]
DecimalText = Annotated[
    Decimal,
    PlainValidator(_decimal_value),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _DECIMAL_PATTERN}),
]
ChecksumAddress = Annotated[
    str,
    PlainValidator(_checksum_address),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{40}$",
            "description": "EIP-55 checksummed address.",
        }
    ),
]
ChainId = Annotated[
    int,
    PlainValidator(lambda value: _chain_id(_strict_int(value))),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_CHAIN_ID}),
]
WireTimestamp = Annotated[
    int,
    PlainValidator(_wire_timestamp),
    PlainSerializer(iso_from_ns, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "pattern": _ISO_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": _MAX_MS},
            ],
            "description": "ISO-8601 UTC (emitted with milliseconds) or integer milliseconds.",
        }
    ),
]
WireSide = Annotated[
    Literal["buy", "sell"],
    PlainValidator(_side),
    WithJsonSchema({"type": "string", "enum": ["1", "2", "buy", "sell"]}),
]
SeqNum = Annotated[int, Field(strict=True, ge=1, le=2**63 - 1)]
# the last sequence number a client read; 0 when it read none
SeenSeqNum = Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]
CompId = Annotated[
    str, Field(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
]
ClientId = Annotated[
    str, Field(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
]
IndexSymbol = Annotated[
    str, Field(strict=True, min_length=1, max_length=20, pattern=r"^[A-Z0-9]+$")
]
HexPublicKey = Annotated[str, Field(strict=True, pattern=r"^0x[0-9a-fA-F]{128}$")]
HexSignature = Annotated[str, Field(strict=True, pattern=r"^0x[0-9a-fA-F]{130}$")]


def _strict_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value
