"""The tax year a report covers and the figures every report shares.

A year is the calendar year in the jurisdiction's time zone. A leg is "complete" when both its
proceeds and basis are known; incomplete legs are counted and listed, never summed as zero.
Proceeds do not depend on the lot method: every disposal of the year counts in them, including
legs of unknown basis and quantities with no known acquisition. Each line is rounded to the
cent and the totals are sums of the rounded lines (see money.py), as the forms add them.
A year with any unknown value is incomplete and reaches no verdict (completeness.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.pools import WORK_PRECISION
from tradewind.portfolio.costbasis.results import (
    CostBasisResult,
    DisposalLeg,
    IncomeRecord,
    UnmatchedDisposal,
)
from tradewind.portfolio.ledger import normalize_amount
from tradewind.portfolio.prices.states import PriceState
from tradewind.portfolio.reports.money import cents

__all__ = ["YearFigures", "decimal_text", "local_date", "year_bounds", "year_figures"]

_ZERO = Decimal(0)


def decimal_text(value: Decimal | None) -> str:
    """An exact decimal string ("" for unknown)."""
    return "" if value is None else normalize_amount(value)


def year_bounds(year: int, timezone: str) -> tuple[int, int]:
    """[start, end) of calendar `year` in `timezone`, as UTC epoch ms."""
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    return int(start.timestamp()) * 1000, int(end.timestamp()) * 1000


def local_date(ms: int, timezone: str, fmt: str = "%Y-%m-%d") -> str:
    """The calendar date of UTC epoch ms `ms` in `timezone`."""
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).strftime(fmt)


@dataclass(frozen=True, slots=True)
class YearFigures:
    """Gains of one tax year in the report currency, rounded lines summed (see module docstring).

    `proceeds` sums every disposal whose proceeds are known; `proceeds_unknown` counts those
    whose are not. `cost_basis` and the gains sum the complete legs only.
    """

    year: int
    legs: tuple[DisposalLeg, ...]
    proceeds: Decimal
    proceeds_unknown: int
    cost_basis: Decimal
    short_term_gain: Decimal
    long_term_gain: Decimal
    incomplete: tuple[DisposalLeg, ...]
    unmatched: tuple[UnmatchedDisposal, ...]
    price_states: dict[str, int]
    states_by_tx: dict[int, tuple[str, ...]]
    income: tuple[IncomeRecord, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every proceeds, basis and income value of the year is known."""
        return (
            not self.incomplete
            and not self.unmatched
            and not self.proceeds_unknown
            and all(r.value is not None for r in self.income)
        )

    def states_of(self, tx_index: int) -> str:
        """The price states met while valuing transaction `tx_index` ("" when all were fresh)."""
        return " ".join(self.states_by_tx.get(tx_index, ()))

    @property
    def realized_gain(self) -> Decimal:
        """Short- plus long-term gain of the complete legs."""
        with localcontext() as context:
            context.prec = WORK_PRECISION
            return self.short_term_gain + self.long_term_gain


def year_figures(result: CostBasisResult, year: int, jurisdiction: Jurisdiction) -> YearFigures:
    """Sum the legs disposed in `year` (jurisdiction's time zone)."""
    start, end = year_bounds(year, jurisdiction.timezone)
    legs = tuple(leg for leg in result.legs if start <= leg.disposed_ms < end)
    unmatched = tuple(u for u in result.unmatched if start <= u.disposed_ms < end)
    proceeds = cost = short = long = _ZERO
    proceeds_unknown = 0
    incomplete = []
    with localcontext() as context:
        context.prec = WORK_PRECISION
        for leg in legs:
            if leg.proceeds is None:
                proceeds_unknown += 1
            else:
                proceeds += cents(leg.proceeds)
            if leg.proceeds is None or leg.cost_basis is None:
                incomplete.append(leg)
                continue
            cost += cents(leg.cost_basis)
            if leg.long_term:
                long += cents(leg.proceeds) - cents(leg.cost_basis)
            else:
                short += cents(leg.proceeds) - cents(leg.cost_basis)
        for u in unmatched:
            if u.proceeds is None:
                proceeds_unknown += 1
            else:
                proceeds += cents(u.proceeds)
    issues = [i for i in result.price_issues if start <= i.timestamp_ms < end]
    by_tx: dict[int, tuple[str, ...]] = {}
    for issue in issues:
        by_tx[issue.tx_index] = (*by_tx.get(issue.tx_index, ()), f"{issue.asset}:{issue.state}")
    income = tuple(r for r in result.income if start <= r.received_ms < end)
    return YearFigures(
        year,
        legs,
        proceeds,
        proceeds_unknown,
        cost,
        short,
        long,
        tuple(incomplete),
        unmatched,
        _count_states(i.state for i in issues),
        by_tx,
        income,
    )


def _count_states(states: Iterable[PriceState]) -> dict[str, int]:
    counts = {
        str(PriceState.STALE): 0,
        str(PriceState.NO_PRICE): 0,
        str(PriceState.RATE_LIMITED): 0,
    }
    for state in states:
        counts[str(state)] = counts.get(str(state), 0) + 1
    return counts
