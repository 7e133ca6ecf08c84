"""Reconciliation: the ledger's balance per (account, asset) against what the venue reports.

The venue's balance for an account is a mapping asset -> total (free + used) in asset units. Every
asset on either side is compared; a difference beyond `tolerance` is listed, signed venue - ledger
(positive: the venue holds more than the ledger knows about, e.g. a missing deposit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["BalanceDifference", "ReconcileInputError", "reconcile", "venue_totals"]

_ZERO = Decimal(0)


class ReconcileInputError(ValueError):
    """A venue balance that is not a finite decimal amount."""


@dataclass(frozen=True, slots=True)
class BalanceDifference:
    """One (account, asset) whose ledger balance differs from the venue's (asset units)."""

    account: str
    asset: str
    ledger: Decimal
    venue: Decimal

    @property
    def difference(self) -> Decimal:
        """venue - ledger."""
        return self.venue - self.ledger


def reconcile(
    ledger: Mapping[tuple[str, str], Decimal],
    venue: Mapping[str, Decimal],
    account: str,
    *,
    tolerance: Decimal = _ZERO,
) -> list[BalanceDifference]:
    """Differences between the ledger's balances of `account` and the venue's, sorted by asset."""
    ours = {asset: amount for (acct, asset), amount in ledger.items() if acct == account}
    differences = []
    for asset in sorted({*ours, *venue}):
        mine = ours.get(asset, _ZERO)
        theirs = venue.get(asset, _ZERO)
        if abs(theirs - mine) > tolerance:
            differences.append(BalanceDifference(account, asset, mine, theirs))
    return differences


def venue_totals(balance: Mapping[str, Any]) -> dict[str, Decimal]:
    """Asset totals from a CCXT `fetch_balance()` result or a plain {asset: amount} mapping."""
    nested = balance.get("total")
    totals: Mapping[str, Any] = nested if isinstance(nested, Mapping) else balance
    result: dict[str, Decimal] = {}
    for asset, amount in totals.items():
        if asset in {"info", "free", "used", "total", "timestamp", "datetime", "debt"}:
            continue
        if amount is None:
            continue
        try:
            value = Decimal(str(amount))
        except ArithmeticError as exc:
            raise ReconcileInputError(f"balance of {asset} is not a number: {amount!r}") from exc
        if not value.is_finite():
            raise ReconcileInputError(f"balance of {asset} is not finite: {amount!r}")
        if value != 0:
            result[str(asset)] = value
    return result
