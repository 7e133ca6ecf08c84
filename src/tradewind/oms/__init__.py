"""Order management logic, pure and deterministic (no I/O).

order_state     OrderStateMachine: the legal moves of an order, refusing the rest
order_tracker   OrderTracker: orders by client id; a known id is never submitted twice
client_ids      deterministic client order ids (Binance newClientOrderId compatible)
pretrade        side-aware rounding to tick/step and filter checks
rate_limiter    RateLimiter (+ registry): the venue's limits, mirrored and corrected
request_queue   PriorityRequestQueue: urgent calls first when the budget is short
fill_ledger     FillLedger: fills exactly once by (venue, trade id), positions
reconciliation  reconcile(): venue reports → corrective events
"""

from __future__ import annotations

from tradewind.oms.client_ids import (
    CLIENT_ORDER_ID_PATTERN,
    client_order_id,
    is_valid_client_order_id,
)
from tradewind.oms.fill_ledger import ConflictingFill, FillLedger
from tradewind.oms.order_state import (
    LEGAL_FROM,
    DuplicateFill,
    IllegalTransition,
    OrderStateError,
    OrderStateMachine,
    OutOfOrderReport,
)
from tradewind.oms.order_tracker import DuplicateSubmission, OrderTracker, UnknownOrder
from tradewind.oms.pretrade import (
    PreparedOrder,
    PreTradeRejection,
    prepare_order,
    round_price,
    round_quantity,
)
from tradewind.oms.rate_limiter import (
    EndpointCost,
    RateLimit,
    RateLimiter,
    RateLimiterRegistry,
    RateLimitKind,
    RequestTooLarge,
    Sleeper,
    UsageHeaders,
    interval_ns,
)
from tradewind.oms.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    ReconciliationResult,
    reconcile,
)
from tradewind.oms.request_queue import Priority, PriorityRequestQueue, QueuedCall

__all__ = [
    "CLIENT_ORDER_ID_PATTERN",
    "LEGAL_FROM",
    "ConflictingFill",
    "Discrepancy",
    "DiscrepancyKind",
    "DuplicateFill",
    "DuplicateSubmission",
    "EndpointCost",
    "FillLedger",
    "IllegalTransition",
    "OrderStateError",
    "OrderStateMachine",
    "OrderTracker",
    "OutOfOrderReport",
    "PreTradeRejection",
    "PreparedOrder",
    "Priority",
    "PriorityRequestQueue",
    "QueuedCall",
    "RateLimit",
    "RateLimitKind",
    "RateLimiter",
    "RateLimiterRegistry",
    "ReconciliationResult",
    "RequestTooLarge",
    "Sleeper",
    "UnknownOrder",
    "UsageHeaders",
    "client_order_id",
    "interval_ns",
    "is_valid_client_order_id",
    "prepare_order",
    "reconcile",
    "round_price",
    "round_quantity",
]
