"""Capital-gains CSV (one row per lot consumed) and Form 8949 / Schedule D figures.

Money in cents of the report currency (named in every money header), quantities in 8 decimals,
each table ends with a totals row made of the rounded lines. Unknown values are "unknown" with a
`status` saying why; a disposal with no known acquisition is its own row, status "unmatched".

Form 8949 (from tax year 2025 the form has boxes for Form 1099-DA, the digital-asset broker
statement): Part I short-term, Part II long-term, one checkbox per group of rows:
    reported to you on 1099-DA (1099-B before 2025), basis reported to the IRS   G / J  (A / D)
    reported to you, basis NOT reported to the IRS                               H / K  (B / E)
    not reported to you on a 1099-DA (self-custody, foreign exchanges, …)        I / L  (C / F)
Which accounts a broker reported is the filer's knowledge: `Reporting` says it (default: none).
Each box's rows are followed by its totals line (the form's line 2). The CSV holds form rows
only; what cannot go on the form (unknown values) goes into the notes text.
Schedule D takes the box totals: line 1b (A, G), 2 (B, H), 3 (C, I) short-term, line 7 their
sum; 8b (D, J), 9 (E, K), 10 (F, L) long-term, line 15 their sum.
Dates in the jurisdiction's time zone, MM/DD/YYYY on the 8949.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult, DisposalLeg
from tradewind.portfolio.reports.completeness import incomplete_text, missing_items
from tradewind.portfolio.reports.money import (
    UNKNOWN,
    cents,
    money_text,
    quantity_text,
    rounded_total,
)
from tradewind.portfolio.reports.tax_year import YearFigures, local_date, year_figures

__all__ = [
    "Reporting",
    "capital_gains_csv",
    "form_8949_box",
    "form_8949_csv",
    "form_8949_notes",
    "schedule_d_csv",
    "schedule_d_lines",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Reporting:
    """Which accounts' disposals a broker reported on a 1099-DA (1099-B), and with basis."""

    reported: frozenset[str] = field(default_factory=frozenset)
    basis_reported: frozenset[str] = field(default_factory=frozenset)


def form_8949_box(account: str, long_term: bool, year: int, reporting: Reporting) -> str:
    """The Form 8949 checkbox letter of a disposal out of `account` (see module docstring)."""
    digital = year >= 2025
    if account in reporting.basis_reported:
        boxes = ("G", "J") if digital else ("A", "D")
    elif account in reporting.reported:
        boxes = ("H", "K") if digital else ("B", "E")
    else:
        boxes = ("I", "L") if digital else ("C", "F")
    return boxes[1] if long_term else boxes[0]


def _status(leg: DisposalLeg) -> str:
    if leg.proceeds is None:
        return "proceeds_unknown"
    if leg.cost_basis is None:
        return "basis_unknown"
    return "ok"


def _gain(leg: DisposalLeg) -> Decimal | None:
    if leg.proceeds is None or leg.cost_basis is None:
        return None
    return cents(leg.proceeds) - cents(leg.cost_basis)


def capital_gains_csv(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction, currency: str = "USD"
) -> str:
    """Every lot consumed by a disposal in `year`, then every unmatched disposal, then totals."""
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "date_disposed",
            "date_acquired",
            "kind",
            "account",
            "asset",
            "quantity",
            f"proceeds ({currency})",
            f"cost_basis ({currency})",
            f"gain ({currency})",
            "term",
            "lot_id",
            "lot_account",
            "status",
            "price_states",
        ]
    )
    for leg in figures.legs:
        writer.writerow(
            [
                local_date(leg.disposed_ms, zone),
                local_date(leg.acquired_ms, zone),
                str(leg.kind),
                leg.account,
                leg.asset,
                quantity_text(leg.quantity),
                money_text(leg.proceeds, unknown=UNKNOWN),
                money_text(leg.cost_basis, unknown=UNKNOWN),
                money_text(_gain(leg), unknown=UNKNOWN),
                jurisdiction.long_label if leg.long_term else jurisdiction.short_label,
                leg.lot_id,
                leg.lot_account,
                _status(leg),
                figures.states_of(leg.tx_index),
            ]
        )
    for u in figures.unmatched:
        writer.writerow(
            [
                local_date(u.disposed_ms, zone),
                UNKNOWN,
                str(u.kind),
                u.account,
                u.asset,
                quantity_text(u.quantity),
                money_text(u.proceeds, unknown=UNKNOWN),
                UNKNOWN,
                UNKNOWN,
                "",
                "",
                "",
                "unmatched",
                figures.states_of(u.tx_index),
            ]
        )
    complete = figures.complete
    writer.writerow(
        [
            "total",
            "",
            "",
            "",
            "",
            "",
            money_text(figures.proceeds) if not figures.proceeds_unknown else UNKNOWN,
            money_text(figures.cost_basis) if complete else UNKNOWN,
            money_text(figures.realized_gain) if complete else UNKNOWN,
            "",
            "",
            "",
            "complete" if complete else "incomplete",
            "",
        ]
    )
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class BoxTotals:
    """The totals line of one Form 8949 box: (d) proceeds, (e) basis, (g) adj., (h) gain."""

    box: str
    proceeds: Decimal
    cost_basis: Decimal
    adjustment: Decimal
    gain: Decimal


_FORM_COLUMNS = [
    "part",
    "box",
    "(a) description of property",
    "(b) date acquired",
    "(c) date sold or disposed of",
    "(d) proceeds",
    "(e) cost or other basis",
    "(f) code",
    "(g) amount of adjustment",
    "(h) gain or (loss)",
]
_SHORT_BOXES = ("A", "B", "C", "G", "H", "I")
_LONG_BOXES = ("D", "E", "F", "J", "K", "L")


def _boxes(figures: YearFigures, year: int, reporting: Reporting) -> dict[str, list[DisposalLeg]]:
    grouped: dict[str, list[DisposalLeg]] = {}
    for leg in figures.legs:
        if leg.proceeds is None or leg.cost_basis is None:
            continue
        box = form_8949_box(leg.account, leg.long_term, year, reporting)
        grouped.setdefault(box, []).append(leg)
    return {box: grouped[box] for box in (*_SHORT_BOXES, *_LONG_BOXES) if box in grouped}


def _totals(box: str, legs: Iterable[DisposalLeg]) -> BoxTotals:
    legs = list(legs)
    proceeds = rounded_total(leg.proceeds or _ZERO for leg in legs)
    basis = rounded_total(leg.cost_basis or _ZERO for leg in legs)
    return BoxTotals(box, proceeds, basis, _ZERO, proceeds - basis)


def form_8949_csv(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    currency: str = "USD",
    reporting: Reporting | None = None,
) -> str:
    """Form 8949 rows of `year` grouped by checkbox, each box closed by its totals line.

    Only complete legs can go on the form; the rest is in `form_8949_notes`.
    """
    reporting = reporting or Reporting()
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*_FORM_COLUMNS[:5], *(f"{c} ({currency})" for c in _FORM_COLUMNS[5:])])
    for box, legs in _boxes(figures, year, reporting).items():
        part = "I" if box in _SHORT_BOXES else "II"
        for leg in legs:
            writer.writerow(
                [
                    part,
                    box,
                    f"{quantity_text(leg.quantity)} {leg.asset}",
                    local_date(leg.acquired_ms, zone, "%m/%d/%Y"),
                    local_date(leg.disposed_ms, zone, "%m/%d/%Y"),
                    money_text(leg.proceeds),
                    money_text(leg.cost_basis),
                    "",
                    "",
                    money_text(_gain(leg)),
                ]
            )
        totals = _totals(box, legs)
        writer.writerow(
            [
                part,
                box,
                f"Totals (box {box})",
                "",
                "",
                money_text(totals.proceeds),
                money_text(totals.cost_basis),
                "",
                money_text(totals.adjustment),
                money_text(totals.gain),
            ]
        )
    return out.getvalue()


def form_8949_notes(result: CostBasisResult, year: int, jurisdiction: Jurisdiction) -> str:
    """What is not on the form and why, and the prices used with a warning (plain text)."""
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    lines = [f"Form 8949 notes, tax year {year}"]
    missing = missing_items(figures, zone)
    if missing:
        lines.append(incomplete_text(missing, year))
    else:
        lines.append("complete: every disposal of the year is on the form")
    for leg in figures.legs:
        if leg.gain is not None and leg.tx_index in figures.states_by_tx:
            lines.append(
                f"priced with {figures.states_of(leg.tx_index)}: "
                f"{quantity_text(leg.quantity)} {leg.asset} disposed "
                f"{local_date(leg.disposed_ms, zone)} from {leg.account}"
            )
    return "\n".join(lines) + "\n"


def schedule_d_lines(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction, reporting: Reporting | None
) -> list[tuple[str, str, BoxTotals]]:
    """(line, description, totals) of Schedule D lines 1b, 2, 3, 7, 8b, 9, 10, 15."""
    reporting = reporting or Reporting()
    figures = year_figures(result, year, jurisdiction)
    boxes = {box: _totals(box, legs) for box, legs in _boxes(figures, year, reporting).items()}
    lines = [
        ("1b", "short-term, Form 8949 box A or G", ("A", "G")),
        ("2", "short-term, Form 8949 box B or H", ("B", "H")),
        ("3", "short-term, Form 8949 box C or I", ("C", "I")),
        ("8b", "long-term, Form 8949 box D or J", ("D", "J")),
        ("9", "long-term, Form 8949 box E or K", ("E", "K")),
        ("10", "long-term, Form 8949 box F or L", ("F", "L")),
    ]
    rows: list[tuple[str, str, BoxTotals]] = []
    for line, text, letters in lines:
        parts = [boxes[b] for b in letters if b in boxes]
        rows.append((line, text, _sum(line, parts)))
        if line == "3":
            rows.append(("7", "net short-term gain or (loss)", _sum("7", [r[2] for r in rows])))
    long_rows = [r[2] for r in rows if r[0] in {"8b", "9", "10"}]
    rows.append(("15", "net long-term gain or (loss)", _sum("15", long_rows)))
    return rows


def _sum(label: str, parts: list[BoxTotals]) -> BoxTotals:
    return BoxTotals(
        label,
        sum((p.proceeds for p in parts), _ZERO),
        sum((p.cost_basis for p in parts), _ZERO),
        sum((p.adjustment for p in parts), _ZERO),
        sum((p.gain for p in parts), _ZERO),
    )


def schedule_d_csv(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    currency: str = "USD",
    reporting: Reporting | None = None,
) -> str:
    """Schedule D summary lines as CSV (columns d, e, g, h in `currency`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "line",
            "description",
            f"(d) proceeds ({currency})",
            f"(e) cost or other basis ({currency})",
            f"(g) adjustments ({currency})",
            f"(h) gain or (loss) ({currency})",
        ]
    )
    for line, text, totals in schedule_d_lines(result, year, jurisdiction, reporting):
        writer.writerow(
            [
                line,
                text,
                money_text(totals.proceeds),
                money_text(totals.cost_basis),
                money_text(totals.adjustment),
                money_text(totals.gain),
            ]
        )
    return out.getvalue()
