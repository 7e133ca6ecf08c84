"""The index desk's capital moves, each through custody's gate before its transaction is sent.

    capital = DeskCapital(Governance(registry_policy(registry, ...), journal, audit))
    sent = await capital.send(wallet, intent, build, kind="payout", amount_units=…,
                              decimals=6, destination=user)

``send`` asks the policy first (whitelist, hot per-day limit, approvals) and only then sends the
transaction, while governance holds its decision lock, so the check and the send cannot be
separated by another move. The move id is the transaction intent (hashed when longer than 64
characters): a retried step asks governance again only if it never executed, and an executed
one goes straight to the transaction manager, which returns the stored transaction.

A refusal raises ``CapitalMoveRefused`` (recorded by governance in its journal and audit log,
logged here, nothing sent); a move waiting for approvals raises ``CapitalMovePending`` (the
caller retries; the move executes once approved). Amounts: token base units in, asset units
(Decimal) in the policy.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from decimal import Decimal

from eth_utils import to_checksum_address

from tradewind.chain.registry import DeploymentRegistry
from tradewind.chain.tx import SentTransaction, TransactionManager, TxBuilder
from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock
from tradewind.custody.errors import CustodyError
from tradewind.custody.gate import CapitalGate, MoveStatus
from tradewind.custody.governance import CapitalMove, Governance
from tradewind.custody.policy import AssetRule, Destination, Policy, Tier

__all__ = [
    "DEFAULT_HOT_DAILY_LIMIT",
    "CapitalMovePending",
    "CapitalMoveRefused",
    "DeskCapital",
    "move_id_for",
    "registry_policy",
]

log = get_logger("chain.capital")

DEFAULT_HOT_DAILY_LIMIT = Decimal("10000000")
"""USDC per UTC day the desk's hot wallets may move without approvals (asset units)."""


class CapitalMoveRefused(RuntimeError):
    """Custody's policy refused a capital move; nothing was sent (the reason is the message)."""


class CapitalMovePending(RuntimeError):
    """A capital move waits for approvals; it is sent when the step is retried after them."""


def move_id_for(intent: str) -> str:
    """The governance move id of a transaction intent (at most 64 ASCII characters)."""
    if len(intent) <= 64 and intent.isascii():
        return intent
    digest = hashlib.sha256(intent.encode()).hexdigest()[:24]
    return f"{intent.encode('ascii', 'replace').decode()[:39]}~{digest}"


def registry_policy(
    registry: DeploymentRegistry,
    *,
    extra_destinations: Iterable[tuple[str, str]] = (),
    asset: str = "USDC",
    decimals: int = 6,
    hot_daily_limit: Decimal = DEFAULT_HOT_DAILY_LIMIT,
) -> Policy:
    """The desk's default policy: every chain's vault and spoke pool whitelisted for ``asset``,
    plus ``extra_destinations`` ((address, label): the desk's own wallet, the exchange deposit
    address). Hot moves up to ``hot_daily_limit`` per UTC day need no approvals; the policy
    names no approvers, so a move above the limit is refused rather than left pending."""
    if not hot_daily_limit.is_finite() or hot_daily_limit < 0:
        raise CustodyError(f"hot_daily_limit must be a finite amount >= 0, got {hot_daily_limit}")
    rule = AssetRule(
        symbol=asset,
        decimals=decimals,
        hot_daily_limit=hot_daily_limit,
        approval_above=hot_daily_limit,
        approvals_required=1,
        cold_timelock_s=0,
    )
    allowed = frozenset({asset})
    destinations: dict[str, Destination] = {}
    for chain in registry:
        for key in ("CollateralVault", "SpokePool"):
            if key in chain.contracts:
                address = chain.address(key)
                destinations[address] = Destination(address, f"{chain.name} {key}", allowed)
    for raw, label in extra_destinations:
        address = to_checksum_address(raw)
        destinations[address] = Destination(address, label, allowed)
    return Policy(frozenset(), {asset: rule}, destinations)


class DeskCapital:
    """Puts the desk's on-chain capital moves through custody's gate (hot tier, ``asset``)."""

    def __init__(
        self, governance: Governance, *, asset: str = "USDC", clock: Clock | None = None
    ) -> None:
        self.governance = governance
        self.asset = asset
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[str, tuple[TransactionManager, str, TxBuilder]] = {}
        self._sent: dict[str, SentTransaction] = {}
        # governance dates its decisions (per-day limits, timelocks) in ms by the desk's clock
        wall = clock or LiveClock()
        self._gate = CapitalGate(
            governance, self._send_now, lambda: wall.now_ns() // 1_000_000, tier=Tier.HOT
        )

    def allow(self, address: str, label: str) -> None:
        """Whitelist ``address`` for the desk's asset (a redeeming user's payout address)."""
        policy = self.governance.policy
        checksum = to_checksum_address(address)
        if checksum in policy.destinations:
            return
        destinations = dict(policy.destinations)
        destinations[checksum] = Destination(checksum, label, frozenset({self.asset}))
        self.governance.policy = Policy(
            policy.approvers, policy.assets, destinations, policy.sweep_destination
        )

    async def send(
        self,
        tx: TransactionManager,
        intent: str,
        build: TxBuilder,
        *,
        kind: str,
        amount_units: int,
        decimals: int,
        destination: str,
    ) -> SentTransaction:
        """Send ``build`` as ``intent`` once the policy allows the move (see module docstring)."""
        move_id = move_id_for(intent)
        state = self.governance.moves.get(move_id)
        if state is not None and state.executed_ms is not None:
            return await tx.send(intent, build)  # executed before: the stored transaction
        amount = Decimal(amount_units).scaleb(-decimals)
        self._loop = asyncio.get_running_loop()
        self._pending[move_id] = (tx, intent, build)
        try:
            if state is None:
                outcome = await asyncio.to_thread(
                    self._gate.move, kind, self.asset, amount, destination, move_id=move_id
                )
            else:
                outcome = await asyncio.to_thread(self._gate.resume, move_id)
        except CustodyError as exc:
            log.error(
                "chain.capital_move_refused",
                move_id=move_id,
                kind=kind,
                asset=self.asset,
                amount=str(amount),
                destination=destination,
                reason=str(exc),
            )
            raise CapitalMoveRefused(f"{kind} {move_id}: {exc}") from exc
        finally:
            self._pending.pop(move_id, None)
        if outcome.status is MoveStatus.PENDING:
            log.warning("chain.capital_move_pending", move_id=move_id, kind=kind)
            raise CapitalMovePending(f"{kind} {move_id} waits for approvals")
        return self._sent.pop(move_id)

    def _send_now(self, move: CapitalMove) -> str:
        # Runs in governance's worker thread with its lock held: the send happens on the loop.
        assert self._loop is not None
        tx, intent, build = self._pending[move.move_id]
        sent = asyncio.run_coroutine_threadsafe(tx.send(intent, build), self._loop).result()
        self._sent[move.move_id] = sent
        return sent.tx_hash
