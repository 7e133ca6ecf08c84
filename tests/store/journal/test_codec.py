"""The declarative codec: one annotation per field gives the check on construction, the JSON
encoding and the strict decoding; refusals name the record and the field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import pytest
from tests.store.journal.events import (
    TOY_CODEC,
    Colour,
    Deposited,
    InvalidToy,
    Tag,
    Withdrawn,
)

from tradewind.store.journal.codec import Event, EventCodec, Record

D = Decimal


def _deposit(**overrides: object) -> Deposited:
    fields: dict[str, object] = {
        "name": "alice",
        "amount": D("1.50"),
        "colour": Colour.BLUE,
        "tags": (Tag(label="a", weight=2), Tag(label="b", weight=1)),
        "ts": 7,
    }
    fields.update(overrides)
    return Deposited(**fields)  # type: ignore[arg-type]


def test_encoding_is_compact_sorted_and_exact() -> None:
    text = _deposit().to_json()
    assert text == (
        '{"amount":"1.50","colour":"blue","kind":"deposited","name":"alice",'
        '"tags":[{"label":"a","weight":2},{"label":"b","weight":1}],"ts":7}'
    )
    assert TOY_CODEC.decode(text) == _deposit()
    assert Deposited.from_json(text).to_json() == text
    # exponent notation never reaches the JSON: amounts are plain decimal strings
    assert json.loads(_deposit(amount=D("1E+2")).to_json())["amount"] == "100"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Alice"}, "name"),
        ({"amount": D(0)}, "amount"),
        ({"amount": D("Infinity")}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"colour": "red"}, "colour"),
        ({"tags": [Tag(label="a", weight=1)]}, "tags"),
        ({"tags": (Tag(label="a", weight=1), Tag(label="a", weight=2))}, "tags"),
        ({"ts": -1}, "ts"),
        ({"ts": True}, "ts"),
    ],
)
def test_construction_checks_every_field_by_its_declaration(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidToy, match=rf"^deposited\.{field}: "):
        _deposit(**overrides)


def test_nested_records_and_cross_field_rules_are_checked() -> None:
    with pytest.raises(InvalidToy, match=r"^Tag\.weight: must be a positive integer"):
        Tag(label="a", weight=0)
    with pytest.raises(InvalidToy, match=r"^withdrawn\.amount: exceeds the limit"):
        Withdrawn(withdrawal_id="w", amount=D(2), limit=D(1), ts=1)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(amount=1.5), r"deposited\.amount: must be a decimal string"),
        (lambda d: d.update(amount="lots"), r"deposited\.amount: not a decimal number"),
        (lambda d: d.update(ts="7"), r"deposited\.ts: must be an integer"),
        (lambda d: d.update(colour="green"), r"deposited\.colour: must be 'red' or 'blue'"),
        (lambda d: d.update(tags={}), r"deposited\.tags: must be a list"),
        (lambda d: d.update(tags=[{"label": "a"}]), r"Tag\.weight: missing"),
        (lambda d: d.pop("name"), r"deposited\.name: missing"),
        (lambda d: d.update(extra=1), r"deposited\.extra: unknown field"),
        (lambda d: d.update(kind="withdrawn"), r"withdrawn\.limit: missing"),
        (lambda d: d.update(kind="stolen"), r"unknown event kind 'stolen'"),
        (lambda d: d.update(name="BOB"), r"deposited\.name: must be 1-8 lower-case letters"),
    ],
)
def test_decoding_is_strict(change: object, problem: str) -> None:
    data = json.loads(_deposit().to_json())
    change(data)  # type: ignore[operator]
    with pytest.raises(InvalidToy, match=problem):
        TOY_CODEC.decode(json.dumps(data))


@pytest.mark.parametrize("text", ["not json", "[1]", "{}", '{"kind": 3}'])
def test_non_events_are_refused(text: str) -> None:
    with pytest.raises(InvalidToy):
        TOY_CODEC.decode(text)


def test_from_json_of_another_kind_is_refused() -> None:
    with pytest.raises(InvalidToy, match="expected kind 'withdrawn', got 'deposited'"):
        Withdrawn.from_json(_deposit().to_json())


def test_a_field_without_a_declaration_is_a_programming_error() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Sloppy(Record):
        count: int

    with pytest.raises(TypeError, match=r"Sloppy\.count: annotate it with one FieldType"):
        Sloppy(count=1)


def test_two_event_classes_of_one_kind_are_refused() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Again(Event):
        KIND: ClassVar[str] = "deposited"

    with pytest.raises(ValueError, match="two event classes of kind 'deposited'"):
        EventCodec((Deposited, Again))
