"""`tradewind demo --once` (what `make demo` runs, minus the serving) completes its script:
the on-chain flow first, then the exchange-only session."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.e2e
def test_demo_runs_the_scripted_index_session() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "demo", "--once"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "TRADEWIND_LOG__LEVEL": "warning", "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
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
