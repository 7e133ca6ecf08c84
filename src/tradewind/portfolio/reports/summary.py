"""The JSON gains summary of `tradewind portfolio report --format json`.

Keys: method, year, currency, complete, proceeds, cost_basis, realized_gain, short_term_gain,
long_term_gain (money as cent strings in `currency`, totals of the rounded lines), income (the
year's income by kind), unmatched_disposals (a LIST, one object per disposal with no known
acquisition), incomplete_disposals, price_states, and `missing`: each unknown value with how to
fix it. When `complete` is false, no gain or total is stated: those keys are null, and
`proceeds` is null too when some proceeds are unknown (`proceeds_known` keeps the known part).
For Germany, short_term_gain is the taxable part (held <= 1 year), long_term_gain the tax-free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.reports.completeness import missing_items
from tradewind.portfolio.reports.money import money_text, quantity_text, rounded_total
from tradewind.portfolio.reports.tax_year import local_date, year_figures

__all__ = ["gains_summary", "gains_summary_json"]


def gains_summary(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    *,
    currency: str = "USD",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary as a JSON-ready dict (see module docstring for the keys)."""
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    missing = missing_items(figures, zone)
    complete = not missing

    def verdict(value: Decimal) -> str | None:
        return money_text(value) if complete else None

    income_by_kind = {
        kind: rounded_total(
            r.value for r in figures.income if r.kind == kind and r.value is not None
        )
        for kind in {r.kind for r in figures.income}
    }
    summary: dict[str, Any] = {
        "method": result.method,
        "year": year,
        "currency": currency,
        "complete": complete,
        "proceeds": money_text(figures.proceeds) if not figures.proceeds_unknown else None,
        "proceeds_known": money_text(figures.proceeds),
        "proceeds_unknown": figures.proceeds_unknown,
        "cost_basis": verdict(figures.cost_basis),
        "realized_gain": verdict(figures.realized_gain),
        "short_term_gain": verdict(figures.short_term_gain),
        "long_term_gain": verdict(figures.long_term_gain),
        "income": {
            kind: None if not complete else money_text(total)
            for kind, total in sorted(income_by_kind.items())
        },
        "unmatched_disposals": [
            {
                "date": local_date(u.disposed_ms, zone),
                "timestamp_ms": u.disposed_ms,
                "kind": str(u.kind),
                "account": u.account,
                "asset": u.asset,
                "quantity": quantity_text(u.quantity),
                "proceeds": money_text(u.proceeds) if u.proceeds is not None else None,
            }
            for u in figures.unmatched
        ],
        "incomplete_disposals": len(figures.incomplete),
        "disposals": len(figures.legs),
        "price_states": figures.price_states,
        "missing": [item.as_dict() for item in missing],
        "jurisdiction": jurisdiction.code,
        "pooling": result.pooling,
    }
    if extra:
        summary.update(extra)
    return summary


def gains_summary_json(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    *,
    currency: str = "USD",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The summary as indented JSON text."""
    summary = gains_summary(result, year, jurisdiction, currency=currency, extra=extra)
    return json.dumps(summary, indent=2)
