"""Any CCXT exchange through ccxt.pro: CcxtAdapter."""

from __future__ import annotations

from tradewind.venues.ccxt.adapter import CcxtAdapter

__all__ = ["CcxtAdapter"]
