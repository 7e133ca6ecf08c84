"""Capital-gains CSV (one row per lot consumed) and a Form 8949-style CSV.

Unknown values are empty cells with a `status` saying why; a disposal with no known acquisition
is its own row with status "unmatched"; `price_states` names every price of the transaction that
was stale, missing or rate-limited (e.g. "BNB:stale"). Form 8949 rows: Part I short-term /
Part II long-term; box I / L (digital assets, no Form 1099-DA basis reported) from 2025, C / F
before. Dates in the jurisdiction's time zone, MM/DD/YYYY on the 8949.
"""

from __future__ import annotations

import csv
import io

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult, DisposalLeg
from tradewind.portfolio.reports.tax_year import decimal_text, local_date, year_figures

__all__ = ["capital_gains_csv", "form_8949_csv"]

_GAINS_COLUMNS = [
    "date_disposed",
    "date_acquired",
    "kind",
    "account",
    "asset",
    "quantity",
    "proceeds",
    "cost_basis",
    "gain",
    "term",
    "lot_id",
    "lot_account",
    "status",
    "price_states",
]
_FORM_COLUMNS = [
    "part",
    "box",
    "(a) description",
    "(b) date acquired",
    "(c) date sold or disposed of",
    "(d) proceeds",
    "(e) cost or other basis",
    "(f) code",
    "(g) adjustment",
    "(h) gain or (loss)",
]


def _status(leg: DisposalLeg) -> str:
    if leg.proceeds is None:
        return "proceeds_unknown"
    if leg.cost_basis is None:
        return "basis_unknown"
    return "ok"


def capital_gains_csv(result: CostBasisResult, year: int, jurisdiction: Jurisdiction) -> str:
    """Every lot consumed by a disposal in `year`, then every unmatched disposal."""
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_GAINS_COLUMNS)
    for leg in figures.legs:
        writer.writerow(
            [
                local_date(leg.disposed_ms, zone),
                local_date(leg.acquired_ms, zone),
                str(leg.kind),
                leg.account,
                leg.asset,
                decimal_text(leg.quantity),
                decimal_text(leg.proceeds),
                decimal_text(leg.cost_basis),
                decimal_text(leg.gain),
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
                "",
                str(u.kind),
                u.account,
                u.asset,
                decimal_text(u.quantity),
                decimal_text(u.proceeds),
                "",
                "",
                "",
                "",
                "",
                "unmatched",
                figures.states_of(u.tx_index),
            ]
        )
    return out.getvalue()


def form_8949_csv(result: CostBasisResult, year: int, jurisdiction: Jurisdiction) -> str:
    """Form 8949-style rows of `year`: complete legs only; short-term first.

    Legs with an unknown value and unmatched disposals cannot be put on the form; they are
    listed after the form rows as comment lines starting with "#" so they are not missed.
    """
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    short_box, long_box = ("I", "L") if year >= 2025 else ("C", "F")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_FORM_COLUMNS)
    complete = [leg for leg in figures.legs if leg.gain is not None]
    for long_term in (False, True):
        for leg in complete:
            if leg.long_term is not long_term:
                continue
            writer.writerow(
                [
                    "II" if long_term else "I",
                    long_box if long_term else short_box,
                    f"{decimal_text(leg.quantity)} {leg.asset}",
                    local_date(leg.acquired_ms, zone, "%m/%d/%Y"),
                    local_date(leg.disposed_ms, zone, "%m/%d/%Y"),
                    decimal_text(leg.proceeds),
                    decimal_text(leg.cost_basis),
                    "",
                    "",
                    decimal_text(leg.gain),
                ]
            )
    for leg in complete:
        if leg.tx_index in figures.states_by_tx:
            out.write(
                f"# priced with {figures.states_of(leg.tx_index)}: "
                f"{decimal_text(leg.quantity)} {leg.asset} disposed "
                f"{local_date(leg.disposed_ms, zone)} from {leg.account}\n"
            )
    for leg in figures.incomplete:
        out.write(
            f"# not on the form: {_status(leg)}: {decimal_text(leg.quantity)} {leg.asset} "
            f"disposed {local_date(leg.disposed_ms, zone)} from {leg.account}\n"
        )
    for u in figures.unmatched:
        out.write(
            f"# not on the form: unmatched (no known acquisition): "
            f"{decimal_text(u.quantity)} {u.asset} disposed "
            f"{local_date(u.disposed_ms, zone)} from {u.account}\n"
        )
    return out.getvalue()
