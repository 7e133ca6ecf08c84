"""Parameter sweeps in real worker processes: grid order, CSV, rich table, heat map, errors."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console
from tests.backtest import sweep_runners

from tradewind.backtest.sweep import (
    SweepError,
    SweepResults,
    heatmap_png,
    parameter_grid,
    run_sweep,
    sweep_table,
    write_sweep_csv,
)

GRID = {"a": [1, 2], "b": [1, 2, 3]}


@pytest.fixture(scope="module")
def results() -> SweepResults:
    return run_sweep(sweep_runners.quadratic, GRID, workers=2)


def test_grid_is_the_product_first_parameter_slowest() -> None:
    assert parameter_grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]


def test_results_come_back_in_grid_order_from_worker_processes(results: SweepResults) -> None:
    assert results.parameters == ("a", "b")
    assert results.metrics == ("done", "pid", "pnl")
    assert [r.params for r in results.rows] == parameter_grid(GRID)
    assert [r.metrics["pnl"] for r in results.rows] == [9.0, 10.0, 9.0, 19.0, 20.0, 19.0]
    pids = {r.metrics["pid"] for r in results.rows}
    assert float(os.getpid()) not in pids  # every run was in a worker process
    # the slow first point finished after the others, yet it is still the first row
    assert results.rows[0].metrics["done"] > results.rows[1].metrics["done"]


def test_csv_has_parameters_then_metrics_one_row_per_point(
    results: SweepResults, tmp_path: Path
) -> None:
    lines = write_sweep_csv(results, tmp_path / "sweep.csv").read_text().splitlines()
    assert lines[0] == "a,b,done,pid,pnl"
    assert [line.split(",")[:2] + line.split(",")[-1:] for line in lines[1:]] == [
        ["1", "1", "9.0"],
        ["1", "2", "10.0"],
        ["1", "3", "9.0"],
        ["2", "1", "19.0"],
        ["2", "2", "20.0"],
        ["2", "3", "19.0"],
    ]


def test_rich_table_lists_every_point(results: SweepResults) -> None:
    console = Console(record=True, width=140, file=io.StringIO())
    console.print(sweep_table(results, title="spread sweep"))
    text = console.export_text()
    assert "spread sweep" in text
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.split("┃")[1:-1]] == ["a", "b", "done", "pid", "pnl"]
    rows = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    assert [(r[0].strip(), r[1].strip(), r[-1].strip()) for r in rows] == [
        ("1", "1", "9"),
        ("1", "2", "10"),
        ("1", "3", "9"),
        ("2", "1", "19"),
        ("2", "2", "20"),
        ("2", "3", "19"),
    ]


def test_heatmap_png_shows_the_metric_over_two_parameters(
    results: SweepResults, tmp_path: Path
) -> None:
    from matplotlib.image import imread

    path = heatmap_png(results, "pnl", x="b", y="a", path=tmp_path / "heat.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(path)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 150
    colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::7].tolist()}
    assert len(colours) > 20  # cells in several colours, a colour bar, labels: not blank
    again = heatmap_png(results, "pnl", x="b", y="a", path=tmp_path / "again.png")
    assert again.read_bytes() == path.read_bytes()


def test_heatmap_refuses_unknown_names_and_unpinned_parameters(tmp_path: Path) -> None:
    three = run_sweep(sweep_runners.failing, {"a": [1, 3], "b": [1], "c": [5, 6]}, workers=1)
    with pytest.raises(SweepError, match=r"pin the other parameters with fixed=: \['c'\]"):
        heatmap_png(three, "pnl", "a", "b", tmp_path / "h.png")
    assert heatmap_png(three, "pnl", "a", "b", tmp_path / "h.png", fixed={"c": 6}).exists()
    with pytest.raises(SweepError, match="no metric 'sharpe'"):
        heatmap_png(three, "sharpe", "a", "b", tmp_path / "h.png")
    with pytest.raises(SweepError, match="no parameter 'z'"):
        heatmap_png(three, "pnl", "a", "z", tmp_path / "h.png")
    with pytest.raises(SweepError, match="no grid point has"):
        heatmap_png(three, "pnl", "a", "b", tmp_path / "h.png", fixed={"c": 7})


def test_runner_failure_names_the_grid_point() -> None:
    with pytest.raises(SweepError, match=r"failed at \{'a': 2\}: RuntimeError: no market data"):
        run_sweep(sweep_runners.failing, {"a": [1, 2]}, workers=2)


def test_bad_sweeps_are_refused_before_any_run() -> None:
    with pytest.raises(SweepError, match="must be picklable"):
        run_sweep(lambda params: {"pnl": 1.0}, {"a": [1]})
    with pytest.raises(SweepError, match="'a' needs a non-empty list"):
        run_sweep(sweep_runners.failing, {"a": []})
    with pytest.raises(SweepError, match="'a' lists a value twice"):
        parameter_grid({"a": [1, 1]})
    with pytest.raises(SweepError, match="no parameters"):
        parameter_grid({})
    with pytest.raises(SweepError, match="workers must be at least 1"):
        run_sweep(sweep_runners.failing, {"a": [1]}, workers=0)
    with pytest.raises(SweepError, match=r"returned metrics \['pnl', 'sharpe'\] at \{'a': 2\}"):
        run_sweep(sweep_runners.uneven, {"a": [1, 2]}, workers=1)
