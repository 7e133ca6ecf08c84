"""Profit and loss: realised per (account, asset) from disposal legs, unrealised from open lots
at current prices, and a time series of portfolio value. Money in the report currency.

Every figure that needs a price carries the price's state; a position without a usable price has
unrealised PnL None, never a number made up from a missing price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.prices.states import (
    NoPrice,
    Priced,
    PriceLookup,
    PriceResult,
    StalePrice,
    state_of,
)

__all__ = ["PositionPnl", "ValuePoint", "position_pnl", "value_series"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PositionPnl:
    """PnL of one (account, asset): quantities in asset units, money in the report currency.

    `open_cost` sums the open lots of known basis; `unknown_basis_quantity` is the part held in
    lots of unknown basis. `unrealized` is None without a usable price or with unknown basis.
    """

    account: str
    asset: str
    realized: Decimal
    realized_incomplete: int
    open_quantity: Decimal
    open_cost: Decimal
    unknown_basis_quantity: Decimal
    price: PriceResult
    market_value: Decimal | None
    unrealized: Decimal | None


def _usable(price: PriceResult) -> Decimal | None:
    if isinstance(price, Priced | StalePrice):
        return price.value
    return None


def position_pnl(
    result: CostBasisResult,
    current_price: Callable[[str], PriceResult],
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> list[PositionPnl]:
    """Realised PnL of legs disposed in [since_ms, until_ms), unrealised of the open lots.

    Legs whose proceeds or basis are unknown are counted in `realized_incomplete`, not summed.
    """
    realized: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    incomplete: dict[tuple[str, str], int] = defaultdict(int)
    for leg in result.legs:
        if since_ms is not None and leg.disposed_ms < since_ms:
            continue
        if until_ms is not None and leg.disposed_ms >= until_ms:
            continue
        key = (leg.account, leg.asset)
        gain = leg.gain
        if gain is None:
            incomplete[key] += 1
        else:
            realized[key] += gain
    quantity: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unknown: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in result.open_lots:
        key = (lot.account, lot.asset)
        quantity[key] += lot.quantity
        if lot.cost_basis is None:
            unknown[key] += lot.quantity
        else:
            cost[key] += lot.cost_basis
    prices: dict[str, PriceResult] = {}
    rows = []
    for key in sorted({*realized, *incomplete, *quantity}):
        account, asset = key
        if asset not in prices:
            prices[asset] = current_price(asset) if quantity.get(key) else NoPrice("not held")
        price = prices[asset]
        value = _usable(price)
        held = quantity.get(key, _ZERO)
        market = None if value is None else value * held
        unrealized = None
        if market is not None and not unknown.get(key):
            unrealized = market - cost.get(key, _ZERO)
        rows.append(
            PositionPnl(
                account,
                asset,
                realized.get(key, _ZERO),
                incomplete.get(key, 0),
                held,
                cost.get(key, _ZERO),
                unknown.get(key, _ZERO),
                price,
                market,
                unrealized,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class ValuePoint:
    """Portfolio value at one time (UTC epoch ms) in the report currency.

    `value` sums what could be priced; `missing` names assets held but not priced (with the
    price's state), `stale` those priced from a stale price. Complete only when `missing` is empty.
    `by_asset` is the value of each priced asset held (cash assets under "cash").
    """

    timestamp_ms: int
    value: Decimal
    missing: tuple[tuple[str, str], ...]
    stale: tuple[str, ...]
    by_asset: tuple[tuple[str, Decimal], ...] = ()

    @property
    def complete(self) -> bool:
        """True when every held asset had a usable price."""
        return not self.missing


def value_series(
    transactions: Sequence[Transaction],
    times: Iterable[int],
    prices: PriceLookup,
    cash_assets: frozenset[str],
) -> list[ValuePoint]:
    """Value of all holdings (movements and fees up to and including each time) at each time."""
    holdings: dict[str, Decimal] = defaultdict(Decimal)
    points = []
    position = 0
    for at in sorted(times):
        while position < len(transactions) and transactions[position].timestamp_ms <= at:
            tx = transactions[position]
            for move in (*tx.movements, *tx.fees):
                holdings[move.asset] += move.amount
            position += 1
        total = _ZERO
        missing = []
        stale = []
        by_asset: dict[str, Decimal] = {}
        for asset, amount in sorted(holdings.items()):
            if amount == 0:
                continue
            if asset in cash_assets:
                total += amount
                by_asset["cash"] = by_asset.get("cash", _ZERO) + amount
                continue
            price = prices(asset, at)
            value = _usable(price)
            if value is None:
                missing.append((asset, str(state_of(price))))
                continue
            if isinstance(price, StalePrice):
                stale.append(asset)
            total += value * amount
            by_asset[asset] = value * amount
        points.append(
            ValuePoint(at, total, tuple(missing), tuple(stale), tuple(sorted(by_asset.items())))
        )
    return points
