"""The live measures of the PMM monitoring framework against small cases computed by hand."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import numpy as np
import pytest

from tradewind.core.enums import OrderSide
from tradewind.core.fills import Fill
from tradewind.core.positions import Position
from tradewind.node.config import NodeConfigError, load_node_config
from tradewind.risk.live.inventory import (
    Holding,
    InventorySnapshot,
    concentration_share,
    hedge_coverage,
    hedged_share,
    inventory_value,
    net_deltas,
    on_chain_share,
)
from tradewind.risk.live.market_risk import PriceHistory, correlations, value_at_risk
from tradewind.risk.live.operations import TimedSamples, UptimeTracker, node_health, ratio
from tradewind.risk.live.performance import (
    flash_loan_share,
    gas_risk_ratio,
    liquidation_buffer,
    pnl_breakdown,
    revenue_efficiency,
    turnover,
)
from tradewind.risk.live.settings import MeasureSettings
from tradewind.risk.readings import Band

D = Decimal
CASH = frozenset({"USDT"})


def _book(**extra: object) -> InventorySnapshot:
    # BTC 2 at 20,000 = 40,000; USDT 40,000; USDT 20,000 on the hedge venue; ETH 10 at 2,000 in
    # a wallet = 20,000: gross 120,000. We sold 0.2 BTC on the hedge venue; BTC target 1.7.
    holdings = (
        Holding("BTC", D(2), "venue:cex"),
        Holding("USDT", D(40_000), "venue:cex"),
        Holding("USDT", D(20_000), "venue:hedge", hedge=True),
        Holding("ETH", D(10), "wallet:base", on_chain=True),
    )
    fields: dict[str, object] = {
        "holdings": holdings,
        "prices": {"BTC": D(20_000), "ETH": D(2_000)},
        "cash_assets": CASH,
        "hedges": {"BTC": D("-0.2")},
        "targets": {"BTC": D("1.7")},
        "on_chain_known": True,
        "hedge_known": True,
    }
    fields.update(extra)
    return InventorySnapshot(**fields)  # type: ignore[arg-type]


def test_position_and_inventory_measures_by_hand() -> None:
    book = _book()
    assert inventory_value(book) == D(120_000)
    deltas = net_deltas(book)
    assert deltas["BTC"] == pytest.approx(0.3 * 20_000 / 120_000)  # (2 - 1.7) BTC = 5 %
    assert deltas["ETH"] == pytest.approx(20_000 / 120_000)
    assert concentration_share(book) == ("BTC", pytest.approx(40_000 / 120_000))
    overall, per_asset = hedge_coverage(book)
    # BTC: exposure 0.3, hedge 0.2 short covers 2/3; ETH: 10 exposed, nothing hedged
    assert per_asset == {"BTC": pytest.approx(2 / 3), "ETH": 0.0}
    assert overall == pytest.approx((0.2 * 20_000) / (0.3 * 20_000 + 10 * 2_000))
    assert on_chain_share(book) == pytest.approx(20_000 / 120_000)
    assert hedged_share(book) == pytest.approx(20_000 / 120_000)


def test_a_hedge_on_the_same_side_covers_nothing_and_too_much_covers_all() -> None:
    assert hedge_coverage(_book(hedges={"BTC": D("0.2")}))[1]["BTC"] == 0.0
    assert hedge_coverage(_book(hedges={"BTC": D(-5)}))[1]["BTC"] == 1.0


def test_measures_without_their_inputs_are_unknown_not_zero() -> None:
    book = _book(on_chain_known=False, hedge_known=False)
    assert on_chain_share(book) is None
    assert hedged_share(book) is None
    assert hedge_coverage(book) == (None, {})
    empty = InventorySnapshot(holdings=(), prices={}, cash_assets=CASH)
    assert concentration_share(empty) is None
    # an asset held without a price is named, and left out rather than valued at 0
    unpriced = _book(prices={"BTC": D(20_000)})
    assert unpriced.unpriced == ("ETH",)
    assert inventory_value(unpriced) == D(100_000)
    assert "ETH" not in net_deltas(unpriced)


def _fill(side: OrderSide, price: str, qty: str, fee: str, trade: str) -> Fill:
    return Fill(
        venue="cex",
        symbol="BTC/USDT",
        trade_id=trade,
        venue_order_id=f"v{trade}",
        client_order_id=None,
        side=side,
        price=D(price),
        qty=D(qty),
        fee=D(fee),
        fee_asset="USDT",
        ts_event=1,
    )


def test_pnl_per_token_and_total_and_the_cost_ratios_by_hand() -> None:
    # buy 1 BTC at 100, sell 0.5 at 120 (fee 0.5 each): realised 10, open 0.5 at cost 50;
    # marked at 110: unrealised 5. Revenue 15, fees 1, PnL 14.
    position = Position(venue="cex", symbol="BTC/USDT")
    position = position.apply(_fill(OrderSide.BUY, "100", "1", "0.5", "1"))
    position = position.apply(_fill(OrderSide.SELL, "120", "0.5", "0.5", "2"))
    pnl = pnl_breakdown([position], {"BTC": D(110)})
    assert pnl.by_asset == {"BTC": D(14)}
    assert pnl.total == D(14)
    assert pnl.revenue == D(15)
    assert pnl.fees == D(1)
    assert revenue_efficiency(pnl.revenue, pnl.fees + D(4)) == pytest.approx(3.0)  # 15 / 5
    assert gas_risk_ratio(D(4), pnl.revenue) == pytest.approx(4 / 15)
    # an open position without a mark: its PnL and the total are unknown
    unmarked = pnl_breakdown([position], {})
    assert unmarked.by_asset == {"BTC": None} and unmarked.total is None
    assert revenue_efficiency(unmarked.revenue, D(1)) is None


def test_funding_ratios_by_hand() -> None:
    assert flash_loan_share(D(20), D(100)) == pytest.approx(0.20)
    assert flash_loan_share(None, D(100)) is None  # no flash-loan source
    assert flash_loan_share(D(20), D(0)) is None  # nothing traded
    assert liquidation_buffer(D(150), D(100)) == pytest.approx(0.50)
    assert liquidation_buffer(D(150), D(0)) is None  # nothing borrowed
    assert turnover(D(400), D(200)) == pytest.approx(2.0)
    assert turnover(D(400), None) is None
    assert gas_risk_ratio(D(1), D(0)) is None  # no revenue: the ratio says nothing


def test_price_history_returns_and_correlation() -> None:
    history = PriceHistory(window=10)
    for btc, eth, flat in ((100, 10, 5), (110, 11, 5), (99, 9.9, 5)):
        history.add({"BTC": btc, "ETH": eth, "USD1": flat})
    returns = history.returns(["BTC", "ETH"])
    np.testing.assert_allclose(returns, [[0.1, 0.1], [-0.1, -0.1]])
    pairs = correlations(history.returns(["BTC", "ETH", "USD1"]), ["BTC", "ETH", "USD1"])
    assert pairs[("BTC", "ETH")] == pytest.approx(1.0)
    assert math.isnan(pairs[("BTC", "USD1")])  # a price that does not move has no correlation
    history.add({"BTC": 100})  # ETH missing from a sample: its history restarts
    assert history.assets() == ["BTC"]
    with pytest.raises(ValueError, match="positive"):
        history.add({"BTC": 0})


def test_var_of_live_holdings_by_hand_and_scaled_to_one_day() -> None:
    # 100 daily returns: 97 of +0.1 %, then -5 %, -3 %, -2 %; 50 of 100 capital in the asset.
    daily = np.array([[0.001]] * 97 + [[-0.05], [-0.03], [-0.02]])
    readings = value_at_risk(daily, [50.0], 100.0, period_s=86_400, paths=200_000)
    assert readings is not None
    assert readings.historical.var == pytest.approx(0.025)  # the worst day, at half weight
    sigma = statistics.stdev(daily[:, 0]) * 0.5
    assert readings.parametric.var == pytest.approx(2.326348 * sigma, rel=1e-5)
    assert readings.parametric.expected_shortfall == pytest.approx(2.665214 * sigma, rel=1e-5)
    assert readings.monte_carlo.var == pytest.approx(readings.parametric.var, rel=0.03)
    # hourly samples: the 1-day figure is √24 times the one-period figure
    hourly = value_at_risk(daily, [50.0], 100.0, period_s=3_600, paths=1_000)
    assert hourly is not None
    assert hourly.historical.var == pytest.approx(0.025 * math.sqrt(24))
    assert value_at_risk(daily[:1], [50.0], 100.0, period_s=60) is None  # too few returns
    assert value_at_risk(daily, [50.0], 0.0, period_s=60) is None  # no capital


def test_timed_samples_forget_what_left_the_window() -> None:
    samples = TimedSamples(window_ns=100)
    for ts, value in ((0, 10.0), (50, 20.0), (120, 30.0)):
        samples.add(ts, value)
    assert samples.mean(120) == pytest.approx(25.0)  # the sample at 0 is older than 100 ns
    assert samples.count(120) == 2 and samples.total(120) == pytest.approx(50.0)
    assert samples.variation(120) == pytest.approx(5.0 / 25.0)  # pstdev 5 over mean 25
    assert TimedSamples(10).mean(0) is None
    with pytest.raises(ValueError, match="finite"):
        samples.add(130, math.inf)


def test_uptime_weights_each_span_by_its_length() -> None:
    uptime = UptimeTracker(window_ns=1_000)
    assert uptime.uptime(0) is None
    uptime.observe(0, True)
    uptime.observe(90, False)
    uptime.observe(100, True)
    assert uptime.uptime(100) == pytest.approx(0.9)
    short = UptimeTracker(window_ns=50)
    for ts, up in ((0, True), (90, False), (100, True)):
        short.observe(ts, up)
    assert short.uptime(100) == pytest.approx(40 / 50)  # the window starts at 50


def test_node_health_is_seventy_percent_sync_thirty_percent_response() -> None:
    assert node_health(1.0, 100, 300) == pytest.approx(1.0)
    assert node_health(0.9, 100, 300) == pytest.approx(0.63 + 0.30)
    assert node_health(1.0, 600, 300) == pytest.approx(0.7 + 0.3 * 0.5)
    assert node_health(1.0, None, 300) is None
    assert ratio(3, 10) == pytest.approx(0.3) and ratio(0, 0) is None


def test_default_thresholds_are_the_frameworks() -> None:
    s = MeasureSettings()
    assert s.threshold("net_delta").band(0.01) is Band.OK  # type: ignore[union-attr]
    assert s.threshold("net_delta").band(-0.03) is Band.WARNING  # type: ignore[union-attr]
    assert s.threshold("net_delta").band(0.06) is Band.CRITICAL  # type: ignore[union-attr]
    cases = {
        "concentration": (0.24, 0.26),
        "hedge_coverage": (0.96, 0.94),
        "max_drawdown": (0.09, 0.11),
        "on_chain_share": (0.51, 0.49),
        "hedged_share": (0.26, 0.24),
        "turnover": (2.1, 1.9),
        "var_99_1d_monte_carlo": (0.029, 0.031),
        "liquidation_buffer": (0.51, 0.49),
        "flash_loan_exposure": (0.19, 0.21),
        "gas_risk_ratio": (0.049, 0.051),
        "revenue_efficiency": (1.51, 1.49),
        "quote_response_ms": (499, 501),
        "node_health": (0.96, 0.94),
        "settlement_success": (0.996, 0.994),
        "gas_price_variation": (0.19, 0.21),
        "quote_acceptance": (0.31, 0.29),
        "network_latency_ms": (199, 201),
        "execution_latency_ms": (299, 301),
    }
    for name, (ok, bad) in cases.items():
        threshold = s.threshold(name)
        assert threshold is not None, name
        assert (threshold.band(ok), threshold.band(bad)) == (Band.OK, Band.CRITICAL), name
    uptime = s.threshold("uptime")
    assert uptime is not None
    assert [uptime.band(v) for v in (0.999, 0.99, 0.97)] == [
        Band.OK,
        Band.WARNING,
        Band.CRITICAL,
    ]
    assert s.threshold("rebalance_count") is None  # "within tolerance": none by default
    assert s.threshold("pnl_total") is None


def test_the_measures_table_of_the_node_config_is_checked() -> None:
    config = load_node_config(
        {"risk": {"measures": {"var_99_1d": 0.05, "hedge_venues": ["hedge"]}}}, environ={}
    )
    assert config.risk.measures.var_99_1d == 0.05
    assert config.risk.measures.hedge_venues == ("hedge",)
    with pytest.raises(NodeConfigError, match=r"risk\.measures\.var_99_1dd"):
        load_node_config({"risk": {"measures": {"var_99_1dd": 0.05}}}, environ={})
    with pytest.raises(NodeConfigError, match="upper-case"):
        load_node_config({"risk": {"measures": {"inventory_targets": {"btc": "1"}}}}, environ={})
    for wrong, message in (
        ({"net_delta": 0.05, "net_delta_warning": 0.06}, "must be under net_delta"),
        ({"uptime_critical": 0.99, "uptime_warning": 0.98}, "at or over uptime_critical"),
        ({"returns_window": 10, "min_returns": 20}, "more than returns_window"),
    ):
        with pytest.raises(NodeConfigError, match=message):
            load_node_config({"risk": {"measures": wrong}}, environ={})


def test_uptime_keeps_one_span_per_stretch_of_the_same_state() -> None:
    uptime = UptimeTracker(window_ns=10_000)
    for ts in range(0, 1_000, 10):  # asked a hundred times while up
        uptime.observe(ts, True)
    uptime.observe(1_000, False)
    uptime.observe(1_100, True)
    assert len(uptime._spans) == 2  # up 0-1000, down 1000-1100
    assert uptime.uptime(1_100) == pytest.approx(1_000 / 1_100)


def test_concentration_is_unknown_when_only_cash_has_a_price() -> None:
    only_btc = InventorySnapshot(
        holdings=(Holding("BTC", D(1), "venue:cex"), Holding("USDT", D(5), "venue:cex")),
        prices={},
        cash_assets=CASH,
    )
    assert concentration_share(only_btc) is None
    cash = InventorySnapshot(
        holdings=(Holding("USDT", D(5), "venue:cex"),), prices={}, cash_assets=CASH
    )
    assert concentration_share(cash) == ("", 0.0)
