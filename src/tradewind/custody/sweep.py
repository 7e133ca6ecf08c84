"""Cold storage sweep: hot balances above their ceiling go to the cold Safe, through governance.

    plan_sweep(policy, balances, now_ms) -> [CapitalMove]   pure: one move per asset over its
                                                            ceiling, down to its target
    run_sweep(governance, moves, now_ms, send) -> {move_id: tx hash}

Balances and amounts are Decimal asset units. The move id is ``sweep-{asset}-{now_ms}``, so a
sweep retried in the same millisecond is refused as a duplicate instead of moving funds twice.
Withdrawals from cold are ordinary governance moves of tier ``cold`` (approvals + timelock)
whose ``send`` is the offline round trip (``custody.offline``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from tradewind.common.logging import get_logger
from tradewind.custody.errors import PolicyError
from tradewind.custody.governance import CapitalMove, Governance
from tradewind.custody.policy import Policy, Tier

__all__ = ["plan_sweep", "run_sweep"]

_log = get_logger("custody.sweep")


def plan_sweep(policy: Policy, balances: Mapping[str, Decimal], now_ms: int) -> list[CapitalMove]:
    """The sweeps the policy asks for given the hot wallet's ``balances``."""
    if policy.sweep_destination is None:
        raise PolicyError("the policy has no [sweep].destination (cold Safe)")
    moves = []
    for asset, balance in sorted(balances.items()):
        rule = policy.assets.get(asset)
        if rule is None or rule.sweep_ceiling is None or rule.sweep_target is None:
            continue
        if balance > rule.sweep_ceiling:
            moves.append(
                CapitalMove(
                    move_id=f"sweep-{asset}-{now_ms}",
                    kind="sweep",
                    tier=Tier.HOT,
                    asset=asset,
                    amount=balance - rule.sweep_target,
                    destination=policy.sweep_destination,
                    requested_ms=now_ms,
                )
            )
    return moves


def run_sweep(
    governance: Governance,
    moves: Sequence[CapitalMove],
    now_ms: int,
    send: Callable[[CapitalMove], str],
) -> dict[str, str]:
    """Request and execute each sweep through governance; returns tx hashes by move id."""
    done = {}
    for move in moves:
        governance.request(move, now_ms)
        done[move.move_id] = governance.execute(move.move_id, now_ms, send)
        _log.info("custody.swept", asset=move.asset, amount=str(move.amount), move=move.move_id)
    return done
