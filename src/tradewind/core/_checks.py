"""Field checks for __post_init__; each raises DomainValueError naming the field."""

from __future__ import annotations

from decimal import Decimal

from tradewind.core.errors import DomainValueError


def finite(owner: object, field: str, value: object) -> Decimal:
    if not isinstance(value, Decimal):
        # bool and float are refused on purpose: money is never a float
        raise DomainValueError(type(owner).__name__, field, f"must be a Decimal, got {value!r}")
    if not value.is_finite():
        raise DomainValueError(type(owner).__name__, field, f"must be finite, got {value}")
    return value


def positive(owner: object, field: str, value: object) -> Decimal:
    number = finite(owner, field, value)
    if number <= 0:
        raise DomainValueError(type(owner).__name__, field, f"must be > 0, got {number}")
    return number


def non_negative(owner: object, field: str, value: object) -> Decimal:
    number = finite(owner, field, value)
    if number < 0:
        raise DomainValueError(type(owner).__name__, field, f"must be >= 0, got {number}")
    return number


def optional_positive(owner: object, field: str, value: object) -> None:
    if value is not None:
        positive(owner, field, value)


def text(owner: object, field: str, value: object) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise DomainValueError(
            type(owner).__name__, field, f"must be a non-empty trimmed string, got {value!r}"
        )
    return value


def timestamp(owner: object, field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DomainValueError(
            type(owner).__name__, field, f"must be integer nanoseconds >= 0, got {value!r}"
        )
    return value
