"""`portfolio sync` through a stand-in CCXT exchange: incremental, reconciled, and counted once
with a CSV export of the same trades."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradewind.portfolio import exchanges
from tradewind.portfolio.cli import portfolio_app

from .test_cli import TRADES

# The three trades of TRADES as CCXT unified trades, with millisecond times the CSV lacks.
UNIFIED = [
    {
        "id": "1",
        "timestamp": 1_704_880_800_123,
        "symbol": "BTC/USDT",
        "side": "buy",
        "price": 40000.0,
        "amount": 1.0,
        "cost": 40000.0,
        "fee": {"cost": 40.0, "currency": "USDT"},
    },
    {
        "id": "2",
        "timestamp": 1_718_013_600_456,
        "symbol": "BTC/USDT",
        "side": "buy",
        "price": 60000.0,
        "amount": 1.0,
        "cost": 60000.0,
        "fee": {"cost": 60.0, "currency": "USDT"},
    },
    {
        "id": "3",
        "timestamp": 1_741_600_800_789,
        "symbol": "BTC/USDT",
        "side": "sell",
        "price": 80000.0,
        "amount": 1.5,
        "cost": 120000.0,
        "fee": {"cost": 120.0, "currency": "USDT"},
    },
]


class FakeExchange:
    """Enough of an async CCXT exchange for the importer and reconciliation."""

    id = "fakex"

    def __init__(self, balance: dict[str, Any]) -> None:
        self.enableRateLimit = False
        self.balance = balance
        self.trade_calls: list[int | None] = []
        self.closed = False

    async def fetch_my_trades(
        self, symbol: str | None, since: int | None, limit: int, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.trade_calls.append(since)
        return [t for t in UNIFIED if since is None or t["timestamp"] >= since][:limit]

    async def fetch_deposits(
        self, code: str | None, since: int | None, limit: int, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return []

    async def fetch_withdrawals(
        self, code: str | None, since: int | None, limit: int, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return []

    async def fetch_balance(self) -> dict[str, Any]:
        return {"total": self.balance}

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[FakeExchange]:
    made: list[FakeExchange] = []

    def open_exchange(exchange_id: str, **_kwargs: Any) -> FakeExchange:
        made.append(FakeExchange({"BTC": 0.5, "USDT": 19780.0}))
        return made[-1]

    monkeypatch.setattr(exchanges, "open_exchange", open_exchange)
    return made


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(portfolio_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_sync_then_csv_counts_each_trade_once(fake: list[FakeExchange], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    sync = [
        "sync",
        "--exchange",
        "fakex",
        "--account",
        "binance:main",
        "--symbol",
        "BTC/USDT",
        "--tenant",
        "alice",
        "--db",
        db,
    ]
    code, out, err = run(*sync)
    assert code == 0, err
    assert "synced 3 new transactions" in out
    assert "binance:main: ledger matches the venue" in out
    assert fake[0].closed
    # The second run starts from the saved cursor and finds nothing new.
    code, out, _ = run(*sync)
    assert "synced 0 new transactions" in out
    assert fake[1].trade_calls[0] == UNIFIED[-1]["timestamp"]
    # The CSV export of the same trades (second precision) adds nothing.
    csv_path = tmp_path / "trades.csv"
    csv_path.write_text(TRADES, encoding="utf-8")
    code, out, _ = run(
        "import",
        str(csv_path),
        "--format",
        "binance",
        "--account",
        "binance:main",
        "--tenant",
        "alice",
        "--db",
        db,
    )
    assert code == 0 and "imported 0 transactions, 3 already" in out
    code, out, _ = run("report", "--year", "2025", "--tenant", "alice", "--db", db)
    assert json.loads(out)["realized_gain"] == "49810.00"


def test_sync_lists_balance_differences(
    fake: list[FakeExchange], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_exchange(exchange_id: str, **_kwargs: Any) -> FakeExchange:
        fake.append(FakeExchange({"BTC": 0.4, "USDT": 19780.0}))
        return fake[-1]

    monkeypatch.setattr(exchanges, "open_exchange", open_exchange)
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    code, out, _ = run(
        "sync", "--exchange", "fakex", "--account", "binance:main", "--tenant", "alice", "--db", db
    )
    assert code == 0 and "1 differences" in out and "-0.1" in out


def test_unknown_exchange_is_bad_input(tmp_path: Path) -> None:
    code, _, err = run(
        "sync",
        "--exchange",
        "nosuchvenue",
        "--account",
        "a",
        "--tenant",
        "alice",
        "--db",
        f"sqlite:///{tmp_path / 'p.sqlite'}",
    )
    assert code == 2 and "unknown CCXT exchange 'nosuchvenue'" in err
