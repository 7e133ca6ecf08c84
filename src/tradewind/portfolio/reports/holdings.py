"""Holdings at a moment (e.g. year end): ledger balance, lots and value per (account, asset).

Quantity is the ledger balance (asset units). `lot_quantity` is the part covered by open lots;
the rest has no known acquisition. Value uses the price's state: no usable price, no value.
Cost basis is unknown (None, printed "unknown") when any part of the holding has no known
acquisition or an unpriced one: a partial sum would read as the basis of the whole.
Printed: money in cents, quantities in 8 decimals, a totals row (unknown if any row is).
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
from tradewind.portfolio.reports.money import (
    UNKNOWN,
    money_text,
    quantity_text,
    rounded_total,
)

__all__ = ["HoldingRow", "holdings", "holdings_csv", "holdings_json", "holdings_totals"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class HoldingRow:
    """One (account, asset) held: quantities in asset units, money in the report currency."""

    account: str
    asset: str
    quantity: Decimal
    lot_quantity: Decimal
    cost_basis: Decimal | None
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
        lotted = lot_qty.get(key, _ZERO)
        unknown_qty = unknown.get(key, _ZERO)
        basis_known = unknown_qty == 0 and lotted >= quantity
        rows.append(
            HoldingRow(
                account,
                asset,
                quantity,
                lotted,
                lot_cost.get(key, _ZERO) if basis_known else None,
                unknown_qty,
                got,
                value,
            )
        )
    return rows


def _price_text(result: PriceResult) -> str:
    if not isinstance(result, Priced | StalePrice):
        return ""
    # A unit price keeps its digits (a coin can be worth less than a cent); 8 places at most.
    return quantity_text(result.value).rstrip("0").rstrip(".")


def holdings_json(rows: Iterable[HoldingRow], currency: str = "USD") -> list[dict[str, Any]]:
    """JSON-ready rows; every row names its price state and currency; unknown is "unknown"."""
    return [
        {
            "account": r.account,
            "asset": r.asset,
            "quantity": quantity_text(r.quantity),
            "lot_quantity": quantity_text(r.lot_quantity),
            "unlotted_quantity": quantity_text(r.unlotted_quantity),
            "currency": currency,
            "cost_basis": money_text(r.cost_basis, unknown=UNKNOWN),
            "unknown_basis_quantity": quantity_text(r.unknown_basis_quantity),
            "price_state": str(state_of(r.price)),
            "price": _price_text(r.price) or None,
            "market_value": money_text(r.market_value) if r.market_value is not None else None,
        }
        for r in rows
    ]


def holdings_totals(rows: Iterable[HoldingRow]) -> tuple[Decimal | None, Decimal | None]:
    """(total cost basis, total market value) from the rounded rows; None when any is unknown."""
    rows = list(rows)
    basis = [r.cost_basis for r in rows]
    values = [r.market_value for r in rows]
    total_basis = None if any(b is None for b in basis) else rounded_total(b for b in basis if b)
    total_value = None if any(v is None for v in values) else rounded_total(v for v in values if v)
    return total_basis, total_value


def holdings_csv(rows: Iterable[HoldingRow], currency: str = "USD") -> str:
    """The rows as CSV ("unknown" where a value is unknown) and a totals row."""
    rows = list(rows)
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
    writer.writerow(
        [f"{f} ({currency})" if f in {"cost_basis", "price", "market_value"} else f for f in fields]
    )
    for row in holdings_json(rows, currency):
        writer.writerow([UNKNOWN if row[f] is None else row[f] for f in fields])
    basis, value = holdings_totals(rows)
    total = {f: "" for f in fields}
    total["account"] = "total"
    total["cost_basis"] = money_text(basis, unknown=UNKNOWN)
    total["market_value"] = money_text(value, unknown=UNKNOWN)
    writer.writerow([total[f] for f in fields])
    return out.getvalue()
