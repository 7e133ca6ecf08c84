"""``POST /local/deposits``: collateral announced over HTTP, for tests and the demo only.

The route creates money out of nothing, so it is guarded four ways:

    off by default      ``[desk] local_deposits = false``; ``tradewind serve`` answers 404
    loopback only       the desk refuses to start with it on a non-loopback host, and the route
                        answers 403 to a peer that is not on loopback
    token               ``Authorization: Bearer <token>``; the token comes from
                        ``TRADEWIND_LOCAL_DEPOSIT_TOKEN`` (required by ``serve``) or, in
                        process, is generated and read from ``IndexDeskRuntime``
    same rules as FIX   amount a decimal string in the FIX amount syntax (no exponent, no JSON
                        number, at most 18 decimals, positive), chain id 1..2**53-1, EIP-55
                        address, an asset some index is quoted in

A ``deposit_id`` is credited once: re-posting it with the same fields answers
``already_credited``; with different fields 409 ``deposit_conflict``. Every error is
``{"error", "detail"}``; a refused deposit changes nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Collection
from typing import Annotated, Any

import aiohttp
from fastapi import FastAPI, Header, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock
from tradewind.desks.index.collateral_source import (
    CollateralDeposit,
    InvalidDeposit,
    LocalCollateralSource,
)
from tradewind.desks.index.events import CollateralDeposited, IndexEvent, InvalidIndexEvent
from tradewind.gateway.fixjson.invoice_routes import ErrorModel, RestError
from tradewind.gateway.fixjson.wire_types import ChainId, ChecksumAddress, ClientAmount, ClientId

__all__ = [
    "LOCAL_DEPOSIT_TOKEN_ENV",
    "LocalDepositBody",
    "LocalDepositRefused",
    "add_local_deposit_route",
    "is_loopback_host",
    "post_local_deposit",
]

log = get_logger("desks.index.local_deposits")

LOCAL_DEPOSIT_TOKEN_ENV = "TRADEWIND_LOCAL_DEPOSIT_TOKEN"
_MAX_BODY_BYTES = 4096


class LocalDepositBody(BaseModel):
    """A local collateral deposit: the FIX/JSON field types (amount a decimal string)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deposit_id: ClientId
    chain_id: ChainId
    address: ChecksumAddress
    asset: str
    amount: ClientAmount


class LocalDepositAnswer(BaseModel):
    """What a posted deposit did: ``credited`` now or ``already_credited`` before."""

    deposit_id: str
    status: str


class LocalDepositRefused(RuntimeError):
    """The desk refused a local deposit; the message carries its HTTP status and answer."""


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (an address or "localhost") names this machine's loopback only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def post_local_deposit(
    url: str,
    *,
    token: str,
    deposit_id: str,
    chain_id: int,
    address: str,
    amount: str,
    asset: str = "USDT",
) -> None:
    """Announce a local deposit to a desk at ``url`` (``POST /local/deposits`` with ``token``;
    tests, demo and benchmarks). Raises ``LocalDepositRefused`` unless credited."""
    body = {"deposit_id": deposit_id, "chain_id": chain_id, "address": address,
            "asset": asset, "amount": amount}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/local/deposits", json=body, headers=headers) as response,
    ):
        if response.status != 200:
            raise LocalDepositRefused(f"{response.status}: {await response.text()}")


def _same(found: IndexEvent, body: LocalDepositBody) -> bool:
    return (
        isinstance(found, CollateralDeposited)
        and found.chain_id == body.chain_id
        and found.address == body.address
        and found.asset == body.asset
        and found.amount == body.amount
    )


def _parse(raw: bytes) -> LocalDepositBody:
    if len(raw) > _MAX_BODY_BYTES:
        raise RestError(413, "too_large", f"a deposit body is at most {_MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise RestError(400, "bad_json", "the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise RestError(400, "bad_json", "the body must be a JSON object")
    try:
        return LocalDepositBody.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise RestError(422, "bad_deposit", f"{where}: {first['msg']}") from None


def add_local_deposit_route(
    app: FastAPI,
    source: LocalCollateralSource,
    clock: Clock,
    *,
    token: str,
    assets: Collection[str],
    recorded: Callable[[str], Awaitable[IndexEvent | None]],
) -> None:
    """Mount ``POST /local/deposits`` on ``app`` (see the module docstring). ``assets``: the
    collateral assets accepted; ``recorded(key)``: the journaled event of a key, if any."""
    if not token:
        raise ValueError("the local deposit route needs a non-empty token")
    accepted = frozenset(assets)
    # one deposit at a time, so two posts of one deposit_id cannot both pass the conflict check
    lock = asyncio.Lock()
    log.warning(
        "local_deposits_enabled",
        note="POST /local/deposits credits collateral without a chain: tests and demos only",
        assets=sorted(accepted),
    )

    @app.post(
        "/local/deposits",
        tags=["local"],
        summary="Credit a local collateral deposit (tests and demo)",
        response_model=LocalDepositAnswer,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": LocalDepositBody.model_json_schema()}},
            }
        },
        responses={
            status: {"model": ErrorModel, "description": text}
            for status, text in (
                (400, "Not a JSON object"),
                (401, "Missing or wrong token"),
                (403, "Not from loopback"),
                (409, "deposit_id already credited with other fields"),
                (413, "Body too large"),
                (422, "Bad field"),
            )
        },
    )
    async def local_deposit(
        request: Request,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Any:
        """Announce collateral as if it had arrived (once per deposit_id)."""
        peer = request.client.host if request.client is not None else ""
        if not is_loopback_host(peer):
            raise RestError(403, "forbidden", "local deposits are accepted from loopback only")
        given = (authorization or "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, token.encode()):
            raise RestError(401, "unauthorized", "a valid 'Authorization: Bearer' token needed")
        body = _parse(await request.body())
        if body.asset not in accepted:
            raise RestError(
                422, "unknown_asset", f"asset {body.asset[:20]!r} is not one of {sorted(accepted)}"
            )
        async with lock:
            return await _credit(body)

    async def _credit(body: LocalDepositBody) -> LocalDepositAnswer:
        found = await recorded(f"dep:{body.deposit_id}")
        if found is not None:
            if not _same(found, body):
                raise RestError(
                    409,
                    "deposit_conflict",
                    f"deposit_id {body.deposit_id!r} was credited with other fields",
                )
            return LocalDepositAnswer(deposit_id=body.deposit_id, status="already_credited")
        try:
            deposit = CollateralDeposit(
                deposit_id=body.deposit_id,
                chain_id=body.chain_id,
                address=body.address,
                asset=body.asset,
                amount=body.amount,
                ts_ns=clock.now_ns(),
            )
            await source.deposit(deposit)
        except (InvalidDeposit, InvalidIndexEvent) as exc:
            raise RestError(422, "bad_deposit", str(exc)) from None
        return LocalDepositAnswer(deposit_id=body.deposit_id, status="credited")
