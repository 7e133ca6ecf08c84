"""Reports of the portfolio desk over a cost-basis run.

tax_year.py   year bounds, shared sums (complete legs only), decimal formatting
summary.py    the JSON summary (method, year, proceeds, …, unmatched_disposals)
gains_csv.py  capital-gains CSV, Form 8949-style CSV
german.py     §23 EStG one-year-rule summary with the Freigrenze
holdings.py   holdings at a moment, valued with price states
html.py       HTML report with embedded matplotlib charts
"""

from __future__ import annotations

from tradewind.portfolio.reports.gains_csv import capital_gains_csv, form_8949_csv
from tradewind.portfolio.reports.german import GermanSummary, freigrenze, german_summary
from tradewind.portfolio.reports.holdings import (
    HoldingRow,
    holdings,
    holdings_csv,
    holdings_json,
)
from tradewind.portfolio.reports.html import html_report
from tradewind.portfolio.reports.summary import gains_summary, gains_summary_json
from tradewind.portfolio.reports.tax_year import YearFigures, year_bounds, year_figures

__all__ = [
    "GermanSummary",
    "HoldingRow",
    "YearFigures",
    "capital_gains_csv",
    "form_8949_csv",
    "freigrenze",
    "gains_summary",
    "gains_summary_json",
    "german_summary",
    "holdings",
    "holdings_csv",
    "holdings_json",
    "html_report",
    "year_bounds",
    "year_figures",
]
