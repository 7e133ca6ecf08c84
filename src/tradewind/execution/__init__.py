"""The execution runtime: venue adapters driven by the OMS, state persisted, events on the bus.

engine         ExecutionEngine: SubmitOrder / CancelOrder → venue; venue reports → orders, fills
report_events  a venue status report → the order events it implies (pure)
store_writer   KernelStore writes off the event loop, in order
market_data    MarketDataService: synced L2 books from depth streams
venue_factory  an adapter from URLs and keys (CLI, child processes)
soak_runner    the kernel as a child process for kill -9 and soak tests
cli            book / order / balances commands
"""

from __future__ import annotations

from tradewind.execution.engine import EngineCosts, ExecutionEngine, UnknownInstrument, WrongVenue
from tradewind.execution.store_writer import StoreWriter

__all__ = ["EngineCosts", "ExecutionEngine", "StoreWriter", "UnknownInstrument", "WrongVenue"]
