"""`tradewind sim-tour` completes its scripted SDK session against the simulator and exits 0."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.e2e
def test_sim_tour_runs_the_scripted_session() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "sim-tour"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in (
        "status=NEW",
        "status=CANCELED",
        "MARKET BUY 0.05 -> status=FILLED",
        "tour finished",
    ):
        assert line in result.stdout
