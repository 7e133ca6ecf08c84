"""`tradewind demo --once` (what `make demo` runs, minus the serving) completes its script:
the on-chain flow first, then the exchange-only session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.e2e
def test_demo_runs_the_scripted_index_session(tmp_path: Path) -> None:
    log_file = tmp_path / "demo.log"
    result = subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "demo", "--once", "--log-file", str(log_file)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "TRADEWIND_LOG__LEVEL": "info", "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # the story on screen, the desk's log lines in the file it names
    assert f"logs: {log_file}" in out
    assert "index_batch_planned" not in out + result.stderr
    assert "index_batch_planned" in log_file.read_text(encoding="utf-8")
    assert "why 'filled' stayed at 0.000 while 'spent' climbed" in out
    assert "Unclosed client session" not in out + result.stderr
    for line in (
        "MintInvoice mint-1",
        "MintInvoice mint-2",
        "MintInvoice redeem-1",
        "demo finished",
    ):
        assert line in out
    # the on-chain steps, each with its transaction hash
    for step in (
        "vault deposit tx 0x",
        "sweep",
        "bridge",
        "relayer fill on base tx 0x",
        "transfer",
        "minted",
        "burned",
        "paid back",
        "demo finished (on chain)",
    ):
        assert step in out, step
    # every order reported its fills before its invoice, and ended filled
    assert out.count("IndexOrderFill mint-1") >= 2
    assert "filled            filled=" in out


@pytest.mark.e2e
def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "tradewind.app.cli", "demo", "--no-chain",
         "--log-file", str(tmp_path / "demo.log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TRADEWIND_LOG__LEVEL": "info", "TRADEWIND_DESK__PORT": "0"},
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:  # Ctrl-C in the middle of the scripted session
        if line.startswith("gateway "):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert "stopped" in out
    everything = out + err + (tmp_path / "demo.log").read_text(encoding="utf-8")
    assert "Unclosed client session" not in everything
    assert "Traceback" not in everything
