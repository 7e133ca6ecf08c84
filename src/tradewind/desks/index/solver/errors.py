"""Errors the solver raises on bad input; each is a ValueError named for what went wrong.

A refused input changes nothing: the solver is pure, so raising simply means no plan.
"""

from __future__ import annotations

__all__ = [
    "BasketError",
    "BookLevelsError",
    "MissingInstrumentError",
    "OrderDemandError",
    "SolverConfigError",
    "SolverInputError",
]


class SolverInputError(ValueError):
    """Base of the solver's input errors: ``subject`` is what was refused, ``field`` which part."""

    def __init__(self, subject: str, field: str, problem: str) -> None:
        super().__init__(f"{subject}.{field}: {problem}")
        self.subject = subject
        self.field = field
        self.problem = problem


class SolverConfigError(SolverInputError):
    """A SolverConfig field is out of range or of the wrong type."""


class BasketError(SolverInputError):
    """An IndexBasket is malformed, or two orders name the same index with different baskets."""


class OrderDemandError(SolverInputError):
    """An OrderDemand is malformed (sign, unknown constituent, duplicate key)."""


class BookLevelsError(SolverInputError):
    """Book levels are not positive or not sorted best-first."""


class MissingInstrumentError(SolverInputError):
    """A constituent has no Instrument (legs need its filters), or it quotes another asset."""
