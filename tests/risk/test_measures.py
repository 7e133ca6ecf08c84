"""Risk measures against small cases computed by hand, and Monte Carlo against the closed form."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tradewind.risk.correlation import correlation_matrix, rolling_correlation
from tradewind.risk.exposure import concentration, max_drawdown, net_delta
from tradewind.risk.var import (
    expected_shortfall,
    historical_var,
    monte_carlo_var,
    parametric_var,
    portfolio_returns,
)


def test_historical_var_and_es_by_hand() -> None:
    # 100 returns: 97 of +0.1 %, and losses of 5 %, 3 %, 2 %. At 99 %, the tail is the single
    # worst day; at 97 %, the three worst: VaR the 3rd worst (2 %), ES their mean (10/3 %).
    returns = np.array([0.001] * 97 + [-0.05, -0.03, -0.02])
    at99 = historical_var(returns, 0.99)
    assert at99.var == pytest.approx(0.05) and at99.expected_shortfall == pytest.approx(0.05)
    at97 = historical_var(returns, 0.97)
    assert at97.var == pytest.approx(0.02)
    assert at97.expected_shortfall == pytest.approx(0.10 / 3)
    assert expected_shortfall(returns, 0.97) == pytest.approx(0.10 / 3)


def test_portfolio_returns_weigh_the_assets() -> None:
    returns = np.array([[0.01, -0.02], [0.03, 0.01]])
    assert portfolio_returns(returns, np.array([0.5, 0.5])).tolist() == pytest.approx(
        [-0.005, 0.02]
    )
    with pytest.raises(ValueError, match="do not match"):
        portfolio_returns(returns, np.array([1.0]))


def test_parametric_var_by_hand() -> None:
    # two assets, sigma 2 % and 1 %, correlation 0.5, weights 0.5/0.5:
    # variance = 0.25·4e-4 + 0.25·1e-4 + 2·0.25·0.5·0.02·0.01 = 1.75e-4
    cov = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])
    estimate = parametric_var(np.array([0.5, 0.5]), cov, 0.99)
    sigma = 1.75e-4**0.5
    assert estimate.var == pytest.approx(2.3263478740 * sigma, rel=1e-9)
    # ES of a normal at 99 %: φ(2.3263)/0.01 = 2.6652·σ
    assert estimate.expected_shortfall == pytest.approx(2.6652142203 * sigma, rel=1e-8)
    with_mean = parametric_var(np.array([0.5, 0.5]), cov, 0.99, mean=np.array([0.001, 0.001]))
    assert with_mean.var == pytest.approx(estimate.var - 0.001)


def test_monte_carlo_var_converges_to_parametric_on_gaussian_inputs() -> None:
    rng = np.random.default_rng(7)
    k = 20
    a = rng.normal(0, 0.01, (k, k))
    cov = a @ a.T + np.eye(k) * 1e-4
    weights = rng.dirichlet(np.ones(k))
    exact = parametric_var(weights, cov, 0.99)
    errors = []
    for paths in (2_000, 200_000):
        mc = monte_carlo_var(weights, cov, 0.99, paths=paths, seed=1)
        errors.append(abs(mc.var - exact.var) / exact.var)
    assert errors[1] < 0.02  # 200k paths: within 2 % of the closed form
    assert errors[1] < errors[0] or errors[0] < 0.02
    es = monte_carlo_var(weights, cov, 0.99, paths=200_000, seed=1).expected_shortfall
    assert es == pytest.approx(exact.expected_shortfall, rel=0.03)


def test_monte_carlo_var_is_seeded_and_takes_perfect_correlation() -> None:
    cov = np.full((3, 3), 1e-4)  # rank one: Cholesky needs the ridge
    w = np.array([0.2, 0.3, 0.5])
    one = monte_carlo_var(w, cov, paths=10_000, seed=3)
    assert one == monte_carlo_var(w, cov, paths=10_000, seed=3)
    assert one != monte_carlo_var(w, cov, paths=10_000, seed=4)
    # the chunks' seeds do not depend on how many threads draw them
    assert one == monte_carlo_var(w, cov, paths=10_000, seed=3, workers=1)
    assert one == monte_carlo_var(w, cov, paths=10_000, seed=3, workers=3)
    assert one.var == pytest.approx(2.326 * 0.01, rel=0.08)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: historical_var(np.array([0.1, 0.2]), 1.0), "confidence"),
        (lambda: historical_var(np.array([]), 0.99), "no observations"),
        (lambda: parametric_var(np.array([1.0]), np.eye(2)), "does not match"),
        (lambda: monte_carlo_var(np.array([1.0]), np.eye(1), paths=10), "100 paths"),
    ],
)
def test_bad_inputs_are_refused(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_correlation_by_hand() -> None:
    returns = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 0.0], [3.0, 6.0, 1.0]])
    corr = correlation_matrix(returns)
    assert corr[0, 1] == pytest.approx(1.0)  # b = 2a
    assert corr[0, 2] == pytest.approx(0.0)  # c goes down then up: no linear relation
    assert np.diag(corr).tolist() == [1.0, 1.0, 1.0]
    flat = correlation_matrix(np.array([[1.0, 5.0], [2.0, 5.0]]))
    assert np.isnan(flat[0, 1]) and flat[1, 1] == 1.0


def test_rolling_correlation_sees_the_relation_flip() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    b = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    rolling = rolling_correlation(np.column_stack([a, b]), 3)
    assert rolling.shape == (3, 2, 2)
    assert [round(float(m[0, 1]), 9) for m in rolling] == [1.0, 0.0, -1.0]
    with pytest.raises(ValueError, match="window"):
        rolling_correlation(np.column_stack([a, b]), 6)


def test_max_drawdown_by_hand() -> None:
    # peak 120, trough 90: -25 %; the later fall 110 → 100 from peak 120 is smaller
    assert max_drawdown([100, 120, 90, 110, 100]) == pytest.approx(0.25)
    assert max_drawdown([1, 2, 3]) == 0.0
    with pytest.raises(ValueError, match="positive"):
        max_drawdown([1, 0])


def test_net_delta_and_concentration_are_exact() -> None:
    delta = net_delta(
        [
            ("BTC", Decimal("0.5")),
            ("ETH", Decimal(3)),
            ("BTC", Decimal("-0.2")),
            ("ETH", Decimal(-3)),
        ]
    )
    assert delta == {"BTC": Decimal("0.3"), "ETH": Decimal(0)}
    asset, share = concentration({"BTC": Decimal(300), "ETH": Decimal(-100), "SOL": Decimal(0)})
    assert asset == "BTC" and share == Decimal("0.75")
    with pytest.raises(ValueError, match="no exposure"):
        concentration({"BTC": Decimal(0)})
