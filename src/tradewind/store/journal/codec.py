"""Declarative records: one annotation per field gives its validation, encoding and decoding.

    Id = Annotated[str, Text(r"^[\\x21-\\x7e]{1,128}$", "1-128 visible ASCII characters")]

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Deposited(Event):
        KIND: ClassVar[str] = "deposited"
        deposit_id: Id
        amount: Annotated[Decimal, DecimalField(minimum="positive")]
        ts: Annotated[int, TIMESTAMP_NS]

    Record        frozen dataclass: every field checked on construction, to_dict / from_dict
      └─ Event    + KIND tag, unique ``key``, compact sorted-key JSON (to_json / from_json)
    EventCodec    decodes the JSON of any of a set of Event kinds

A ``FieldType`` knows three things about a value: what makes it valid (``problem``), its JSON
form (``encode``) and how to read that form back strictly (``decode``: a wrong JSON type is
refused before the value is built). Rules that span fields go in ``_check_record``.
JSON form: Decimals as strings (``format(value, "f")``: exact, never a float), integers as
integers, enums as their values, nested records as objects, tuples as arrays. Decoding refuses a
missing or an unknown field. Errors are the record's ``Invalid`` class (a ``ValueError``) and
read ``"<kind or class>.<field>: <problem>"``. Cost: one pass over the fields per construction.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

__all__ = [
    "TIMESTAMP_NS",
    "DecimalField",
    "EnumField",
    "Event",
    "EventCodec",
    "FieldType",
    "Integer",
    "InvalidRecord",
    "Nested",
    "Record",
    "Text",
    "TupleOf",
    "load_json_object",
]

E = TypeVar("E", bound="Event")


class InvalidRecord(ValueError):
    """A record with a bad field, or JSON that is not one; names the record and the field."""


class FieldProblem(ValueError):
    """Raised by a FieldType: what is wrong with one value (the record adds its name)."""


class FieldType:
    """How one field is checked, written to JSON and read back."""

    def problem(self, value: object) -> str | None:
        """None if ``value`` is valid, else what is wrong with it."""
        raise NotImplementedError

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, data: Any) -> Any:
        """The value of JSON ``data`` (checked later by the record); raises FieldProblem."""
        return data


class Text(FieldType):
    """A string matching ``pattern`` and passing ``validate`` (which raises ValueError)."""

    def __init__(
        self,
        pattern: str | None,
        describe: str,
        validate: Callable[[str], object] | None = None,
    ) -> None:
        self._pattern = re.compile(pattern) if pattern is not None else None
        self._describe = describe
        self._validate = validate

    def problem(self, value: object) -> str | None:
        if not isinstance(value, str) or (
            self._pattern is not None and not self._pattern.match(value)
        ):
            return f"must be {self._describe}, got {value!r}"
        if self._validate is not None:
            try:
                self._validate(value)
            except ValueError as exc:
                return str(exc)
        return None

    def decode(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise FieldProblem(f"must be a string, got {data!r}")
        return data


class Integer(FieldType):
    """An int (never a bool) of at least ``minimum``."""

    def __init__(self, minimum: int | None, describe: str) -> None:
        self._minimum = minimum
        self._describe = describe

    def problem(self, value: object) -> str | None:
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or (self._minimum is not None and value < self._minimum)
        ):
            return f"must be {self._describe}, got {value!r}"
        return None

    def decode(self, data: Any) -> Any:
        if not isinstance(data, int) or isinstance(data, bool):
            raise FieldProblem(f"must be an integer, got {data!r}")
        return data


TIMESTAMP_NS = Integer(0, "integer nanoseconds >= 0")
"""A timestamp in integer nanoseconds since the epoch."""


class DecimalField(FieldType):
    """A finite Decimal, > 0 (``positive``), >= 0 (``non_negative``) or of any sign."""

    def __init__(self, minimum: Literal["positive", "non_negative", "any"] = "positive") -> None:
        self._minimum = minimum

    def problem(self, value: object) -> str | None:
        if not isinstance(value, Decimal) or not value.is_finite():
            return f"must be a finite Decimal, got {value!r}"
        if self._minimum == "positive" and value <= 0:
            return f"must be > 0, got {value}"
        if self._minimum == "non_negative" and value < 0:
            return f"must be >= 0, got {value}"
        return None

    def encode(self, value: Any) -> Any:
        return format(value, "f")

    def decode(self, data: Any) -> Any:
        if not isinstance(data, str):
            # a JSON number would have passed through a float somewhere: refuse it
            raise FieldProblem(f"must be a decimal string, got {data!r}")
        try:
            return Decimal(data)
        except InvalidOperation:
            raise FieldProblem(f"not a decimal number: {data!r}") from None


class EnumField(FieldType):
    """A member of ``kind``; its value in JSON."""

    def __init__(self, kind: type[enum.Enum]) -> None:
        self._kind = kind

    def problem(self, value: object) -> str | None:
        if not isinstance(value, self._kind):
            return f"must be an {self._kind.__name__}, got {value!r}"
        return None

    def encode(self, value: Any) -> Any:
        return value.value

    def decode(self, data: Any) -> Any:
        try:
            return self._kind(data)
        except ValueError:
            allowed = " or ".join(repr(member.value) for member in self._kind)
            raise FieldProblem(f"must be {allowed}, got {data!r}") from None


class Nested(FieldType):
    """A record of type ``kind`` (subclasses allowed); an object in JSON."""

    def __init__(self, kind: type[Record]) -> None:
        self._kind = kind

    @property
    def kind(self) -> type[Record]:
        return self._kind

    def problem(self, value: object) -> str | None:
        if not isinstance(value, self._kind):
            return f"must be an {self._kind.__name__}, got {value!r}"
        return None

    def encode(self, value: Any) -> Any:
        return value.to_dict()

    def decode(self, data: Any) -> Any:
        return self._kind.from_dict(data)


class TupleOf(FieldType):
    """A tuple of ``item`` values (an array in JSON); with ``unique_by``, no two items share
    that key."""

    def __init__(
        self,
        item: Nested,
        unique_by: Callable[[Any], object] | None = None,
    ) -> None:
        self._item = item
        self._unique_by = unique_by

    def problem(self, value: object) -> str | None:
        if not isinstance(value, tuple) or any(self._item.problem(i) for i in value):
            return f"must be a tuple of {self._item.kind.__name__}"
        if self._unique_by is not None:
            seen: set[object] = set()
            for key in map(self._unique_by, value):
                if key in seen:
                    return f"{key!r} appears twice"
                seen.add(key)
        return None

    def encode(self, value: Any) -> Any:
        return [self._item.encode(i) for i in value]

    def decode(self, data: Any) -> Any:
        if not isinstance(data, list):
            raise FieldProblem(f"must be a list, got {data!r}")
        return tuple(self._item.decode(i) for i in data)


_SCHEMAS: dict[type[Any], tuple[tuple[str, FieldType], ...]] = {}


def _schema(cls: type[Record]) -> tuple[tuple[str, FieldType], ...]:
    """Each dataclass field of ``cls`` with the FieldType of its ``Annotated`` hint (worked out
    once per class: hints are resolved lazily so records may name classes defined after them)."""
    known = _SCHEMAS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls, include_extras=True)
    schema: list[tuple[str, FieldType]] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        types = [m for m in getattr(hints[field.name], "__metadata__", ()) if _is_type(m)]
        if len(types) != 1:
            raise TypeError(f"{cls.__qualname__}.{field.name}: annotate it with one FieldType")
        schema.append((field.name, types[0]))
    _SCHEMAS[cls] = tuple(schema)
    return _SCHEMAS[cls]


def _is_type(marker: object) -> bool:
    return isinstance(marker, FieldType)


class Record:
    """Base of declarative frozen dataclasses: fields checked on construction, dict codec."""

    __slots__ = ()
    Invalid: ClassVar[type[InvalidRecord]] = InvalidRecord

    @classmethod
    def _owner(cls) -> str:
        """The name errors give: an event's kind, else the class name."""
        return cls.__name__

    def _fail(self, field: str, problem: str) -> InvalidRecord:
        return self.Invalid(f"{self._owner()}.{field}: {problem}")

    def __post_init__(self) -> None:
        for name, kind in _schema(type(self)):
            problem = kind.problem(getattr(self, name))
            if problem is not None:
                raise self._fail(name, problem)
        self._check_record()

    def _check_record(self) -> None:
        """Rules across fields (each field is valid on its own when this runs)."""

    def to_dict(self) -> dict[str, Any]:
        return {name: kind.encode(getattr(self, name)) for name, kind in _schema(type(self))}

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """The record ``to_dict`` gave; every field present, none unknown, right JSON types."""
        owner = cls._owner()
        if not isinstance(data, dict):
            raise cls.Invalid(f"{owner}: expected a JSON object, got {type(data).__name__}")
        schema = _schema(cls)
        names = {name for name, _ in schema}
        missing = sorted(names - set(data))
        if missing:
            raise cls.Invalid(f"{owner}.{missing[0]}: missing")
        extra = sorted(set(data) - names)
        if extra:
            raise cls.Invalid(f"{owner}.{extra[0]}: unknown field")
        values: dict[str, Any] = {}
        for name, kind in schema:
            try:
                values[name] = kind.decode(data[name])
            except FieldProblem as exc:
                raise cls.Invalid(f"{owner}.{name}: {exc}") from None
        return cls(**values)


def load_json_object(
    text: str | bytes, invalid: type[InvalidRecord] = InvalidRecord
) -> dict[str, Any]:
    """``text`` parsed as a JSON object (JSON numbers with a fraction as Decimal)."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError) as exc:
        raise invalid(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise invalid("an event is a JSON object")
    return data


class Event(Record):
    """A Record with a ``KIND`` tag, a unique ``key`` and a ``ts`` field (integer ns since the
    epoch, declared by each event); journaled as compact sorted-key JSON."""

    __slots__ = ()
    KIND: ClassVar[str]
    ts: int  # declared as a field by each event class

    @classmethod
    def _owner(cls) -> str:
        return cls.KIND

    @property
    def key(self) -> str:
        """What makes this event unique: a journal stores each key once."""
        raise NotImplementedError

    def to_json(self) -> str:
        """Compact JSON with sorted keys, tagged ``kind``."""
        return json.dumps(
            {"kind": self.KIND, **self.to_dict()}, sort_keys=True, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """The event ``to_json`` gave; raises ``Invalid``."""
        return cls._from_object(load_json_object(text, cls.Invalid))

    @classmethod
    def _from_object(cls, data: Mapping[str, Any]) -> Self:
        kind = data.get("kind")
        if kind != cls.KIND:
            raise cls.Invalid(f"expected kind {cls.KIND!r}, got {kind!r}")
        return cls.from_dict({k: v for k, v in data.items() if k != "kind"})


class EventCodec(Generic[E]):
    """Decodes the JSON of any of ``kinds`` (by their ``kind`` tag); refuses other kinds."""

    def __init__(self, kinds: Iterable[type[E]], invalid: type[InvalidRecord] = InvalidRecord):
        self._kinds: dict[str, type[E]] = {}
        for kind in kinds:
            if kind.KIND in self._kinds:
                raise ValueError(f"two event classes of kind {kind.KIND!r}")
            self._kinds[kind.KIND] = kind
        self._invalid = invalid

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def decode(self, text: str | bytes) -> E:
        """The event ``text`` encodes; raises ``invalid`` for an unknown kind or a bad field."""
        data = load_json_object(text, self._invalid)
        kind = data.get("kind")
        cls = self._kinds.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise self._invalid(f"unknown event kind {kind!r}")
        return cls._from_object(data)
