"""`tradewind portfolio risk` through the installed command (the hand case of
test_portfolio_risk.py: 1 BTC, 10 ETH and 100 USD, worth 300 USD at the last close)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TRADEWIND = Path(sys.executable).with_name("tradewind")
KOINLY = (
    "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
    "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
    "2024-01-01 10:00:00 UTC,,,40100,USD,,,,,,deposit,\n"
    "2024-01-01 11:00:00 UTC,39000,USD,1,BTC,,,,,,buy,\n"
    "2024-01-01 12:00:00 UTC,1000,USD,10,ETH,,,,,,buy,\n"
)
GECKO = "snapped_at,price,market_cap,total_volume\n"


def _gecko(*closes: str) -> str:
    # CoinGecko's 00:00 snapshot of day n+1 is the close of day n (1 January first)
    return GECKO + "".join(f"2024-01-0{i + 2} 00:00:00 UTC,{c},1,1\n" for i, c in enumerate(closes))


def tw(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    environ["TRADEWIND_DB_URL"] = f"sqlite:///{home / 'portfolio.sqlite'}"
    environ["TRADEWIND_AUDIT_KEY"] = str(home / "audit.pem")
    environ["TRADEWIND_TENANT"] = "me"
    return subprocess.run(
        [str(TRADEWIND), "portfolio", *args],
        cwd=home,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_risk_table_with_totals_currency_and_var_by_hand(tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text(KOINLY, encoding="utf-8")
    _ok(tw(tmp_path, "import", str(tmp_path / "k.csv"), "--format", "koinly"))
    # BTC has no prices yet: one line naming it and the import command, exit 2
    done = tw(tmp_path, "risk", "--confidence", "0.9")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "BTC, ETH" in lines[0] and "tradewind portfolio prices import" in lines[0]
    for asset, closes in (("BTC", ("100", "80", "100", "100")), ("ETH", ("10", "10", "8", "10"))):
        path = tmp_path / f"{asset}.csv"
        path.write_text(_gecko(*closes), encoding="utf-8")
        _ok(tw(tmp_path, "prices", "import", str(path), "--format", "coingecko", "--asset", asset))
    out = _ok(
        tw(tmp_path, "risk", "--confidence", "0.9", "--short-window", "2", "--long-window", "3")
    )
    assert "at the 2024-01-04 close, 3 daily returns, 0.9 confidence, 1-day horizon, in USD" in out
    assert "value (USD)" in out and "VaR (USD)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert "300.00" in rows["total"] and "100.00%" in rows["total"]
    assert "20.00" in rows["historical"] and "6.67%" in rows["historical"]
    assert "28.89" in rows["parametric"] and "9.63%" in rows["parametric"]
    assert "-0.50" in rows["BTC"]  # the correlation matrix row
    assert "largest asset 33.33% of value" in out
    # the same measures as readings for metrics and dashboards
    done = tw(
        tmp_path,
        "risk",
        "--confidence",
        "0.9",
        "--short-window",
        "2",
        "--long-window",
        "3",
        "--format",
        "json",
    )
    readings = {r["name"]: r for r in json.loads(_ok(done))}
    var = readings["var_90_1d_historical"]
    assert (var["scope"], var["unit"], var["band"]) == ("tenant:me", "ratio", "critical")
    assert abs(var["value"] - 0.2 / 3) < 1e-9
    assert readings["portfolio_value"]["value"] == 300.0
    # bad settings are one line too
    done = tw(tmp_path, "risk", "--confidence", "1.5")
    assert done.returncode == 2 and "confidence must be in (0.5, 1)" in done.stderr
