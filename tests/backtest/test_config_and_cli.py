"""The TOML config refuses unknown keys with one line naming the key; ``tradewind backtest
run`` runs a config, writes the record, and reports user errors in one line, exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.app.cli import run as cli
from tradewind.backtest.config import BinanceFeedConfig, load_backtest_config
from tradewind.backtest.errors import BacktestConfigError

from .binance_data import write_binance_data

CONFIG = """{top}
run_id = "cli-test"
seed = 3

[venues.binance]
balances = {{ USDT = "100000", BTC = "1" }}
fees = {{ maker_bps = "1", taker_bps = "5" }}
latency.entry = {{ kind = "lognormal", median_ns = 2_000_000, sigma = 0.5 }}
[[venues.binance.instruments]]
symbol = "BTC/USDT"
tick_size = "0.01"
step_size = "0.00001"
min_notional = "5"

[[feeds]]
kind = "binance"
venue = "binance"
symbol = "BTC/USDT"
snapshot = "data/snapshot.json"
depth = "data/depth.jsonl"
trades = ["data/trades.csv"]

[[strategies]]
class = "tradewind.node.examples.quoter:Quoter"
id = "quoter"
config = {{ instrument = "BTC/USDT@binance", quantity = "0.001", spread_bps = "1" }}
{extra}
"""


def _config(tmp_path: Path, extra: str = "", top: str = "") -> Path:
    path = tmp_path / "backtest.toml"
    path.write_text(CONFIG.format(extra=extra, top=top), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[strategies.config]\ncolour = 'red'", None),  # a table defined twice: TOML error
        ("[risk]\nmax_order_notionl = '1'", "risk.max_order_notionl"),
        ("[node]\nnmae = 'x'", "node.nmae"),
    ],
)
def test_unknown_keys_are_refused_naming_the_key(
    tmp_path: Path, extra: str, key: str | None
) -> None:
    with pytest.raises(BacktestConfigError) as caught:
        load_backtest_config(_config(tmp_path, extra))
    message = str(caught.value)
    assert "\n" not in message
    if key is not None:
        assert f"unknown key '{key}'" in message


def test_unknown_keys_in_venues_and_feeds_are_named(tmp_path: Path) -> None:
    with pytest.raises(BacktestConfigError, match=r"unknown key 'colour'$"):
        load_backtest_config(_config(tmp_path, top="colour = 'red'"))
    text = CONFIG.format(extra="", top="").replace("fees = {", 'fees = { rebate = "1", ')
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(BacktestConfigError, match=r"unknown key 'venues.binance.fees.rebate'"):
        load_backtest_config(tmp_path / "a.toml")
    text = CONFIG.format(extra="", top="").replace(
        'kind = "binance"', 'kind = "binance"\nsnapshto = "x"'
    )
    (tmp_path / "b.toml").write_text(text)
    with pytest.raises(BacktestConfigError, match=r"unknown key 'feeds.0.binance.snapshto'"):
        load_backtest_config(tmp_path / "b.toml")


def test_relative_paths_are_relative_to_the_config(tmp_path: Path) -> None:
    config = load_backtest_config(_config(tmp_path))
    feed = config.feeds[0]
    assert isinstance(feed, BinanceFeedConfig)
    assert feed.depth == tmp_path / "data" / "depth.jsonl"


def test_cli_runs_a_config_and_writes_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_binance_data(tmp_path / "data", seconds=3)
    out = tmp_path / "record.json"
    status = cli(["backtest", "run", "--config", str(_config(tmp_path)), "--record", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "cli-test: 331 events" in captured.out
    record = json.loads(out.read_bytes())
    assert record["run_id"] == "cli-test" and record["events"] == 331
    assert any(o["action"] == "submitted" for o in record["orders"])


def test_cli_writes_results_csv_and_html_report_and_prints_the_summary(tmp_path: Path) -> None:
    write_binance_data(tmp_path / "data", seconds=3)
    results, tables, page = tmp_path / "results.json", tmp_path / "csv", tmp_path / "report.html"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "tradewind"),  # the installed command
            "backtest", "run", "--config", str(_config(tmp_path)),
            "--json", str(results), "--csv", str(tables), "--html", str(page),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "net PnL " in done.stdout and "USDT" in done.stdout and "quote uptime" in done.stdout
    summary = json.loads(results.read_bytes())
    assert summary["run_id"] == "cli-test" and summary["events"] == 331
    assert {p.name for p in tables.iterdir()} >= {"orders.csv", "fills.csv", "summary.csv"}
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "cli-test" in html


def test_cli_bad_config_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli(["backtest", "run", "--config", str(_config(tmp_path, top="colour = 1"))])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.count("\n") == 0 and "unknown key 'colour'" in err


def test_cli_bad_data_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_binance_data(tmp_path / "data", seconds=1)
    depth = tmp_path / "data" / "depth.jsonl"
    lines = depth.read_text().splitlines()
    lines[4] = lines[4][:30]  # a broken line in the middle
    depth.write_text("\n".join(lines) + "\n")
    status = cli(["backtest", "run", "--config", str(_config(tmp_path))])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert f"{depth}:5: not valid JSON" in err and err.count("\n") == 0


def test_two_processes_write_byte_identical_records(tmp_path: Path) -> None:
    """Across processes too (another hash seed, so another set order): the same bytes."""
    write_binance_data(tmp_path / "data", seconds=5)
    config = _config(tmp_path)
    outputs = []
    for hash_seed in ("1", "4242"):
        out = tmp_path / f"record-{hash_seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "tradewind.app.cli", "backtest", "run"]
        subprocess.run(
            [*command, "--config", str(config), "--record", str(out)],
            check=True,
            env=env,
            capture_output=True,
            timeout=120,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1_000
