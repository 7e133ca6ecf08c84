"""FIX/JSON gateway: signed JSON messages over WebSocket, invoices over REST, one FastAPI app.

    messages     wire models, ``parse_client_message``          (wire_types: field types)
    signing      canonical form, EIP-191 sign / verify
    session      per-connection checks (FixSession), replay memory (ReplayGuard)
    rate_limit   WeightedRateLimiter (token bucket per account, weight per msg type)
    server       ``build_gateway_app`` (DeskHandler + InvoiceReader -> FastAPI)
    publisher    GatewayPublisher: desk outputs -> the account's sessions
    runner       GatewayServer: uvicorn inside the current loop
    client       FixJsonClient
    schemas      ``write_json_schemas`` (docs/fix-json)

See docs/gateway.md.
"""

from tradewind.gateway.fixjson.client import ClientFailure, FixJsonClient
from tradewind.gateway.fixjson.invoice_routes import ErrorModel
from tradewind.gateway.fixjson.limits import GatewayLimits, InvalidGatewayLimits
from tradewind.gateway.fixjson.messages import (
    Ack,
    CancelIndexOrder,
    CancelIndexOrderResponse,
    CancelQuoteRequest,
    ClientMessage,
    IndexOrderFill,
    IndexQuoteResponse,
    InvoiceLotModel,
    MintInvoiceMessage,
    MintInvoiceModel,
    Nak,
    NewIndexOrder,
    NewIndexOrderResponse,
    NewQuoteRequest,
    ServerMessage,
    StandardHeader,
    StandardTrailer,
    parse_client_message,
    parse_server_message,
)
from tradewind.gateway.fixjson.protocols import (
    AccountKey,
    DeskHandler,
    InvoiceReader,
    OrderResponse,
    QuoteRejected,
    ReplayRejected,
)
from tradewind.gateway.fixjson.publisher import GatewayPublisher, InvalidPublication
from tradewind.gateway.fixjson.rate_limit import WeightedRateLimiter
from tradewind.gateway.fixjson.rejections import MessageRejected, RejectReason
from tradewind.gateway.fixjson.runner import GatewayServer, GatewayStartError
from tradewind.gateway.fixjson.schemas import write_json_schemas
from tradewind.gateway.fixjson.server import InvalidCompId, build_gateway_app
from tradewind.gateway.fixjson.session import FixSession, ReplayGuard
from tradewind.gateway.fixjson.signing import (
    address_of,
    canonical_bytes,
    recover_signer,
    sign_message,
    verify_message,
)

__all__ = [
    "AccountKey",
    "Ack",
    "CancelIndexOrder",
    "CancelIndexOrderResponse",
    "CancelQuoteRequest",
    "ClientFailure",
    "ClientMessage",
    "DeskHandler",
    "ErrorModel",
    "FixJsonClient",
    "FixSession",
    "GatewayLimits",
    "GatewayPublisher",
    "GatewayServer",
    "GatewayStartError",
    "IndexOrderFill",
    "IndexQuoteResponse",
    "InvalidCompId",
    "InvalidGatewayLimits",
    "InvalidPublication",
    "InvoiceLotModel",
    "InvoiceReader",
    "MessageRejected",
    "MintInvoiceMessage",
    "MintInvoiceModel",
    "Nak",
    "NewIndexOrder",
    "NewIndexOrderResponse",
    "NewQuoteRequest",
    "OrderResponse",
    "QuoteRejected",
    "RejectReason",
    "ReplayGuard",
    "ReplayRejected",
    "ServerMessage",
    "StandardHeader",
    "StandardTrailer",
    "WeightedRateLimiter",
    "address_of",
    "build_gateway_app",
    "canonical_bytes",
    "parse_client_message",
    "parse_server_message",
    "recover_signer",
    "sign_message",
    "verify_message",
    "write_json_schemas",
]
