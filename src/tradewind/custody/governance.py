"""Governance of capital moves: request, approve (signed, distinct owners), execute, all audited.

    gov = Governance(policy, journal_path, audit_sink)
    gov.request(CapitalMove(...), now_ms)        whitelist, hot per-day limit -> pending/approved
    gov.approve(move_id, signature, now_ms)      EIP-712 signature of an approver over the move
    gov.execute(move_id, now_ms, send)           approvals M, cold timelock, daily limit; then
                                                 ``send(move)`` moves the funds, returns tx hash

Sweeps of hot balances to the policy's cold Safe are exempt from the hot per-day limit and
from approvals (they lower risk); every other rule applies.

Every decision (requested, approved, refused, executed, failed) is one canonical JSON line in
the journal file (the governance state is its replay) and the same bytes are appended to the
audit log through ``AuditSink`` (the app wires it to the portfolio's Merkle ``AuditLog``), so
the history is provable. A refusal is recorded, then raised as ``PolicyRefusedError`` /
``ApprovalError``; it changes nothing else. Times are UTC epoch milliseconds, passed in (the
caller's clock); the per-day limit counts hot executions of the same UTC calendar day.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from eth_utils.address import is_hex_address, to_checksum_address

from tradewind.chain.eip712 import (
    EIP712Error,
    Signature,
    TypedData,
    hash_typed_data,
    recover_signer,
)
from tradewind.common.logging import get_logger
from tradewind.custody.errors import ApprovalError, CustodyError, PolicyRefusedError
from tradewind.custody.policy import Policy, Tier

__all__ = [
    "APPROVAL_DOMAIN",
    "AuditSink",
    "CapitalMove",
    "Governance",
    "MoveState",
    "approval_digest",
]

_log = get_logger("custody.governance")
_DAY_MS = 86_400_000

APPROVAL_DOMAIN = {"name": "Tradewind custody", "version": "1"}
_APPROVAL_TYPES = TypedData.from_types(
    {
        "CapitalMove": [
            ("moveId", "string"),
            ("kind", "string"),
            ("tier", "string"),
            ("asset", "string"),
            ("amount", "string"),
            ("destination", "address"),
            ("requestedMs", "uint64"),
        ]
    }
)


class AuditSink(Protocol):
    """Where governance decisions go to become provable (an append-only Merkle log)."""

    def append(self, entry: bytes) -> int:
        """Append one entry; returns its leaf index."""
        ...


@dataclass(frozen=True, slots=True)
class CapitalMove:
    """A request to move ``amount`` (asset units, Decimal) of ``asset`` from a ``tier`` key or
    Safe to ``destination``; ``kind`` says why (top_up, payout, rebalance, sweep, withdrawal)."""

    move_id: str
    kind: str
    tier: Tier
    asset: str
    amount: Decimal
    destination: str
    requested_ms: int

    def __post_init__(self) -> None:
        if not self.move_id or not self.move_id.isascii() or len(self.move_id) > 64:
            raise CustodyError("move id: 1..64 ASCII characters")
        if not self.amount.is_finite() or self.amount <= 0:
            raise CustodyError(f"move {self.move_id}: amount must be > 0, got {self.amount}")
        if not is_hex_address(self.destination):
            raise CustodyError(f"move {self.move_id}: {self.destination!r} is not an address")
        object.__setattr__(self, "destination", to_checksum_address(self.destination))

    def to_json(self) -> dict[str, Any]:
        return {
            "move_id": self.move_id,
            "kind": self.kind,
            "tier": self.tier.value,
            "asset": self.asset,
            "amount": str(self.amount),
            "destination": self.destination,
            "requested_ms": self.requested_ms,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CapitalMove:
        return cls(
            move_id=str(doc["move_id"]),
            kind=str(doc["kind"]),
            tier=Tier(doc["tier"]),
            asset=str(doc["asset"]),
            amount=Decimal(str(doc["amount"])),
            destination=str(doc["destination"]),
            requested_ms=int(doc["requested_ms"]),
        )


def approval_digest(move: CapitalMove) -> bytes:
    """The EIP-712 digest an approver signs to approve ``move`` (nothing else)."""
    message = {
        "moveId": move.move_id,
        "kind": move.kind,
        "tier": move.tier.value,
        "asset": move.asset,
        "amount": str(move.amount),
        "destination": move.destination,
        "requestedMs": move.requested_ms,
    }
    return hash_typed_data(_APPROVAL_TYPES, "CapitalMove", APPROVAL_DOMAIN, message)


@dataclass(slots=True)
class MoveState:
    """What governance knows of one move: its approvers and whether it has executed."""

    move: CapitalMove
    needs_approvals: int
    approvers: list[str] = field(default_factory=list)
    executed_ms: int | None = None
    tx_hash: str | None = None


class Governance:
    """Applies a ``Policy`` to capital moves; its journal file is its state (replayed on open)."""

    def __init__(self, policy: Policy, journal: Path, audit: AuditSink) -> None:
        self.policy = policy
        self._journal = journal
        self._audit = audit
        self.moves: dict[str, MoveState] = {}
        self._reload()

    def _reload(self) -> None:
        self.moves = {}
        if self._journal.exists():
            for line in self._journal.read_text(encoding="utf-8").splitlines():
                if line:
                    self._apply(json.loads(line))

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        # One decision at a time across processes (two `move execute` runs must not both pass
        # the per-day limit): an exclusive lock beside the journal, and the journal re-read
        # under it so the decision sees every earlier one.
        self._journal.parent.mkdir(parents=True, exist_ok=True)
        with self._journal.with_name(self._journal.name + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._reload()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- journal ---------------------------------------------------------------------------------
    def _record(self, event: dict[str, Any]) -> None:
        entry = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        self._journal.parent.mkdir(parents=True, exist_ok=True)
        with self._journal.open("ab") as handle:
            handle.write(entry + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        leaf = self._audit.append(entry)
        self._apply(event)
        _log.info("custody.governance", decision=event["event"], move=event["move_id"], leaf=leaf)

    def _apply(self, event: dict[str, Any]) -> None:
        kind, move_id = event["event"], event["move_id"]
        if kind == "requested":
            move = CapitalMove.from_json(event["move"])
            self.moves[move_id] = MoveState(move, int(event["needs_approvals"]))
        elif kind == "approved":
            self.moves[move_id].approvers.append(event["approver"])
        elif kind == "executed":
            state = self.moves[move_id]
            state.executed_ms, state.tx_hash = int(event["at_ms"]), event["tx_hash"]

    def _refuse(self, move_id: str, reason: str, now_ms: int, error: type[CustodyError]) -> None:
        self._record({"event": "refused", "move_id": move_id, "reason": reason, "at_ms": now_ms})
        raise error(reason)

    # -- checks ----------------------------------------------------------------------------------
    def is_sweep_to_cold(self, move: CapitalMove) -> bool:
        """A hot -> cold-Safe sweep only lowers risk: no per-day limit, no approvals (it is
        still whitelisted, journaled and audited)."""
        return (
            move.kind == "sweep"
            and move.tier is Tier.HOT
            and move.destination == self.policy.sweep_destination
        )

    def spent_today(self, asset: str, now_ms: int) -> Decimal:
        """Hot executions of ``asset`` in the UTC day of ``now_ms`` (asset units)."""
        day = now_ms // _DAY_MS
        return sum(
            (
                s.move.amount
                for s in self.moves.values()
                if s.move.asset == asset
                and s.move.tier is Tier.HOT
                and s.executed_ms is not None
                and s.executed_ms // _DAY_MS == day
            ),
            Decimal(0),
        )

    def _check_limits(self, move: CapitalMove, now_ms: int) -> None:
        rule = self.policy.assets.get(move.asset)
        if rule is None:
            self._refuse(
                move.move_id, f"asset {move.asset} has no policy rule", now_ms, PolicyRefusedError
            )
            return
        target = self.policy.destinations.get(move.destination)
        if target is None or move.asset not in target.assets:
            self._refuse(
                move.move_id,
                f"destination {move.destination} is not whitelisted for {move.asset}",
                now_ms,
                PolicyRefusedError,
            )
        if move.tier is Tier.HOT and not self.is_sweep_to_cold(move):
            spent = self.spent_today(move.asset, now_ms)
            if spent + move.amount > rule.hot_daily_limit:
                self._refuse(
                    move.move_id,
                    f"hot per-day limit: {spent} + {move.amount} {move.asset} exceeds "
                    f"{rule.hot_daily_limit}",
                    now_ms,
                    PolicyRefusedError,
                )

    # -- steps -------------------------------------------------------------------------------------
    def request(self, move: CapitalMove, now_ms: int) -> MoveState:
        """Record a move request, or refuse it (whitelist, per-day limit, unknown asset)."""
        with self._exclusive():
            return self._request(move, now_ms)

    def approve(self, move_id: str, signature: Signature, now_ms: int) -> str:
        """Count one approver's signature over the move; refuses strangers and repeats.

        Returns the approver's address."""
        with self._exclusive():
            return self._approve(move_id, signature, now_ms)

    def execute(self, move_id: str, now_ms: int, send: Callable[[CapitalMove], str]) -> str:
        """Run ``send`` for the move if every rule holds now; record the tx hash it returns.

        The lock is held while ``send`` runs, so a move cannot execute twice."""
        with self._exclusive():
            return self._execute(move_id, now_ms, send)

    def _request(self, move: CapitalMove, now_ms: int) -> MoveState:
        if move.move_id in self.moves:
            raise CustodyError(f"move {move.move_id} already exists")
        self._check_limits(move, now_ms)
        rule = self.policy.rule(move.asset)
        needs = (
            rule.approvals_required
            if move.tier is not Tier.HOT
            or (move.amount > rule.approval_above and not self.is_sweep_to_cold(move))
            else 0
        )
        self._record(
            {
                "event": "requested",
                "move_id": move.move_id,
                "move": move.to_json(),
                "needs_approvals": needs,
                "at_ms": now_ms,
            }
        )
        return self.moves[move.move_id]

    def _state(self, move_id: str) -> MoveState:
        try:
            return self.moves[move_id]
        except KeyError:
            raise ApprovalError(f"no move {move_id!r}") from None

    def _approve(self, move_id: str, signature: Signature, now_ms: int) -> str:
        state = self._state(move_id)
        if state.executed_ms is not None:
            raise ApprovalError(f"move {move_id} has already executed")
        try:
            approver = recover_signer(approval_digest(state.move), signature)
        except EIP712Error:
            approver = ""
        if approver not in self.policy.approvers:
            self._refuse(
                move_id,
                f"approval signed by {approver or 'nobody'}, not an approver",
                now_ms,
                ApprovalError,
            )
        if approver in state.approvers:
            self._refuse(move_id, f"approver {approver} already approved", now_ms, ApprovalError)
        self._record(
            {
                "event": "approved",
                "move_id": move_id,
                "approver": approver,
                "signature": signature.to_hex(),
                "at_ms": now_ms,
            }
        )
        return approver

    def _execute(self, move_id: str, now_ms: int, send: Callable[[CapitalMove], str]) -> str:
        state = self._state(move_id)
        move = state.move
        if state.executed_ms is not None:
            raise PolicyRefusedError(f"move {move_id} has already executed")
        if len(state.approvers) < state.needs_approvals:
            self._refuse(
                move_id,
                f"{len(state.approvers)} of {state.needs_approvals} distinct approvals",
                now_ms,
                PolicyRefusedError,
            )
        rule = self.policy.rule(move.asset)
        if move.tier is Tier.COLD:
            opens_ms = move.requested_ms + rule.cold_timelock_s * 1000
            if now_ms < opens_ms:
                self._refuse(
                    move_id,
                    f"cold timelock: executable from {opens_ms} ms, now {now_ms} ms",
                    now_ms,
                    PolicyRefusedError,
                )
        self._check_limits(move, now_ms)
        try:
            tx_hash = send(move)
        except Exception as exc:
            self._record(
                {
                    "event": "failed",
                    "move_id": move_id,
                    "reason": type(exc).__name__,
                    "at_ms": now_ms,
                }
            )
            raise
        self._record({"event": "executed", "move_id": move_id, "tx_hash": tx_hash, "at_ms": now_ms})
        return tx_hash
