"""The in-process venue: VenueAdapter onto the sim MatchingEngine, for backtests and benchmarks."""

from __future__ import annotations

from tradewind.venues.inprocess.adapter import InProcessAdapter

__all__ = ["InProcessAdapter"]
