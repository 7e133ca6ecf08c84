"""The one door desks use to move capital: request + execute through governance in one call.

    gate = CapitalGate(governance, wallet.send, clock_ms)
    gate.move("top_up", "USDC", Decimal("2500"), exchange_deposit_address)  -> MoveOutcome

A hot move within the policy executes at once (``EXECUTED`` with its tx hash). A move the
policy lets through only with approvals is recorded and left ``PENDING`` (approvers act on it
with ``tradewind custody move approve``; ``gate.resume(move_id)`` executes it once approved).
A refusal raises ``PolicyRefusedError`` and is audited. Move ids are ``{kind}-{n}-{clock_ms}``
unless the desk passes its own (an idempotency key: a repeated id is refused, never resent).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradewind.custody.governance import CapitalMove, Governance
from tradewind.custody.policy import Tier

__all__ = ["CapitalGate", "MoveOutcome", "MoveStatus"]


class MoveStatus(StrEnum):
    """What happened to a move at the gate."""

    EXECUTED = "executed"
    PENDING = "pending"  # waiting for approvals (or a cold timelock)


@dataclass(frozen=True, slots=True)
class MoveOutcome:
    """A move's id, status and, once executed, its chain tx hash."""

    move_id: str
    status: MoveStatus
    tx_hash: str | None = None


class CapitalGate:
    """Requests and, where the policy allows, executes moves from one tier's wallet."""

    def __init__(
        self,
        governance: Governance,
        send: Callable[[CapitalMove], str],
        clock_ms: Callable[[], int],
        *,
        tier: Tier = Tier.HOT,
    ) -> None:
        self._governance = governance
        self._send = send
        self._clock_ms = clock_ms
        self._tier = tier
        self._counter = itertools.count(1)

    def move(
        self,
        kind: str,
        asset: str,
        amount: Decimal,
        destination: str,
        *,
        move_id: str | None = None,
    ) -> MoveOutcome:
        """Request the move; execute it now if it needs no approvals."""
        now = self._clock_ms()
        move_id = move_id or f"{kind}-{next(self._counter)}-{now}"
        move = CapitalMove(move_id, kind, self._tier, asset, amount, destination, now)
        state = self._governance.request(move, now)
        if state.needs_approvals:
            return MoveOutcome(move_id, MoveStatus.PENDING)
        return self.resume(move_id)

    def resume(self, move_id: str) -> MoveOutcome:
        """Execute a move whose approvals are in (refused and audited if they are not)."""
        tx_hash = self._governance.execute(move_id, self._clock_ms(), self._send)
        return MoveOutcome(move_id, MoveStatus.EXECUTED, tx_hash)
