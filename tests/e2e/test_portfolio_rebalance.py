"""`tradewind portfolio rebalance` against a real `tradewind sim` process: the plan alone sends
nothing; --confirm sends the planned market orders through the kernel and they fill."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.app.cli import run
from tradewind.venues.sim.process import SimEndpoints

from .conftest import SimAdmin

pytestmark = pytest.mark.e2e


def _use(monkeypatch: pytest.MonkeyPatch, sim: SimEndpoints, key: str, secret: str) -> None:
    monkeypatch.setenv("TRADEWIND_VENUE__REST_URL", sim.rest_url)
    monkeypatch.setenv("TRADEWIND_VENUE__WS_URL", sim.ws_url)
    monkeypatch.setenv("TRADEWIND_VENUE__API_KEY", key)
    monkeypatch.setenv("TRADEWIND_VENUE__API_SECRET", secret)


def _balances(capsys: pytest.CaptureFixture[str]) -> dict[str, Decimal]:
    assert run(["balances"]) == 0
    held: dict[str, Decimal] = {}
    for line in capsys.readouterr().out.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) >= 6 and cells[1].isalpha() and cells[1] != "asset":
            held[cells[1]] = Decimal(cells[4])
    return held


def test_the_plan_sends_nothing_and_confirm_trades_it(
    sim: SimEndpoints,
    admin: SimAdmin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = admin.create_account({"USDT": "20000", "BTC": "1"})
    _use(monkeypatch, sim, account.api_key, account.api_secret)
    args = ["portfolio", "rebalance", "--targets", "BTC=0.5,USDT=0.5"]
    assert run(args) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "│ sell" in line and "BTC/USDT" in line)
    planned = Decimal(row.split("│")[3].strip())
    assert 0 < planned < 1
    assert "run again with --confirm" in out
    assert _balances(capsys) == {"BTC": Decimal(1), "USDT": Decimal(20000)}  # nothing sent

    assert run([*args, "--confirm"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "│ sell" in line and "BTC/USDT" in line)
    sent, price = (Decimal(cell.strip()) for cell in row.split("│")[3:5])
    [order] = [line for line in out.splitlines() if line.startswith("tw-")]
    assert f" filled sell {sent} BTC/USDT @ market filled {sent} " in order
    after = _balances(capsys)
    assert after["BTC"] == Decimal(1) - sent
    # at the plan's mid, BTC is now half of the account (within a step, the spread and fees)
    btc_value = after["BTC"] * price
    assert abs(btc_value / (btc_value + after["USDT"]) - Decimal("0.5")) < Decimal("0.01")


def test_bad_targets_are_one_line_before_any_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND_VENUE__REST_URL", "http://127.0.0.1:9")  # nothing listens
    assert run(["portfolio", "rebalance", "--targets", "BTC=0.6,USDT=0.6"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: target weights add up to 1.2, not 1"
