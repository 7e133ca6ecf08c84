"""``tradewind node run``: a node from a TOML file against a ``tradewind sim`` process, with the
dashboard on; it prints the dashboard's URL, the snapshot there shows the quoter's resting
order, and SIGTERM stops it cleanly. A bad config is one line and exit status 2."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin

pytestmark = pytest.mark.e2e


def _config(path: Path, sim: SimEndpoints, api_key: str, api_secret: str, listen: str) -> Path:
    path.write_text(
        f"""
[node]
name = "cli-node"
database = "sqlite:///{path.parent / "node.sqlite"}"

[venues.sim]
kind = "binance"
rest_url = "{sim.rest_url}"
ws_url = "{sim.ws_url}"
api_key = "{api_key}"
api_secret = "{api_secret}"

[monitor]
listen = "{listen}"

[[strategies]]
class = "tradewind.node.examples.quoter:Quoter"
id = "quoter"
config = {{ instrument = "BTC/USDT@sim", quantity = "0.001", spread_bps = 300 }}
""",
        encoding="utf-8",
    )
    return path


def _snapshot(url: str) -> dict[str, Any]:
    response = requests.get(url + "api/snapshot", timeout=5)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def test_node_run_serves_the_dashboard_and_stops_on_sigterm(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "100000", "BTC": "2"})
    config = _config(
        tmp_path / "node.toml", sim, account.api_key, account.api_secret, "127.0.0.1:1"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradewind.app.cli",
            "node",
            "run",
            "--config",
            str(config),
            "--dashboard",
            "127.0.0.1:0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("dashboard: http://127.0.0.1:"), line  # --dashboard won
        url = line.split()[1]
        assert "node running: 1 venue(s)" in proc.stdout.readline()
        deadline = time.monotonic() + 20
        snapshot = _snapshot(url)
        while not snapshot["quotes"] and time.monotonic() < deadline:
            time.sleep(0.1)
            snapshot = _snapshot(url)
        assert snapshot["node"]["name"] == "cli-node"
        assert [q["strategy_id"] for q in snapshot["quotes"]] == ["quoter"]
        assert any(m["name"] == "var_99_1d_monte_carlo" for m in snapshot["measures"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_bad_node_config_is_one_line_and_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "node.toml"
    bad.write_text('[monitor]\nlisten = "nowhere"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "node", "run", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: invalid node config"), done.stderr
    assert "monitor.listen: Value error, listen address 'nowhere': expected host:port" in lines[0]
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradewind.app.cli",
            "node",
            "run",
            "--config",
            str(empty),
            "--dashboard",
            "nowhere",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "expected host:port" in done.stderr
    assert json.dumps(done.stderr).count("\\n") == 1  # one line
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tradewind.app.cli",
                "node",
                "run",
                "--config",
                str(empty),
                "--dashboard",
                f"127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: dashboard: cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1
