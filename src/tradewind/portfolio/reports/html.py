"""The HTML gains report with charts: matplotlib PNGs embedded as base64, no external files.

Charts: realised gain per month (short and long term stacked), portfolio value over time (points
whose holdings could not all be priced are marked), and holdings by market value. Tables list
the summary, every price state met, unmatched disposals and holdings. Floats appear only inside
the charts' drawing; every number printed is an exact decimal string.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.pnl import ValuePoint
from tradewind.portfolio.reports.holdings import HoldingRow, holdings_json
from tradewind.portfolio.reports.summary import gains_summary
from tradewind.portfolio.reports.tax_year import decimal_text, local_date, year_figures

__all__ = ["html_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#a40000;font-weight:600}img{max-width:100%}
"""


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    series: Sequence[ValuePoint],
    rows: Sequence[HoldingRow],
) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    charts = []
    figures = year_figures(result, year, jurisdiction)
    short: dict[int, Decimal] = defaultdict(Decimal)
    long: dict[int, Decimal] = defaultdict(Decimal)
    for leg in figures.legs:
        gain = leg.gain
        if gain is None:
            continue
        month = int(local_date(leg.disposed_ms, jurisdiction.timezone, "%m"))
        (long if leg.long_term else short)[month] += gain
    months = list(range(1, 13))
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    short_values = [float(short[m]) for m in months]
    axes.bar(months, short_values, label=jurisdiction.short_label)
    axes.bar(
        months, [float(long[m]) for m in months], bottom=short_values, label=jurisdiction.long_label
    )
    axes.set_xticks(months)
    axes.set_title(f"Realised gain per month, {year}")
    axes.legend()
    charts.append(("Realised gain per month", _png(figure)))

    if series:
        figure = Figure(figsize=(8, 3.2))
        axes = figure.subplots()
        xs = list(range(len(series)))
        axes.plot(xs, [float(p.value) for p in series], label="priced value")
        gaps = [x for x, p in zip(xs, series, strict=True) if not p.complete]
        if gaps:
            axes.scatter(
                gaps,
                [float(series[x].value) for x in gaps],
                color="red",
                label="some holdings unpriced",
            )
        step = max(1, len(series) // 8)
        axes.set_xticks(xs[::step])
        axes.set_xticklabels(
            [local_date(p.timestamp_ms, jurisdiction.timezone) for p in series[::step]],
            rotation=30,
            ha="right",
        )
        axes.set_title("Portfolio value")
        axes.legend()
        charts.append(("Portfolio value", _png(figure)))

    valued = [r for r in rows if r.market_value is not None and r.market_value > 0]
    if valued:
        figure = Figure(figsize=(8, 3.2))
        axes = figure.subplots()
        axes.barh(
            [f"{r.asset} @ {r.account}" for r in valued],
            [float(r.market_value or 0) for r in valued],
        )
        axes.set_title("Holdings by market value")
        charts.append(("Holdings by market value", _png(figure)))
    return charts


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f"<td class=num>{html.escape(str(c))}</td>"
            if _numeric(c)
            else f"<td>{html.escape('' if c is None else str(c))}</td>"
            for c in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _numeric(cell: Any) -> bool:
    if not isinstance(cell, str) or not cell:
        return False
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


def html_report(
    result: CostBasisResult,
    year: int,
    jurisdiction: Jurisdiction,
    *,
    series: Sequence[ValuePoint] = (),
    holdings: Sequence[HoldingRow] = (),
    currency: str = "USD",
    extra: dict[str, Any] | None = None,
) -> str:
    """A self-contained HTML document of the year's gains with charts."""
    summary = gains_summary(result, year, jurisdiction, currency=currency, extra=extra)
    parts = [
        "<!doctype html><html><head><meta charset=utf-8>",
        f"<title>Capital gains {year} ({html.escape(result.method)})</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Capital gains {year}</h1>",
        f"<p>Method {html.escape(result.method)}, lots {html.escape(result.pooling)}, "
        f"jurisdiction {html.escape(jurisdiction.code)}, currency {html.escape(currency)}.</p>",
        _table(
            ["figure", "value"],
            [
                ["proceeds", summary["proceeds"]],
                ["cost basis", summary["cost_basis"]],
                ["realised gain", summary["realized_gain"]],
                [jurisdiction.short_label, summary["short_term_gain"]],
                [jurisdiction.long_label, summary["long_term_gain"]],
                ["disposals (lots consumed)", str(summary["disposals"])],
            ],
        ),
        "<h2>Price states</h2>",
        _table(["state", "count"], [[k, str(v)] for k, v in summary["price_states"].items()]),
    ]
    flagged = summary["unmatched_disposals"]
    parts.append(
        f"<h2 class={'flag' if flagged else ''}>Disposals with no known acquisition "
        f"({len(flagged)})</h2>"
    )
    if flagged:
        parts.append(
            _table(
                ["date", "account", "asset", "quantity", "proceeds"],
                [
                    [
                        u["date"],
                        u["account"],
                        u["asset"],
                        u["quantity"],
                        u["proceeds"] or "unpriced",
                    ]
                    for u in flagged
                ],
            )
        )
    if summary["incomplete_disposals"]:
        parts.append(
            f"<p class=flag>{summary['incomplete_disposals']} lots consumed without a "
            "known price or basis are not in the sums.</p>"
        )
    for title, png in _charts(result, year, jurisdiction, series, holdings):
        parts.append(
            f"<h2>{html.escape(title)}</h2>"
            f"<img alt='{html.escape(title)}' src='data:image/png;base64,{png}'>"
        )
    if holdings:
        parts.append("<h2>Holdings at year end</h2>")
        parts.append(
            _table(
                [
                    "account",
                    "asset",
                    "quantity",
                    "without known acquisition",
                    "cost basis",
                    "price state",
                    "price",
                    "market value",
                ],
                [
                    [
                        r["account"],
                        r["asset"],
                        r["quantity"],
                        r["unlotted_quantity"],
                        r["cost_basis"],
                        r["price_state"],
                        r["price"] or "",
                        r["market_value"] or "",
                    ]
                    for r in holdings_json(holdings)
                ],
            )
        )
    figures = year_figures(result, year, jurisdiction)
    parts.append("<h2>Lots consumed</h2>")
    parts.append(
        _table(
            [
                "disposed",
                "acquired",
                "account",
                "asset",
                "quantity",
                "proceeds",
                "basis",
                "gain",
                "term",
            ],
            [
                [
                    local_date(leg.disposed_ms, jurisdiction.timezone),
                    local_date(leg.acquired_ms, jurisdiction.timezone),
                    leg.account,
                    leg.asset,
                    decimal_text(leg.quantity),
                    decimal_text(leg.proceeds) or "unpriced",
                    decimal_text(leg.cost_basis) or "unknown",
                    decimal_text(leg.gain) or "unknown",
                    jurisdiction.long_label if leg.long_term else jurisdiction.short_label,
                ]
                for leg in figures.legs[:5000]
            ],
        )
    )
    if len(figures.legs) > 5000:
        parts.append(f"<p>… {len(figures.legs) - 5000} more in the CSV report.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
