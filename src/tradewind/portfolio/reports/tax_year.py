"""The tax year a report covers and the figures every report shares.

A year is the calendar year in the jurisdiction's time zone. A leg is "complete" when both its
proceeds and basis are known; incomplete legs are counted and listed, never summed as zero.
Money is the report currency, formatted as exact decimal strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.pools import WORK_PRECISION
from tradewind.portfolio.costbasis.results import CostBasisResult, DisposalLeg, UnmatchedDisposal
from tradewind.portfolio.ledger import normalize_amount
from tradewind.portfolio.prices.states import PriceState

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
    """Gains of one tax year: sums over complete legs, and what could not be summed."""

    year: int
    legs: tuple[DisposalLeg, ...]
    proceeds: Decimal
    cost_basis: Decimal
    short_term_gain: Decimal
    long_term_gain: Decimal
    incomplete: tuple[DisposalLeg, ...]
    unmatched: tuple[UnmatchedDisposal, ...]
    price_states: dict[str, int]
    states_by_tx: dict[int, tuple[str, ...]]

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
    proceeds = cost = short = long = _ZERO
    incomplete = []
    with localcontext() as context:
        context.prec = WORK_PRECISION  # sums of 18-place shares stay exact
        for leg in legs:
            if leg.proceeds is None or leg.cost_basis is None:
                incomplete.append(leg)
                continue
            proceeds += leg.proceeds
            cost += leg.cost_basis
            if leg.long_term:
                long += leg.proceeds - leg.cost_basis
            else:
                short += leg.proceeds - leg.cost_basis
    unmatched = tuple(u for u in result.unmatched if start <= u.disposed_ms < end)
    issues = [i for i in result.price_issues if start <= i.timestamp_ms < end]
    by_tx: dict[int, tuple[str, ...]] = {}
    for issue in issues:
        by_tx[issue.tx_index] = (*by_tx.get(issue.tx_index, ()), f"{issue.asset}:{issue.state}")
    return YearFigures(
        year,
        legs,
        proceeds,
        cost,
        short,
        long,
        tuple(incomplete),
        unmatched,
        _count_states(i.state for i in issues),
        by_tx,
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
