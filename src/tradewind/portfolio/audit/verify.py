"""Audit verification: the stored ledger against the log, and every saved tree head against both.

Three checks, each problem named by index and kind:

1. Ledger vs log, entry by entry. Each ledger entry's leaf hash is matched to a log leaf with the
   same hash. Matched pairs whose order agrees (the longest increasing run of log indices, in
   ledger order) anchor an alignment; a matched entry outside that run is OUT_OF_ORDER. Between
   two anchors, unmatched ledger entries and unmatched log leaves pair up in order as MODIFIED;
   leftover log leaves are MISSING from the ledger, leftover ledger entries are EXTRA (never
   logged, e.g. inserted behind the store's back).
2. The log itself: leaf indices must run 0..n-1 without gaps (LOG_GAP names each absent index).
3. Tree heads: each signature must verify under the trusted key (configured by the operator,
   never read from the store it checks) and each head must be a prefix of the current tree,
   shown by an RFC 9162 consistency proof from the head's (size, root) to the current (size,
   root). A head larger than the log means leaves were removed (HEAD_BEYOND_LOG). So rewriting
   the ledger *and* the log together is still caught for every entry a signed head covers.
4. The witness: the latest head kept outside the store (``witness.py``) gets the same checks,
   so deleting the newest entries together with their leaves and the store's heads, or
   rewriting everything and re-signing with another key, is caught too.
5. Lot selections: each lot-selection write logged the whole selection set; the logged bodies
   must hash to their leaves, and the store's current selections must equal the last one.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tradewind.portfolio.audit.log import AuditLog, LogSnapshot
from tradewind.portfolio.audit.merkle import MerkleTree, leaf_hash
from tradewind.portfolio.audit.proofs import ProofError, verify_consistency, verify_inclusion
from tradewind.portfolio.audit.tree_head import (
    SignedTreeHead,
    TreeHeadSignatureError,
    verify_tree_head,
)
from tradewind.portfolio.ledger import canonical_selection_bytes

__all__ = [
    "AuditProblem",
    "ProblemKind",
    "VerifyReport",
    "check_tree_heads",
    "check_witness",
    "compare_entries",
    "verify",
    "verify_snapshot",
]


class ProblemKind(StrEnum):
    """What is wrong at a named index."""

    MODIFIED = "modified"  # ledger entry differs from the logged one at this log index
    MISSING = "missing"  # logged entry no longer in the ledger
    EXTRA = "extra"  # ledger entry never logged (index: position in ledger order)
    OUT_OF_ORDER = "out of order"  # logged entry present, but not where the log has it
    LOG_GAP = "log gap"  # log leaf index absent from the log table
    HEAD_SIGNATURE = "bad tree head signature"  # index: the head's tree size
    HEAD_NOT_PREFIX = "tree head not a prefix"  # index: the head's tree size
    HEAD_BEYOND_LOG = "tree head beyond log"  # index: the head's tree size
    NO_WITNESS = "no witness"  # index: the log's size
    WITNESS_SIGNATURE = "bad witness signature"  # index: the witnessed size
    WITNESS_NOT_PREFIX = "witnessed head not a prefix"  # index: the witnessed size
    WITNESS_BEYOND_LOG = "witnessed head beyond log"  # index: the witnessed size
    SELECTIONS_CHANGED = "lot selections changed"  # index: the last selection leaf


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One detected inconsistency: its kind, the index it concerns and a readable explanation."""

    kind: ProblemKind
    index: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at index {self.index}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome of `verify`: sizes checked and every problem found (none: consistent)."""

    tenant: str
    tree_size: int
    root_hash: bytes
    ledger_entries: int
    tree_heads: int
    uncovered_leaves: int  # leaves after the newest valid signed head: not yet signed for
    trusted_key: bool  # always True: heads are checked against the configured key
    problems: tuple[AuditProblem, ...]
    witness_size: int | None = None  # tree size of the valid witnessed head, if any

    @property
    def ok(self) -> bool:
        """True when the ledger matches the log and every head is a signed prefix of it."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked and how it came out."""
        state = "consistent" if self.ok else f"{len(self.problems)} problem(s)"
        return (
            f"tenant {self.tenant}: {state}; {self.ledger_entries} ledger entries, "
            f"{self.tree_size} log leaves, {self.tree_heads} tree heads, "
            f"root {self.root_hash.hex()}"
        )


def _label(labels: Sequence[str] | None, position: int) -> str:
    if labels is None:
        return f"ledger entry #{position}"
    return f"ledger entry #{position} ({labels[position]})"


def _increasing_run(values: Sequence[int]) -> list[bool]:
    """Marks a longest strictly increasing subsequence of `values` (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    parent = [-1] * len(values)
    for i, value in enumerate(values):
        j = bisect_left(tails, value)
        if j == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[j] = value
            tail_at[j] = i
        parent[i] = tail_at[j - 1] if j else -1
    keep = [False] * len(values)
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        keep[i] = True
        i = parent[i]
    return keep


def compare_entries(
    ledger_hashes: Sequence[bytes],
    log_hashes: Sequence[bytes],
    *,
    log_indices: Sequence[int] | None = None,
    labels: Sequence[str] | None = None,
) -> list[AuditProblem]:
    """Problems between the ledger's leaf hashes (ledger order) and the log's (index order).

    `log_indices` are the log leaf indices of `log_hashes` (default 0..n-1); `labels` name the
    ledger entries (e.g. their sequence number and content key) in the problems' details.
    """
    if list(ledger_hashes) == list(log_hashes):
        return []
    indices = list(range(len(log_hashes))) if log_indices is None else list(log_indices)
    positions: dict[bytes, deque[int]] = defaultdict(deque)
    for g, hashed in enumerate(log_hashes):
        positions[hashed].append(g)
    matched: list[tuple[int, int]] = []  # (ledger position, log position), in ledger order
    unmatched_ledger: list[int] = []
    for p, hashed in enumerate(ledger_hashes):
        queue = positions.get(hashed)
        if queue:
            matched.append((p, queue.popleft()))
        else:
            unmatched_ledger.append(p)
    unmatched_log = sorted(g for queue in positions.values() for g in queue)

    problems: list[AuditProblem] = []
    in_run = _increasing_run([g for _p, g in matched])
    anchors = [(-1, -1)]
    for (p, g), keep in zip(matched, in_run, strict=True):
        if keep:
            anchors.append((p, g))
        else:
            problems.append(
                AuditProblem(
                    ProblemKind.OUT_OF_ORDER,
                    indices[g],
                    f"{_label(labels, p)} is log entry {indices[g]} but stands out of log order",
                )
            )
    anchors.append((len(ledger_hashes), len(log_hashes)))
    for (a_p, a_g), (b_p, b_g) in itertools.pairwise(anchors):
        ledger_gap = unmatched_ledger[
            bisect_left(unmatched_ledger, a_p + 1) : bisect_left(unmatched_ledger, b_p)
        ]
        log_gap = unmatched_log[
            bisect_left(unmatched_log, a_g + 1) : bisect_left(unmatched_log, b_g)
        ]
        for p, g in zip(ledger_gap, log_gap, strict=False):
            problems.append(
                AuditProblem(
                    ProblemKind.MODIFIED,
                    indices[g],
                    f"{_label(labels, p)} does not hash to log leaf {indices[g]} "
                    f"({log_hashes[g].hex()[:16]}…)",
                )
            )
        for g in log_gap[len(ledger_gap) :]:
            problems.append(
                AuditProblem(
                    ProblemKind.MISSING,
                    indices[g],
                    f"log leaf {indices[g]} ({log_hashes[g].hex()[:16]}…) has no ledger entry",
                )
            )
        for p in ledger_gap[len(log_gap) :]:
            problems.append(
                AuditProblem(
                    ProblemKind.EXTRA,
                    p,
                    f"{_label(labels, p)} ({ledger_hashes[p].hex()[:16]}…) was never logged",
                )
            )
    problems.sort(key=lambda problem: (problem.index, str(problem.kind)))
    return problems


def _gaps(indices: Sequence[int]) -> list[AuditProblem]:
    problems = []
    expected = 0
    for index in indices:
        for absent in range(expected, index):
            problems.append(
                AuditProblem(ProblemKind.LOG_GAP, absent, f"log leaf {absent} was removed")
            )
        expected = index + 1
    return problems


def check_tree_heads(
    tree: MerkleTree,
    heads: Iterable[SignedTreeHead],
    *,
    trusted_public_key: bytes,
) -> tuple[list[AuditProblem], int]:
    """Problems with saved heads against `tree`; also the size of the newest valid head."""
    problems: list[AuditProblem] = []
    current_size, current_root = tree.size, tree.root()
    covered = 0
    for head in heads:
        when = f"head of size {head.tree_size} signed at {head.timestamp_ms}"
        try:
            verify_tree_head(head, trusted_public_key)
        except TreeHeadSignatureError as exc:
            problems.append(AuditProblem(ProblemKind.HEAD_SIGNATURE, head.tree_size, str(exc)))
            continue
        if head.tree_size > current_size:
            problems.append(
                AuditProblem(
                    ProblemKind.HEAD_BEYOND_LOG,
                    head.tree_size,
                    f"{when} is larger than the log ({current_size} leaves): leaves were removed",
                )
            )
            continue
        try:
            proof = tree.consistency_proof(head.tree_size, current_size)
            verify_consistency(head.tree_size, current_size, head.root_hash, current_root, proof)
        except ProofError as exc:
            problems.append(
                AuditProblem(
                    ProblemKind.HEAD_NOT_PREFIX,
                    head.tree_size,
                    f"{when} is not a prefix of the current tree: {exc}",
                )
            )
            continue
        covered = max(covered, head.tree_size)
    return problems, covered


def check_witness(
    tree: MerkleTree,
    tenant: str,
    witness: SignedTreeHead | None,
    *,
    trusted_public_key: bytes,
    required: bool,
) -> tuple[list[AuditProblem], int | None]:
    """Problems with the witnessed head against `tree`; also its size when it is valid. With
    `required`, a missing witness of a non-empty log is a problem."""
    if witness is None:
        if required and tree.size:
            return [
                AuditProblem(
                    ProblemKind.NO_WITNESS,
                    tree.size,
                    "no witnessed head outside the store: truncation cannot be ruled out",
                )
            ], None
        return [], None
    size = witness.tree_size
    try:
        if witness.tenant != tenant:
            raise TreeHeadSignatureError(f"the witness is of tenant {witness.tenant!r}")
        verify_tree_head(witness, trusted_public_key)
    except TreeHeadSignatureError as exc:
        return [AuditProblem(ProblemKind.WITNESS_SIGNATURE, size, str(exc))], None
    when = f"witnessed head of size {size} signed at {witness.timestamp_ms}"
    if size > tree.size:
        return [
            AuditProblem(
                ProblemKind.WITNESS_BEYOND_LOG,
                size,
                f"{when} is larger than the log ({tree.size} leaves): leaves were removed",
            )
        ], None
    try:
        proof = tree.consistency_proof(size, tree.size)
        verify_consistency(size, tree.size, witness.root_hash, tree.root(), proof)
    except ProofError as exc:
        return [
            AuditProblem(
                ProblemKind.WITNESS_NOT_PREFIX,
                size,
                f"{when} is not a prefix of the current tree: {exc}",
            )
        ], None
    return [], size


def _selection_problems(
    snapshot: LogSnapshot, current: bytes | None
) -> tuple[list[AuditProblem], set[int]]:
    """Problems with logged lot selections, and the leaf indices that are selection entries."""
    problems: list[AuditProblem] = []
    position_of = {index: p for p, index in enumerate(snapshot.leaf_indices)}
    indices: set[int] = set()
    for index, body in snapshot.selections:
        position = position_of.get(index)
        if position is None:
            continue  # the leaf itself is gone: a log gap, named there
        indices.add(index)
        if snapshot.leaf_hashes[position] != leaf_hash(body):
            problems.append(
                AuditProblem(
                    ProblemKind.MODIFIED,
                    index,
                    f"the lot selection logged at leaf {index} differs from its kept body",
                )
            )
    if current is not None:
        last_index, last = snapshot.selections[-1] if snapshot.selections else (-1, None)
        if last is None and current != canonical_selection_bytes({}):
            problems.append(
                AuditProblem(
                    ProblemKind.SELECTIONS_CHANGED,
                    len(snapshot.leaf_indices),
                    "the store holds lot selections that were never logged",
                )
            )
        elif last is not None and current != last:
            problems.append(
                AuditProblem(
                    ProblemKind.SELECTIONS_CHANGED,
                    last_index,
                    f"the store's lot selections differ from the last logged (leaf {last_index})",
                )
            )
    return problems, indices


def verify_snapshot(
    tenant: str,
    ledger_entries: Iterable[bytes],
    snapshot: LogSnapshot,
    *,
    trusted_public_key: bytes,
    labels: Sequence[str] | None = None,
    witness: SignedTreeHead | None = None,
    require_witness: bool = False,
    current_selections: bytes | None = None,
    check_inclusion: bool = False,
) -> VerifyReport:
    """Verify ledger entries (canonical bytes, ledger order) against a read of the log.

    Heads and the `witness` (the latest head kept outside the store) must be signed by
    `trusted_public_key`; `current_selections` (canonical bytes of the store's lot selections)
    must equal the last logged selection set. With `check_inclusion`, each entry covered by the
    newest valid head is also proven included under that head's root by an audit path (slow on
    large logs: O(n log² n) hashes).
    """
    ledger_hashes = [leaf_hash(bytes(entry)) for entry in ledger_entries]
    if labels is not None and len(labels) != len(ledger_hashes):
        raise ValueError(f"{len(labels)} labels for {len(ledger_hashes)} ledger entries")
    tree = MerkleTree(snapshot.leaf_hashes)
    problems = _gaps(snapshot.leaf_indices)
    selection_problems, selection_indices = _selection_problems(snapshot, current_selections)
    entry_indices = [i for i in snapshot.leaf_indices if i not in selection_indices]
    entry_hashes = [
        hashed
        for i, hashed in zip(snapshot.leaf_indices, snapshot.leaf_hashes, strict=True)
        if i not in selection_indices
    ]
    problems += compare_entries(
        ledger_hashes, entry_hashes, log_indices=entry_indices, labels=labels
    )
    problems += selection_problems
    head_problems, covered = check_tree_heads(
        tree, snapshot.tree_heads, trusted_public_key=trusted_public_key
    )
    witness_problems, witness_size = check_witness(
        tree, tenant, witness, trusted_public_key=trusted_public_key, required=require_witness
    )
    covered = max(covered, witness_size or 0)
    entries_consistent = not problems
    problems += head_problems + witness_problems
    if check_inclusion and covered and entries_consistent:
        covered_root = tree.root(covered)
        for position, hashed in enumerate(ledger_hashes):
            index = entry_indices[position]
            if index >= covered:
                break
            try:
                verify_inclusion(
                    index, covered, hashed, tree.inclusion_proof(index, covered), covered_root
                )
            except ProofError as exc:
                problems.append(
                    AuditProblem(
                        ProblemKind.MODIFIED,
                        index,
                        f"{_label(labels, position)} not included under the head of size "
                        f"{covered}: {exc}",
                    )
                )
    return VerifyReport(
        tenant=tenant,
        tree_size=tree.size,
        root_hash=tree.root(),
        ledger_entries=len(ledger_hashes),
        tree_heads=len(snapshot.tree_heads),
        uncovered_leaves=tree.size - covered,
        trusted_key=True,
        problems=tuple(problems),
        witness_size=witness_size,
    )


def verify(
    ledger_entries: Iterable[bytes],
    log: AuditLog,
    tenant: str,
    *,
    trusted_public_key: bytes,
    labels: Sequence[str] | None = None,
    witness: SignedTreeHead | None = None,
    check_inclusion: bool = False,
) -> VerifyReport:
    """Verify the tenant's ledger entries (canonical bytes, ledger order) against its audit log."""
    return verify_snapshot(
        tenant,
        ledger_entries,
        log.snapshot(tenant),
        labels=labels,
        trusted_public_key=trusted_public_key,
        witness=witness,
        check_inclusion=check_inclusion,
    )
