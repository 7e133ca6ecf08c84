"""Why a cost-basis run refuses its input. Each message names the transaction or lot at fault."""

from __future__ import annotations

__all__ = ["CostBasisError", "CostBasisInputError", "SpecificIdError"]


class CostBasisError(ValueError):
    """Base of every cost-basis refusal."""


class CostBasisInputError(CostBasisError):
    """A transaction the engine cannot interpret (unsorted, a trade without two sides, …)."""


class SpecificIdError(CostBasisError):
    """A specific-identification choice that names a missing, foreign or over-consumed lot."""
