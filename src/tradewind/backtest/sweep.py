"""Parameter sweeps: a grid of runs in parallel processes, a results table and a heat map.

    grid = {"spread_ticks": [1, 2, 3], "size": ["0.01", "0.02"]}
    results = run_sweep(run_one, grid, workers=2)     # run_one(params) -> {"net_pnl": ...}
    write_sweep_csv(results, path); console.print(sweep_table(results))
    heatmap_png(results, "net_pnl", x="spread_ticks", y="size", path=png)

The runner is any picklable callable (a top-level function, a ``functools.partial`` of one)
taking one grid point (parameter name -> value) and returning metrics (name -> number). Points
run in a ``ProcessPoolExecutor``; the results come back in grid order (the product of the
parameter lists, first parameter slowest) whatever order the processes finish in, so the same
grid and runner give the same table. Metrics are statistics, stored as floats. A runner that
raises stops the sweep with an error naming the grid point.
"""

from __future__ import annotations

import csv
import itertools
import math
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "Runner",
    "SweepError",
    "SweepResults",
    "SweepRow",
    "heatmap_png",
    "parameter_grid",
    "run_sweep",
    "sweep_table",
    "write_sweep_csv",
]

Runner = Callable[[Mapping[str, object]], Mapping[str, float]]


class SweepError(ValueError):
    """A sweep that cannot run or whose runner failed; the message names the cause."""


@dataclass(frozen=True, slots=True)
class SweepRow:
    """One grid point and the metrics its run returned."""

    params: dict[str, object]
    metrics: dict[str, float]


@dataclass(frozen=True, slots=True)
class SweepResults:
    """Every grid point's metrics, in grid order."""

    parameters: tuple[str, ...]
    metrics: tuple[str, ...]
    rows: tuple[SweepRow, ...]


def parameter_grid(grid: Mapping[str, Sequence[object]]) -> list[dict[str, object]]:
    """The product of the parameter lists, first parameter slowest; refuses an empty list."""
    if not grid:
        raise SweepError("the sweep grid has no parameters")
    for name, values in grid.items():
        if isinstance(values, str | bytes) or len(values) == 0:
            raise SweepError(f"parameter {name!r} needs a non-empty list of values")
        if len(set(map(repr, values))) != len(values):
            raise SweepError(f"parameter {name!r} lists a value twice")
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _run_point(runner: Runner, params: Mapping[str, object]) -> dict[str, float] | str:
    """In the worker: the metrics as floats, or the error as text (picklable either way)."""
    try:
        return {str(k): float(v) for k, v in runner(params).items()}
    except Exception as exc:  # reported with its grid point by the parent
        return f"{type(exc).__name__}: {exc}"


def run_sweep(
    runner: Runner, grid: Mapping[str, Sequence[object]], workers: int | None = None
) -> SweepResults:
    """Run ``runner`` on every grid point in ``workers`` processes (default: one per core)."""
    points = parameter_grid(grid)
    try:
        pickle.dumps(runner)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise SweepError(
            f"the runner must be picklable (a top-level function), got {runner!r}: {exc}"
        ) from exc
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be at least 1, got {workers}")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map() yields in submission order: the table is in grid order however runs finish
        outcomes = list(pool.map(_run_point, itertools.repeat(runner), points))
    rows = []
    metric_names: tuple[str, ...] | None = None
    for params, outcome in zip(points, outcomes, strict=True):
        if isinstance(outcome, str):
            raise SweepError(f"the runner failed at {params}: {outcome}")
        names = tuple(sorted(outcome))
        if metric_names is None:
            metric_names = names
        elif names != metric_names:
            raise SweepError(
                f"the runner returned metrics {list(names)} at {params}, "
                f"but {list(metric_names)} before"
            )
        rows.append(SweepRow(params, dict(sorted(outcome.items()))))
    return SweepResults(tuple(grid), metric_names or (), tuple(rows))


def write_sweep_csv(results: SweepResults, path: Path) -> Path:
    """One row per grid point: the parameters, then the metrics (``repr`` of each float)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*results.parameters, *results.metrics])
        for row in results.rows:
            writer.writerow(
                [*(str(row.params[p]) for p in results.parameters)]
                + [repr(row.metrics[m]) for m in results.metrics]
            )
    return path


def sweep_table(results: SweepResults, title: str = "Parameter sweep") -> Table:
    """A rich table of the sweep, metrics to 6 significant digits."""
    from rich.table import Table

    table = Table(title=title)
    for name in results.parameters:
        table.add_column(name)
    for name in results.metrics:
        table.add_column(name, justify="right")
    for row in results.rows:
        table.add_row(
            *(str(row.params[p]) for p in results.parameters),
            *(f"{row.metrics[m]:.6g}" for m in results.metrics),
        )
    return table


def heatmap_png(
    results: SweepResults,
    metric: str,
    x: str,
    y: str,
    path: Path,
    fixed: Mapping[str, object] | None = None,
) -> Path:
    """A heat map of ``metric`` over parameters ``x`` and ``y`` as a PNG.

    Every other parameter must be pinned in ``fixed`` (the plot shows one slice); a cell with
    no run is left blank.
    """
    from matplotlib.figure import Figure

    fixed = dict(fixed or {})
    if metric not in results.metrics:
        raise SweepError(f"no metric {metric!r}; the sweep has {list(results.metrics)}")
    for name in (x, y, *fixed):
        if name not in results.parameters:
            raise SweepError(f"no parameter {name!r}; the sweep has {list(results.parameters)}")
    if x == y:
        raise SweepError("the heat map needs two different parameters")
    loose = [p for p in results.parameters if p not in (x, y) and p not in fixed]
    if loose:
        raise SweepError(f"pin the other parameters with fixed=: {loose}")
    chosen = [r for r in results.rows if all(r.params[k] == v for k, v in fixed.items())]
    if not chosen:
        raise SweepError(f"no grid point has {fixed}")
    xs = _distinct(r.params[x] for r in chosen)
    ys = _distinct(r.params[y] for r in chosen)
    grid = [[math.nan] * len(xs) for _ in ys]
    for row in chosen:
        grid[ys.index(row.params[y])][xs.index(row.params[x])] = row.metrics[metric]
    figure = Figure(figsize=(1.6 + 1.1 * len(xs), 1.4 + 0.7 * len(ys)))
    axes = figure.subplots()
    image = axes.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    for row_index, values in enumerate(grid):
        for column, value in enumerate(values):
            if not math.isnan(value):
                axes.text(
                    column,
                    row_index,
                    f"{value:.4g}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                )
    axes.set_xticks(range(len(xs)), [str(v) for v in xs])
    axes.set_yticks(range(len(ys)), [str(v) for v in ys])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    pinned = ", ".join(f"{k}={v}" for k, v in fixed.items())
    axes.set_title(f"{metric}" + (f" ({pinned})" if pinned else ""))
    figure.colorbar(image, ax=axes, label=metric)
    figure.savefig(path, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path


def _distinct(values: Iterable[object]) -> list[object]:
    """The values in first-seen (grid) order, each once."""
    seen: list[object] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
