"""Messages to and from bytes: the serialisation boundary every out-of-process bus reuses.

Wire format (JSON, UTF-8): ``{"type": "<registered name>", "v": 1, "data": {<fields>}}``.
Decimals travel as strings (exact), enums as their values, tuples as arrays, nested dataclasses
as objects. Decoding is driven by each registered class's type hints and is strict: an unknown
type, a missing or extra field, or a value of the wrong shape raises CodecError.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from tradewind.core import commands, events, market, reports
from tradewind.core.errors import DomainValueError
from tradewind.core.messages import Message

__all__ = ["WIRE_VERSION", "CodecError", "MessageCodec", "core_codec", "core_message_types"]

WIRE_VERSION = 1

_Decoder = Callable[[Any, str], Any]


class CodecError(ValueError):
    """Bytes could not become a message (or a message could not become bytes); says where."""


def _encode_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class MessageCodec:
    """A registry of message types by wire name, with encode/decode between them and bytes."""

    def __init__(self, message_types: Iterable[type[Message]] = ()) -> None:
        self._by_name: dict[str, type[Message]] = {}
        self._name_of: dict[type[Message], str] = {}
        self._decoders: dict[type[Any], _Decoder] = {}
        for message_type in message_types:
            self.register(message_type)

    def register(self, message_type: type[Message], name: str | None = None) -> None:
        """Register ``message_type`` under ``name`` (its class name by default)."""
        wire_name = name or message_type.__name__
        if not (isinstance(message_type, type) and issubclass(message_type, Message)):
            raise TypeError(f"{message_type!r} is not a Message dataclass")
        known = self._by_name.get(wire_name)
        if known is not None and known is not message_type:
            raise ValueError(f"wire name {wire_name!r} already names {known.__qualname__}")
        if message_type in self._name_of and self._name_of[message_type] != wire_name:
            raise ValueError(f"{message_type.__qualname__} is already registered")
        self._decoders[message_type] = self._dataclass_decoder(message_type)
        self._by_name[wire_name] = message_type
        self._name_of[message_type] = wire_name

    @property
    def types(self) -> Mapping[str, type[Message]]:
        """Registered types by wire name."""
        return dict(self._by_name)

    def name_of(self, message_type: type[Message]) -> str:
        """The wire name of a registered type; CodecError if it is not registered."""
        try:
            return self._name_of[message_type]
        except KeyError:
            raise CodecError(f"{message_type.__qualname__} is not registered") from None

    def encode(self, message: Message) -> bytes:
        """The message as wire bytes."""
        envelope = {"type": self.name_of(type(message)), "v": WIRE_VERSION, "data": message}
        try:
            return orjson.dumps(envelope, default=_encode_default)
        except TypeError as exc:
            raise CodecError(f"{type(message).__name__}: {exc}") from exc

    def decode(self, data: bytes) -> Message:
        """The message in ``data``; CodecError naming the problem if it is not a valid one."""
        try:
            envelope = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise CodecError(f"not JSON: {exc}") from exc
        if not isinstance(envelope, dict) or set(envelope) != {"type", "v", "data"}:
            raise CodecError("expected an object with exactly 'type', 'v' and 'data'")
        if envelope["v"] != WIRE_VERSION:
            raise CodecError(f"wire version {envelope['v']!r} is not {WIRE_VERSION}")
        message_type = self._by_name.get(envelope["type"])
        if message_type is None:
            raise CodecError(f"unknown message type {envelope['type']!r}")
        decoded: Message = self._decoders[message_type](envelope["data"], message_type.__name__)
        return decoded

    # -- decoders built once per type from its hints ------------------------------------------

    def _decoder_for(self, hint: Any) -> _Decoder:
        if hint is Decimal:
            return _decode_decimal
        if hint is bool:
            return _exact_type(bool)
        if hint is int:
            return _decode_int
        if hint is str:
            return _exact_type(str)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return _enum_decoder(hint)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            if hint not in self._decoders:
                self._decoders[hint] = self._dataclass_decoder(hint)
            return self._decoders[hint]
        origin = typing.get_origin(hint)
        arguments = typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            members = [arg for arg in arguments if arg is not type(None)]
            if len(members) == 1 and len(arguments) == 2:
                return _optional_decoder(self._decoder_for(members[0]))
        if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
            return _tuple_decoder(self._decoder_for(arguments[0]))
        raise TypeError(f"the codec cannot carry fields of type {hint!r}")

    def _dataclass_decoder(self, cls: type[Any]) -> _Decoder:
        hints = typing.get_type_hints(cls)
        plan = {
            field.name: self._decoder_for(hints[field.name])
            for field in dataclasses.fields(cls)
            if field.init
        }
        required = {
            field.name
            for field in dataclasses.fields(cls)
            if field.init
            and field.default is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        }

        def decode(value: Any, where: str) -> Any:
            if not isinstance(value, dict):
                raise CodecError(f"{where}: expected an object, got {type(value).__name__}")
            extra = set(value) - set(plan)
            if extra:
                raise CodecError(f"{where}: unknown fields {sorted(extra)}")
            missing = required - set(value)
            if missing:
                raise CodecError(f"{where}: missing fields {sorted(missing)}")
            kwargs = {name: plan[name](raw, f"{where}.{name}") for name, raw in value.items()}
            try:
                return cls(**kwargs)
            except (DomainValueError, TypeError) as exc:
                raise CodecError(f"{where}: {exc}") from exc

        return decode


def _decode_decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        # a JSON number would have gone through a float somewhere; refuse it
        raise CodecError(f"{where}: expected a decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CodecError(f"{where}: {value!r} is not a decimal") from None
    if not number.is_finite():
        raise CodecError(f"{where}: {value!r} is not finite")
    return number


def _decode_int(value: Any, where: str) -> int:
    if type(value) is not int:
        raise CodecError(f"{where}: expected an integer, got {value!r}")
    return value


def _exact_type(kind: type[Any]) -> _Decoder:
    def decode(value: Any, where: str) -> Any:
        if type(value) is not kind:
            raise CodecError(f"{where}: expected {kind.__name__}, got {value!r}")
        return value

    return decode


def _enum_decoder(kind: type[enum.Enum]) -> _Decoder:
    def decode(value: Any, where: str) -> Any:
        try:
            return kind(value)
        except ValueError:
            raise CodecError(f"{where}: {value!r} is not a {kind.__name__}") from None

    return decode


def _optional_decoder(inner: _Decoder) -> _Decoder:
    def decode(value: Any, where: str) -> Any:
        return None if value is None else inner(value, where)

    return decode


def _tuple_decoder(inner: _Decoder) -> _Decoder:
    def decode(value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise CodecError(f"{where}: expected an array, got {type(value).__name__}")
        return tuple(inner(item, f"{where}[{index}]") for index, item in enumerate(value))

    return decode


def core_message_types() -> tuple[type[Message], ...]:
    """Every concrete message type of tradewind.core (events, market data, commands, reports)."""
    found: list[type[Message]] = []
    for module in (events, market, commands, reports):
        for name in module.__all__:
            candidate = getattr(module, name)
            if isinstance(candidate, type) and issubclass(candidate, Message):
                found.append(candidate)
    # OrderEvent is an abstract grouping: nothing is ever published as a bare OrderEvent
    return tuple(kind for kind in found if kind is not events.OrderEvent)


def core_codec() -> MessageCodec:
    """A codec with every core message type registered under its class name."""
    return MessageCodec(core_message_types())
