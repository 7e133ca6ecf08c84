"""Portfolio risk from the ledger: VaR/ES, correlation, concentration, correlation jumps.

A tenant's holdings (ledger balances summed over accounts) are valued at the last day every
held asset has a daily close in the store (imported with `tradewind portfolio prices import`);
the daily returns of those closes are the history the measures are computed from:

    VaR / ES      historical (overlapping horizon-day returns of today's weights), parametric
                  and Monte Carlo (Gaussian, sample covariance x horizon days, zero mean), all
                  from `tradewind.risk.var`; positive losses as fractions of the total value,
                  and in the report currency
    correlation   Pearson correlation of the daily returns of the non-cash assets
    concentration the largest non-cash asset's share of the total value; Herfindahl index of
                  every position's share
    correlation jump  mean pairwise correlation over the last `short_window` returns minus the
                  same over the last `long_window` (its baseline); over `jump_threshold` is an
                  early warning: diversification is disappearing
Cash assets (the report currency and its stablecoins) count at 1 with zero returns. Money in
holdings is Decimal; the risk figures are statistics (floats). `risk_readings` turns a result
into `MeasureReading`s with scope `tenant:<name>` for dashboards and metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tradewind.portfolio.prices.offline import IMPORT_VENUE
from tradewind.portfolio.store import LedgerRepository, PriceCacheRepository
from tradewind.risk.correlation import correlation_matrix
from tradewind.risk.readings import MeasureReading, Threshold
from tradewind.risk.var import (
    RiskEstimate,
    historical_var,
    monte_carlo_var,
    parametric_var,
)

__all__ = [
    "METHODS",
    "MissingPricesError",
    "PortfolioRisk",
    "PortfolioRiskError",
    "Position",
    "RiskSettings",
    "VarFigure",
    "load_risk_inputs",
    "portfolio_risk",
    "risk_readings",
]

METHODS = ("historical", "parametric", "monte_carlo")
_USD_QUOTES = ("USD", "USDT", "USDC")
FloatArray = npt.NDArray[np.float64]


class PortfolioRiskError(ValueError):
    """The risk of these holdings cannot be computed (the message says why and what to do)."""


class MissingPricesError(PortfolioRiskError):
    """Held assets without any daily close in the store; `assets` names them."""

    def __init__(self, assets: Sequence[str], currency: str) -> None:
        self.assets = tuple(assets)
        names = ", ".join(self.assets)
        super().__init__(
            f"no daily prices in {currency} for {names}: import a daily history for each, e.g. "
            f"tradewind portfolio prices import FILE --format coingecko --asset "
            f"{self.assets[0]} --quote {currency}"
        )


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """How portfolio risk is measured.

    confidence in (0.5, 1); horizon in days; `days` of history at most (the newest); windows
    in daily returns; thresholds are fractions (0.03 = 3 % of the total value).
    """

    confidence: float = 0.99
    horizon_days: int = 1
    days: int = 365
    mc_paths: int = 20_000
    seed: int = 0
    short_window: int = 30
    long_window: int = 120
    jump_threshold: float = 0.3
    var_limit: float = 0.03
    concentration_limit: float = 0.25

    def check(self) -> None:
        """Raise PortfolioRiskError on a setting no measure can use."""
        if not 0.5 < self.confidence < 1.0:
            raise PortfolioRiskError(f"confidence must be in (0.5, 1), got {self.confidence}")
        if self.horizon_days < 1:
            raise PortfolioRiskError(f"horizon must be at least 1 day, got {self.horizon_days}")
        if not 2 <= self.short_window < self.long_window:
            raise PortfolioRiskError(
                f"windows need 2 <= short < long, got {self.short_window} and {self.long_window}"
            )
        if self.days < 3:
            raise PortfolioRiskError(f"at least 3 days of history, got {self.days}")
        if self.mc_paths < 100:
            raise PortfolioRiskError(f"at least 100 Monte Carlo paths, got {self.mc_paths}")


@dataclass(frozen=True, slots=True)
class Position:
    """One held asset: quantity (asset units), price and value (report currency), weight."""

    asset: str
    quantity: Decimal
    price: Decimal
    value: Decimal
    weight: float


@dataclass(frozen=True, slots=True)
class VarFigure:
    """VaR and ES by one method: fractions of the total value and amounts in the currency."""

    method: str
    var: float
    expected_shortfall: float
    var_amount: float
    expected_shortfall_amount: float


@dataclass(frozen=True, slots=True)
class PortfolioRisk:
    """Everything `portfolio_risk` measured (see the module docstring). Times UTC epoch ms."""

    currency: str
    as_of_ms: int
    returns_used: int
    positions: tuple[Position, ...]
    total_value: Decimal
    confidence: float
    horizon_days: int
    figures: tuple[VarFigure, ...]
    assets: tuple[str, ...]
    correlation: tuple[tuple[float, ...], ...]
    concentration: float
    herfindahl: float
    mean_correlation_short: float | None
    mean_correlation_long: float | None
    correlation_jump: float | None
    correlation_warning: bool


def portfolio_risk(
    quantities: Mapping[str, Decimal],
    closes: Mapping[str, Sequence[tuple[int, Decimal]]],
    *,
    currency: str,
    cash_assets: frozenset[str],
    settings: RiskSettings | None = None,
) -> PortfolioRisk:
    """Measure the risk of holding `quantities` (asset -> units) given daily `closes`.

    `closes[asset]` are (day open ms, close in `currency`) pairs of each non-cash asset.
    """
    settings = settings or RiskSettings()
    settings.check()
    held = {asset: qty for asset, qty in quantities.items() if qty != 0}
    if not held:
        raise PortfolioRiskError("nothing is held: import transactions first")
    risky = sorted(asset for asset in held if asset not in cash_assets)
    missing = [asset for asset in risky if not closes.get(asset)]
    if missing:
        raise MissingPricesError(missing, currency)
    by_day = {asset: dict(closes[asset]) for asset in risky}
    days = sorted(set.intersection(*(set(series) for series in by_day.values()))) if risky else []
    days = days[-settings.days :]
    if risky and len(days) < 3:
        raise PortfolioRiskError(
            f"only {len(days)} day(s) with a close for every one of {', '.join(risky)}; "
            "import at least 3 common days of daily prices"
        )
    last = days[-1] if days else 0
    prices = {asset: by_day[asset][last] for asset in risky}
    values = {
        asset: qty * (prices[asset] if asset in prices else Decimal(1))
        for asset, qty in held.items()
    }
    total = sum(values.values(), Decimal(0))
    if total <= 0:
        raise PortfolioRiskError(f"the holdings are worth {total} {currency}: no risk to measure")
    weights = {asset: float(value / total) for asset, value in values.items()}
    positions = tuple(
        Position(asset, held[asset], prices.get(asset, Decimal(1)), values[asset], weights[asset])
        for asset in sorted(held)
    )
    risky_weights = np.array([weights[asset] for asset in risky], dtype=np.float64)
    returns = _returns(by_day, risky, days)
    figures = _figures(returns, risky_weights, float(total), settings)
    correlation: FloatArray = (
        correlation_matrix(returns) if risky else np.zeros((0, 0), dtype=np.float64)
    )
    short, long, jump = _correlation_jump(returns, settings)
    return PortfolioRisk(
        currency=currency,
        as_of_ms=last,
        returns_used=int(returns.shape[0]),
        positions=positions,
        total_value=total,
        confidence=settings.confidence,
        horizon_days=settings.horizon_days,
        figures=figures,
        assets=tuple(risky),
        correlation=tuple(tuple(float(x) for x in row) for row in correlation),
        concentration=max((abs(weights[asset]) for asset in risky), default=0.0),
        herfindahl=sum(w * w for w in weights.values()),
        mean_correlation_short=short,
        mean_correlation_long=long,
        correlation_jump=jump,
        correlation_warning=jump is not None and jump > settings.jump_threshold,
    )


def _returns(
    by_day: Mapping[str, Mapping[int, Decimal]], risky: list[str], days: list[int]
) -> FloatArray:
    # Simple returns between consecutive common days (a gap in the history spans it).
    matrix = np.empty((max(len(days) - 1, 0), len(risky)), dtype=np.float64)
    for column, asset in enumerate(risky):
        series = by_day[asset]
        for row in range(len(days) - 1):
            before = series[days[row]]
            if before <= 0:
                raise PortfolioRiskError(f"{asset} closes at {before} on day {days[row]}")
            matrix[row, column] = float(series[days[row + 1]] / before - 1)
    return matrix


def _figures(
    returns: FloatArray, weights: FloatArray, total: float, settings: RiskSettings
) -> tuple[VarFigure, ...]:
    if returns.shape[1] == 0:  # only cash: nothing moves
        return tuple(VarFigure(method, 0.0, 0.0, 0.0, 0.0) for method in METHODS)
    horizon = settings.horizon_days
    confidence = settings.confidence
    daily = returns @ weights
    if len(daily) < horizon:
        raise PortfolioRiskError(
            f"{len(daily)} daily returns are fewer than the {horizon}-day horizon"
        )
    # horizon-day portfolio returns of today's weights, from overlapping windows
    growth = np.cumprod(np.concatenate(([1.0], 1.0 + daily)))
    over_horizon = growth[horizon:] / growth[:-horizon] - 1.0
    covariance = np.atleast_2d(np.cov(returns, rowvar=False)) * horizon
    estimates: dict[str, RiskEstimate] = {
        "historical": historical_var(over_horizon, confidence),
        "parametric": parametric_var(weights, covariance, confidence),
        "monte_carlo": monte_carlo_var(
            weights, covariance, confidence, paths=settings.mc_paths, seed=settings.seed
        ),
    }
    return tuple(
        VarFigure(
            method,
            estimates[method].var,
            estimates[method].expected_shortfall,
            estimates[method].var * total,
            estimates[method].expected_shortfall * total,
        )
        for method in METHODS
    )


def _mean_pairwise(returns: FloatArray) -> float | None:
    matrix = correlation_matrix(returns)
    upper = matrix[np.triu_indices(matrix.shape[0], k=1)]
    upper = upper[~np.isnan(upper)]
    return float(upper.mean()) if upper.size else None


def _correlation_jump(
    returns: FloatArray, settings: RiskSettings
) -> tuple[float | None, float | None, float | None]:
    # Needs two assets and more returns than the short window; the baseline is the long
    # window, or all the history there is when shorter.
    periods, assets = returns.shape
    if assets < 2 or periods <= settings.short_window:
        return None, None, None
    short = _mean_pairwise(returns[-settings.short_window :])
    long = _mean_pairwise(returns[-settings.long_window :])
    if short is None or long is None:
        return short, long, None
    return short, long, short - long


def risk_readings(
    risk: PortfolioRisk, tenant: str, settings: RiskSettings, ts_ns: int
) -> list[MeasureReading]:
    """The result as readings, scope `tenant:<tenant>`; VaR names carry confidence and horizon
    (`var_99_1d_historical`)."""
    scope = f"tenant:{tenant}"
    level = f"{risk.confidence * 100:g}".replace(".", "_")
    tag = f"{level}_{risk.horizon_days}d"
    var_limit = Threshold("max", settings.var_limit)
    readings = [
        MeasureReading(
            "portfolio_value", scope, float(risk.total_value), risk.currency, None, ts_ns
        )
    ]
    for figure in risk.figures:
        readings.append(
            MeasureReading(
                f"var_{tag}_{figure.method}", scope, figure.var, "ratio", var_limit, ts_ns
            )
        )
        readings.append(
            MeasureReading(
                f"es_{tag}_{figure.method}", scope, figure.expected_shortfall, "ratio", None, ts_ns
            )
        )
    readings.extend(
        [
            MeasureReading(
                "concentration",
                scope,
                risk.concentration,
                "ratio",
                Threshold("max", settings.concentration_limit),
                ts_ns,
            ),
            MeasureReading("herfindahl", scope, risk.herfindahl, "ratio", None, ts_ns),
            MeasureReading(
                "mean_correlation", scope, risk.mean_correlation_short, "ratio", None, ts_ns
            ),
            MeasureReading(
                "correlation_jump",
                scope,
                risk.correlation_jump,
                "ratio",
                Threshold("max", settings.jump_threshold),
                ts_ns,
            ),
        ]
    )
    return readings


def load_risk_inputs(
    repo: LedgerRepository, currency: str, cash_assets: frozenset[str]
) -> tuple[dict[str, Decimal], dict[str, list[tuple[int, Decimal]]]]:
    """Quantities per asset (all accounts) and the daily closes of each non-cash asset.

    `repo` is the tenant's LedgerRepository. Closes come from imported daily histories in
    `currency`; for USD also from USDT- or USDC-quoted ones.
    """
    quantities: dict[str, Decimal] = {}
    for (_account, asset), qty in repo.balances().items():
        quantities[asset] = quantities.get(asset, Decimal(0)) + qty
    cache = PriceCacheRepository(repo)
    quotes = (
        [currency, *(q for q in _USD_QUOTES if q != currency)]
        if currency in _USD_QUOTES
        else [currency]
    )
    closes: dict[str, list[tuple[int, Decimal]]] = {}
    for asset, qty in quantities.items():
        if qty == 0 or asset in cash_assets:
            continue
        for quote in quotes:
            rows = cache.closes(IMPORT_VENUE, f"{asset}/{quote}", "1d", 0, 2**62)
            if rows:
                closes[asset] = [(row.open_ms, row.close) for row in rows]
                break
    return quantities, closes
