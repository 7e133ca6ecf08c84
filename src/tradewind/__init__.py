"""Tradewind: a self-hosted crypto trading desk on one event-driven kernel."""

__version__ = "0.1.0"
