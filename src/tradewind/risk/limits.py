"""RiskLimits: the ``[risk]`` table of the node config (frozen; unknown keys are refused).

    [risk]
    max_order_notional = "50000"        # quote units per order (price, or mid for market orders)
    max_open_orders = 20                # per strategy
    max_orders_per_window = 50          # submits + modifies admitted per strategy ...
    rate_window_ms = 1000               # ... in this sliding window
    price_band_bps = 500                # a limit price at most this far from the cache mid
    self_cross = true                   # refuse an order that would trade with our own resting one
    breaches_to_halt = 3                # refusals of a strategy: 1st → REDUCING, this many → HALTED

    [risk.measures]                     # live measures' thresholds (tradewind.risk.live.settings)
    var_99_1d = 0.03

    [risk.max_position]                 # per base asset, absolute base units, across venues,
    BTC = "2.5"                         # counting the open orders on the side of the new one

A limit left out is not checked. Amounts are strings or integers in TOML and become Decimal.

Action plans and circuit breakers (tradewind.risk.actions, .breakers) run in the node's risk
supervisor when ``[risk.supervisor] enabled = true`` or a ``[[risk.plans]]`` or
``[[risk.breakers]]`` entry is given:

    [risk.supervisor]
    enabled = true
    interval_ms = 5000                  # how often plans are evaluated ...
    fast_interval_ms = 1000             # ... while a "raise_monitoring" action is fired
    default_plans = true                # the brief's plans (a [[risk.plans]] of the same name
                                        # replaces one)
    hedge_clip = "0.1"                  # most base units one unwind order may carry

    [[risk.plans]]
    name = "btc_delta"
    measure = "net_delta"
    scope = "asset:BTC"
    above = 0.05
    absolute = true
    release = 0.03
    release_after = 3
    actions = [{ kind = "widen_spreads", factor = "2" }, { kind = "unwind" }]
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradewind.risk.actions import PlanConfig
from tradewind.risk.breakers import BreakerConfig
from tradewind.risk.live.settings import MeasureSettings

__all__ = ["RiskLimits", "SupervisorConfig"]


class SupervisorConfig(BaseModel):
    """How the risk supervisor runs: intervals in ms, ``hedge_clip`` in base units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    interval_ms: int = Field(default=5000, ge=1)
    fast_interval_ms: int = Field(default=1000, ge=1)
    default_plans: bool = True
    hedge_clip: Decimal | None = Field(default=None, gt=0)


class RiskLimits(BaseModel):
    """Pre-trade limits: notional in quote units, positions in base units, band in basis
    points, the rate as orders per ``rate_window_ms``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_order_notional: Decimal | None = Field(default=None, gt=0)
    max_position: dict[str, Decimal] = Field(default_factory=dict)
    max_open_orders: int | None = Field(default=None, ge=1)
    max_orders_per_window: int | None = Field(default=None, ge=1)
    rate_window_ms: int = Field(default=1000, ge=1)
    price_band_bps: Decimal | None = Field(default=None, gt=0)
    self_cross: bool = True
    breaches_to_halt: int = Field(default=3, ge=1)
    supervisor: SupervisorConfig = SupervisorConfig()
    plans: tuple[PlanConfig, ...] = ()
    breakers: tuple[BreakerConfig, ...] = ()
    measures: MeasureSettings = MeasureSettings()

    @property
    def supervised(self) -> bool:
        """Whether the node runs the risk supervisor (plans, breakers)."""
        return self.supervisor.enabled or bool(self.plans) or bool(self.breakers)

    @field_validator("max_position")
    @classmethod
    def _positive_positions(cls, limits: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, limit in limits.items():
            if not asset or asset != asset.upper():
                raise ValueError(f"asset {asset!r}: upper-case symbol expected")
            if not limit.is_finite() or limit < 0:
                raise ValueError(f"max_position of {asset} must be ≥ 0, got {limit}")
        return limits
