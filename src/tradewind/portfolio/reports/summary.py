"""The JSON gains summary of `tradewind portfolio report --format json`.

Keys: method, year, proceeds, cost_basis, realized_gain, short_term_gain, long_term_gain (money
as exact decimal strings, the year an integer) and unmatched_disposals: a LIST, one object per
disposal with no known acquisition (time, account, asset, quantity, proceeds), because each one
needs a person to find the missing acquisition; its length is the count. Further keys say what
the sums leave out: incomplete_disposals (legs whose proceeds or basis could not be priced),
price_states (stale / no_price / rate_limited counts), and whatever the caller adds (transfers).
For Germany, short_term_gain is the taxable part (held <= 1 year), long_term_gain the tax-free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.reports.tax_year import decimal_text, local_date, year_figures

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
    summary: dict[str, Any] = {
        "method": result.method,
        "year": year,
        "proceeds": decimal_text(figures.proceeds),
        "cost_basis": decimal_text(figures.cost_basis),
        "realized_gain": decimal_text(figures.realized_gain),
        "short_term_gain": decimal_text(figures.short_term_gain),
        "long_term_gain": decimal_text(figures.long_term_gain),
        "unmatched_disposals": [
            {
                "date": local_date(u.disposed_ms, zone),
                "timestamp_ms": u.disposed_ms,
                "kind": str(u.kind),
                "account": u.account,
                "asset": u.asset,
                "quantity": decimal_text(u.quantity),
                "proceeds": decimal_text(u.proceeds) if u.proceeds is not None else None,
            }
            for u in figures.unmatched
        ],
        "incomplete_disposals": len(figures.incomplete),
        "disposals": len(figures.legs),
        "price_states": figures.price_states,
        "jurisdiction": jurisdiction.code,
        "pooling": result.pooling,
        "currency": currency,
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
