"""EngineCosts: the rate-limit cost of each venue call the ExecutionEngine makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tradewind.oms.rate_limiter import EndpointCost

__all__ = ["EngineCosts"]


@dataclass(frozen=True, slots=True)
class EngineCosts:
    """Rate-limit cost of each venue call the engine makes (Binance spot weights by default)."""

    submit: EndpointCost = field(default_factory=lambda: EndpointCost(weight=1, orders=1))
    cancel: EndpointCost = field(default_factory=lambda: EndpointCost(weight=1, orders=0))
    query_order: EndpointCost = field(default_factory=lambda: EndpointCost(weight=4))
    open_orders: EndpointCost = field(default_factory=lambda: EndpointCost(weight=80))
    trades: EndpointCost = field(default_factory=lambda: EndpointCost(weight=20))
    balances: EndpointCost = field(default_factory=lambda: EndpointCost(weight=20))
    instruments: EndpointCost = field(default_factory=lambda: EndpointCost(weight=20))
