"""Binance Spot through the official binance-sdk-spot: BinanceAdapter and its config."""

from __future__ import annotations

from tradewind.venues.binance.adapter import BinanceAdapter, BinanceConfig

__all__ = ["BinanceAdapter", "BinanceConfig"]
