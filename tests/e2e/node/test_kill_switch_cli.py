"""The kill switch through the command line against running processes: a `tradewind sim`, a
`tradewind node run` with the example quoter resting a bid on it and its control API, then
`tradewind risk kill` cancels the bid at the sim and halts; `tradewind risk status` says so, a
wrong token is one line and exit status 2, and the kill is in the node's audit log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tradewind.portfolio.audit.log import AuditLog
from tradewind.portfolio.audit.merkle import leaf_hash
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin
from ..kernel.runner_support import VenueTruth

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
TOKEN = "e2e-token"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", *args],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip


def _wait(check: object, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_kill_switch_cli_cancels_orders_at_the_sim_and_halts(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "100000", "BTC": "2"})
    audit = tmp_path / "risk-audit.sqlite"
    config = tmp_path / "node.toml"
    config.write_text(
        f"""
[node]
audit_log = "{audit}"

[venues.sim]
kind = "binance"
rest_url = "{sim.rest_url}"
ws_url = "{sim.ws_url}"
api_key = "{account.api_key}"
api_secret = "{account.api_secret}"

[control]
listen = "127.0.0.1:0"
token = "{TOKEN}"

[alerts]
log = true

[[strategies]]
class = "tradewind.node.examples.quoter:Quoter"
id = "quoter"
config = {{ instrument = "BTC/USDT@sim", quantity = "0.001", spread_bps = 100 }}
""",
        encoding="utf-8",
    )
    node = subprocess.Popen(
        [sys.executable, "-m", "tradewind.app.cli", "node", "run", str(config)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    try:
        assert node.stdout is not None
        printed = [node.stdout.readline() for _ in range(2)]
        assert printed[0].startswith("control: http://127.0.0.1:"), printed
        assert printed[1].startswith("node running: 1 venue(s)"), printed
        url = printed[0].removeprefix("control: ").strip()
        venue = VenueTruth(sim, account.api_key, account.api_secret)
        _wait(lambda: len(venue.open_orders()) == 1, "the quoter's bid at the sim")

        refused = _cli("risk", "kill", "--url", url, "--token", "wrong", "--reason", "x")
        assert refused.returncode == 2
        assert refused.stderr.strip().count("\n") == 0 and "refused the token" in refused.stderr
        assert len(venue.open_orders()) == 1  # nothing changed

        killed = _cli("risk", "kill", "--url", url, "--token", TOKEN, "--reason", "e2e drill")
        assert killed.returncode == 0, killed.stderr
        assert "global: halted" in killed.stdout
        _wait(lambda: venue.open_orders() == [], "the bid cancelled at the sim")
        time.sleep(1)  # the quoter keeps trying on every book: refused, nothing reaches the sim
        assert venue.open_orders() == []

        status = _cli("risk", "status", "--url", url, "--token", TOKEN)
        assert status.returncode == 0
        assert "global: halted" in status.stdout and "open orders on sim: 0" in status.stdout
    finally:
        node.send_signal(signal.SIGTERM)
        assert node.wait(timeout=30) == 0

    # the kill is in the node's hash-chained audit log, and its entry is in the file beside it
    entries = (tmp_path / "risk-audit.actions.jsonl").read_bytes().splitlines()
    [kill] = [json.loads(line) for line in entries if b'"kill"' in line]
    assert kill["kind"] == "operator" and kill["reason"] == "e2e drill"
    log = AuditLog(create_engine(f"sqlite:///{audit}"))
    assert log.size("risk") == len(entries)
    assert log.snapshot("risk").leaf_hashes == tuple(leaf_hash(line) for line in entries)
