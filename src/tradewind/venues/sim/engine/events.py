"""Events the engine hands to its listeners after each operation (only with ``emit_events``).

Per operation the order is: ``OrderUpdated``/``TradeExecuted`` as things happened, then one
``BalancesChanged`` per account whose balances moved. ``BalanceAdjusted`` precedes the
``BalancesChanged`` of a credit or debit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.venues.sim.engine.orders import ExecutionType, Fill, OrderView, Trade


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """One state change of one order; ``fill`` is that order's own side of a trade, if any."""

    order: OrderView
    execution_type: ExecutionType
    fill: Fill | None
    reject_reason: str


@dataclass(frozen=True, slots=True)
class TradeExecuted:
    """A public trade happened."""

    trade: Trade


@dataclass(frozen=True, slots=True)
class BalancesChanged:
    """Absolute (free, locked) of every asset of ``account_id`` that changed; time in epoch ms."""

    account_id: str
    time: int
    balances: dict[str, tuple[Decimal, Decimal]]


@dataclass(frozen=True, slots=True)
class BalanceAdjusted:
    """A credit (``delta`` > 0) or debit (< 0) from outside trading, in ``asset`` units."""

    account_id: str
    asset: str
    delta: Decimal
    time: int
    reason: str


EngineEvent = OrderUpdated | TradeExecuted | BalancesChanged | BalanceAdjusted
