"""The HTML gains report with charts: matplotlib SVG inline, no external files.

Charts: holdings at market value over time (month ends, one stacked area per asset, cash
apart), the current allocation (value per asset with its share and the total), and realised
gain per month. Every chart is an inline <svg> inside a <figure data-chart=… data-series=…>
whose attributes list what was plotted, so a browser test can check the charts hold data.
Tables list the summary, income, price states, unmatched disposals, holdings and lots, each
with a totals row; money in cents with its currency, quantities in 8 decimals. An incomplete
year opens with the INCOMPLETE notice and its to-do list, and states no totals as known.
Floats appear only inside the charts' drawing.
"""

from __future__ import annotations

import html
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.pnl import ValuePoint
from tradewind.portfolio.reports.completeness import missing_items
from tradewind.portfolio.reports.holdings import HoldingRow, holdings_json, holdings_totals
from tradewind.portfolio.reports.money import UNKNOWN, cents, money_text, quantity_text
from tradewind.portfolio.reports.summary import gains_summary
from tradewind.portfolio.reports.tax_year import local_date, year_figures

__all__ = ["html_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;border-top:2px solid #444}
.flag{color:#a40000;font-weight:600}.incomplete{border:3px solid #a40000;padding:1rem}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
"""


def _grouped(value: Decimal) -> str:
    """Cents with thousands separators, for chart labels: 12,345.67."""
    return f"{cents(value):,.2f}"


def _svg(figure: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    # Text as <text>, not outlines: numbers stay selectable and the page stays small; no
    # creation date, so the same report renders to the same bytes.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(name: str, title: str, series: dict[str, Any], svg: str) -> str:
    data = html.escape(json.dumps(series, sort_keys=True), quote=True)
    return (
        f"<h2>{html.escape(title)}</h2>"
        f"<figure data-chart='{name}' data-series='{data}'>{svg}</figure>"
    )


def _value_chart(series: Sequence[ValuePoint], timezone: str, currency: str) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    assets = sorted({a for p in series for a, _v in p.by_asset if a != "cash"})
    labels = [local_date(p.timestamp_ms, timezone) for p in series]
    stacks = {
        asset: [float(dict(p.by_asset).get(asset, Decimal(0))) for p in series] for asset in assets
    }
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    xs = list(range(len(series)))
    if assets:
        axes.stackplot(xs, *stacks.values(), labels=assets)
    totals = [sum(stack[x] for stack in stacks.values()) for x in xs]
    axes.plot(xs, totals, color="black", linewidth=1, label="total (crypto)")
    for x, point in enumerate(series):
        if not point.complete:
            axes.annotate("unpriced", (x, totals[x]), fontsize=7, color="#a40000")
    axes.set_xticks(xs)
    axes.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f} {currency}"))
    axes.set_title(
        f"Holdings at market value ({currency}); at year end "
        f"{_grouped(Decimal(str(totals[-1])) if totals else Decimal(0))} {currency}"
    )
    axes.legend(fontsize=7, loc="upper left")
    data = {
        "x": labels,
        "assets": {
            a: [money_text(dict(p.by_asset).get(a, Decimal(0))) for p in series] for a in assets
        },
        "unpriced": [[a for a, _s in p.missing] for p in series],
    }
    return _figure("holdings-over-time", "Holdings at market value over time", data, _svg(figure))


def _allocation_chart(rows: Sequence[HoldingRow], currency: str) -> str:
    from matplotlib.figure import Figure

    by_asset: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.market_value is not None and row.market_value > 0:
            by_asset[row.asset] += row.market_value
    ranked = sorted(by_asset.items(), key=lambda item: item[1], reverse=True)
    total = sum((cents(v) for _a, v in ranked), Decimal(0))
    figure = Figure(figsize=(8, 0.6 + 0.45 * max(1, len(ranked))))
    axes = figure.subplots()
    names = [a for a, _v in ranked]
    values = [float(v) for _a, v in ranked]
    bars = axes.barh(names, values)
    axes.invert_yaxis()
    for bar, (_asset, value) in zip(bars, ranked, strict=True):
        share = (value / total * 100) if total else Decimal(0)
        axes.annotate(
            f" {_grouped(value)} {currency} ({share:.1f} %)",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=8,
        )
    axes.set_xticks([])
    axes.set_title(f"Allocation at year end: total {_grouped(total)} {currency}")
    data = {"assets": {a: money_text(v) for a, v in ranked}, "total": money_text(total)}
    return _figure("allocation", "Current allocation", data, _svg(figure))


def _gain_chart(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction, currency: str
) -> str:
    from matplotlib.figure import Figure

    figures = year_figures(result, year, jurisdiction)
    short: dict[int, Decimal] = defaultdict(Decimal)
    long: dict[int, Decimal] = defaultdict(Decimal)
    for leg in figures.legs:
        if leg.proceeds is None or leg.cost_basis is None:
            continue
        month = int(local_date(leg.disposed_ms, jurisdiction.timezone, "%m"))
        gain = cents(leg.proceeds) - cents(leg.cost_basis)
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
    axes.set_title(f"Realised gain per month, {year} ({currency})")
    axes.legend()
    data = {
        jurisdiction.short_label: [money_text(short[m]) for m in months],
        jurisdiction.long_label: [money_text(long[m]) for m in months],
    }
    return _figure("gain-per-month", "Realised gain per month", data, _svg(figure))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], total: Sequence[Any] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = [f"<tr>{_cells(row)}</tr>" for row in rows]
    if total:
        body.append(f"<tr class=total>{_cells(total)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _cells(row: Sequence[Any]) -> str:
    return "".join(
        f"<td class=num>{html.escape(str(c))}</td>"
        if _numeric(c)
        else f"<td>{html.escape('' if c is None else str(c))}</td>"
        for c in row
    )


def _numeric(cell: Any) -> bool:
    if not isinstance(cell, str) or not cell:
        return False
    try:
        Decimal(cell.split(" ")[0])
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
    import matplotlib

    matplotlib.use("Agg")
    summary = gains_summary(result, year, jurisdiction, currency=currency, extra=extra)
    figures = year_figures(result, year, jurisdiction)
    missing = missing_items(figures, jurisdiction.timezone)

    def amount(key: str) -> str:
        value = summary[key]
        return f"{value} {currency}" if value is not None else UNKNOWN

    parts = [
        "<!doctype html><html><head><meta charset=utf-8>",
        f"<title>Capital gains {year} ({html.escape(result.method)})</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Capital gains {year}</h1>",
    ]
    if missing:
        items = "".join(f"<li>{html.escape(item.text())}</li>" for item in missing)
        parts.append(
            f"<section class=incomplete id=incomplete><h2 class=flag>INCOMPLETE: "
            f"{len(missing)} unknown value(s)</h2><p>No taxable gain or total can be given "
            f"until these are fixed:</p><ol>{items}</ol></section>"
        )
    parts += [
        f"<p>Method {html.escape(result.method)}, lots {html.escape(result.pooling)}, "
        f"jurisdiction {html.escape(jurisdiction.code)}, currency {html.escape(currency)}.</p>",
        _table(
            ["figure", f"value ({currency})"],
            [
                ["proceeds", amount("proceeds")],
                ["cost basis", amount("cost_basis")],
                [jurisdiction.short_label, amount("short_term_gain")],
                [jurisdiction.long_label, amount("long_term_gain")],
            ],
            ["realised gain", amount("realized_gain")],
        ),
    ]
    if series:
        parts.append(_value_chart(series, jurisdiction.timezone, currency))
    if holdings:
        parts.append(_allocation_chart(holdings, currency))
    parts.append(_gain_chart(result, year, jurisdiction, currency))
    if figures.income:
        parts.append("<h2>Income</h2>")
        parts.append(
            _table(
                ["date", "account", "asset", "kind", "quantity", f"value ({currency})"],
                [
                    [
                        local_date(r.received_ms, jurisdiction.timezone),
                        r.account,
                        r.asset,
                        r.label or r.kind,
                        quantity_text(r.quantity),
                        money_text(r.value, unknown=UNKNOWN),
                    ]
                    for r in figures.income
                ],
                [
                    "total",
                    "",
                    "",
                    "",
                    "",
                    ", ".join(f"{k}: {v}" for k, v in summary["income"].items()) or "0.00",
                ],
            )
        )
    parts.append("<h2>Price states</h2>")
    parts.append(
        _table(
            ["state", "count"],
            [[k, str(v)] for k, v in summary["price_states"].items()],
            ["total", str(sum(summary["price_states"].values()))],
        )
    )
    flagged = summary["unmatched_disposals"]
    parts.append(
        f"<h2 class={'flag' if flagged else ''}>Disposals with no known acquisition "
        f"({len(flagged)})</h2>"
    )
    if flagged:
        parts.append(
            _table(
                ["date", "account", "asset", "quantity", f"proceeds ({currency})"],
                [
                    [u["date"], u["account"], u["asset"], u["quantity"], u["proceeds"] or UNKNOWN]
                    for u in flagged
                ],
                ["total", "", "", "", str(len(flagged)) + " disposals"],
            )
        )
    if holdings:
        basis, value = holdings_totals(holdings)
        parts.append("<h2>Holdings at year end</h2>")
        parts.append(
            _table(
                [
                    "account",
                    "asset",
                    "quantity",
                    "without known acquisition",
                    f"cost basis ({currency})",
                    "price state",
                    f"price ({currency})",
                    f"market value ({currency})",
                ],
                [
                    [
                        r["account"],
                        r["asset"],
                        r["quantity"],
                        r["unlotted_quantity"],
                        r["cost_basis"],
                        r["price_state"],
                        r["price"] or UNKNOWN,
                        r["market_value"] or UNKNOWN,
                    ]
                    for r in holdings_json(holdings, currency)
                ],
                [
                    "total",
                    "",
                    "",
                    "",
                    money_text(basis, unknown=UNKNOWN),
                    "",
                    "",
                    money_text(value, unknown=UNKNOWN),
                ],
            )
        )
    parts.append("<h2>Lots consumed</h2>")
    shown = figures.legs[:5000]
    parts.append(
        _table(
            [
                "disposed",
                "acquired",
                "account",
                "asset",
                "quantity",
                f"proceeds ({currency})",
                f"basis ({currency})",
                f"gain ({currency})",
                "term",
            ],
            [
                [
                    local_date(leg.disposed_ms, jurisdiction.timezone),
                    local_date(leg.acquired_ms, jurisdiction.timezone),
                    leg.account,
                    leg.asset,
                    quantity_text(leg.quantity),
                    money_text(leg.proceeds, unknown=UNKNOWN),
                    money_text(leg.cost_basis, unknown=UNKNOWN),
                    money_text(
                        None
                        if leg.proceeds is None or leg.cost_basis is None
                        else cents(leg.proceeds) - cents(leg.cost_basis),
                        unknown=UNKNOWN,
                    ),
                    jurisdiction.long_label if leg.long_term else jurisdiction.short_label,
                ]
                for leg in shown
            ],
            [
                "total",
                "",
                "",
                "",
                "",
                amount("proceeds"),
                amount("cost_basis"),
                amount("realized_gain"),
                "",
            ],
        )
    )
    if len(figures.legs) > 5000:
        parts.append(f"<p>… {len(figures.legs) - 5000} more in the CSV report.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
