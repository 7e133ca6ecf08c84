"""The HTML report of a backtest run: one self-contained file, charts as inline matplotlib SVG.

    write_html(record, results, path)

Sections: a summary table (one row per strategy and a total row; money to cents with its
currency, quantities to 8 places, an unvalued figure says so and names the asset), then the
charts: the account's equity and each strategy's PnL, the inventory of every asset other than
the valuation asset per strategy, and per instrument the mid with each strategy's resting bid
and ask and its fills marked (buys ▲, sells ▼). Every chart is an ``<svg>`` inside a
``<figure data-chart=… data-series=…>`` whose attributes say what was plotted (names and point
counts), so a browser test can check the charts hold data. Long runs are thinned for drawing
only (at most ``MAX_POINTS`` points per line, ``MAX_MARKERS`` fill markers; the figure's caption
says when); tables and the CSV/JSON results are never thinned. No external files, scripts or
fonts: the page opens offline. The same run renders to the same bytes.
"""

from __future__ import annotations

import html
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, TypeVar

from tradewind.backtest.records import RunRecord
from tradewind.backtest.results import BacktestResults, StrategyResults, split_instrument
from tradewind.core.enums import OrderSide

__all__ = ["MAX_MARKERS", "MAX_POINTS", "money_text", "quantity_text", "write_html"]

MAX_POINTS = 2_000
MAX_MARKERS = 2_000
_CENT = Decimal("0.01")
_QUANTITY_PLACE = Decimal("0.00000001")
_NS = 1_000_000_000

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem}
th{background:#f3f3f3;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid #444}.unvalued{color:#a40000}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem}
"""

T = TypeVar("T")


def money_text(value: Decimal | None, currency: str, unvalued: Sequence[str] = ()) -> str:
    """``-1234.565`` -> ``-1,234.56 USDT`` (half-even to cents); ``None`` names what is missing."""
    if value is None:
        missing = ", ".join(unvalued) or "no price"
        return f"unvalued ({missing})"
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_EVEN):,.2f} {currency}"


def quantity_text(value: Decimal) -> str:
    """A quantity to 8 places: ``0.5`` -> ``0.50000000``."""
    return f"{value.quantize(_QUANTITY_PLACE, rounding=ROUND_HALF_EVEN):f}"


def _ratio_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def _thinned(items: Sequence[T], limit: int) -> list[T]:
    """Every k-th item so at most ``limit`` remain, the last one always kept."""
    if len(items) <= limit:
        return list(items)
    step = -(-len(items) // (limit - 1))
    kept = list(items[::step])
    if kept[-1] is not items[-1]:
        kept.append(items[-1])
    return kept


def _seconds(ts_ns: int, start_ns: int) -> float:
    return (ts_ns - start_ns) / _NS


def _svg(figure: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    # Text as <text>, no date, a fixed id salt: the same run gives the same bytes.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tradewind-backtest"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(name: str, title: str, series: dict[str, Any], svg: str, caption: str) -> str:
    data = html.escape(json.dumps(series, sort_keys=True), quote=True)
    note = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f"<h2>{html.escape(title)}</h2>"
        f"<figure data-chart='{name}' data-series='{data}'>{svg}{note}</figure>"
    )


def _thinning_note(drawn: int, total: int, what: str) -> str:
    return (
        f"{drawn:,} of {total:,} {what} drawn (thinned for drawing only)." if drawn < total else ""
    )


def _equity_chart(results: BacktestResults) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.2))
    account_axes, pnl_axes = figure.subplots(2, 1, sharex=True)
    start = results.start_ns
    currency = results.valuation_asset
    counts: dict[str, int] = {}
    notes = []
    valued = [p for p in results.equity if p.value is not None]
    drawn = _thinned(valued, MAX_POINTS)
    account_axes.plot(
        [_seconds(p.ts_ns, start) for p in drawn],
        [float(p.value) for p in drawn if p.value is not None],
        color="black",
        linewidth=1,
        label="account equity",
    )
    counts["account"] = len(drawn)
    notes.append(_thinning_note(len(drawn), len(valued), "equity points"))
    account_axes.set_ylabel(f"equity ({currency})")
    account_axes.legend(fontsize=7, loc="upper left")
    for strategy in (*results.strategies, results.total):
        points = _thinned([p for p in strategy.pnl_curve if p.value is not None], MAX_POINTS)
        pnl_axes.plot(
            [_seconds(p.ts_ns, start) for p in points],
            [float(p.value) for p in points if p.value is not None],
            linewidth=1.6 if strategy is results.total else 1,
            color="black" if strategy is results.total else None,
            label=strategy.strategy_id,
        )
        counts[strategy.strategy_id] = len(points)
    pnl_axes.axhline(0, color="#999", linewidth=0.6)
    pnl_axes.set_ylabel(f"PnL ({currency})")
    pnl_axes.set_xlabel("seconds since start")
    pnl_axes.legend(fontsize=7, loc="upper left")
    account_axes.set_title(
        f"Account equity and PnL; final equity "
        f"{money_text(results.final_equity, currency, results.unvalued)}"
    )
    caption = " ".join(n for n in notes if n)
    return _figure("equity", "Equity and PnL", {"points": counts}, _svg(figure), caption)


def _inventory_chart(results: BacktestResults) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    start, end = results.start_ns, results.end_ns
    counts: dict[str, int] = {}
    for strategy in results.strategies:
        by_asset: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
        for point in strategy.inventory:
            if point.asset != results.valuation_asset:
                by_asset[point.asset].append((point.ts_ns, point.quantity))
        for asset in sorted(by_asset):
            steps = [(start, Decimal(0)), *by_asset[asset]]
            steps.append((end, steps[-1][1]))
            drawn = _thinned(steps, MAX_POINTS)
            axes.plot(
                [_seconds(ts, start) for ts, _q in drawn],
                [float(q) for _ts, q in drawn],
                drawstyle="steps-post",
                linewidth=1,
                label=f"{strategy.strategy_id} {asset}",
            )
            counts[f"{strategy.strategy_id} {asset}"] = len(drawn)
    axes.axhline(0, color="#999", linewidth=0.6)
    axes.set_xlabel("seconds since start")
    axes.set_ylabel("quantity")
    axes.set_title("Inventory per strategy (assets other than the valuation asset)")
    if counts:
        axes.legend(fontsize=7, loc="upper left")
    return _figure("inventory", "Inventory", {"points": counts}, _svg(figure), "")


def _plotted(price: Decimal | None) -> float:
    """An empty side is a gap in the line (NaN), never a price of zero."""
    return float("nan") if price is None else float(price)


def _quotes_chart(record: RunRecord, instrument: str) -> str:
    from matplotlib.figure import Figure

    start, end = record.start_ns, record.end_ns
    figure = Figure(figsize=(9, 4))
    axes = figure.subplots()
    mids = [
        (s.ts_ns, (s.best_bid + s.best_ask) / 2)
        for s in record.market
        if s.instrument == instrument and s.best_bid is not None and s.best_ask is not None
    ]
    drawn_mids = _thinned(mids, MAX_POINTS)
    axes.plot(
        [_seconds(ts, start) for ts, _m in drawn_mids],
        [float(m) for _ts, m in drawn_mids],
        color="#555",
        linewidth=1,
        label="mid",
    )
    series: dict[str, Any] = {"mid": len(drawn_mids)}
    notes = [_thinning_note(len(drawn_mids), len(mids), "mids")]
    quotes_by_strategy: dict[str, list[tuple[int, Decimal | None, Decimal | None]]] = defaultdict(
        list
    )
    for q in record.quotes:
        if q.instrument == instrument:
            quotes_by_strategy[q.strategy_id].append((q.ts_ns, q.bid, q.ask))
    for strategy_id in sorted(quotes_by_strategy):
        samples = sorted(quotes_by_strategy[strategy_id], key=lambda q: q[0])
        samples.append((end, samples[-1][1], samples[-1][2]))
        drawn = _thinned(samples, MAX_POINTS)
        times = [_seconds(ts, start) for ts, _b, _a in drawn]
        bids = [_plotted(bid) for _ts, bid, _ask in drawn]
        asks = [_plotted(ask) for _ts, _bid, ask in drawn]
        for values, side, color in ((bids, "bid", "tab:green"), (asks, "ask", "tab:red")):
            axes.plot(
                times,
                values,
                drawstyle="steps-post",
                linewidth=0.8,
                color=color,
                alpha=0.8,
                label=f"{strategy_id} {side}",
            )
        series[f"{strategy_id} quotes"] = len(drawn)
    fills = [f for f in record.fills if f.instrument == instrument]
    drawn_fills = _thinned(fills, MAX_MARKERS)
    notes.append(_thinning_note(len(drawn_fills), len(fills), "fills"))
    for side, marker, color in (
        (OrderSide.BUY, "^", "tab:green"),
        (OrderSide.SELL, "v", "tab:red"),
    ):
        chosen = [f for f in drawn_fills if f.side is side]
        axes.scatter(
            [_seconds(f.ts_ns, start) for f in chosen],
            [float(f.price) for f in chosen],
            marker=marker,
            color=color,
            edgecolors="black",
            linewidths=0.4,
            s=28,
            zorder=3,
            label=f"{side.value} fills",
        )
        series[f"{side.value} fills"] = len(chosen)
    _base, quote = split_instrument(instrument)
    axes.set_xlabel("seconds since start")
    axes.set_ylabel(f"price ({quote})")
    axes.set_title(f"{instrument}: quotes vs mid, fills marked")
    axes.legend(fontsize=7, loc="upper left")
    caption = " ".join(n for n in notes if n)
    return _figure(
        f"quotes-{instrument}", f"Quotes vs mid: {instrument}", series, _svg(figure), caption
    )


_HEADERS = (
    "strategy",
    "realised PnL",
    "unrealised PnL",
    "fees",
    "fees valued",
    "net PnL",
    "max drawdown",
    "position at end",
    "orders",
    "fills (maker/taker)",
    "filled / quoted qty",
    "fill ratio (qty)",
    "fill ratio (orders)",
    "quote uptime",
)


def _summary_row(s: StrategyResults, currency: str, total: bool) -> str:
    def money(value: Decimal | None) -> str:
        return money_text(value, currency, s.unvalued)

    fees = "<br>".join(f"{quantity_text(v)} {html.escape(a)}" for a, v in s.fees.items())
    positions = "<br>".join(
        f"{quantity_text(v)} {html.escape(split_instrument(i)[0])} ({html.escape(i)})"
        for i, v in s.positions.items()
    )
    cells = [
        html.escape(s.strategy_id),
        money(s.realised_pnl),
        money(s.unrealised_pnl),
        fees,
        money(s.fees_value),
        money(s.net_pnl),
        money_text(s.max_drawdown, currency, s.unvalued),
        positions,
        f"{s.orders:,}",
        f"{s.fills:,} ({s.maker_fills:,}/{s.taker_fills:,})",
        f"{quantity_text(s.filled_quantity)} / {quantity_text(s.quoted_quantity)}",
        _ratio_text(s.fill_ratio_quantity),
        _ratio_text(s.fill_ratio_orders),
        _ratio_text(s.quote_uptime),
    ]
    tds = "".join(
        f"<td class='{'unvalued' if c.startswith('unvalued') else 'num'}'>{c}</td>"
        if i
        else f"<td>{c}</td>"
        for i, c in enumerate(cells)
    )
    return f"<tr class='{'total' if total else 'strategy'}'>{tds}</tr>"


def _summary_table(results: BacktestResults) -> str:
    currency = results.valuation_asset
    head = "".join(f"<th>{h}</th>" for h in _HEADERS)
    rows = [_summary_row(s, currency, False) for s in results.strategies]
    rows.append(_summary_row(results.total, currency, True))
    account = [
        ("initial equity", money_text(results.initial_equity, currency, results.unvalued)),
        ("final equity", money_text(results.final_equity, currency, results.unvalued)),
        ("max drawdown", money_text(results.max_drawdown, currency, results.unvalued)),
        ("max drawdown (share of peak)", _ratio_text(results.max_drawdown_fraction)),
        ("Sharpe (annualised)", _float_text(results.sharpe)),
        ("Sortino (annualised)", _float_text(results.sortino)),
        ("return interval", f"{results.interval_ns / _NS:g} s"),
        ("unvalued assets", ", ".join(results.unvalued) or "none"),
    ]
    account_rows = "".join(f"<tr><th>{k}</th><td class='num'>{v}</td></tr>" for k, v in account)
    return (
        "<h2>Summary</h2>"
        f"<table id='summary'><tr>{head}</tr>{''.join(rows)}</table>"
        f"<h2>Account</h2><table id='account'>{account_rows}</table>"
    )


def _float_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def write_html(record: RunRecord, results: BacktestResults, path: Path) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    duration = (record.end_ns - record.start_ns) / _NS
    instruments = sorted(
        {s.instrument for s in record.market}
        | {q.instrument for q in record.quotes}
        | {f.instrument for f in record.fills}
    )
    heading = (
        f"<h1>Backtest {html.escape(record.run_id)}</h1>"
        f"<p>seed {record.seed} · config {html.escape(record.config_digest[:16])} · "
        f"{duration:,.3f} s simulated · {record.events:,} market events · "
        f"{len(record.orders):,} order records · {len(record.fills):,} fills · "
        f"money in {html.escape(record.valuation_asset)}</p>"
    )
    body = [
        heading,
        _summary_table(results),
        _equity_chart(results),
        _inventory_chart(results),
        *(_quotes_chart(record, instrument) for instrument in instruments),
    ]
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Backtest {html.escape(record.run_id)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path
