"""The simulated exchange's integrity across crashes and its secrets: every asset's exchange-wide
total survives SIGKILLs under load (fee account and background participants included), its
database is private (0600) and its demo key pair belongs to its data directory."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest

from tradewind.venues.sim.process import SimProcess
from tradewind.venues.sim.server.auth import credential_from_seed

from .conftest import SimAdmin
from .raw_http import RawBinance

pytestmark = pytest.mark.e2e


def _trade_until(raw: RawBinance, stop: threading.Event, counts: list[int]) -> None:
    """Market orders both ways as fast as the sim answers, until ``stop`` (or it dies)."""
    side = "BUY"
    while not stop.is_set():
        try:
            answer = raw.signed(
                "POST", "/api/v3/order", symbol="SOLUSDT", side=side, type="MARKET",
                quantity="0.100",
            )  # fmt: skip
        except Exception:  # the process was killed under us
            return
        if answer.status_code == 200:
            counts.append(1)
        side = "SELL" if side == "BUY" else "BUY"


def test_totals_are_conserved_across_sigkills_under_load(tmp_path: Path) -> None:
    database = tmp_path / "sim.sqlite"
    process = SimProcess(database=database, admin=True, market=True)
    endpoints = process.start()
    admin = SimAdmin(endpoints)
    account = admin.create_account({"USDT": "50000", "SOL": "200"})
    before = admin.get("/totals")
    filled: list[int] = []
    try:
        for _kill in range(2):
            raw = RawBinance(endpoints.rest_url, account.api_key, account.api_secret)
            stop = threading.Event()
            worker = threading.Thread(target=_trade_until, args=(raw, stop, filled))
            worker.start()
            time.sleep(1.5)  # let fills, fees and participants' trades pile up, then crash
            process.kill()
            stop.set()
            worker.join(timeout=30)
            process = SimProcess(database=database, admin=True, market=True)
            endpoints = process.start()
            admin = SimAdmin(endpoints)
            assert admin.get("/totals") == before
    finally:
        process.stop()
    assert len(filled) > 10  # the kills came under load, with fees charged


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_is_private_and_demo_keys_belong_to_the_data_directory(
    tmp_path: Path,
) -> None:
    first_db = tmp_path / "one" / "sim.sqlite"
    with SimProcess(database=first_db, admin=False, market=False) as first:
        for path in (first_db, first_db.with_name("sim.sqlite-wal")):
            assert _mode(path) == 0o600, path
    with SimProcess(database=first_db, admin=False, market=False) as again:
        assert (again.api_key, again.api_secret) == (first.api_key, first.api_secret)
    with SimProcess(database=tmp_path / "two" / "sim.sqlite", admin=False, market=False) as other:
        assert other.api_key != first.api_key and other.api_secret != first.api_secret
    fixed = credential_from_seed("tradewind-demo", "demo")
    asked = SimProcess(
        database=tmp_path / "three" / "sim.sqlite", admin=False, market=False,
        env={"TRADEWIND_SIM__DEMO_SEED": '"tradewind-demo"'},
    )  # fmt: skip
    with asked as endpoints:
        assert (endpoints.api_key, endpoints.api_secret) == (fixed.api_key, fixed.api_secret)
    with SimProcess(database=None, admin=False, market=False) as memory:
        assert memory.api_key != fixed.api_key
