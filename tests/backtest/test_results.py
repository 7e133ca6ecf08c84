"""Results of a backtest run, every metric checked against a hand computation.

The record (tests/backtest/run_records.py), prices in USDT:
  mids   0 s: 101   2 s: 105   4 s: 97   6 s: 99   (8 s one-sided: 99 kept)
  mm     1 s buy 2 @ 100 (fee 0.2)   3 s buy 1 @ 103 (fee 0.1)   5 s sell 2.5 @ 98 (fee 0.0001 BNB)
  tk     7 s sell 1 @ 100 (fee 0.1)  9 s buy 0.4 @ 99.5 (no fee)
FIFO, mm: the sale closes 2 @ 100 (-4) and 0.5 @ 103 (-2.5): realised -6.5; 0.5 @ 103 stays
open, at the last mid 99: -2; fees 0.3 USDT + 0.0001 BNB x 500 = 0.35; net -8.85.
tk: the buy closes 0.4 of the short sold at 100: realised +0.2; -0.6 @ 100 at 99: +0.6; fees
0.1; net +0.7. Account (10,000 USDT + 1 BTC to start), equity per second:
  10101, 10102.8, 10114.8, 10116.7, 10084.7, 10087.15, 10090.15, 10091.05, 10091.05, 10090.85
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from tests.backtest.run_records import BTC, BUY, SELL, D, S, fill, sample, two_strategy_record

from tradewind.backtest.records import RunRecord
from tradewind.backtest.results import (
    TOTAL,
    EquityPoint,
    InventoryPoint,
    compute_results,
    results_json,
    split_instrument,
    write_csv,
)

EQUITY = [
    "10101",
    "10102.8",
    "10114.8",
    "10116.7",
    "10084.7",
    "10087.15",
    "10090.15",
    "10091.05",
    "10091.05",
    "10090.85",
]
YEAR_SECONDS = 365 * 86_400


def test_fifo_realised_unrealised_fees_and_net_per_strategy_and_total() -> None:
    results = compute_results(two_strategy_record())
    mm, tk = results.strategies
    assert (mm.strategy_id, tk.strategy_id) == ("mm", "tk")
    assert mm.realised_pnl == D("-6.5")
    assert mm.unrealised_pnl == D("-2")
    assert mm.fees == {"BNB": D("0.0001"), "USDT": D("0.3")}
    assert mm.fees_value == D("0.35")
    assert mm.net_pnl == D("-8.85")
    assert mm.positions == {BTC: D("0.5")}
    assert tk.realised_pnl == D("0.2")
    assert tk.unrealised_pnl == D("0.6")
    assert tk.net_pnl == D("0.7")
    assert tk.positions == {BTC: D("-0.6")}
    total = results.total
    assert total.strategy_id == TOTAL
    assert total.realised_pnl == D("-6.3")
    assert total.unrealised_pnl == D("-1.4")
    assert total.fees == {"BNB": D("0.0001"), "USDT": D("0.4")}
    assert total.fees_value == D("0.45")
    assert total.net_pnl == D("-8.15")
    assert results.unvalued == ()
    # every money figure is exact
    for figure in (mm.net_pnl, tk.net_pnl, total.net_pnl, results.final_equity):
        assert isinstance(figure, Decimal)


def test_net_pnl_is_the_end_of_each_mark_to_market_curve() -> None:
    results = compute_results(two_strategy_record())
    for strategy in (*results.strategies, results.total):
        assert strategy.pnl_curve[-1].value == strategy.net_pnl


def test_equity_curve_values_the_account_at_the_mids_known_at_each_time() -> None:
    results = compute_results(two_strategy_record())
    assert [p.ts_ns for p in results.equity] == [t * S for t in range(10)]
    assert [p.value for p in results.equity] == [D(v) for v in EQUITY]
    assert results.initial_equity == D("10101")
    assert results.final_equity == D("10090.85")
    # the change is trading (-8.15) plus the initial BTC's fall from 101 to 99 (-2)
    assert results.final_equity - results.initial_equity == results.total.net_pnl - 2


def test_max_drawdown_is_the_largest_fall_from_a_running_peak() -> None:
    results = compute_results(two_strategy_record())
    assert results.max_drawdown == D("32.0")  # 10116.7 at 3 s to 10084.7 at 4 s
    assert results.max_drawdown_fraction == pytest.approx(32.0 / 10116.7)
    mm = results.strategies[0]
    # mm's curve: 0, 2 x 101 - 200.2, 2 x 105 - 200.2, 3 x 105 - 303.3 (the peak),
    # 3 x 97 - 303.3 (the trough), then 0.5 x 97 - 58.3 - 0.05 ...
    assert [p.value for p in mm.pnl_curve[:6]] == [
        D(0),
        D("1.8"),
        D("9.8"),
        D("11.7"),
        D("-12.3"),
        D("-9.85"),
    ]
    assert mm.max_drawdown == D("24.0")


def test_inventory_path_per_asset_per_strategy_and_for_the_account() -> None:
    results = compute_results(two_strategy_record())
    mm = results.strategies[0]
    btc = [(p.ts_ns // S, p.quantity) for p in mm.inventory if p.asset == "BTC"]
    assert btc == [(1, D(2)), (3, D(3)), (5, D("0.5"))]
    usdt = [(p.ts_ns // S, p.quantity) for p in mm.inventory if p.asset == "USDT"]
    assert usdt == [(1, D("-200.2")), (3, D("-303.3")), (5, D("-58.3"))]
    assert [p for p in mm.inventory if p.asset == "BNB"] == [
        InventoryPoint(5 * S, "BNB", D("-0.0001"))
    ]
    account_btc = [(p.ts_ns // S, p.quantity) for p in results.inventory if p.asset == "BTC"]
    assert account_btc == [
        (0, D(1)),
        (1, D(3)),
        (3, D(4)),
        (5, D("1.5")),
        (7, D("0.5")),
        (9, D("0.9")),
    ]


def test_fill_ratios_order_counts_and_liquidity() -> None:
    mm, tk = compute_results(two_strategy_record()).strategies
    assert (mm.orders, mm.filled_orders) == (4, 3)  # o4 was cancelled unfilled
    assert (mm.quoted_quantity, mm.filled_quantity) == (D(7), D("5.5"))
    assert mm.fill_ratio_quantity == pytest.approx(5.5 / 7)
    assert mm.fill_ratio_orders == pytest.approx(0.75)
    assert mm.order_counts == {"accepted": 4, "cancel_requested": 1, "canceled": 1, "submitted": 4}
    assert (mm.fills, mm.maker_fills, mm.taker_fills) == (3, 2, 1)
    assert (tk.orders, tk.filled_orders) == (3, 2)  # o7 was rejected
    assert tk.fill_ratio_quantity == pytest.approx(1.4 / 1.5)
    assert tk.fill_ratio_orders == pytest.approx(2 / 3)
    total = compute_results(two_strategy_record()).total
    assert (total.orders, total.filled_orders, total.fills) == (7, 5, 5)
    assert total.fill_ratio_quantity == pytest.approx(6.9 / 8.5)


def test_quote_uptime_counts_only_time_with_both_sides_resting() -> None:
    results = compute_results(two_strategy_record())
    mm, tk = results.strategies
    # BTC: both sides 0-4 s and 6-10 s = 0.8 of the run; ETH: 5-7.5 s = 0.25; mean 0.525
    assert mm.quote_uptime == pytest.approx(0.525)
    assert tk.quote_uptime is None  # it never quoted
    assert results.total.quote_uptime == pytest.approx(0.525)


def _rising_then_falling() -> RunRecord:
    """1 BTC and nothing else; mids 100, 110, 121, 108.9 at 0-3 s; a 200 at 0.5 s in between."""
    return RunRecord(
        run_id="r",
        seed=0,
        config_digest="",
        start_ns=0,
        end_ns=3 * S,
        events=5,
        valuation_asset="USDT",
        initial_balances={"sim": {"BTC": D(1)}},
        orders=(),
        fills=(),
        market=(
            sample(0, "99", "101"),
            sample(0.5, "199", "201"),  # between grid points: resampling skips it
            sample(1, "109", "111"),
            sample(2, "120", "122"),
            sample(3, "107.9", "109.9"),
        ),
        quotes=(),
        marks={},
    )


def test_sharpe_and_sortino_from_resampled_returns_annualised_over_365_days() -> None:
    results = compute_results(_rising_then_falling(), interval_ns=S)
    # returns +0.1, +0.1, -0.1: mean 1/30, sample deviation sqrt(1/75),
    # downside deviation sqrt(0.01 / 3); one-second periods, 365 x 86,400 of them a year
    assert results.sharpe == pytest.approx((1 / 30) * math.sqrt(75) * math.sqrt(YEAR_SECONDS))
    assert results.sortino == pytest.approx(
        (1 / 30) / math.sqrt(0.01 / 3) * math.sqrt(YEAR_SECONDS)
    )
    # at a two-second step: 100 -> 121 -> (3 s is past the last grid point 2 s)... one return
    coarse = compute_results(_rising_then_falling(), interval_ns=2 * S)
    assert coarse.sharpe is None and coarse.sortino is None


def test_sharpe_none_without_variation_and_sortino_none_without_losses() -> None:
    rising = replace(
        _rising_then_falling(),
        market=(sample(0, "99", "101"), sample(1, "109", "111"), sample(2, "120", "122")),
    )
    results = compute_results(rising, interval_ns=S)
    assert results.sharpe is not None and results.sharpe > 0
    assert results.sortino is None  # no negative return: no downside deviation


def test_an_asset_with_no_price_is_reported_unvalued_never_zero() -> None:
    results = compute_results(two_strategy_record(fee_asset_of_sale="XYZ", marks={}))
    mm = results.strategies[0]
    assert mm.fees == {"USDT": D("0.3"), "XYZ": D("0.0001")}
    assert mm.fees_value is None
    assert mm.net_pnl is None
    assert mm.unvalued == ("XYZ",)
    assert mm.realised_pnl == D("-6.5")  # what can be valued still is
    assert results.total.net_pnl is None
    assert results.unvalued == ("XYZ",)
    assert results.final_equity is None
    assert results.equity[-1] == EquityPoint(9 * S, None, ("XYZ",))
    assert results.equity[4].value == D("10084.7")  # before the XYZ fee, the account is valued


def test_bad_instrument_name_and_interval_are_refused() -> None:
    with pytest.raises(ValueError, match="BASE/QUOTE@venue"):
        split_instrument("BTCUSDT@sim")
    assert split_instrument("ETH/USDC@binance") == ("ETH", "USDC")
    with pytest.raises(ValueError, match="interval_ns must be positive"):
        compute_results(two_strategy_record(), interval_ns=0)


def test_json_is_canonical_and_deterministic(tmp_path: Path) -> None:
    record = two_strategy_record()
    first = results_json(compute_results(record))
    reordered = replace(record, initial_balances={"sim": {"BTC": D(1), "USDT": D(10000)}})
    assert results_json(compute_results(reordered)) == first
    parsed = json.loads(first)
    assert parsed["total"]["net_pnl"] == "-8.15"  # Decimals as exact strings
    assert parsed["strategies"][0]["fees"] == {"BNB": "0.0001", "USDT": "0.3"}
    assert parsed["equity"][-1] == {"ts_ns": 9 * S, "unvalued": [], "value": "10090.85"}
    assert first == json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_csv_files_hold_orders_fills_equity_inventory_and_summary(tmp_path: Path) -> None:
    record = two_strategy_record()
    results = compute_results(record)
    paths = write_csv(record, results, tmp_path / "out")
    assert [p.name for p in paths] == [
        "orders.csv",
        "fills.csv",
        "equity.csv",
        "inventory.csv",
        "summary.csv",
    ]

    def rows(name: str) -> list[dict[str, str]]:
        with (tmp_path / "out" / name).open(newline="") as handle:
            return list(csv.DictReader(handle))

    assert len(rows("orders.csv")) == len(record.orders)
    assert rows("fills.csv")[2] == {
        "ts_ns": str(5 * S),
        "client_order_id": "o3",
        "strategy_id": "mm",
        "instrument": BTC,
        "side": "sell",
        "price": "98",
        "quantity": "2.5",
        "fee": "0.0001",
        "fee_asset": "BNB",
        "liquidity": "taker",
    }
    account = [r["value"] for r in rows("equity.csv") if r["curve"] == "account"]
    assert account == EQUITY
    assert {r["account"] for r in rows("inventory.csv")} == {"account", "mm", "tk"}
    summary = {r["strategy_id"]: r for r in rows("summary.csv")}
    assert set(summary) == {"mm", "tk", TOTAL}
    assert summary[TOTAL]["net_pnl"] == "-8.15"
    assert summary["mm"]["fees"] == "0.0001 BNB 0.3 USDT"
    assert float(summary["mm"]["quote_uptime"]) == pytest.approx(0.525)
    again = tmp_path / "again"
    write_csv(record, compute_results(record), again)
    for path in paths:
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_a_fill_that_crosses_zero_closes_the_long_and_opens_a_short() -> None:
    record = replace(
        _rising_then_falling(),
        initial_balances={},
        fills=(
            fill(0, "a", "x", BUY, "100", "1", "0"),
            fill(1, "b", "x", SELL, "110", "3", "0"),
        ),
        market=(sample(0, "104", "106"),),
    )
    strategy = compute_results(record).strategies[0]
    assert strategy.realised_pnl == D(10)  # the long 1 @ 100 sold at 110
    assert strategy.positions == {BTC: D(-2)}
    assert strategy.unrealised_pnl == D(10)  # short 2 @ 110, mid 105
    assert strategy.net_pnl == D(20)
