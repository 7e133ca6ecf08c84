"""Holdings at a moment (e.g. year end): ledger balance, lots and value per (account, asset).

Quantity is the ledger balance (asset units). `lot_quantity` is the part covered by open lots;
the rest has no known acquisition. Value uses the price's state: no usable price, no value.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.results import OpenLot
from tradewind.portfolio.prices.states import Priced, PriceResult, StalePrice, state_of
from tradewind.portfolio.reports.tax_year import decimal_text

__all__ = ["HoldingRow", "holdings", "holdings_csv", "holdings_json"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class HoldingRow:
    """One (account, asset) held: quantities in asset units, money in the report currency."""

    account: str
    asset: str
    quantity: Decimal
    lot_quantity: Decimal
    cost_basis: Decimal
    unknown_basis_quantity: Decimal
    price: PriceResult
    market_value: Decimal | None

    @property
    def unlotted_quantity(self) -> Decimal:
        """Quantity held without a known acquisition (balance minus open lots)."""
        return self.quantity - self.lot_quantity


def holdings(
    balances: Mapping[tuple[str, str], Decimal],
    open_lots: Iterable[OpenLot],
    price: Callable[[str], PriceResult],
    cash_assets: frozenset[str],
) -> list[HoldingRow]:
    """Rows for every (account, asset) with a balance or an open lot, sorted."""
    lot_qty: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    lot_cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unknown: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in open_lots:
        key = (lot.account, lot.asset)
        lot_qty[key] += lot.quantity
        if lot.cost_basis is None:
            unknown[key] += lot.quantity
        else:
            lot_cost[key] += lot.cost_basis
    prices: dict[str, PriceResult] = {}
    rows = []
    for key in sorted({*balances, *lot_qty}):
        account, asset = key
        quantity = balances.get(key, _ZERO)
        if asset in cash_assets:
            rows.append(
                HoldingRow(
                    account,
                    asset,
                    quantity,
                    quantity,
                    quantity,
                    _ZERO,
                    Priced(Decimal(1)),
                    quantity,
                )
            )
            continue
        if asset not in prices:
            prices[asset] = price(asset)
        got = prices[asset]
        value = got.value * quantity if isinstance(got, Priced | StalePrice) else None
        rows.append(
            HoldingRow(
                account,
                asset,
                quantity,
                lot_qty.get(key, _ZERO),
                lot_cost.get(key, _ZERO),
                unknown.get(key, _ZERO),
                got,
                value,
            )
        )
    return rows


def _price_text(result: PriceResult) -> str:
    return decimal_text(result.value) if isinstance(result, Priced | StalePrice) else ""


def holdings_json(rows: Iterable[HoldingRow]) -> list[dict[str, Any]]:
    """JSON-ready rows; every row names its price state."""
    return [
        {
            "account": r.account,
            "asset": r.asset,
            "quantity": decimal_text(r.quantity),
            "lot_quantity": decimal_text(r.lot_quantity),
            "unlotted_quantity": decimal_text(r.unlotted_quantity),
            "cost_basis": decimal_text(r.cost_basis),
            "unknown_basis_quantity": decimal_text(r.unknown_basis_quantity),
            "price_state": str(state_of(r.price)),
            "price": _price_text(r.price) or None,
            "market_value": decimal_text(r.market_value) if r.market_value is not None else None,
        }
        for r in rows
    ]


def holdings_csv(rows: Iterable[HoldingRow]) -> str:
    """The rows as CSV (empty cells where a price or value is unknown)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = [
        "account",
        "asset",
        "quantity",
        "lot_quantity",
        "unlotted_quantity",
        "cost_basis",
        "unknown_basis_quantity",
        "price_state",
        "price",
        "market_value",
    ]
    writer.writerow(fields)
    for row in holdings_json(rows):
        writer.writerow(["" if row[f] is None else row[f] for f in fields])
    return out.getvalue()
