"""Transfer matching: a withdrawal from one own account and the deposit it became in another.

A withdrawal W (one outflow of asset X from account A, fees allowed) and a deposit D (one inflow
of X into account B != A) are candidates when
    amount   W's total outflow - tolerance <= D's amount <= W's total outflow
             (tolerance = total * relative_tolerance + absolute_tolerance[X]: the network fee)
    time     D is stamped within [W - skew, W + window]
    hash     when both carry a tx hash, the hashes are equal (a differing hash rules a pair out;
             an equal hash makes the pair a candidate even outside the time window)
A pair becomes one TRANSFER only when each side is the other's single candidate (pairs equal by
hash are settled first and take their sides out of the rest). Everything else is listed: sides
with no candidate as unmatched, and connected groups with several candidates as ambiguous.
Nothing is guessed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = [
    "AmbiguousTransfer",
    "MatchedTransfer",
    "TransferMatchConfig",
    "TransferMatchResult",
    "apply_transfers",
    "match_transfers",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TransferMatchConfig:
    """Matching tolerances: times in ms, relative tolerance a fraction, absolute in asset units."""

    window_ms: int = 24 * 3_600_000
    skew_ms: int = 10 * 60_000
    relative_tolerance: Decimal = Decimal("0.01")
    absolute_tolerance: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatchedTransfer:
    """A withdrawal and a deposit recognised as one transfer; `transfer` replaces both."""

    withdrawal_index: int
    deposit_index: int
    by_hash: bool
    transfer: Transaction


@dataclass(frozen=True, slots=True)
class AmbiguousTransfer:
    """Withdrawals and deposits (input indices) that match each other in more than one way."""

    withdrawal_indices: tuple[int, ...]
    deposit_indices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TransferMatchResult:
    """Matched transfers and what is left for a person to review (input indices)."""

    matched: tuple[MatchedTransfer, ...]
    unmatched_withdrawals: tuple[int, ...]
    unmatched_deposits: tuple[int, ...]
    ambiguous: tuple[AmbiguousTransfer, ...]


@dataclass(frozen=True, slots=True)
class _Side:
    index: int
    tx: Transaction
    account: str
    asset: str
    amount: Decimal  # withdrawal: total outflow of the asset incl. its fees; deposit: inflow
    tx_hash: str | None


def _withdrawal_side(index: int, tx: Transaction) -> _Side | None:
    if len(tx.movements) != 1 or tx.movements[0].amount >= 0:
        return None
    move = tx.movements[0]
    total = -move.amount
    for fee in tx.fees:
        if fee.asset == move.asset and fee.account == move.account:
            total -= fee.amount
    return _Side(index, tx, move.account, move.asset, total, _hash(tx))


def _deposit_side(index: int, tx: Transaction) -> _Side | None:
    if len(tx.movements) != 1 or tx.movements[0].amount <= 0:
        return None
    move = tx.movements[0]
    return _Side(index, tx, move.account, move.asset, move.amount, _hash(tx))


def _hash(tx: Transaction) -> str | None:
    return tx.tx_hash.strip().lower() if tx.tx_hash and tx.tx_hash.strip() else None


def match_transfers(
    transactions: Sequence[Transaction], config: TransferMatchConfig | None = None
) -> TransferMatchResult:
    """Find transfers between own accounts among the WITHDRAWAL and DEPOSIT transactions."""
    config = config or TransferMatchConfig()
    withdrawals: list[_Side] = []
    deposits_by_asset: dict[str, list[_Side]] = defaultdict(list)
    unusable_w: list[int] = []
    unusable_d: list[int] = []
    for index, tx in enumerate(transactions):
        if tx.kind is EntryKind.WITHDRAWAL:
            side = _withdrawal_side(index, tx)
            (withdrawals.append(side) if side else unusable_w.append(index))
        elif tx.kind is EntryKind.DEPOSIT:
            side = _deposit_side(index, tx)
            (deposits_by_asset[side.asset].append(side) if side else unusable_d.append(index))
    for same_asset in deposits_by_asset.values():
        same_asset.sort(key=lambda s: s.tx.timestamp_ms)
    by_hash: dict[str, list[_Side]] = defaultdict(list)
    for same_asset in deposits_by_asset.values():
        for side in same_asset:
            if side.tx_hash:
                by_hash[side.tx_hash].append(side)

    edges: dict[int, set[int]] = defaultdict(set)  # withdrawal index -> deposit indices
    hash_edges: dict[int, set[int]] = defaultdict(set)
    sides: dict[int, _Side] = {}
    for w in withdrawals:
        sides[w.index] = w
        tolerance = w.amount * config.relative_tolerance + config.absolute_tolerance.get(
            w.asset, _ZERO
        )
        lowest = w.amount - tolerance
        if w.tx_hash:
            for d in by_hash.get(w.tx_hash, ()):
                if _fits(w, d, lowest):
                    hash_edges[w.index].add(d.index)
                    sides[d.index] = d
        candidates = deposits_by_asset.get(w.asset, [])
        times = [d.tx.timestamp_ms for d in candidates] if candidates else []
        start = bisect.bisect_left(times, w.tx.timestamp_ms - config.skew_ms)
        end = bisect.bisect_right(times, w.tx.timestamp_ms + config.window_ms)
        for d in candidates[start:end]:
            if w.tx_hash and d.tx_hash and w.tx_hash != d.tx_hash:
                continue
            if _fits(w, d, lowest):
                edges[w.index].add(d.index)
                sides[d.index] = d

    matched: list[MatchedTransfer] = []
    taken: set[int] = set()
    for w_index, d_set in _unique_pairs(hash_edges):
        d_index = next(iter(d_set))
        matched.append(_transfer(sides[w_index], sides[d_index], by_hash=True))
        taken.update((w_index, d_index))
    rest = {
        w_i: {d for d in d_s if d not in taken} for w_i, d_s in edges.items() if w_i not in taken
    }
    rest = {w_i: d_s for w_i, d_s in rest.items() if d_s}
    for w_index, d_set in _unique_pairs(rest):
        d_index = next(iter(d_set))
        matched.append(_transfer(sides[w_index], sides[d_index], by_hash=False))
        taken.update((w_index, d_index))
    # Hash candidates that were not unique stay in the review groups too.
    for w_index, d_set in hash_edges.items():
        if w_index not in taken:
            rest.setdefault(w_index, set()).update(d for d in d_set if d not in taken)
    ambiguous = _groups({w_i: d_s for w_i, d_s in rest.items() if w_i not in taken}, taken)
    in_groups = {i for g in ambiguous for i in (*g.withdrawal_indices, *g.deposit_indices)}
    all_deposits = [s.index for ss in deposits_by_asset.values() for s in ss]
    unmatched_w = sorted(
        [w.index for w in withdrawals if w.index not in taken and w.index not in in_groups]
        + unusable_w
    )
    unmatched_d = sorted(
        [d for d in all_deposits if d not in taken and d not in in_groups] + unusable_d
    )
    matched.sort(key=lambda m: m.withdrawal_index)
    return TransferMatchResult(tuple(matched), tuple(unmatched_w), tuple(unmatched_d), ambiguous)


def _fits(w: _Side, d: _Side, lowest: Decimal) -> bool:
    return d.asset == w.asset and d.account != w.account and lowest <= d.amount <= w.amount


def _unique_pairs(edges: Mapping[int, set[int]]) -> list[tuple[int, set[int]]]:
    """Withdrawals with exactly one candidate deposit that has exactly one candidate withdrawal."""
    claims: dict[int, int] = defaultdict(int)
    for ds in edges.values():
        for d in ds:
            claims[d] += 1
    return [(w, ds) for w, ds in edges.items() if len(ds) == 1 and claims[next(iter(ds))] == 1]


def _groups(edges: Mapping[int, set[int]], taken: set[int]) -> tuple[AmbiguousTransfer, ...]:
    """Connected components (withdrawals and deposits linked by candidate pairs)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for w, ds in edges.items():
        for d in ds:
            if d not in taken:
                parent[find(("w", w))] = find(("d", d))
    members: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for node in list(parent):
        members[find(node)].append(node)
    groups = []
    for nodes in members.values():
        w_group = tuple(sorted(i for kind, i in nodes if kind == "w"))
        d_group = tuple(sorted(i for kind, i in nodes if kind == "d"))
        if w_group and d_group:
            groups.append(AmbiguousTransfer(w_group, d_group))
    groups.sort(key=lambda g: (g.withdrawal_indices, g.deposit_indices))
    return tuple(groups)


def _transfer(w: _Side, d: _Side, *, by_hash: bool) -> MatchedTransfer:
    lost = w.amount - d.amount
    fees: list[Movement] = []
    if lost > 0:
        fees.append(Movement(w.account, w.asset, -lost))
    fees.extend(f for f in w.tx.fees if not (f.asset == w.asset and f.account == w.account))
    fees.extend(d.tx.fees)
    transfer = Transaction(
        kind=EntryKind.TRANSFER,
        timestamp_ms=w.tx.timestamp_ms,
        movements=(Movement(w.account, w.asset, -d.amount), Movement(d.account, d.asset, d.amount)),
        fees=tuple(fees),
        source="transfer-match",
        external_id=" + ".join(x for x in (w.tx.external_id, d.tx.external_id) if x) or None,
        tx_hash=w.tx.tx_hash or d.tx.tx_hash,
        note=f"withdrawal #{w.index} + deposit #{d.index}",
    )
    return MatchedTransfer(w.index, d.index, by_hash, transfer)


def apply_transfers(
    transactions: Sequence[Transaction], result: TransferMatchResult
) -> list[Transaction]:
    """The ledger with each matched pair replaced by its TRANSFER (at the withdrawal's time)."""
    replaced: dict[int, Transaction] = {}
    dropped: set[int] = set()
    for match in result.matched:
        replaced[match.withdrawal_index] = match.transfer
        dropped.add(match.deposit_index)
    merged = [replaced.get(i, tx) for i, tx in enumerate(transactions) if i not in dropped]
    merged.sort(key=lambda tx: tx.timestamp_ms)  # stable: equal times keep ledger order
    return merged
