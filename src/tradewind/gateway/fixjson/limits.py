"""The gateway's limits: frame sizes, clock window, replay memory, rate, queues, flood guards."""

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
    ``rate_*``: token bucket per account (signed messages);
    ``unsigned_rate_*``: token bucket per source address for unsigned messages (quotes), and
    ``unsigned_global_*`` one shared by all unsigned traffic, so keyless clients cannot buy more
    than a bounded share of the desk's time however many connections or addresses they use;
    ``frame_rate_*``: frames a connection may send per second before any parsing, and
    ``address_frame_rate_*`` all connections of one source address together; frames over either
    are dropped unanswered, and ``max_dropped_frames`` of them close the connection (1008);
    ``nak_rate_*``: NAKs a connection gets per second (each costs a signature); a refused
    frame beyond it is dropped unanswered and counts as a dropped frame;
    ``max_connections_per_address``: open WebSocket sessions per source address;
    ``allowed_chain_ids``: None accepts any chain id;
    ``outbound_queue_size``: messages waiting for a slow client before it is disconnected;
    ``read_pause_queue_size``: a client with this many replies unread is not read from (its
    requests cost nothing more) until it catches up, so it cannot slow the others down;
    ``header_timeout_s``: an HTTP request's headers (a WebSocket handshake's too) must arrive
    within this; ``ws_ping_interval_s``/``ws_ping_timeout_s``: a session must answer pings, so a
    half-sent frame (which blocks its pong) ends it;
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
    unsigned_rate_capacity: int = 40
    unsigned_rate_refill_per_second: Decimal = Decimal(20)
    unsigned_global_capacity: int = 200
    unsigned_global_refill_per_second: Decimal = Decimal(100)
    frame_rate_capacity: int = 100
    frame_rate_refill_per_second: Decimal = Decimal(50)
    address_frame_rate_capacity: int = 400
    address_frame_rate_refill_per_second: Decimal = Decimal(200)
    nak_rate_capacity: int = 10
    nak_rate_refill_per_second: Decimal = Decimal(1)
    max_dropped_frames: int = 200
    max_connections_per_address: int = 64
    allowed_chain_ids: frozenset[int] | None = None
    outbound_queue_size: int = 1024
    read_pause_queue_size: int = 64
    header_timeout_s: float = 10.0
    ws_ping_interval_s: float = 5.0
    ws_ping_timeout_s: float = 5.0
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
        if not 0 < self.read_pause_queue_size <= self.outbound_queue_size:
            raise InvalidGatewayLimits("need 0 < read_pause_queue_size <= outbound_queue_size")
        positive = (
            self.unsigned_rate_capacity,
            self.unsigned_global_capacity,
            self.frame_rate_capacity,
            self.address_frame_rate_capacity,
            self.nak_rate_capacity,
            self.max_dropped_frames,
            self.max_connections_per_address,
            self.header_timeout_s,
            self.ws_ping_interval_s,
            self.ws_ping_timeout_s,
        )
        if min(positive) <= 0:
            raise InvalidGatewayLimits("flood limits and timeouts must be positive")
        if self.allowed_chain_ids is not None and not self.allowed_chain_ids:
            raise InvalidGatewayLimits("allowed_chain_ids is None (any) or non-empty")
