"""Portfolio risk from holdings and daily closes, against small cases worked by hand.

The case: 1 BTC, 10 ETH and 100 USD. Daily closes BTC 100, 80, 100, 100 and ETH 10, 10, 8, 10;
on the last day each position is worth 100: weights 1/3 each, total 300 USD.
  returns   BTC -0.2, +0.25, 0;  ETH 0, -0.2, +0.25
  portfolio (BTC + ETH) / 3:  -0.0666…, +0.01666…, +0.08333…
  historical VaR 90 %, 3 returns: the worst ceil(0.1 x 3) = 1 loss = 0.2 / 3 -> 20.00 USD
  sample variances 0.0508333 each, covariance -0.0254167 (correlation exactly -0.5)
  portfolio variance (2 x 0.0508333 - 2 x 0.0254167) / 9 = 0.00564815, sigma 0.0751543
  parametric VaR 90 % = z(0.9) 1.2815516 x sigma = 0.0963146 -> 28.89 USD
  ES = pdf(z) / 0.1 x sigma = 1.7549833 x 0.0751543 = 0.1318945
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.portfolio.risk import (
    MissingPricesError,
    PortfolioRiskError,
    RiskSettings,
    portfolio_risk,
    risk_readings,
)
from tradewind.risk.readings import Band

DAY = 86_400_000
JAN1 = 1_704_067_200_000
CASH = frozenset({"USD", "USDT", "USDC"})
HOLDINGS = {"BTC": Decimal(1), "ETH": Decimal(10), "USD": Decimal(100)}


def _series(*closes: str) -> list[tuple[int, Decimal]]:
    return [(JAN1 + i * DAY, Decimal(c)) for i, c in enumerate(closes)]


CLOSES = {"BTC": _series("100", "80", "100", "100"), "ETH": _series("10", "10", "8", "10")}
SETTINGS = RiskSettings(confidence=0.9, short_window=2, long_window=3, mc_paths=200_000)


def test_values_weights_var_and_correlation_match_the_hand_computation() -> None:
    risk = portfolio_risk(HOLDINGS, CLOSES, currency="USD", cash_assets=CASH, settings=SETTINGS)
    assert risk.total_value == Decimal(300)
    assert [(p.asset, p.value) for p in risk.positions] == [
        ("BTC", Decimal(100)),
        ("ETH", Decimal(100)),
        ("USD", Decimal(100)),
    ]
    assert all(p.weight == pytest.approx(1 / 3) for p in risk.positions)
    assert risk.as_of_ms == JAN1 + 3 * DAY and risk.returns_used == 3
    historical, parametric, monte_carlo = risk.figures
    assert historical.var == pytest.approx(0.2 / 3)
    assert historical.var_amount == pytest.approx(20.0)
    assert parametric.var == pytest.approx(0.0963146, rel=1e-5)
    assert parametric.var_amount == pytest.approx(28.894, rel=1e-4)
    assert parametric.expected_shortfall == pytest.approx(0.1318945, rel=1e-5)
    # Monte Carlo on Gaussian draws lands on the parametric figure
    assert monte_carlo.var == pytest.approx(parametric.var, rel=0.02)
    assert risk.assets == ("BTC", "ETH")
    assert risk.correlation[0][1] == pytest.approx(-0.5)
    assert risk.concentration == pytest.approx(1 / 3)
    assert risk.herfindahl == pytest.approx(1 / 3)


def test_a_longer_horizon_compounds_history_and_scales_the_covariance() -> None:
    settings = RiskSettings(confidence=0.9, horizon_days=2, short_window=2, long_window=3)
    risk = portfolio_risk(HOLDINGS, CLOSES, currency="USD", cash_assets=CASH, settings=settings)
    historical, parametric, _ = risk.figures
    # two-day portfolio returns: (1 - 0.2/3)(1 + 0.05/3) - 1 and (1 + 0.05/3)(1 + 0.25/3) - 1
    first = (1 - 0.2 / 3) * (1 + 0.05 / 3) - 1
    assert historical.var == pytest.approx(-first)
    assert parametric.var == pytest.approx(0.0963146 * 2**0.5, rel=1e-5)


def test_a_correlation_jump_warns_over_its_threshold() -> None:
    """BTC returns +10, -10, +10, +10, -10, +10 %; ETH -10, +10, -10, +10, -10, +10 %.

    Over all six days the correlation is 0 (mean of BTC/0.1 is 1/3, of ETH/0.1 is 0, and the
    sum of the products is 0); over the last three the two move together: 1. Jump 1.0.
    """
    btc, eth = [Decimal(100)], [Decimal(100)]
    for up_b, up_e in [(1, 0), (0, 1), (1, 0), (1, 1), (0, 0), (1, 1)]:
        btc.append(btc[-1] * (Decimal("1.1") if up_b else Decimal("0.9")))
        eth.append(eth[-1] * (Decimal("1.1") if up_e else Decimal("0.9")))
    closes = {"BTC": _series(*map(str, btc)), "ETH": _series(*map(str, eth))}
    holdings = {"BTC": Decimal(1), "ETH": Decimal(1)}
    settings = RiskSettings(confidence=0.9, short_window=3, long_window=6, jump_threshold=0.3)
    risk = portfolio_risk(holdings, closes, currency="USD", cash_assets=CASH, settings=settings)
    assert risk.mean_correlation_short == pytest.approx(1.0)
    assert risk.mean_correlation_long == pytest.approx(0.0, abs=1e-12)
    assert risk.correlation_jump == pytest.approx(1.0)
    assert risk.correlation_warning
    calm = RiskSettings(confidence=0.9, short_window=3, long_window=6, jump_threshold=1.5)
    risk = portfolio_risk(holdings, closes, currency="USD", cash_assets=CASH, settings=calm)
    assert not risk.correlation_warning
    readings = {r.name: r for r in risk_readings(risk, "alice", calm, 5)}
    assert readings["correlation_jump"].band is Band.OK
    assert readings["correlation_jump"].scope == "tenant:alice"


def test_readings_carry_the_tenant_scope_and_judge_var_and_concentration() -> None:
    risk = portfolio_risk(HOLDINGS, CLOSES, currency="USD", cash_assets=CASH, settings=SETTINGS)
    readings = {r.name: r for r in risk_readings(risk, "bob", SETTINGS, 7)}
    assert {r.scope for r in readings.values()} == {"tenant:bob"}
    var = readings["var_90_1d_historical"]
    assert (var.value, var.unit) == (pytest.approx(0.2 / 3), "ratio")
    assert var.band is Band.CRITICAL  # 6.7 % of value > the 3 % limit
    assert readings["concentration"].band is Band.CRITICAL  # 33 % > 25 %
    assert readings["portfolio_value"].value == 300.0
    assert readings["portfolio_value"].unit == "USD"
    # two assets and 3 returns: a 2-day window against the 3-day baseline is computable
    assert readings["correlation_jump"].value is not None
    assert "es_90_1d_parametric" in readings and "var_90_1d_monte_carlo" in readings


def test_missing_prices_name_the_assets_and_how_to_import_them() -> None:
    with pytest.raises(MissingPricesError) as caught:
        portfolio_risk(
            {**HOLDINGS, "SOL": Decimal(3)},
            CLOSES,
            currency="USD",
            cash_assets=CASH,
            settings=SETTINGS,
        )
    assert caught.value.assets == ("SOL",)
    assert "SOL" in str(caught.value)
    assert "tradewind portfolio prices import" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_too_little_common_history_and_bad_settings_are_refused() -> None:
    short = {"BTC": _series("100", "80"), "ETH": _series("10", "10")}
    with pytest.raises(PortfolioRiskError, match="only 2 day"):
        portfolio_risk(HOLDINGS, short, currency="USD", cash_assets=CASH, settings=SETTINGS)
    with pytest.raises(PortfolioRiskError, match="confidence"):
        portfolio_risk(
            HOLDINGS,
            CLOSES,
            currency="USD",
            cash_assets=CASH,
            settings=RiskSettings(confidence=1.2),
        )


def test_only_cash_has_no_risk() -> None:
    risk = portfolio_risk(
        {"USD": Decimal(50), "USDT": Decimal(50)}, {}, currency="USD", cash_assets=CASH
    )
    assert risk.total_value == Decimal(100)
    assert [f.var for f in risk.figures] == [0.0, 0.0, 0.0]
    assert risk.concentration == 0.0 and risk.correlation_jump is None
