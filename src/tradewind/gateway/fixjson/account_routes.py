"""Signed REST reads of one account's state: collateral, index positions, open orders.

    GET /accounts/{chain_id}/{address}/collateral | /positions | /open-orders

Only the account itself may read them. A request carries three headers:

    X-TW-Timestamp   the request time, ISO-8601 UTC (within the gateway's clock window)
    X-TW-Public-Key  0x + 128 hex, the signer's public key
    X-TW-Signature   0x + 130 hex: personal_sign, as for FIX/JSON messages, of the canonical
                     form of {"method": "GET", "path": <the request path>, "timestamp": ...}

``signed_headers`` builds them. The key must be ``address``'s; errors are ``{"error", "detail"}``
like every REST error (401 ``unsigned`` / ``bad_signature`` / ``signer_mismatch`` /
``stale_timestamp``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request

from tradewind.core.clock import Clock
from tradewind.gateway.fixjson.invoice_routes import (
    ERROR_RESPONSES,
    ErrorModel,
    RestError,
    _address,
    check_chain_id,
)
from tradewind.gateway.fixjson.messages import CollateralModel, IndexPositionModel, OpenOrderModel
from tradewind.gateway.fixjson.rejections import MessageRejected
from tradewind.gateway.fixjson.signing import recover_signer, sign_message
from tradewind.gateway.fixjson.wire_types import iso_from_ns, ns_from_wire_timestamp

__all__ = ["AccountReader", "account_router", "signed_headers"]

AccountReader = Callable[[int, str], Awaitable[Mapping[str, Any]]]
"""(chain_id, address) -> the AccountStatus fields (``collateral``, ``positions``,
``open_orders``) as the desk handler's ``account_status`` gives them."""

_HEADERS = ("x-tw-timestamp", "x-tw-public-key", "x-tw-signature")


def _signed_body(method: str, path: str, timestamp: str) -> dict[str, Any]:
    return {"method": method, "path": path, "timestamp": timestamp}


def signed_headers(private_key: str, path: str, now_ns: int, method: str = "GET") -> dict[str, str]:
    """The three headers that sign a request to ``path`` (without query) at ``now_ns`` with
    ``private_key`` (0x + 64 hex)."""
    timestamp = iso_from_ns(now_ns)
    trailer = sign_message(_signed_body(method, path, timestamp), private_key)["standard_trailer"]
    return {
        "X-TW-Timestamp": timestamp,
        "X-TW-Public-Key": trailer["public_key"],
        "X-TW-Signature": trailer["signature"],
    }


def _check_signed(request: Request, address: str, clock: Clock, window_ns: int) -> None:
    values = [request.headers.get(name) for name in _HEADERS]
    if any(value is None for value in values):
        raise RestError(401, "unsigned", "X-TW-Timestamp, X-TW-Public-Key, X-TW-Signature needed")
    timestamp, public_key, signature = (str(v) for v in values)
    try:
        sent_ns = ns_from_wire_timestamp(timestamp)
    except ValueError as exc:
        raise RestError(401, "stale_timestamp", f"X-TW-Timestamp: {exc}") from None
    if abs(sent_ns - clock.now_ns()) > window_ns:
        raise RestError(401, "stale_timestamp", "X-TW-Timestamp is outside the clock window")
    body = {
        **_signed_body(request.method, request.url.path, timestamp),
        "standard_trailer": {"public_key": public_key, "signature": signature},
    }
    try:
        signer = recover_signer(body)
    except MessageRejected as exc:
        raise RestError(401, exc.reason.value, exc.text) from None
    if signer != address:
        raise RestError(401, "signer_mismatch", f"signed by {signer}, not by {address}")


_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorModel, "description": "Not signed by the account"},
    **ERROR_RESPONSES,
}


def account_router(read: AccountReader, clock: Clock, window_ns: int) -> APIRouter:
    """The signed account routes over ``read``."""
    router = APIRouter(tags=["accounts"])

    async def fields(request: Request, chain_id: int, address: str) -> Mapping[str, Any]:
        checksummed = _address(address)
        check_chain_id(chain_id)
        _check_signed(request, checksummed, clock, window_ns)
        return await read(chain_id, checksummed)

    @router.get(
        "/accounts/{chain_id}/{address}/collateral",
        response_model=list[CollateralModel],
        responses=_RESPONSES,
        summary="The account's collateral per asset (signed)",
    )
    async def collateral(request: Request, chain_id: int, address: str) -> Any:
        return (await fields(request, chain_id, address))["collateral"]

    @router.get(
        "/accounts/{chain_id}/{address}/positions",
        response_model=list[IndexPositionModel],
        responses=_RESPONSES,
        summary="The account's index tokens per index (signed)",
    )
    async def positions(request: Request, chain_id: int, address: str) -> Any:
        return (await fields(request, chain_id, address))["positions"]

    @router.get(
        "/accounts/{chain_id}/{address}/open-orders",
        response_model=list[OpenOrderModel],
        responses=_RESPONSES,
        summary="The account's open index orders (signed)",
    )
    async def open_orders(request: Request, chain_id: int, address: str) -> Any:
        return (await fields(request, chain_id, address))["open_orders"]

    return router
