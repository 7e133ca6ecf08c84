"""`tradewind portfolio sync --exchange binance --url <the sim>` through the installed command:
CCXT's market, currency, balance, trade, deposit and withdrawal calls all answered by the sim,
with progress on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import SimAdmin

from tradewind.venues.sim.process import SimEndpoints

TRADEWIND = str(Path(sys.executable).with_name("tradewind"))


def test_sync_against_the_sim_fetches_trades_and_deposits(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "10000"})
    admin.post("/deposits", {"account_id": account.account_id, "coin": "USDT",
                             "amount": "250", "tx_id": "0x" + "ab" * 32})  # fmt: skip
    env = {**os.environ, "SIM_KEY": account.api_key, "SIM_SECRET": account.api_secret}
    venue = ["--rest-url", f"{sim.rest_url}/api/v3", "--ws-url", f"{sim.ws_url}/ws",
             "--api-key", account.api_key, "--api-secret", account.api_secret]  # fmt: skip
    placed = subprocess.run(
        [TRADEWIND, "order", "place", "BTC/USDT", "buy", "0.001", *venue],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert placed.returncode == 0 and " filled buy " in placed.stdout, placed.stderr
    synced = subprocess.run(
        [TRADEWIND, "portfolio", "sync", "--exchange", "binance", "--account", "binance:sim",
         "--tenant", "t1", "--db", f"sqlite:///{tmp_path / 'ledger.sqlite'}",
         "--url", f"{sim.rest_url}/api/v3", "--api-key-env", "SIM_KEY",
         "--secret-env", "SIM_SECRET", "--symbol", "BTC/USDT", "--symbol", "ETH/USDT"],
        capture_output=True, text=True, timeout=180, env=env, check=False,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "binance: trades BTC/USDT (1/2)" in synced.stderr
    assert "binance: deposits and withdrawals" in synced.stderr
    # one buy (its fill) and one deposit
    assert "synced 2 new transactions" in synced.stdout, synced.stdout
