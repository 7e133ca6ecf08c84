"""MeasureSettings: the ``[risk.measures]`` table of the node config (frozen; unknown keys are
refused). Defaults are the thresholds of the PMM monitoring framework of our brief.

    [risk.measures]
    hedge_venues = ["hedge"]            # venues whose net traded position is a hedge
    cash_assets = ["USDT", "USDC"]      # valued at 1 quote unit, left out of delta/concentration
    sample_interval_s = 60              # how often prices and equity are sampled
    net_delta = 0.05                    # |net delta| per asset as a share of inventory
    var_99_1d = 0.03                    # VaR 99 % 1-day as a share of capital
    ...

Ratios are fractions (0.05 = 5 %), latencies milliseconds, windows seconds.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tradewind.risk.readings import Threshold

__all__ = ["MeasureSettings"]


class MeasureSettings(BaseModel):
    """Thresholds (ratios as fractions, latencies in ms) and the sampling of the live measures
    (intervals and windows in seconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # what the inputs mean
    hedge_venues: tuple[str, ...] = ()
    cash_assets: tuple[str, ...] = ("USDT", "USDC", "USD", "BUSD", "DAI")
    inventory_targets: dict[str, Decimal] = Field(default_factory=dict)
    # sampling
    sample_interval_s: float = Field(default=60.0, gt=0)
    returns_window: int = Field(default=1440, ge=3)  # samples kept for VaR and correlation
    min_returns: int = Field(default=30, ge=2)  # fewer: VaR and correlation read UNKNOWN
    window_s: float = Field(default=86_400.0, gt=0)  # turnover, rebalancing, latency averages
    var_confidence: float = Field(default=0.99, gt=0.5, lt=1.0)
    monte_carlo_paths: int = Field(default=20_000, ge=100)
    # position (the framework's 2.1)
    net_delta: float = Field(default=0.05, gt=0)
    net_delta_warning: float | None = Field(default=0.02, gt=0)
    concentration: float = Field(default=0.25, gt=0)
    hedge_coverage: float = Field(default=0.95, ge=0)
    max_drawdown: float = Field(default=0.10, gt=0)
    # inventory (3.1)
    on_chain_share: float = Field(default=0.50, ge=0)
    hedged_share: float = Field(default=0.25, ge=0)
    turnover: float = Field(default=2.0, ge=0)
    rebalance_count: int | None = Field(default=None, ge=0)  # "within tolerance": none set
    # risk (3.1 of risk management)
    var_99_1d: float = Field(default=0.03, gt=0)
    liquidation_buffer: float = Field(default=0.50)
    flash_loan_exposure: float = Field(default=0.20, ge=0)
    gas_risk_ratio: float = Field(default=0.05, ge=0)
    # performance (4.1)
    revenue_efficiency: float = Field(default=1.50, ge=0)
    # uptime and RFQ (1.1)
    quote_response_ms: float = Field(default=500.0, gt=0)
    node_health: float = Field(default=0.95, ge=0, le=1)
    settlement_success: float = Field(default=0.995, ge=0, le=1)
    gas_price_variation: float = Field(default=0.20, ge=0)
    quote_acceptance: float = Field(default=0.30, ge=0, le=1)
    network_latency_ms: float = Field(default=200.0, gt=0)
    execution_latency_ms: float = Field(default=300.0, gt=0)
    uptime_critical: float = Field(default=0.98, ge=0, le=1)
    uptime_warning: float = Field(default=0.995, ge=0, le=1)

    @field_validator("inventory_targets")
    @classmethod
    def _upper_assets(cls, targets: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, target in targets.items():
            if not asset or asset != asset.upper():
                raise ValueError(f"asset {asset!r}: upper-case symbol expected")
            if not target.is_finite():
                raise ValueError(f"inventory target of {asset} must be a number, got {target}")
        return targets

    @model_validator(mode="after")
    def _warnings_before_limits(self) -> MeasureSettings:
        # a warning line is an earlier line on the same side as its limit
        if self.net_delta_warning is not None and self.net_delta_warning >= self.net_delta:
            raise ValueError(
                f"net_delta_warning {self.net_delta_warning} must be under net_delta "
                f"{self.net_delta}"
            )
        if self.uptime_warning < self.uptime_critical:
            raise ValueError(
                f"uptime_warning {self.uptime_warning} must be at or over uptime_critical "
                f"{self.uptime_critical}"
            )
        if self.min_returns > self.returns_window:
            raise ValueError(
                f"min_returns {self.min_returns} is more than returns_window {self.returns_window}"
            )
        return self

    def threshold(self, name: str) -> Threshold | None:
        """The Threshold of measure ``name`` (None for a measure without one)."""
        return _thresholds(self).get(name)

    def thresholds(self) -> dict[str, Threshold]:
        """Every measure's Threshold by name (build once, read often)."""
        return _thresholds(self)


def _thresholds(s: MeasureSettings) -> dict[str, Threshold]:
    found = {
        "net_delta": Threshold("abs_max", s.net_delta, s.net_delta_warning),
        "concentration": Threshold("max", s.concentration),
        "hedge_coverage": Threshold("min", s.hedge_coverage),
        "max_drawdown": Threshold("max", s.max_drawdown),
        "on_chain_share": Threshold("min", s.on_chain_share),
        "hedged_share": Threshold("min", s.hedged_share),
        "turnover": Threshold("min", s.turnover),
        "liquidation_buffer": Threshold("min", s.liquidation_buffer),
        "flash_loan_exposure": Threshold("max", s.flash_loan_exposure),
        "gas_risk_ratio": Threshold("max", s.gas_risk_ratio),
        "revenue_efficiency": Threshold("min", s.revenue_efficiency),
        "quote_response_ms": Threshold("max", s.quote_response_ms),
        "node_health": Threshold("min", s.node_health),
        "settlement_success": Threshold("min", s.settlement_success),
        "gas_price_variation": Threshold("max", s.gas_price_variation),
        "quote_acceptance": Threshold("min", s.quote_acceptance),
        "network_latency_ms": Threshold("max", s.network_latency_ms),
        "execution_latency_ms": Threshold("max", s.execution_latency_ms),
        "uptime": Threshold("min", s.uptime_critical, s.uptime_warning),
    }
    for method in ("historical", "parametric", "monte_carlo"):
        found[f"var_99_1d_{method}"] = Threshold("max", s.var_99_1d)
    if s.rebalance_count is not None:
        found["rebalance_count"] = Threshold("max", float(s.rebalance_count))
    return found
