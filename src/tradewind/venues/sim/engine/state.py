"""``EngineState``: everything needed to rebuild an engine after a restart, as plain values.

The lead persists it (SQLite) and hands it back to ``MatchingEngine.restore_state`` on an empty
engine. Decimal amounts are exact; times are epoch ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.venues.sim.engine.orders import Fill, OrderView


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account's commission rates (fractions) and balances: asset -> (free, locked)."""

    account_id: str
    maker_commission: Decimal
    taker_commission: Decimal
    balances: dict[str, tuple[Decimal, Decimal]]


@dataclass(frozen=True, slots=True)
class TradedVolume:
    """What traded at one time inside the average-price window: time in epoch ms, ``qty`` in
    base units, ``notional`` (the sum of price x qty) in quote units."""

    time: int
    qty: Decimal
    notional: Decimal


@dataclass(frozen=True, slots=True)
class SymbolState:
    """Per-symbol counters and the trades that feed ``avg_price``."""

    symbol: str
    next_trade_id: int
    update_id: int
    last_price: Decimal | None
    recent_volume: tuple[TradedVolume, ...]


@dataclass(frozen=True, slots=True)
class EngineState:
    """A whole engine (or the listed accounts of one): orders in id order, fills in trade order.
    Open orders rest again in order-id order, which is their original time priority."""

    accounts: tuple[AccountState, ...]
    orders: tuple[OrderView, ...]
    fills: tuple[Fill, ...]
    symbols: tuple[SymbolState, ...]
    next_order_id: int
    next_client_order_id: int
