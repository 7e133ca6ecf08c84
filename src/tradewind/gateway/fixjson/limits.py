"""The gateway's limits: frame sizes, clock window, replay memory, rate, queues."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from tradewind.gateway.fixjson.messages import DEFAULT_MAX_FRAME_BYTES
from tradewind.gateway.fixjson.rate_limit import DEFAULT_WEIGHTS

__all__ = ["GatewayLimits", "InvalidGatewayLimits"]

_S = 1_000_000_000


class InvalidGatewayLimits(ValueError):
    """Limits that contradict each other or cannot work."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayLimits:
    """Bounds the gateway enforces. Sizes in bytes, durations in ns, rates in tokens/second.

    ``max_frame_bytes``: bigger client frames get NAK too_large (connection kept);
    ``hard_frame_bytes``: bigger frames make the WebSocket layer close the connection (1009);
    ``timestamp_window_ns``: a client timestamp further than this from the server clock is stale;
    ``replay_retention_ns``: how long a signed message's digest is remembered per account (must
    cover the whole span a timestamp is accepted, 2 x window);
    ``rate_*``: token bucket per account (unsigned quotes: per session);
    ``allowed_chain_ids``: None accepts any chain id;
    ``outbound_queue_size``: messages waiting for a slow client before it is disconnected;
    ``max_invoices_per_query``: cap of ``GET /invoices``."""

    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    hard_frame_bytes: int = 1024 * 1024
    timestamp_window_ns: int = 60 * _S
    replay_retention_ns: int = 120 * _S
    rate_capacity: int = 20
    rate_refill_per_second: Decimal = Decimal(10)
    rate_weights: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_WEIGHTS))
    )
    allowed_chain_ids: frozenset[int] | None = None
    outbound_queue_size: int = 1024
    max_invoices_per_query: int = 1000

    def __post_init__(self) -> None:
        if not 0 < self.max_frame_bytes < self.hard_frame_bytes:
            raise InvalidGatewayLimits(
                f"need 0 < max_frame_bytes ({self.max_frame_bytes}) < hard_frame_bytes "
                f"({self.hard_frame_bytes})"
            )
        if self.timestamp_window_ns <= 0:
            raise InvalidGatewayLimits("timestamp_window_ns must be positive")
        if self.replay_retention_ns < 2 * self.timestamp_window_ns:
            raise InvalidGatewayLimits(
                "replay_retention_ns must cover 2 x timestamp_window_ns, or a replayed message "
                "could still be inside the clock window after its digest is forgotten"
            )
        if self.outbound_queue_size <= 0 or self.max_invoices_per_query <= 0:
            raise InvalidGatewayLimits("queue size and invoice cap must be positive")
        if self.allowed_chain_ids is not None and not self.allowed_chain_ids:
            raise InvalidGatewayLimits("allowed_chain_ids is None (any) or non-empty")
