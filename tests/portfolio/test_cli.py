"""The `portfolio` command line through typer's CliRunner on a SQLite file per test."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.portfolio.cli import portfolio_app
from tradewind.portfolio.store import LedgerRepository, ReportRepository, open_engine

TRADES = """Date(UTC),Pair,Side,Price,Executed,Amount,Fee
2024-01-10 10:00:00,BTCUSDT,BUY,40000,1BTC,40000USDT,40USDT
2024-06-10 10:00:00,BTCUSDT,BUY,60000,1BTC,60000USDT,60USDT
2025-03-10 10:00:00,BTCUSDT,SELL,80000,1.5BTC,120000USDT,120USDT
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'portfolio.sqlite'}"


def test_import_report_and_isolation_on_each_backend(store_url: str, trades_csv: Path) -> None:
    assert "imported 3 transactions" in imported(store_url, trades_csv)
    code, out, _ = run("report", "--year", "2025", "--tenant", "alice", "--db", store_url)
    assert code == 0 and json.loads(out)["realized_gain"] == "49810.00"
    code, out, err = run("report", "--year", "2025", "--tenant", "bob", "--db", store_url)
    assert code == 2 and "tenant 'bob' has no data" in err
    # Every import was appended to the audit log, which verifies against the ledger.
    from tradewind.portfolio.audit.cli import verify_store
    from tradewind.portfolio.audit.tree_head import load_public_key, signing_key_path
    from tradewind.portfolio.audit.witness import read_witness, witness_path

    engine = open_engine(store_url)
    try:
        report = verify_store(
            engine,
            "alice",
            trusted_public_key=load_public_key(signing_key_path("alice")),
            witness=read_witness(witness_path("alice")),
            require_witness=True,
        )
        assert report.ok and report.witness_size == 3, report.problems
    finally:
        engine.dispose()


@pytest.fixture
def trades_csv(tmp_path: Path) -> Path:
    path = tmp_path / "trades.csv"
    path.write_text(TRADES, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(portfolio_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def refs(db: str, tenant: str) -> list[str]:
    code, out, _ = run("transactions", "--json", "--tenant", tenant, "--db", db)
    assert code == 0
    return [tx["ref"] for tx in json.loads(out)]


def imported(db: str, path: Path, tenant: str = "alice") -> str:
    code, out, err = run(
        "import",
        str(path),
        "--format",
        "binance",
        "--account",
        "binance:main",
        "--tenant",
        tenant,
        "--db",
        db,
    )
    assert code == 0, err
    return out


def test_import_twice_counts_once_and_report_prints_the_json_summary(
    db: str, trades_csv: Path
) -> None:
    assert "imported 3 transactions, 0 already" in imported(db, trades_csv)
    assert "imported 0 transactions, 3 already" in imported(db, trades_csv)
    code, out, _ = run(
        "report",
        "--method",
        "fifo",
        "--year",
        "2025",
        "--format",
        "json",
        "--tenant",
        "alice",
        "--db",
        db,
    )
    assert code == 0
    summary = json.loads(out)
    # USDT is cash here (USD report). Lot A 40,040 (1 BTC) long-term, half of lot B 30,030:
    # proceeds 119,880 -> gains 39,880 long + 9,930 short.
    assert {
        k: summary[k]
        for k in (
            "method",
            "year",
            "proceeds",
            "cost_basis",
            "realized_gain",
            "short_term_gain",
            "long_term_gain",
            "unmatched_disposals",
        )
    } == {
        "method": "fifo",
        "year": 2025,
        "proceeds": "119880.00",
        "cost_basis": "70070.00",
        "realized_gain": "49810.00",
        "short_term_gain": "9930.00",
        "long_term_gain": "39880.00",
        "unmatched_disposals": [],
    }


def test_every_report_format(db: str, trades_csv: Path, tmp_path: Path) -> None:
    imported(db, trades_csv)
    base = ["--year", "2025", "--tenant", "alice", "--db", db]
    code, out, _ = run("report", "--format", "csv", *base)
    assert code == 0 and out.splitlines()[0].startswith("date_disposed,")
    code, out, _ = run("report", "--format", "8949", "--method", "lifo", *base)
    # LIFO: lot B whole (short), then half of A (long): 1 BTC of B is short-term.
    assert code == 0 and "I,I,1.00000000 BTC,06/10/2024," in out
    code, out, _ = run(
        "report", "--format", "de", "--jurisdiction", "de", "--currency", "USD", *base
    )
    assert code == 0 and json.loads(out)["private_sales_23"]["tax_free_gain"] == "39880.00"
    page = tmp_path / "gains.html"
    code, out, _ = run("report", "--format", "html", "--output", str(page), "--save", *base)
    assert code == 0 and "data-chart='allocation'" in page.read_text(encoding="utf-8")
    engine = open_engine(db)
    saved = ReportRepository(LedgerRepository(engine, "alice")).all()
    engine.dispose()
    assert [r.kind for r in saved] == ["html"]


def test_specific_identification_through_the_commands(db: str, trades_csv: Path) -> None:
    imported(db, trades_csv)
    buy_a, buy_b, sale = refs(db, "alice")
    code, out, _ = run("lots", "--json", "--tenant", "alice", "--db", db)
    # The FIFO view: half of lot B is open.
    assert [(lot["lot_id"], lot["quantity"]) for lot in json.loads(out)] == [
        (f"{buy_b}/0", "0.50000000")
    ]
    code, _out, err = run(
        "select-lots", sale, f"{buy_b}/0=1", f"{buy_a}/0=0.5", "--tenant", "alice", "--db", db
    )
    assert code == 0, err
    code, out, err = run(
        "report", "--method", "specific_id", "--year", "2025", "--tenant", "alice", "--db", db
    )
    assert code == 0, err
    summary = json.loads(out)
    # B whole: proceeds 79,920 - 60,060 = 19,860 short; A half: 39,960 - 20,020 = 19,940 long.
    assert (summary["short_term_gain"], summary["long_term_gain"]) == ("19860.00", "19940.00")


def test_a_tenant_cannot_read_or_change_another_tenants_books(
    db: str, trades_csv: Path, tmp_path: Path
) -> None:
    imported(db, trades_csv, tenant="alice")
    code, out, _ = run("report", "--year", "2025", "--tenant", "bob", "--db", db)
    assert code == 2 and not out
    code, out, err = run("holdings", "--format", "json", "--tenant", "bob", "--db", db)
    assert code == 2 and "tenant 'bob' has no data" in err
    code, _, err = run("transactions", "--json", "--tenant", "bob", "--db", db)
    assert code == 2 and "has no data" in err
    # Bob naming Alice's lots for Alice's sale is refused and changes nothing for Alice.
    _buy_a, buy_b, sale = refs(db, "alice")
    code, _, _ = run("select-lots", sale, f"{buy_b}/0=1.5", "--tenant", "bob", "--db", db)
    assert code == 2
    code, out, err = run(
        "report", "--method", "specific_id", "--year", "2025", "--tenant", "alice", "--db", db
    )
    assert code == 2 and "names no lots" in err
    # Reconciling bob's account shows bob's (empty) ledger, not alice's balances.
    balances = tmp_path / "venue.json"
    balances.write_text(json.dumps({"BTC": "0.5"}), encoding="utf-8")
    code, out, _ = run(
        "reconcile",
        "--account",
        "binance:main",
        "--balances",
        str(balances),
        "--tenant",
        "bob",
        "--db",
        db,
    )
    assert code == 1 and "│ BTC   │ 0      │ 0.5   │ 0.5" in out


def test_reconcile_exit_codes(db: str, trades_csv: Path, tmp_path: Path) -> None:
    imported(db, trades_csv)
    venue = tmp_path / "venue.json"
    # Ledger: 0.5 BTC; USDT 120,000 - 120 - 40,040 - 60,060 = 19,780.
    venue.write_text(json.dumps({"BTC": "0.5", "USDT": "19780"}), encoding="utf-8")
    args = [
        "reconcile",
        "--account",
        "binance:main",
        "--balances",
        str(venue),
        "--tenant",
        "alice",
        "--db",
        db,
    ]
    code, out, _ = run(*args)
    assert code == 0 and "ledger matches the venue" in out
    venue.write_text(json.dumps({"BTC": 0.4, "USDT": "19780", "BNB": "1"}), encoding="utf-8")
    code, out, _ = run(*args)
    assert code == 1 and "2 differences" in out


def test_bad_input_exits_2_and_writes_nothing(db: str, trades_csv: Path, tmp_path: Path) -> None:
    code, _, err = run(
        "import",
        str(trades_csv),
        "--format",
        "excel",
        "--account",
        "a",
        "--tenant",
        "alice",
        "--db",
        db,
    )
    assert code == 2 and "unknown CSV format" in err
    broken = tmp_path / "broken.csv"
    broken.write_text(
        TRADES + "2025-13-01 00:00:00,BTCUSDT,BUY,1,1BTC,1USDT,0USDT\n", encoding="utf-8"
    )
    code, _, err = run(
        "import",
        str(broken),
        "--format",
        "binance",
        "--account",
        "a",
        "--tenant",
        "alice",
        "--db",
        db,
    )
    assert code == 2 and "line 5" in err
    code, _, err = run("holdings", "--format", "json", "--tenant", "alice", "--db", db)
    assert code == 2 and "tenant 'alice' has no data" in err
    imported(db, trades_csv)
    code, _, err = run(
        "report", "--year", "2025", "--format", "pdf", "--tenant", "alice", "--db", db
    )
    assert code == 2 and "format must be one of" in err
    code, _, err = run("report", "--year", "2025", "--tenant", "bad tenant", "--db", db)
    assert code == 2 and "tenant id" in err
    code, _, err = run("report", "--year", "2025", "--db", db)  # the default tenant: empty
    assert code == 2 and "tenant 'default' has no data" in err


def test_holdings_and_transfers_commands(db: str, trades_csv: Path) -> None:
    imported(db, trades_csv)
    code, out, _ = run("holdings", "--format", "json", "--tenant", "alice", "--db", db)
    rows = {r["asset"]: r for r in json.loads(out)}
    assert rows["BTC"]["quantity"] == "0.50000000" and rows["BTC"]["cost_basis"] == "30030.00"
    assert rows["BTC"]["price_state"] == "no_price"  # offline and nothing cached
    assert Decimal(rows["USDT"]["market_value"]) == Decimal(19780)
    code, out, _ = run(
        "holdings", "--at", "2024-12-31", "--format", "csv", "--tenant", "alice", "--db", db
    )
    assert code == 0 and "binance:main,BTC,2.00000000," in out
    code, out, _ = run("transfers", "--tenant", "alice", "--db", db)
    assert code == 0 and "0 transfers matched" in out
    code, out, _ = run("pnl", "--json", "--tenant", "alice", "--db", db)
    btc = next(r for r in json.loads(out) if r["asset"] == "BTC")
    # Realised 49,810; 0.5 BTC open at 30,030 with no price offline: unrealised unknown.
    assert (btc["realized"], btc["open_cost"], btc["price_state"], btc["unrealized"]) == (
        "49810.00",
        "30030.00",
        "no_price",
        None,
    )
