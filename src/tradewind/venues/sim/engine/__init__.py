"""The matching engine of ``tradewind sim``: a pure, in-process Binance Spot exchange core.

MatchingEngine          accounts, books, matching, queries, export/restore
  SymbolSpec            a symbol and its Binance filters
  NewOrder -> place() -> PlaceResult(OrderView, Fill...)
  listeners <- OrderUpdated | TradeExecuted | BalancesChanged | BalanceAdjusted
SimError                a Binance-coded rejection
"""

from __future__ import annotations

from tradewind.venues.sim.engine.accounts import FEE_ACCOUNT
from tradewind.venues.sim.engine.engine import MatchingEngine
from tradewind.venues.sim.engine.errors import SimError
from tradewind.venues.sim.engine.events import (
    BalanceAdjusted,
    BalancesChanged,
    EngineEvent,
    OrderUpdated,
    TradeExecuted,
)
from tradewind.venues.sim.engine.instrument import DepthChanges, DepthSnapshot
from tradewind.venues.sim.engine.orders import (
    ExecutionType,
    Fill,
    NewOrder,
    OrderStatus,
    OrderType,
    OrderView,
    PlaceResult,
    Side,
    StpMode,
    TimeInForce,
    Trade,
)
from tradewind.venues.sim.engine.spec import SymbolSpec
from tradewind.venues.sim.engine.state import AccountState, EngineState, SymbolState, TradedVolume

__all__ = [
    "FEE_ACCOUNT",
    "AccountState",
    "BalanceAdjusted",
    "BalancesChanged",
    "DepthChanges",
    "DepthSnapshot",
    "EngineEvent",
    "EngineState",
    "ExecutionType",
    "Fill",
    "MatchingEngine",
    "NewOrder",
    "OrderStatus",
    "OrderType",
    "OrderUpdated",
    "OrderView",
    "PlaceResult",
    "Side",
    "SimError",
    "StpMode",
    "SymbolSpec",
    "SymbolState",
    "TimeInForce",
    "Trade",
    "TradeExecuted",
    "TradedVolume",
]
