"""FIX/JSON messages as pydantic models, and the parser that admits a client frame.

Every message: ``standard_header`` (msg_type, sender_comp_id, target_comp_id, seq_num, timestamp),
``chain_id``, ``address``, the body fields, ``standard_trailer`` (public_key, signature).

    client -> server                         server -> client
      NewIndexOrder       (signed)             ACK{ref_seq_num}
      CancelIndexOrder    (signed)             NAK{ref_seq_num, reason, text}
      NewQuoteRequest     (signature optional) NewIndexOrder{status new|rejected} (response)
      CancelQuoteRequest  (signature optional) CancelIndexOrder{status cancelled|rejected}
                                               IndexOrderFill, MintInvoice, IndexQuoteResponse

Amounts travel as decimal strings and become ``Decimal``; timestamps become integer nanoseconds.
Server messages use the same msg_type names for responses as the requests they answer, so the
classes are named for their direction (``NewIndexOrder`` vs ``NewIndexOrderResponse``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from tradewind.gateway.fixjson.rejections import MessageRejected, RejectReason
from tradewind.gateway.fixjson.signing import canonical_bytes, signing_digest, verify_message
from tradewind.gateway.fixjson.wire_types import (
    ChainId,
    ChecksumAddress,
    ClientAmount,
    ClientId,
    CompId,
    DecimalText,
    HexPublicKey,
    HexSignature,
    IndexSymbol,
    SeenSeqNum,
    SeqNum,
    WireSide,
    WireTimestamp,
)

__all__ = [
    "CLIENT_MESSAGES",
    "DEFAULT_MAX_FRAME_BYTES",
    "SERVER_MESSAGES",
    "AccountStatus",
    "AccountStatusRequest",
    "Ack",
    "CancelIndexOrder",
    "CancelIndexOrderResponse",
    "CancelQuoteRequest",
    "ClientMessage",
    "ClientMessageBase",
    "CollateralModel",
    "IndexOrderFill",
    "IndexPositionModel",
    "IndexQuoteResponse",
    "InvalidServerMessage",
    "InvoiceLotModel",
    "MintInvoiceMessage",
    "MintInvoiceModel",
    "Nak",
    "NewIndexOrder",
    "NewIndexOrderResponse",
    "NewQuoteRequest",
    "OpenOrderModel",
    "ReplayRequest",
    "ReplayResponse",
    "ServerMessage",
    "ServerMessageBase",
    "StandardHeader",
    "StandardTrailer",
    "decode_json_object",
    "parse_client_message",
    "parse_server_message",
]

DEFAULT_MAX_FRAME_BYTES = 64 * 1024
"""Largest client frame the gateway reads; bigger ones get NAK ``too_large``."""


def _pin_msg_type(schema: dict[str, Any], model: type[Any]) -> None:
    """Make each message's JSON Schema name its msg_type, which the shared header leaves open."""
    msg_type = getattr(model, "MSG_TYPE", None)
    properties = schema.get("properties", {})
    if msg_type is None or "standard_header" not in properties:
        return
    properties["standard_header"] = {
        "allOf": [
            properties["standard_header"],
            {"properties": {"msg_type": {"const": msg_type}}},
        ]
    }
    if getattr(model, "TRAILER_REQUIRED", False):
        options = properties["standard_trailer"]["anyOf"]
        properties["standard_trailer"] = next(item for item in options if "$ref" in item)
        schema.setdefault("required", []).append("standard_trailer")


class WireModel(BaseModel):
    """Base of every wire model: unknown fields refused, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_pin_msg_type)


class StandardHeader(WireModel):
    """Routing and ordering of a message. ``seq_num`` counts per session and direction from 1;
    ``timestamp`` integer ns once parsed (ISO-8601 UTC or integer ms on the wire)."""

    msg_type: str = Field(strict=True, min_length=1, max_length=64)
    sender_comp_id: CompId
    target_comp_id: CompId
    seq_num: SeqNum
    timestamp: WireTimestamp


class StandardTrailer(WireModel):
    """The signature of a message: EIP-191 personal_sign over the canonical form (see
    ``signing``); ``public_key`` 0x + 128 hex, ``signature`` 0x + 130 hex (r, s, v)."""

    public_key: HexPublicKey
    signature: HexSignature


class _Envelope(WireModel):
    MSG_TYPE: ClassVar[str]
    TRAILER_REQUIRED: ClassVar[bool] = False
    """Whether the message is only ever valid signed (documented so in its JSON Schema)."""

    standard_header: StandardHeader
    standard_trailer: StandardTrailer | None = None

    @model_validator(mode="after")
    def _msg_type_matches(self) -> _Envelope:
        if self.standard_header.msg_type != self.MSG_TYPE:
            raise ValueError(f"standard_header.msg_type must be {self.MSG_TYPE!r}")
        return self

    @property
    def msg_type(self) -> str:
        return self.standard_header.msg_type

    @property
    def seq_num(self) -> int:
        return self.standard_header.seq_num


# --- client -> server -------------------------------------------------------------------------


class ClientMessageBase(_Envelope):
    """What every client message carries: the account ``(chain_id, address)`` it acts for.
    After ``parse_client_message``, ``signer`` is the verified address (None when unsigned)."""

    MONEY_MOVING: ClassVar[bool] = False
    # refused unsigned although it moves nothing (its answer is the account's private state)
    SIGNATURE_REQUIRED: ClassVar[bool] = False

    chain_id: ChainId
    address: ChecksumAddress

    _signer: str | None = PrivateAttr(default=None)
    _signed_payload: bytes | None = PrivateAttr(default=None)
    _digest: bytes | None = PrivateAttr(default=None)

    @property
    def signer(self) -> str | None:
        """The address whose signature was verified, or None for an unsigned message."""
        return self._signer

    @property
    def signed_payload(self) -> bytes | None:
        """The canonical bytes the verified signature covers (None when unsigned)."""
        return self._signed_payload

    @property
    def digest(self) -> bytes | None:
        """The EIP-191 hash of the signed payload (None when unsigned); names the message for
        replay protection, independent of the signature's encoding."""
        return self._digest


class NewIndexOrder(ClientMessageBase):
    """Buy (``side`` "1"/"buy": ``amount`` = collateral to spend, fees included) or sell
    (``side`` "2"/"sell": ``amount`` = index tokens to redeem) index ``symbol``. Signed."""

    MSG_TYPE: ClassVar[str] = "NewIndexOrder"
    MONEY_MOVING: ClassVar[bool] = True
    TRAILER_REQUIRED: ClassVar[bool] = True

    client_order_id: ClientId
    symbol: IndexSymbol
    side: WireSide
    amount: ClientAmount


class CancelIndexOrder(ClientMessageBase):
    """Reduce the unfilled part of an order by ``amount`` (the whole rest when ``amount`` is at
    least that); units as the order's ``amount``. Signed."""

    MSG_TYPE: ClassVar[str] = "CancelIndexOrder"
    MONEY_MOVING: ClassVar[bool] = True
    TRAILER_REQUIRED: ClassVar[bool] = True

    client_order_id: ClientId
    symbol: IndexSymbol
    amount: ClientAmount


class NewQuoteRequest(ClientMessageBase):
    """How much index (buy: ``amount`` collateral) or collateral (sell: ``amount`` index tokens)
    the desk could deliver now. Signature optional (verified when present)."""

    MSG_TYPE: ClassVar[str] = "NewQuoteRequest"

    client_quote_id: ClientId
    symbol: IndexSymbol
    side: WireSide
    amount: ClientAmount


class CancelQuoteRequest(ClientMessageBase):
    """Withdraw a quote request. Signature optional (verified when present)."""

    MSG_TYPE: ClassVar[str] = "CancelQuoteRequest"

    client_quote_id: ClientId
    symbol: IndexSymbol


class AccountStatusRequest(ClientMessageBase):
    """Ask for the account's collateral, index positions and open orders (answered with an
    ``AccountStatus``). Signed: only the account itself may read them."""

    MSG_TYPE: ClassVar[str] = "AccountStatusRequest"
    SIGNATURE_REQUIRED: ClassVar[bool] = True
    TRAILER_REQUIRED: ClassVar[bool] = True

    request_id: ClientId


def _one_replay_start(schema: dict[str, Any], model: type[Any]) -> None:
    _pin_msg_type(schema, model)
    required = schema.get("required", [])
    schema["required"] = [name for name in required if name not in _REPLAY_STARTS]
    schema["oneOf"] = [{"required": [name]} for name in _REPLAY_STARTS]


_REPLAY_STARTS = ("since", "last_report_seq_num")


class ReplayRequest(ClientMessageBase):
    """Send again the account's ``IndexOrderFill`` and ``MintInvoice`` messages (those missed
    while disconnected) from a time or from a sequence number: exactly one of ``since`` (those
    stamped at or after it) and ``last_report_seq_num`` (those numbered above it: the last
    ``report_seq_num`` the client read, 0 for none). Answered with a ``ReplayResponse``, then the
    messages in their original order on this connection. Signed."""

    model_config = ConfigDict(json_schema_extra=_one_replay_start)

    MSG_TYPE: ClassVar[str] = "ReplayRequest"
    SIGNATURE_REQUIRED: ClassVar[bool] = True
    TRAILER_REQUIRED: ClassVar[bool] = True

    request_id: ClientId
    since: WireTimestamp | None = None
    last_report_seq_num: SeenSeqNum | None = None

    @model_validator(mode="after")
    def _one_start(self) -> ReplayRequest:
        if (self.since is None) == (self.last_report_seq_num is None):
            raise ValueError("exactly one of since and last_report_seq_num must be given")
        return self


ClientMessage = (
    NewIndexOrder
    | CancelIndexOrder
    | NewQuoteRequest
    | CancelQuoteRequest
    | AccountStatusRequest
    | ReplayRequest
)
"""Any message a client may send."""

CLIENT_MESSAGES: Mapping[str, type[ClientMessageBase]] = {
    model.MSG_TYPE: model
    for model in (
        NewIndexOrder,
        CancelIndexOrder,
        NewQuoteRequest,
        CancelQuoteRequest,
        AccountStatusRequest,
        ReplayRequest,
    )
}


# --- server -> client -------------------------------------------------------------------------


class ServerMessageBase(_Envelope):
    """What every server message carries: the account it is for, signed by the gateway key."""

    TRAILER_REQUIRED: ClassVar[bool] = True

    chain_id: ChainId
    address: ChecksumAddress


class Ack(ServerMessageBase):
    """The client message ``ref_seq_num`` passed every check and goes to the desk."""

    MSG_TYPE: ClassVar[str] = "ACK"

    ref_seq_num: SeqNum


class Nak(ServerMessageBase):
    """The client message ``ref_seq_num`` (None when unreadable) was refused: ``reason`` is a
    machine code, ``text`` words. A NAK changes nothing: no sequence number is used up.
    ``chain_id``/``address`` are None when the message did not name them readably."""

    MSG_TYPE: ClassVar[str] = "NAK"

    chain_id: ChainId | None = None  # type: ignore[assignment]
    address: ChecksumAddress | None = None  # type: ignore[assignment]
    ref_seq_num: SeqNum | None
    reason: RejectReason
    text: str


class NewIndexOrderResponse(ServerMessageBase):
    """The desk's answer to a NewIndexOrder: accepted (``new``) or ``rejected`` with a reason."""

    MSG_TYPE: ClassVar[str] = "NewIndexOrder"

    client_order_id: ClientId
    status: Literal["new", "rejected"]
    reason: str | None = None


class CancelIndexOrderResponse(ServerMessageBase):
    """The desk's answer to a CancelIndexOrder."""

    MSG_TYPE: ClassVar[str] = "CancelIndexOrder"

    client_order_id: ClientId
    status: Literal["cancelled", "rejected"]
    reason: str | None = None


class IndexOrderFill(ServerMessageBase):
    """The state of an order after a change. ``filled_quantity`` index tokens; buy:
    ``collateral_spent`` on the basket, ``collateral_remaining`` unspent collateral; sell:
    collateral credited so far, index tokens not yet redeemed. ``fill_rate`` in [0, 1].
    ``report_seq_num`` numbers the account's ``IndexOrderFill`` and ``MintInvoice`` messages
    1, 2, 3, ... across connections and restarts (a replay from a sequence number names it);
    None from a desk that does not number them."""

    MSG_TYPE: ClassVar[str] = "IndexOrderFill"

    client_order_id: ClientId
    symbol: IndexSymbol
    side: WireSide
    filled_quantity: DecimalText
    collateral_spent: DecimalText
    collateral_remaining: DecimalText
    fill_rate: DecimalText
    status: Literal["new", "partially_filled", "filled", "cancelled", "rejected"]
    reason: str | None = None
    ts: WireTimestamp
    report_seq_num: SeqNum | None = None


class IndexQuoteResponse(ServerMessageBase):
    """Answer to a NewQuoteRequest: ``quantity_possible`` index tokens (buy) or collateral
    (sell) deliverable now after fees; ``rejected`` with a reason when the desk cannot quote."""

    MSG_TYPE: ClassVar[str] = "IndexQuoteResponse"

    client_quote_id: ClientId
    symbol: IndexSymbol
    status: Literal["ok", "rejected"]
    quantity_possible: DecimalText | None = None
    reason: str | None = None


class InvoiceLotModel(WireModel):
    """One exchange fill's share in an order: ``quantity`` base units at ``price``, ``fee`` in
    ``fee_asset``, ``cost`` in quote (buy: charged; sell: proceeds credited)."""

    lot_id: str
    symbol: str
    side: WireSide
    price: DecimalText
    quantity: DecimalText
    fee: DecimalText
    fee_asset: str
    cost: DecimalText


class _InvoiceFields(WireModel):
    invoice_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    client_order_id: ClientId
    symbol: IndexSymbol
    side: WireSide
    quantity: DecimalText
    lots: tuple[InvoiceLotModel, ...]
    amount_paid: DecimalText
    amount_remaining: DecimalText
    assets_value: DecimalText
    exchange_fees: DecimalText
    desk_fee: DecimalText
    routing_fees: DecimalText
    fill_rate: DecimalText
    position: DecimalText
    tx_hash: str | None = None
    ts: WireTimestamp
    reason: str | None = None  # why the desk ended the order short of its amount


class MintInvoiceModel(_InvoiceFields):
    """What an ended order got and paid, as the REST API serves it. Buy: ``quantity`` index
    tokens minted, ``amount_paid`` = assets_value + desk_fee + routing_fees, ``amount_remaining``
    collateral returned; sell: ``quantity`` redeemed, ``amount_paid`` collateral credited,
    ``amount_remaining`` index tokens handed back. Amounts in the index's quote asset;
    ``invoice_id`` = sha256 hex of "chain_id:address:client_order_id"; ``reason``: why the desk
    ended the order short of its amount (None otherwise)."""

    chain_id: ChainId
    address: ChecksumAddress


class MintInvoiceMessage(ServerMessageBase, _InvoiceFields):
    """A MintInvoice pushed to the account's sessions; fields as ``MintInvoiceModel``, plus
    ``report_seq_num`` (see ``IndexOrderFill``)."""

    MSG_TYPE: ClassVar[str] = "MintInvoice"

    report_seq_num: SeqNum | None = None


class CollateralModel(WireModel):
    """The account's collateral in ``asset`` (quote units): ``deposited`` + ``proceeds`` =
    ``spent`` + ``fees`` + ``routing_fees`` + ``free`` + ``reserved`` (held by open buys)."""

    asset: str
    deposited: DecimalText
    proceeds: DecimalText
    spent: DecimalText
    fees: DecimalText
    routing_fees: DecimalText
    free: DecimalText
    reserved: DecimalText


class IndexPositionModel(WireModel):
    """The account's tokens of index ``symbol``: ``free`` to redeem, ``reserved`` by open sells."""

    symbol: IndexSymbol
    free: DecimalText
    reserved: DecimalText


class OpenOrderModel(WireModel):
    """An open index order as its last ``IndexOrderFill`` would describe it; ``amount`` is what
    is left of the order (collateral for a buy, index tokens for a sell)."""

    client_order_id: ClientId
    symbol: IndexSymbol
    side: WireSide
    amount: DecimalText
    filled_quantity: DecimalText
    collateral_spent: DecimalText
    collateral_remaining: DecimalText
    fill_rate: DecimalText
    status: Literal["new", "partially_filled"]
    ts: WireTimestamp


class AccountStatus(ServerMessageBase):
    """Answer to an AccountStatusRequest: the account's state when it was read."""

    MSG_TYPE: ClassVar[str] = "AccountStatus"

    request_id: ClientId
    collateral: tuple[CollateralModel, ...]
    positions: tuple[IndexPositionModel, ...]
    open_orders: tuple[OpenOrderModel, ...]
    ts: WireTimestamp


class ReplayResponse(ServerMessageBase):
    """Answer to a ReplayRequest: ``ok`` and ``count`` messages follow, oldest first; or
    ``rejected`` (``count`` 0) with ``reason`` "<code>: <words>", the code one of
    ``seq_num_in_future`` (above the account's last ``report_seq_num``) and ``seq_num_too_old``
    (the reports after it are no longer all kept)."""

    MSG_TYPE: ClassVar[str] = "ReplayResponse"

    request_id: ClientId
    count: int = Field(ge=0)
    status: Literal["ok", "rejected"] = "ok"
    reason: str | None = None


ServerMessage = (
    Ack
    | Nak
    | NewIndexOrderResponse
    | CancelIndexOrderResponse
    | IndexOrderFill
    | IndexQuoteResponse
    | MintInvoiceMessage
    | AccountStatus
    | ReplayResponse
)
"""Any message the gateway sends."""

SERVER_MESSAGES: Mapping[str, type[ServerMessageBase]] = {
    model.MSG_TYPE: model
    for model in (
        Ack,
        Nak,
        NewIndexOrderResponse,
        CancelIndexOrderResponse,
        IndexOrderFill,
        IndexQuoteResponse,
        MintInvoiceMessage,
        AccountStatus,
        ReplayResponse,
    )
}


# --- parsing ----------------------------------------------------------------------------------

_VALUE_REASONS = {
    "bad_chain_id": RejectReason.BAD_CHAIN_ID,
    "bad_address": RejectReason.BAD_ADDRESS,
    "bad_amount": RejectReason.BAD_AMOUNT,
}


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two values for one key would let the signed text and the acted-on text differ.
            raise _DuplicateKey(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json_object(
    raw: str | bytes, *, max_bytes: int = DEFAULT_MAX_FRAME_BYTES
) -> dict[str, Any]:
    """The JSON object in a frame. Raises ``MessageRejected``: ``too_large`` (over ``max_bytes``
    UTF-8 bytes), ``malformed_json`` (not UTF-8, not JSON, duplicate keys, NaN/Infinity, nested
    too deep), ``schema`` (valid JSON but not an object)."""
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise MessageRejected(
            RejectReason.TOO_LARGE, f"frame of {len(data)} bytes exceeds {max_bytes}"
        )
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=_object_without_duplicates, parse_constant=_no_constants
        )
    except (ValueError, RecursionError) as exc:
        raise MessageRejected(RejectReason.MALFORMED_JSON, f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MessageRejected(RejectReason.SCHEMA, "a message is a JSON object")
    return value


def _rejection_of(error: ValidationError) -> MessageRejected:
    errors = error.errors(include_url=False, include_input=False)
    structural = [item for item in errors if item["type"] not in _VALUE_REASONS]
    if structural:
        chosen, reason = structural[0], RejectReason.SCHEMA
    else:
        chosen = min(errors, key=lambda item: list(_VALUE_REASONS).index(item["type"]))
        reason = _VALUE_REASONS[chosen["type"]]
    where = ".".join(str(part) for part in chosen["loc"]) or "message"
    return MessageRejected(reason, f"{where}: {chosen['msg']}")


def _msg_type_of(body: Mapping[str, Any]) -> str:
    header = body.get("standard_header")
    if not isinstance(header, dict):
        raise MessageRejected(RejectReason.SCHEMA, "standard_header: must be an object")
    msg_type = header.get("msg_type")
    if not isinstance(msg_type, str):
        raise MessageRejected(RejectReason.SCHEMA, "standard_header.msg_type: must be a string")
    return msg_type


def parse_client_message(
    raw: str | bytes, *, max_bytes: int = DEFAULT_MAX_FRAME_BYTES
) -> ClientMessage:
    """A client frame as a validated, signature-checked message. Stateless: the session checks
    target, clock window, sequence, replay and rate (``session.FixSession``).

    Raises ``MessageRejected`` with the first failing check, in this order: too_large,
    malformed_json, schema (not an object / no header), unknown_msg_type, schema (a field, named),
    bad_chain_id, bad_address, bad_amount, unsigned (money-moving message without trailer),
    bad_signature, signer_mismatch."""
    body = decode_json_object(raw, max_bytes=max_bytes)
    msg_type = _msg_type_of(body)
    model = CLIENT_MESSAGES.get(msg_type)
    if model is None:
        shown = msg_type if len(msg_type) <= 40 else msg_type[:40] + "..."
        raise MessageRejected(RejectReason.UNKNOWN_MSG_TYPE, f"unknown msg_type {shown!r}")
    try:
        message = model.model_validate(body)
    except ValidationError as exc:
        raise _rejection_of(exc) from None
    if message.standard_trailer is None:
        if model.MONEY_MOVING or model.SIGNATURE_REQUIRED:
            raise MessageRejected(RejectReason.UNSIGNED, f"{msg_type} must be signed")
    else:
        message._signer = verify_message(body)
        message._signed_payload = canonical_bytes(body)
        message._digest = signing_digest(body)
    return message  # type: ignore[return-value]


class InvalidServerMessage(ValueError):
    """A frame from the gateway that is not a well-formed server message."""


def parse_server_message(raw: str | bytes) -> ServerMessage:
    """A gateway frame as its model; raises ``InvalidServerMessage``."""
    try:
        body = decode_json_object(raw, max_bytes=2**31)
        model = SERVER_MESSAGES.get(_msg_type_of(body))
        if model is None:
            raise InvalidServerMessage(f"unknown server msg_type in {str(raw)[:80]}")
        return model.model_validate(body)  # type: ignore[return-value]
    except (MessageRejected, ValidationError) as exc:
        raise InvalidServerMessage(f"not a server message: {exc}") from None
