"""A toy component's events declared with the journal codec: a counter of named deposits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, ClassVar

from tradewind.store.journal.codec import (
    TIMESTAMP_NS,
    DecimalField,
    EnumField,
    Event,
    EventCodec,
    Integer,
    InvalidRecord,
    Nested,
    Record,
    Text,
    TupleOf,
)

Name = Annotated[str, Text(r"^[a-z]{1,8}$", "1-8 lower-case letters")]
Amount = Annotated[Decimal, DecimalField("positive")]


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class InvalidToy(InvalidRecord):
    """A bad toy event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag(Record):
    """A label with a weight."""

    Invalid: ClassVar[type[InvalidRecord]] = InvalidToy
    label: Name
    weight: Annotated[int, Integer(1, "a positive integer")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deposited(Event):
    """``amount`` put into the pot under ``name``."""

    KIND: ClassVar[str] = "deposited"
    Invalid: ClassVar[type[InvalidRecord]] = InvalidToy
    name: Name
    amount: Amount
    colour: Annotated[Colour, EnumField(Colour)] = Colour.RED
    tags: Annotated[tuple[Tag, ...], TupleOf(Nested(Tag), unique_by=lambda t: t.label)] = ()
    ts: Annotated[int, TIMESTAMP_NS]

    @property
    def key(self) -> str:
        return f"dep:{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdrawn(Event):
    """``amount`` taken out, never more than ``limit``."""

    KIND: ClassVar[str] = "withdrawn"
    Invalid: ClassVar[type[InvalidRecord]] = InvalidToy
    withdrawal_id: Name
    amount: Amount
    limit: Amount
    ts: Annotated[int, TIMESTAMP_NS]

    def _check_record(self) -> None:
        if self.amount > self.limit:
            raise self._fail("amount", "exceeds the limit")

    @property
    def key(self) -> str:
        return f"wd:{self.withdrawal_id}"


ToyEvent = Deposited | Withdrawn
TOY_CODEC: EventCodec[ToyEvent] = EventCodec((Deposited, Withdrawn), invalid=InvalidToy)


class Pot:
    """The toy reducer: a balance, and what each event produced."""

    def __init__(self) -> None:
        self.balance = Decimal(0)
        self.seen: list[str] = []

    def apply(self, event: ToyEvent) -> list[Decimal]:
        self.seen.append(event.key)
        if isinstance(event, Deposited):
            self.balance += event.amount
        else:
            self.balance -= event.amount
        return [self.balance]
