"""REST routes over the desk's invoices.

    GET /invoices/{chain_id}/{address}/{client_order_id}   one invoice, 404 when absent
    GET /invoices?start=&end=[&chain_id=][&address=]      invoices with start <= ts < end

Times are ISO-8601 UTC or integer milliseconds. Addresses follow the FIX rule: EIP-55
checksummed (a lower-case address is refused, as on FIX); chain ids 1..2**53-1. Every error is
a JSON ``ErrorModel`` with a 4xx status.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Annotated, Any

from eth_utils import is_checksum_address, is_hex_address
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tradewind.common.logging import get_logger
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.messages import MintInvoiceModel
from tradewind.gateway.fixjson.protocols import InvoiceReader
from tradewind.gateway.fixjson.wire_bodies import InvalidDeskValue, invoice_model
from tradewind.gateway.fixjson.wire_types import MAX_CHAIN_ID, ns_from_wire_timestamp

__all__ = [
    "ERROR_RESPONSES",
    "ErrorModel",
    "RestError",
    "check_chain_id",
    "invoice_router",
]

_log = get_logger("gateway.fixjson.rest")


class ErrorModel(BaseModel):
    """Every REST error: a machine code (``error``) and words (``detail``)."""

    error: str
    detail: str


class RestError(Exception):
    """An error answered as ``ErrorModel`` with ``status``."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        self.status = status
        self.error = error
        self.detail = detail
        super().__init__(f"{status} {error}: {detail}")

    def response(self) -> JSONResponse:
        return JSONResponse(
            status_code=self.status,
            content=ErrorModel(error=self.error, detail=self.detail).model_dump(),
        )


def _address(text: str) -> str:
    if not is_hex_address(text):
        raise RestError(422, "bad_address", f"not an address: {text[:64]!r}")
    if not is_checksum_address(text):
        raise RestError(
            422, "bad_address", f"address must be EIP-55 checksummed, as on FIX: {text}"
        )
    return text


def check_chain_id(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CHAIN_ID:
        raise RestError(422, "bad_chain_id", f"chain_id must be in 1..{MAX_CHAIN_ID}")
    return value


def _time_ns(name: str, text: str) -> int:
    # at most 15 digits of milliseconds (year 9999): longer is out of range, never parsed
    digits = text.isascii() and text.isdigit()
    if digits and len(text) > 15:
        raise RestError(422, "bad_range", f"{name}: timestamp out of range")
    value: int | str = int(text) if digits else text
    try:
        return ns_from_wire_timestamp(value)
    except ValueError as exc:
        raise RestError(422, "bad_range", f"{name}: {exc}") from None


async def _resolved(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _model(value: Any) -> MintInvoiceModel:
    try:
        return invoice_model(value)
    except InvalidDeskValue:
        _log.error("invalid_invoice_from_reader", exc_info=True)
        raise RestError(500, "internal", "internal error") from None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    # every REST error is an ErrorModel, validation errors of parameters too
    422: {"model": ErrorModel, "description": "Bad parameter"},
    500: {"model": ErrorModel, "description": "Internal error"},
}


def invoice_router(reader: InvoiceReader, limits: GatewayLimits) -> APIRouter:
    """The invoice routes over ``reader``."""
    router = APIRouter(tags=["invoices"])

    @router.get(
        "/invoices/{chain_id}/{address}/{client_order_id}",
        response_model=MintInvoiceModel,
        responses={404: {"model": ErrorModel, "description": "No such invoice"}, **ERROR_RESPONSES},
        summary="The invoice of one order",
    )
    async def get_invoice(chain_id: int, address: str, client_order_id: str) -> Any:
        checksummed = _address(address)
        check_chain_id(chain_id)
        found = await _resolved(reader.get(chain_id, checksummed, client_order_id))
        if found is None:
            raise RestError(
                404,
                "invoice_not_found",
                f"no invoice for order {client_order_id[:64]!r} of {checksummed} on {chain_id}",
            )
        return _model(found)

    @router.get(
        "/invoices",
        response_model=list[MintInvoiceModel],
        responses=ERROR_RESPONSES,
        summary="Invoices issued in a time range",
    )
    async def list_invoices(
        start: Annotated[str, Query(description="Inclusive: ISO-8601 UTC or integer ms")],
        end: Annotated[str, Query(description="Exclusive: ISO-8601 UTC or integer ms")],
        chain_id: int | None = None,
        address: str | None = None,
    ) -> Any:
        start_ns, end_ns = _time_ns("start", start), _time_ns("end", end)
        if end_ns <= start_ns:
            raise RestError(422, "bad_range", "end must be after start")
        checksummed = None if address is None else _address(address)
        check_chain_id(chain_id)
        found: Iterable[Any] = await _resolved(
            reader.between(start_ns, end_ns, chain_id=chain_id, address=checksummed)
        )
        invoices = []
        for value in found:
            invoice = _model(value)
            in_range = start_ns <= invoice.ts < end_ns
            if (
                in_range
                and chain_id in (None, invoice.chain_id)
                and checksummed in (None, invoice.address)
            ):
                invoices.append(invoice)
            if len(invoices) > limits.max_invoices_per_query:
                raise RestError(
                    422,
                    "too_many_results",
                    f"more than {limits.max_invoices_per_query} invoices; narrow the range",
                )
        invoices.sort(key=lambda invoice: (invoice.ts, invoice.invoice_id))
        return invoices

    return router
