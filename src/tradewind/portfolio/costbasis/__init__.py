"""Cost basis: FIFO, LIFO, HIFO and specific identification over the ledger, as pure functions.

    compute_cost_basis(transactions, CostBasisConfig(...), prices=, selections=) -> CostBasisResult
The engine's rules per transaction kind are in engine.py; holding periods in jurisdiction.py.
"""

from __future__ import annotations

from tradewind.portfolio.costbasis.engine import compute_cost_basis, disposal_ref
from tradewind.portfolio.costbasis.errors import (
    CostBasisError,
    CostBasisInputError,
    SpecificIdError,
)
from tradewind.portfolio.costbasis.jurisdiction import (
    GERMANY,
    UNITED_STATES,
    Jurisdiction,
    jurisdiction,
)
from tradewind.portfolio.costbasis.methods import (
    DEFAULT_CASH_ASSETS,
    CostBasisConfig,
    CostBasisMethod,
    LotPooling,
)
from tradewind.portfolio.costbasis.price_needs import price_requests
from tradewind.portfolio.costbasis.results import (
    CostBasisResult,
    DisposalKind,
    DisposalLeg,
    IncomeRecord,
    OpenLot,
    PriceIssue,
    Removal,
    UnmatchedDisposal,
    lot_id_of,
)

__all__ = [
    "DEFAULT_CASH_ASSETS",
    "GERMANY",
    "UNITED_STATES",
    "CostBasisConfig",
    "CostBasisError",
    "CostBasisInputError",
    "CostBasisMethod",
    "CostBasisResult",
    "DisposalKind",
    "DisposalLeg",
    "IncomeRecord",
    "Jurisdiction",
    "LotPooling",
    "OpenLot",
    "PriceIssue",
    "Removal",
    "SpecificIdError",
    "UnmatchedDisposal",
    "compute_cost_basis",
    "disposal_ref",
    "jurisdiction",
    "lot_id_of",
    "price_requests",
]
