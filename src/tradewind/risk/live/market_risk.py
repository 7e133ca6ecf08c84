"""VaR, expected shortfall and correlation of the live holdings, from sampled oracle prices.

    PriceHistory       the last ``window`` price samples per asset (one sample = one row)
    value_at_risk      VaR and ES 99 % 1-day of the holdings, by three methods, as shares of capital

Returns are simple returns between consecutive samples. The three methods reuse
``tradewind.risk.var``: historical (the empirical tail of the portfolio's sampled returns),
parametric (Gaussian, covariance of the sampled returns) and Monte Carlo (seeded draws from that
covariance). A sample period shorter than the horizon is scaled by √(horizon / period) (the
square-root-of-time rule: it assumes independent returns). Weights are each asset's signed value
over the capital, so a short hedge offsets its long. Floats throughout: statistics.

Cost: O(window · assets²) for the covariance, plus Monte Carlo's O(paths · assets).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tradewind.risk.correlation import correlation_matrix
from tradewind.risk.var import (
    FloatArray,
    RiskEstimate,
    historical_var,
    monte_carlo_var,
    parametric_var,
    portfolio_returns,
)

__all__ = ["PriceHistory", "VarReadings", "correlations", "value_at_risk"]

DAY_S = 86_400.0


class PriceHistory:
    """Price samples (quote units per unit, floats) of a set of assets, oldest first; a sample
    that misses an asset's price drops that asset's history (its returns would have a hole)."""

    def __init__(self, window: int) -> None:
        if window < 3:
            raise ValueError(f"a price history needs ≥ 3 samples, got {window}")
        self._window = window
        self._series: dict[str, deque[float]] = {}

    def add(self, prices: Mapping[str, float]) -> None:
        for asset in list(self._series):
            if asset not in prices:
                del self._series[asset]
        for asset, price in prices.items():
            if not math.isfinite(price) or price <= 0:
                raise ValueError(f"price of {asset} must be positive, got {price}")
            kept = self._series.setdefault(asset, deque(maxlen=self._window))
            kept.append(price)

    def returns(self, assets: Sequence[str]) -> FloatArray:
        """(periods × assets) simple returns over the samples every asset has in common."""
        if not assets:
            return np.zeros((0, 0))
        depth = min(len(self._series.get(asset, ())) for asset in assets)
        if depth < 2:
            return np.zeros((0, len(assets)))
        prices = np.array(
            [list(self._series[asset])[-depth:] for asset in assets], dtype=np.float64
        ).T
        result: FloatArray = prices[1:] / prices[:-1] - 1.0
        return result

    def assets(self) -> list[str]:
        return sorted(self._series)


@dataclass(frozen=True, slots=True)
class VarReadings:
    """VaR and ES at the confidence, 1-day, as positive shares of capital, per method."""

    historical: RiskEstimate
    parametric: RiskEstimate
    monte_carlo: RiskEstimate


def value_at_risk(
    returns: FloatArray,
    exposures: Sequence[float],
    capital: float,
    *,
    period_s: float,
    confidence: float = 0.99,
    paths: int = 20_000,
    seed: int = 0,
) -> VarReadings | None:
    """VaR/ES of holding ``exposures`` (signed quote value per asset, the columns of
    ``returns``) over one day, as shares of ``capital``; None without capital or ≥ 2 returns."""
    matrix = np.asarray(returns, dtype=np.float64)
    if capital <= 0 or matrix.ndim != 2 or matrix.shape[0] < 2 or matrix.shape[1] == 0:
        return None
    weights = np.asarray(exposures, dtype=np.float64) / capital
    scale = math.sqrt(max(DAY_S / period_s, 1.0))
    covariance = np.atleast_2d(np.cov(matrix, rowvar=False))
    historical = historical_var(portfolio_returns(matrix, weights), confidence)
    parametric = parametric_var(weights, covariance, confidence)
    simulated = monte_carlo_var(weights, covariance, confidence, paths=paths, seed=seed)
    return VarReadings(
        _scaled(historical, scale), _scaled(parametric, scale), _scaled(simulated, scale)
    )


def _scaled(estimate: RiskEstimate, scale: float) -> RiskEstimate:
    return RiskEstimate(
        estimate.var * scale, estimate.expected_shortfall * scale, estimate.confidence
    )


def correlations(returns: FloatArray, assets: Sequence[str]) -> dict[tuple[str, str], float]:
    """Pearson correlation of each pair of assets (a < b) over ``returns``; NaN for an asset
    that did not move."""
    matrix = np.asarray(returns, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] < 2 or len(assets) < 2:
        return {}
    table = correlation_matrix(matrix)
    return {
        (assets[i], assets[j]): float(table[i, j])
        for i in range(len(assets))
        for j in range(i + 1, len(assets))
    }
