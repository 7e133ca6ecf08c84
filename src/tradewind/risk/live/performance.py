"""Performance and funding measures: PnL per token and in total, revenue efficiency, gas risk,
flash-loan exposure, liquidation buffer, turnover.

PnL is exact (Decimal, quote units) from the positions the fills built; ratios are floats.
Revenue is the PnL before costs (realised + unrealised at the oracle mark); costs are the fees
paid plus the gas spent. A ratio whose denominator is zero or unknown is None (UNKNOWN): there
is nothing to measure, which is not the same as 0.

    pnl_by_asset        Σ over positions of (realised + unrealised - fees), by base asset
    revenue_efficiency  revenue / (fees + gas)                      the framework's > 150 %
    gas_risk_ratio      gas / revenue                               < 5 %
    flash_loan_share    flash-loan volume / traded volume           < 20 %
    liquidation_buffer  (collateral - required) / required          > 50 %
    turnover            traded volume / average inventory value     > 2×
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.identifiers import parse_symbol
from tradewind.core.positions import Position

__all__ = [
    "PnlBreakdown",
    "flash_loan_share",
    "gas_risk_ratio",
    "liquidation_buffer",
    "pnl_breakdown",
    "revenue_efficiency",
    "turnover",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PnlBreakdown:
    """PnL in quote units: ``by_asset`` net of fees (None for an open position without a mark),
    ``revenue`` before fees, ``fees`` paid; ``total`` None if any asset's is unknown."""

    by_asset: Mapping[str, Decimal | None]
    revenue: Decimal | None
    fees: Decimal

    @property
    def total(self) -> Decimal | None:
        if any(value is None for value in self.by_asset.values()):
            return None
        return sum((v for v in self.by_asset.values() if v is not None), _ZERO)


def pnl_breakdown(positions: Iterable[Position], marks: Mapping[str, Decimal]) -> PnlBreakdown:
    """PnL of ``positions`` at ``marks`` (base asset → quote per unit), by base asset."""
    by_asset: dict[str, Decimal | None] = {}
    revenue: Decimal | None = _ZERO
    fees = _ZERO
    for position in positions:
        base, _quote = parse_symbol(position.symbol)
        fees += position.fees
        gross: Decimal | None = position.realised_pnl
        if not position.is_flat:
            mark = marks.get(base)
            unrealised = None if mark is None else position.unrealised_pnl(mark)
            gross = None if unrealised is None else position.realised_pnl + unrealised
        earlier = by_asset.get(base, _ZERO)
        by_asset[base] = (
            None if gross is None or earlier is None else earlier + gross - position.fees
        )
        revenue = None if gross is None or revenue is None else revenue + gross
    return PnlBreakdown(by_asset, revenue, fees)


def revenue_efficiency(revenue: Decimal | None, costs: Decimal) -> float | None:
    """Revenue per unit of trading cost (1.5 = 150 %); None without costs."""
    if revenue is None or costs <= 0:
        return None
    return float(revenue / costs)


def gas_risk_ratio(gas: Decimal | None, revenue: Decimal | None) -> float | None:
    """Gas spent as a share of revenue; None without a gas figure or a positive revenue."""
    if gas is None or revenue is None or revenue <= 0:
        return None
    return float(gas / revenue)


def flash_loan_share(flash_volume: Decimal | None, volume: Decimal) -> float | None:
    """Flash-loan volume as a share of the traded volume (both quote units)."""
    if flash_volume is None or volume <= 0:
        return None
    return float(flash_volume / volume)


def liquidation_buffer(collateral: Decimal, required: Decimal) -> float | None:
    """How far collateral is above what is required, as a share of the requirement; None when
    nothing is required (nothing borrowed)."""
    if required <= 0:
        return None
    return float((collateral - required) / required)


def turnover(volume: Decimal, average_inventory: Decimal | None) -> float | None:
    """Traded volume over the average inventory value (2.0 = twice)."""
    if average_inventory is None or average_inventory <= 0:
        return None
    return float(volume / average_inventory)
