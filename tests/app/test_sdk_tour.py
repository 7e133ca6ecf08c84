"""`tradewind demo` (what `make demo` runs) completes its scripted session and exits 0."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.e2e
def test_demo_runs_the_scripted_session() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in (
        "status=NEW",
        "status=CANCELED",
        "MARKET BUY 0.05 -> status=FILLED",
        "demo finished",
    ):
        assert line in result.stdout
