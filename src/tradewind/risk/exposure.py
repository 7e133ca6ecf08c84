"""Exposure measures: maximum drawdown, net delta per asset, concentration.

Drawdown works on an equity curve (floats are fine: a statistic); delta and concentration are
exact (Decimal), because they feed limits: a net delta is the signed base-asset quantity held
across every venue, and concentration is the largest single asset's share of the gross value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import numpy as np
import numpy.typing as npt

__all__ = ["concentration", "max_drawdown", "net_delta"]


def max_drawdown(equity: npt.ArrayLike) -> float:
    """Largest peak-to-trough fall of ``equity`` as a fraction of the peak (0.25 = -25 %)."""
    curve = np.asarray(equity, dtype=np.float64)
    if curve.ndim != 1 or curve.shape[0] == 0:
        raise ValueError("max drawdown takes a non-empty 1-D equity curve")
    if (curve <= 0).any():
        raise ValueError("equity must stay positive for a drawdown in percent")
    peaks = np.maximum.accumulate(curve)
    return float(((peaks - curve) / peaks).max())


def net_delta(holdings: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Signed quantity per asset summed over (asset, quantity) holdings (venues, positions)."""
    totals: dict[str, Decimal] = {}
    for asset, quantity in holdings:
        totals[asset] = totals.get(asset, Decimal(0)) + quantity
    return totals


def concentration(values: Mapping[str, Decimal]) -> tuple[str, Decimal]:
    """(asset, share) of the largest absolute value among ``values`` (quote units); share of
    the gross (sum of absolute values), so 0.25 means one asset is a quarter of the book."""
    gross = sum((abs(v) for v in values.values()), Decimal(0))
    if gross == 0:
        raise ValueError("no exposure to measure concentration of")
    asset = max(values, key=lambda name: abs(values[name]))
    return asset, abs(values[asset]) / gross
