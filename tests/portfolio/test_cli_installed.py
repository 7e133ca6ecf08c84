"""The issue's CLI behaviours through the installed `tradewind` command, one subprocess each.

Hand-worked ledgers:
  US (Koinly, USD): buy 1 BTC for 40,000; swap 0.5 BTC for 10 ETH worth 30,000 (net worth);
      0.1 ETH staking reward worth 350; sell 5 ETH for 20,000.
      -> BTC gain 30,000 - 20,000 = 10,000; ETH gain 20,000 - 15,000 = 5,000; income 350.
  DE (Koinly, EUR): buy 1 BTC for 40,000; staking 0.1 ETH worth 200; swap 0.5 BTC for 10 ETH
      worth 20,500; sell 1 ETH for 2,300 (FIFO: 0.1 at 200 + 0.9 at 1,845).
      -> § 23: 500 + 255 = 755 < 1,000 (below); § 22 Nr. 3: 200 < 256 (below).
      Then 2 SOL arrive from nowhere and are sold: the year is incomplete, no verdict, exit 3.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRADEWIND = Path(sys.executable).with_name("tradewind")
KOINLY_HEADER = (
    "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
    "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
)
US_KOINLY = KOINLY_HEADER + (
    "2024-01-10 10:00:00 UTC,40000,USD,1,BTC,,,40000,USD,,buy,\n"
    "2024-03-01 10:00:00 UTC,0.5,BTC,10,ETH,,,30000,USD,swap,,\n"
    "2024-04-01 10:00:00 UTC,,,0.1,ETH,,,350,USD,staking,,\n"
    "2024-06-01 10:00:00 UTC,5,ETH,20000,USD,,,20000,USD,,,\n"
)
DE_KOINLY = KOINLY_HEADER + (
    "2024-01-10 10:00:00 UTC,40000,EUR,1,BTC,,,40000,EUR,,buy,\n"
    "2024-02-01 10:00:00 UTC,,,0.1,ETH,,,200,EUR,staking,reward,\n"
    "2024-03-01 10:00:00 UTC,0.5,BTC,10,ETH,,,20500,EUR,swap,swap,\n"
    "2024-05-01 10:00:00 UTC,1,ETH,2300,EUR,,,2300,EUR,,sell,\n"
)
DE_UNKNOWN_SOL = KOINLY_HEADER + (
    "2024-06-01 10:00:00 UTC,,,2,SOL,,,,,,from a friend,\n"
    "2024-07-01 10:00:00 UTC,2,SOL,300,EUR,,,,,,sell,\n"
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def tw(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    environ["TRADEWIND_DB_URL"] = f"sqlite:///{home / 'portfolio.sqlite'}"
    environ["TRADEWIND_AUDIT_KEY"] = str(home / "audit.pem")
    environ.update(env)
    return subprocess.run(
        [str(TRADEWIND), "portfolio", *args],
        cwd=home,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _write(home: Path, name: str, text: str) -> Path:
    path = home / name
    path.write_text(text, encoding="utf-8")
    return path


def test_swap_at_net_worth_and_staking_income_in_the_us_report(home: Path) -> None:
    path = _write(home, "koinly.csv", US_KOINLY)
    done = tw(home, "import", str(path), "--format", "koinly", "--tenant", "me")
    assert done.returncode == 0, done.stderr
    assert "account koinly:main" in done.stdout
    done = tw(home, "report", "--year", "2024", "--tenant", "me")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["proceeds"], summary["cost_basis"], summary["realized_gain"]) == (
        "50000.00",
        "35000.00",
        "15000.00",
    )
    assert summary["income"] == {"income": "350.00"} and summary["currency"] == "USD"
    done = tw(home, "report", "--year", "2024", "--format", "income", "--tenant", "me")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows == [
        ["month", "asset", "kind", "receipts", "quantity", "value (USD)"],
        ["2024-04", "ETH", "staking", "1", "0.10000000", "350.00"],
        ["total", "", "", "1", "", "350.00"],
    ]


def test_german_year_verdicts_then_an_incomplete_year_gets_none_in_any_format(
    home: Path,
) -> None:
    config = _write(home, "tradewind.toml", '[portfolio]\ntenant = "anna"\n')
    env = {"TRADEWIND_CONFIG": str(config)}
    path = _write(home, "koinly.csv", DE_KOINLY)
    # No --tenant, no --account: the config's tenant and the format's account.
    assert tw(home, "import", str(path), "--format", "koinly", **env).returncode == 0
    de = ["--year", "2024", "--jurisdiction", "de", "--currency", "EUR"]
    done = tw(home, "report", "--format", "de", *de, **env)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["private_sales_23"]["taxable_gain"] == "755.00"
    assert figures["private_sales_23"]["below_freigrenze"] is True
    assert figures["other_income_22_nr3"] == {
        "income": "200.00",
        "freigrenze": "256.00",
        "below_freigrenze": True,
    }
    more = _write(home, "sol.csv", DE_UNKNOWN_SOL)
    assert tw(home, "import", str(more), "--format", "koinly", **env).returncode == 0
    done = tw(home, "report", "--format", "de", *de, **env)
    assert done.returncode == 3
    figures = json.loads(done.stdout)
    assert figures["private_sales_23"]["taxable_gain"] is None
    assert figures["private_sales_23"]["below_freigrenze"] is None
    assert "INCOMPLETE" in done.stderr and "2.00000000 SOL: no known acquisition" in done.stderr
    for fmt in ("json", "8949", "anlage-so", "compare"):
        done = tw(home, "report", "--format", fmt, *de, **env)
        assert done.returncode == 3, (fmt, done.stderr)
        assert "INCOMPLETE" in done.stderr and "SOL" in done.stderr
    # Proceeds count every disposal, the unmatched SOL sale too, whatever the lot method:
    # 20,500 (BTC in the swap) + 2,300 (ETH) + 300 (SOL).
    methods = {r["method"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert {methods[m]["proceeds (EUR)"] for m in ("fifo", "lifo", "hifo")} == {"23100.00"}
    assert {methods[m]["realised gain (EUR)"] for m in ("fifo", "lifo", "hifo")} == {"unknown"}
    done = tw(home, "report", "--format", "html", *de, "--output", str(home / "r.html"), **env)
    assert done.returncode == 3 and "INCOMPLETE" in (home / "r.html").read_text(encoding="utf-8")


TRADES = """Date(UTC),Pair,Side,Price,Executed,Amount,Fee
2024-01-10 10:00:00,BTCUSDT,BUY,40000,1BTC,40000USDT,0USDT
2024-02-10 10:00:00,ETHBTC,BUY,0.05,10ETH,0.5BTC,0BTC
"""
COINGECKO_ETH = """snapped_at,price,market_cap,total_volume
2024-02-10 00:00:00 UTC,1990,0,0
2024-02-11 00:00:00 UTC,2000,0,0
"""


def test_offline_price_import_completes_a_year_and_says_what_is_missing(home: Path) -> None:
    trades = _write(home, "trades.csv", TRADES)
    assert tw(home, "import", str(trades), "--format", "binance").returncode == 0
    done = tw(home, "holdings", "--format", "csv")
    eth = next(r for r in csv.DictReader(io.StringIO(done.stdout)) if r["asset"] == "ETH")
    assert eth["cost_basis (USD)"] == "unknown"  # never 0
    done = tw(home, "report", "--year", "2024")
    assert done.returncode == 3
    assert "prices: none found; 2 still missing" in done.stderr
    assert "missing: ETH, 1 time(s) from 2024-02-10 to 2024-02-10" in done.stderr
    assert "import a price history of BTC covering 2024-02-10" in done.stderr
    history = _write(home, "eth.csv", COINGECKO_ETH)
    done = tw(home, "prices", "import", str(history), "--format", "coingecko", "--asset", "ETH")
    assert done.returncode == 0, done.stderr
    assert "imported 2 1d closes of ETH/USD" in done.stdout
    done = tw(home, "report", "--year", "2024")
    assert done.returncode == 0, done.stderr
    assert "1 from imported" in done.stderr
    summary = json.loads(done.stdout)
    # 10 ETH at 2,000 (the close of 10 Feb): 0.5 BTC disposed at 20,000, basis 20,000.
    assert (summary["proceeds"], summary["realized_gain"]) == ("20000.00", "0.00")
    done = tw(home, "holdings", "--currency", "USD", "--format", "csv")
    assert done.returncode == 0
    eth = next(r for r in csv.DictReader(io.StringIO(done.stdout)) if r["asset"] == "ETH")
    assert eth["cost_basis (USD)"] == "20000.00"


def test_usability_errors_are_one_line_with_exit_2(home: Path) -> None:
    done = tw(home, "import", str(home / "nope.csv"), "--format", "binance")
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: file not found: {home / 'nope.csv'}"
    done = tw(home, "holdings", "--tenant", "nobody")
    assert done.returncode == 2 and "tenant 'nobody' has no data" in done.stderr
    trades = _write(
        home,
        "trades.csv",
        TRADES.replace("ETHBTC,BUY", "BTCUSDT,SELL").replace(
            "10ETH,0.5BTC,0BTC", "0.5BTC,21000USDT,0USDT"
        ),
    )
    assert tw(home, "import", str(trades), "--format", "binance").returncode == 0
    done = tw(home, "select-lots", "zzzz", "nonexistent/0=1")
    assert done.returncode == 2 and "unknown disposal 'zzzz'" in done.stderr
    refs = json.loads(tw(home, "transactions", "--json").stdout)
    buy, sale = refs[0]["ref"], refs[1]["ref"]
    done = tw(home, "select-lots", sale, f"{buy}/0=2")
    assert done.returncode == 2 and "holds 1 BTC, 2 named" in done.stderr
    done = tw(home, "select-lots", sale, f"{buy}/0=0.5")
    assert done.returncode == 0, done.stderr


def test_form_8949_writes_a_clean_csv_a_notes_file_and_schedule_d(home: Path) -> None:
    path = _write(home, "koinly.csv", US_KOINLY)
    assert tw(home, "import", str(path), "--format", "koinly").returncode == 0
    out = home / "f8949.csv"
    done = tw(home, "report", "--year", "2024", "--format", "8949", "--output", str(out))
    assert done.returncode == 0, done.stderr
    form = out.read_text(encoding="utf-8")
    assert "#" not in form
    # 2024: the digital-asset boxes start with 2025; not reported to the filer -> box C
    assert [r[1] for r in csv.reader(io.StringIO(form))][1:] == ["C", "C", "C"]
    assert "complete" in out.with_suffix(".notes.txt").read_text(encoding="utf-8")
    schedule = list(csv.reader(io.StringIO(out.with_suffix(".schedule_d.csv").read_text())))
    line3 = next(r for r in schedule if r[0] == "3")
    assert line3[2:] == ["50000.00", "35000.00", "0.00", "15000.00"]
