"""``tradewind backtest run --config FILE``: one backtest, its record and reports.

Prints the summary (PnL, drawdown, Sharpe, Sortino, quote uptime); writes the run's record as
canonical JSON (``--record``), the results as JSON (``--json``) and CSV tables (``--csv DIR``),
and the HTML report with its plots (``--html``). A run that lasts longer than two seconds shows
a progress bar (events replayed and the market time reached). Bad config or data: one line,
exit status 2 (``--debug`` for more).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["backtest_app"]

backtest_app = typer.Typer(
    help="Backtests: the node's strategies on recorded or synthetic markets.",
    no_args_is_help=True,
)

_PROGRESS_AFTER_S = 2.0


class _Progress:
    """A rich progress bar that appears only once the run has taken two seconds."""

    def __init__(self, total_ns: int | None) -> None:
        self._started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._first_ns: int | None = None
        self._total_ns = total_ns

    def __call__(self, events: int, now_ns: int) -> None:
        if self._first_ns is None:
            self._first_ns = now_ns
        if self._bar is None:
            if time.monotonic() - self._started < _PROGRESS_AFTER_S:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("backtest"),
                BarColumn(),
                TextColumn("{task.fields[events]:,} events"),
                TextColumn("market {task.fields[market]}"),
                TimeElapsedColumn(),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("run", total=None, events=0, market="")
        elapsed_s = (now_ns - (self._first_ns or now_ns)) / 1e9
        self._bar.update(self._task, events=events, market=f"+{elapsed_s:,.0f} s")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@backtest_app.command("run")
def run_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="Backtest TOML config.")],
    record: Annotated[
        Path | None, typer.Option("--record", help="Write the run record (canonical JSON).")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON.")
    ] = None,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="Write results tables as CSV files here.")
    ] = None,
) -> None:
    """Run a backtest and print a one-line summary."""
    from tradewind.backtest.build import build_engine
    from tradewind.backtest.config import load_backtest_config
    from tradewind.backtest.engine import run_record_json
    from tradewind.backtest.report import money_text, write_html
    from tradewind.backtest.results import compute_results, results_json, write_csv

    settings = load_backtest_config(config)
    progress = _Progress(None)
    engine = build_engine(settings, progress=progress)
    started = time.perf_counter()
    try:
        result = asyncio.run(engine.run())
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    if record is not None:
        record.write_bytes(run_record_json(result))
    results = compute_results(result)
    if json_out is not None:
        json_out.write_bytes(results_json(results))
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        write_csv(result, results, csv_dir)
    if html is not None:
        write_html(result, results, html)
    total, currency = results.total, results.valuation_asset
    typer.echo(
        f"{result.run_id}: {result.events:,} events in {elapsed:.2f} s, "
        f"{sum(o.action == 'submitted' for o in result.orders):,} orders, "
        f"{len(result.fills):,} fills"
    )
    typer.echo(
        f"net PnL {money_text(total.net_pnl, currency, total.unvalued)} "
        f"(realised {money_text(total.realised_pnl, currency)}, "
        f"unrealised {money_text(total.unrealised_pnl, currency)}, "
        f"fees {money_text(total.fees_value, currency)}); "
        f"max drawdown {money_text(results.max_drawdown, currency)}; "
        f"Sharpe {_stat(results.sharpe)}, Sortino {_stat(results.sortino)}; "
        f"quote uptime {_share(total.quote_uptime)}"
    )
    for path, what in (
        (record, "run record"),
        (json_out, "results"),
        (csv_dir, "CSV"),
        (html, "report"),
    ):
        if path is not None:
            typer.echo(f"{what}: {path}")


def _stat(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
