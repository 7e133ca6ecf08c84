"""The trading node: owns the clock, bus, store, cache, venues and the components on them.

TradingNode ── ExecutionRouter ── ExecutionEngine per venue
    │            Cache (read-only to strategies)
    └── Actor / Strategy (handlers in, commands out)
"""

from tradewind.node.cache import Cache
from tradewind.node.component import Component
from tradewind.node.config import NodeConfig, NodeConfigError, load_node_config
from tradewind.node.node import NodeHealth, NodeState, NodeVenue, TradingNode
from tradewind.node.router import ExecutionRouter
from tradewind.node.strategy import Actor, ActorState, Strategy

__all__ = [
    "Actor",
    "ActorState",
    "Cache",
    "Component",
    "ExecutionRouter",
    "NodeConfig",
    "NodeConfigError",
    "NodeHealth",
    "NodeState",
    "NodeVenue",
    "Strategy",
    "TradingNode",
    "load_node_config",
]
