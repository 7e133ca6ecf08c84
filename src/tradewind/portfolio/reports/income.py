"""Income of a tax year: rewards, staking, lending interest, airdrops, mining, at value received.

US: ordinary income (IRS Notice 2014-21, Rev. Rul. 2023-14 for staking rewards) reported per
asset and month; Germany: § 22 Nr. 3 EStG other income with its own 256 EUR Freigrenze (see
german.py). Rows are the year's income records; money in cents of the report currency, totals
from the rounded lines, "unknown" where no value was found (the year is then incomplete).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.reports.money import UNKNOWN, money_text, quantity_text, rounded_total
from tradewind.portfolio.reports.tax_year import local_date, year_figures

__all__ = ["income_csv"]


def income_csv(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction, currency: str = "USD"
) -> str:
    """Income per (month, asset, label) with quantities and values, then a totals line."""
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    groups: dict[tuple[str, str, str], list[tuple[Decimal, Decimal | None]]] = {}
    for record in figures.income:
        key = (
            local_date(record.received_ms, zone, "%Y-%m"),
            record.asset,
            record.label or record.kind,
        )
        groups.setdefault(key, []).append((record.quantity, record.value))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "asset", "kind", "receipts", "quantity", f"value ({currency})"])
    known_all = True
    total = Decimal(0)
    for (month, asset, label), rows in sorted(groups.items()):
        values = [v for _q, v in rows]
        known = all(v is not None for v in values)
        known_all = known_all and known
        value = rounded_total(v for v in values if v is not None)
        total += value
        writer.writerow(
            [
                month,
                asset,
                label,
                len(rows),
                quantity_text(sum((q for q, _v in rows), Decimal(0))),
                money_text(value) if known else UNKNOWN,
            ]
        )
    writer.writerow(
        ["total", "", "", len(figures.income), "", money_text(total) if known_all else UNKNOWN]
    )
    return out.getvalue()
