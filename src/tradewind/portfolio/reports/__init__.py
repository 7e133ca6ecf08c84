"""Reports of the portfolio desk over a cost-basis run.

money.py         cents and 8-decimal quantities; totals from the rounded lines
tax_year.py      year bounds, shared sums (proceeds of every disposal), decimal formatting
completeness.py  what is unknown in a year and how to fix it; no verdict while anything is
summary.py       the JSON summary (method, year, proceeds, …, missing)
gains_csv.py     capital-gains CSV, Form 8949 by checkbox, its notes, Schedule D lines
income.py        income of the year per month and asset (US ordinary income)
german.py        § 23 / § 22 Nr. 3 EStG summary with both Freigrenzen, Anlage SO lines
holdings.py      holdings at a moment, valued with price states
html.py          HTML report with inline SVG charts
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
