"""``tradewind backtest run --config FILE``: one backtest, its record and reports.

Writes the run's record as canonical JSON (``--record``); ``--json``, ``--csv`` and ``--html``
are the results and the report (tradewind.backtest.results / report), when those modules are
installed. A run that lasts longer than two seconds shows a progress bar (events replayed and
the market time reached). Bad config or data: one line, exit status 2 (``--debug`` for more).
"""

from __future__ import annotations

import asyncio
import importlib
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

    settings = load_backtest_config(config)
    reporting = _reporting() if (html or json_out or csv_dir) else None
    if (html or json_out or csv_dir) and reporting is None:
        typer.echo(
            "error: results and reports (tradewind.backtest.results / report) are not "
            "available in this installation; use --record to write the run record",
            err=True,
        )
        raise typer.Exit(2)
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
    if reporting is not None:
        results_module, report_module = reporting
        results = _entry(results_module, "compute_results")(result)
        if json_out is not None:
            _entry(results_module, "write_json")(results, json_out)
        if csv_dir is not None:
            _entry(results_module, "write_csv")(results, csv_dir)
        if html is not None:
            _entry(report_module, "write_html")(result, results, html)
    typer.echo(
        f"{result.run_id}: {result.events:,} events in {elapsed:.2f} s, "
        f"{sum(o.action == 'submitted' for o in result.orders):,} orders, "
        f"{len(result.fills):,} fills"
    )


def _entry(module: Any, name: str) -> Any:
    function = getattr(module, name, None)
    if function is None:
        typer.echo(f"error: {module.__name__}.{name} is not available", err=True)
        raise typer.Exit(2)
    return function


def _reporting() -> tuple[Any, Any] | None:
    try:
        return (
            importlib.import_module("tradewind.backtest.results"),
            importlib.import_module("tradewind.backtest.report"),
        )
    except ImportError:
        return None
