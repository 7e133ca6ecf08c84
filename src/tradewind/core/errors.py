"""Errors raised by the pure domain when a value is malformed; each names the offending field."""

from __future__ import annotations

__all__ = ["DomainValueError"]


class DomainValueError(ValueError):
    """A domain value was constructed from bad input (wrong sign, not finite, bad symbol, ...)."""

    def __init__(self, type_name: str, field: str, problem: str) -> None:
        super().__init__(f"{type_name}.{field}: {problem}")
        self.type_name = type_name
        self.field = field
        self.problem = problem
