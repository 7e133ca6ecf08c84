"""Merging transactions that share a content key within one import.

The content key covers kind, second, accounts, assets and amounts. Two genuinely separate fills
of equal size at equal price in the same second (a taker order against two equal resting
orders) therefore share a key, and the store would keep only one of them. Every importer merges
such twins into one transaction with the summed amounts before handing them on: the economic
result is the same, and because CSV and API paths merge the same twins, their keys still agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from tradewind.portfolio.ledger import Movement, Transaction

__all__ = ["coalesce_same_key"]


def _summed(groups: Iterable[tuple[Movement, ...]]) -> tuple[Movement, ...]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    order: list[tuple[str, str]] = []
    for moves in groups:
        for move in moves:
            key = (move.account, move.asset)
            if key not in totals:
                order.append(key)
            totals[key] += move.amount
    return tuple(Movement(account, asset, totals[(account, asset)]) for account, asset in order)


def coalesce_same_key(transactions: Iterable[Transaction]) -> list[Transaction]:
    """The transactions in first-seen order, twins (same content key) merged into one."""
    groups: dict[str, list[Transaction]] = {}
    for tx in transactions:
        groups.setdefault(tx.content_key(), []).append(tx)
    merged = []
    for twins in groups.values():
        if len(twins) == 1:
            merged.append(twins[0])
            continue
        first = twins[0]
        ids = [t.external_id for t in twins if t.external_id]
        merged.append(
            Transaction(
                kind=first.kind,
                timestamp_ms=min(t.timestamp_ms for t in twins),
                movements=_summed(t.movements for t in twins),
                fees=_summed(t.fees for t in twins),
                source=first.source,
                external_id="+".join(ids) if ids else None,
                tx_hash=first.tx_hash,
                note=f"{len(twins)} identical fills merged"
                + (f"; {first.note}" if first.note else ""),
            )
        )
    return merged
