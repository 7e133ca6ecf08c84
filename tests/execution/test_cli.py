"""The kernel CLI (book, order place/cancel/list, balances) through CliRunner against a sim."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from tradewind.app.cli import run
from tradewind.app.trading_cli import kernel_app
from tradewind.venues.sim.process import SimEndpoints, SimProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimEndpoints]:
    with SimProcess(database=tmp_path_factory.mktemp("sim") / "s.sqlite", admin=True) as found:
        yield found


@pytest.fixture
def env(sim: SimEndpoints) -> dict[str, str]:
    created = requests.post(
        f"{sim.rest_url}/admin/v1/accounts",
        json={"account_id": f"cli-{id(object())}", "balances": {"USDT": "50000", "BTC": "1"}},
        timeout=10,
    ).json()
    return {
        "TRADEWIND_VENUE__REST_URL": sim.rest_url,
        "TRADEWIND_VENUE__WS_URL": sim.ws_url,
        "TRADEWIND_VENUE__API_KEY": created["apiKey"],
        "TRADEWIND_VENUE__API_SECRET": created["secretKey"],
    }


def test_book_once_prints_an_uncrossed_top(env: dict[str, str]) -> None:
    result = CliRunner().invoke(kernel_app, ["book", "BTC/USDT", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "BTC/USDT top of book" in result.output and "spread" in result.output
    row = next(line for line in result.output.splitlines() if line.count("│") >= 4)
    _, bid_qty, bid, ask, ask_qty, _ = (cell.strip() for cell in row.split("│"))
    assert Decimal(bid) < Decimal(ask) and Decimal(bid_qty) > 0 and Decimal(ask_qty) > 0


def test_place_list_cancel_and_balances(
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    # 0.001 BTC at 50000 USDT: far under the market (~95000), so it rests
    args = ["order", "place", "BTC/USDT", "buy", "0.001", "--price", "50000", "--intent", "a1",
            "--db", db]  # fmt: skip
    placed = runner.invoke(kernel_app, args, env=env)
    assert placed.exit_code == 0, placed.output
    line = next(line for line in placed.output.splitlines() if line.startswith("tw-"))
    client_id, status = line.split()[:2]
    assert status == "new"
    # the same intent again: the store knows it, nothing new reaches the venue
    again = runner.invoke(kernel_app, args, env=env)
    assert again.exit_code == 0 and f"{client_id} new" in again.output

    listed = runner.invoke(kernel_app, ["order", "list", "BTC/USDT"], env=env)
    assert listed.exit_code == 0 and listed.output.count(client_id) == 1

    balances = runner.invoke(kernel_app, ["balances"], env=env)
    assert balances.exit_code == 0
    usdt = next(line for line in balances.output.splitlines() if "USDT" in line)
    # 0.001 × 50000 = 50 USDT locked by the resting buy, 49950 free, 50000 total
    cells = [cell.strip() for cell in usdt.split("│")[1:5]]
    assert cells[0] == "USDT"
    assert [Decimal(cell) for cell in cells[1:]] == [Decimal(49950), Decimal(50), Decimal(50000)]

    canceled = runner.invoke(kernel_app, ["order", "cancel", "BTC/USDT", client_id], env=env)
    assert canceled.exit_code == 0 and "canceled" in canceled.output
    # the venue's refusal, through the command line's error path: one line, exit status 2
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert run(["order", "cancel", "BTC/USDT", client_id]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Unknown order" in err and "Traceback" not in err


def test_bad_input_is_refused_before_any_request(env: dict[str, str]) -> None:
    runner = CliRunner()
    wide = {**env, "COLUMNS": "200"}  # keep rich's error box on one line
    bad_qty = runner.invoke(kernel_app, ["order", "place", "BTC/USDT", "buy", "0"], env=wide)
    assert bad_qty.exit_code == 2 and "quantity must be > 0" in bad_qty.output
    # (--venue sim defaults to a local `tradewind sim`; a real venue needs its key pair)
    no_keys = runner.invoke(
        kernel_app,
        ["balances", "--venue", "binance"],
        env={"TRADEWIND_VENUE__API_KEY": "", "TRADEWIND_VENUE__API_SECRET": "", "COLUMNS": "200"},
    )
    assert no_keys.exit_code == 2 and "--api-key" in no_keys.output
    tiny = runner.invoke(
        kernel_app, ["order", "place", "BTC/USDT", "buy", "0.00001", "--price", "1000"], env=env
    )
    # 0.00001 × 1000 = 0.01 USDT, under the pair's minimum notional
    assert tiny.exit_code == 1 and "min_notional" in tiny.output
