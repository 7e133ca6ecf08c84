"""Position and inventory measures on one snapshot of what is held where, at oracle prices.

    Holding(asset, quantity, location, on_chain)   balances at venues and in wallets
    hedges: asset → signed quantity                net of our trades on the hedge venues (their
                                                   effect is inside those venues' balances too)
    prices: asset → quote units per unit           cash assets count 1

Quantities and prices are exact (Decimal); the measures are ratios (floats, statistics). An asset
held without a price is left out and named in ``InventorySnapshot.unpriced`` rather than valued
at a made-up 0. Every function answers None (UNKNOWN) when its inputs do not say:

    net_delta(a)      (Σ holdings_a - target_a) · p_a / inventory value
    concentration     largest non-cash asset value / inventory value
    hedge_coverage    Σ_a min(|e_a|, hedge opposing e_a) / Σ_a |e_a|, e_a = Σ holdings_a - target_a
    on_chain_share    value held on chain / inventory value (None without an on-chain source)
    hedged_share      value held on hedge venues / inventory value (None without hedge venues)

Inventory value is gross (Σ |quantity · price| over holdings). Cost O(holdings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "Holding",
    "InventorySnapshot",
    "concentration_share",
    "hedge_coverage",
    "hedged_share",
    "inventory_value",
    "net_deltas",
    "on_chain_share",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Holding:
    """``quantity`` of ``asset`` (its units; negative when owed) at ``location``
    ("venue:sim", "wallet:base:0xab…"); ``on_chain`` for wallet balances, ``hedge`` for
    balances on a hedge venue."""

    asset: str
    quantity: Decimal
    location: str
    on_chain: bool = False
    hedge: bool = False


@dataclass(frozen=True, slots=True)
class InventorySnapshot:
    """What is held, the hedges, and the prices (quote units per asset unit) at one time.

    ``on_chain_known``: an on-chain balance source answered; ``hedge_known``: hedge venues are
    configured. Without them the on-chain and hedge measures are UNKNOWN, never 0.
    """

    holdings: tuple[Holding, ...]
    prices: Mapping[str, Decimal]
    cash_assets: frozenset[str]
    hedges: Mapping[str, Decimal] = field(default_factory=dict)
    targets: Mapping[str, Decimal] = field(default_factory=dict)
    on_chain_known: bool = False
    hedge_known: bool = False

    def price(self, asset: str) -> Decimal | None:
        if asset in self.cash_assets:
            return Decimal(1)
        return self.prices.get(asset)

    @property
    def unpriced(self) -> tuple[str, ...]:
        """Assets held (non-zero) that have no price: left out of every measure."""
        return tuple(
            sorted(
                {h.asset for h in self.holdings if h.quantity != 0 and self.price(h.asset) is None}
            )
        )

    def value(self, holding: Holding) -> Decimal:
        """|quantity · price| in quote units (0 for an unpriced asset, see ``unpriced``)."""
        price = self.price(holding.asset)
        return _ZERO if price is None else abs(holding.quantity * price)

    def risk_assets(self) -> list[str]:
        """Priced non-cash assets that are held, hedged or targeted, sorted."""
        named = {h.asset for h in self.holdings} | set(self.hedges) | set(self.targets)
        return sorted(a for a in named if a not in self.cash_assets and a in self.prices)


def inventory_value(snapshot: InventorySnapshot) -> Decimal:
    """Gross value of every priced holding, quote units."""
    return sum((snapshot.value(h) for h in snapshot.holdings), _ZERO)


def _exposure(snapshot: InventorySnapshot, asset: str) -> Decimal:
    held = sum((h.quantity for h in snapshot.holdings if h.asset == asset), _ZERO)
    return held - snapshot.targets.get(asset, _ZERO)


def net_deltas(snapshot: InventorySnapshot) -> dict[str, float | None]:
    """Per non-cash asset: (held - target) value as a share of the inventory value."""
    total = inventory_value(snapshot)
    found: dict[str, float | None] = {}
    for asset in snapshot.risk_assets():
        price = snapshot.prices[asset]
        delta = _exposure(snapshot, asset) * price
        found[asset] = None if total == 0 else float(delta / total)
    return found


def concentration_share(snapshot: InventorySnapshot) -> tuple[str, float] | None:
    """(asset, share) of the largest non-cash asset's value in the inventory value."""
    total = inventory_value(snapshot)
    if total == 0:
        return None
    values: dict[str, Decimal] = {}
    for holding in snapshot.holdings:
        if holding.asset in snapshot.cash_assets or snapshot.price(holding.asset) is None:
            continue
        values[holding.asset] = values.get(holding.asset, _ZERO) + snapshot.value(holding)
    if not values:
        # nothing but cash is priced: no concentration if nothing else is held, else unknown
        held = [a for a in snapshot.unpriced if a not in snapshot.cash_assets]
        return None if held else ("", 0.0)
    asset = max(sorted(values), key=lambda name: values[name])
    return asset, float(values[asset] / total)


def hedge_coverage(snapshot: InventorySnapshot) -> tuple[float | None, dict[str, float | None]]:
    """Overall and per-asset share of the exposure (held - target, non-hedge holdings) that the
    hedges offset; an asset with no exposure is fully covered (1.0)."""
    if not snapshot.hedge_known:
        return None, {}
    per_asset: dict[str, float | None] = {}
    exposed_total = covered_total = _ZERO
    for asset in snapshot.risk_assets():
        price = snapshot.prices[asset]
        held = sum(
            (h.quantity for h in snapshot.holdings if h.asset == asset and not h.hedge), _ZERO
        )
        exposure = held - snapshot.targets.get(asset, _ZERO)
        hedge = snapshot.hedges.get(asset, _ZERO)
        # only a hedge on the other side of the exposure covers it, and at most all of it
        opposing = -hedge if exposure > 0 else hedge
        covered = min(abs(exposure), max(_ZERO, opposing))
        per_asset[asset] = 1.0 if exposure == 0 else float(covered / abs(exposure))
        exposed_total += abs(exposure) * price
        covered_total += covered * price
    overall = 1.0 if exposed_total == 0 else float(covered_total / exposed_total)
    return overall, per_asset


def on_chain_share(snapshot: InventorySnapshot) -> float | None:
    """Value held in on-chain wallets as a share of the inventory value."""
    total = inventory_value(snapshot)
    if not snapshot.on_chain_known or total == 0:
        return None
    on_chain = sum((snapshot.value(h) for h in snapshot.holdings if h.on_chain), _ZERO)
    return float(on_chain / total)


def hedged_share(snapshot: InventorySnapshot) -> float | None:
    """Value held on hedge venues as a share of the inventory value."""
    total = inventory_value(snapshot)
    if not snapshot.hedge_known or total == 0:
        return None
    hedged = sum((snapshot.value(h) for h in snapshot.holdings if h.hedge), _ZERO)
    return float(hedged / total)
