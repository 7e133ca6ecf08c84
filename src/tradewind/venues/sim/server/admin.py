"""The admin API (``/admin/v1``), off unless enabled: accounts, credits, deposits, price shocks
and fault injection. JSON in, JSON out; errors are ``{"error": "..."}`` with HTTP 400/404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from tradewind.venues.sim.engine import SimError

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

AdminHandler = Callable[[dict[str, Any]], Awaitable[Any]]


class AdminInputError(ValueError):
    """A malformed admin request; the message says which field."""


def _decimal(body: dict[str, Any], name: str) -> Decimal:
    raw = body.get(name)
    if raw is None:
        raise AdminInputError(f"'{name}' is required")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise AdminInputError(f"'{name}' must be a decimal string, got {raw!r}") from exc
    if not value.is_finite():
        raise AdminInputError(f"'{name}' must be finite")
    return value


def _str(body: dict[str, Any], name: str, default: str | None = None) -> str:
    raw = body.get(name, default)
    if not isinstance(raw, str) or not raw:
        raise AdminInputError(f"'{name}' is required and must be a non-empty string")
    return raw


def build_admin_routes(x: SimExchange) -> list[web.RouteDef]:
    async def create_account(body: dict[str, Any]) -> Any:
        balances = body.get("balances", {})
        if not isinstance(balances, dict):
            raise AdminInputError("'balances' must be an object of asset -> amount")
        amounts = {asset: _decimal(balances, asset) for asset in balances}
        maker = _decimal(body, "maker_commission") if "maker_commission" in body else None
        taker = _decimal(body, "taker_commission") if "taker_commission" in body else None
        credential = await x.create_account(
            body.get("account_id"), amounts, maker_commission=maker, taker_commission=taker
        )
        return {
            "account_id": credential.account_id,
            "apiKey": credential.api_key,
            "secretKey": credential.api_secret,
        }

    async def credit(body: dict[str, Any]) -> Any:
        account_id = _str(body, "account_id")
        amount = _decimal(body, "amount")
        if amount <= 0:
            raise AdminInputError("'amount' must be positive")
        await x.credit(account_id, _str(body, "asset").upper(), amount)
        return {"balances": x.account_json(account_id, x.clock.now_ms())["balances"]}

    async def deposit(body: dict[str, Any]) -> Any:
        amount = _decimal(body, "amount")
        if amount <= 0:
            raise AdminInputError("'amount' must be positive")
        record, credited = await x.credit_deposit(
            _str(body, "account_id"),
            _str(body, "coin").upper(),
            body.get("network"),
            amount,
            _str(body, "tx_id"),
        )
        return {"id": record.deposit_id, "credited": credited, "status": record.status}

    async def shock(body: dict[str, Any]) -> Any:
        symbol = _str(body, "symbol").upper()
        if symbol not in x.engine.specs:
            raise AdminInputError(f"unknown symbol {symbol}")
        pct = _decimal(body, "pct")
        if pct <= -100:
            raise AdminInputError("'pct' must be greater than -100")
        x.shock(symbol, pct)
        return {"symbol": symbol, "pct": str(pct)}

    async def faults(body: dict[str, Any]) -> Any:
        plan = x.faults
        if "delay_ms" in body:
            delay = body["delay_ms"]
            if not isinstance(delay, int) or delay < 0:
                raise AdminInputError("'delay_ms' must be a non-negative integer")
            plan.delay_ms = delay
        if "fail_next" in body:
            count = body["fail_next"]
            if not isinstance(count, int) or count < 0:
                raise AdminInputError("'fail_next' must be a non-negative integer")
            plan.fail_next = count
        if "fail_status" in body:
            status = body["fail_status"]
            if status not in (500, 502, 503, 504):
                raise AdminInputError("'fail_status' must be one of 500, 502, 503, 504")
            plan.fail_status = status
        gaps = body.get("depth_gap", [])
        if not isinstance(gaps, list) or any(str(s).upper() not in x.engine.specs for s in gaps):
            raise AdminInputError("'depth_gap' must be a list of known symbols")
        x.streams.gap_symbols.update(str(s).upper() for s in gaps)
        dropped = x.streams.drop_all_connections() if body.get("drop_websockets") else 0
        return {
            "delay_ms": plan.delay_ms,
            "fail_next": plan.fail_next,
            "fail_status": plan.fail_status,
            "depth_gap": sorted(x.streams.gap_symbols),
            "dropped_websockets": dropped,
        }

    async def clear_faults(body: dict[str, Any]) -> Any:
        x.faults.clear()
        x.streams.gap_symbols.clear()
        return {"cleared": True}

    async def totals(body: dict[str, Any]) -> Any:
        return {asset: str(amount) for asset, amount in sorted(x.engine.total_by_asset().items())}

    def wrap(handler: AdminHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def route(request: web.Request) -> web.Response:
            try:
                raw = await request.read()
                body = orjson.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise AdminInputError("the body must be a JSON object")
                result = await handler(body)
            except orjson.JSONDecodeError:
                return _admin_error(400, "the body is not valid JSON")
            except AdminInputError as exc:
                return _admin_error(400, str(exc))
            except SimError as exc:
                return _admin_error(exc.http_status, exc.msg, exc.code)
            except KeyError as exc:
                return _admin_error(404, f"unknown account {exc.args[0]}")
            return web.Response(body=orjson.dumps(result), content_type="application/json")

        return route

    prefix = "/admin/v1"
    return [
        web.post(f"{prefix}/accounts", wrap(create_account)),
        web.post(f"{prefix}/credit", wrap(credit)),
        web.post(f"{prefix}/deposits", wrap(deposit)),
        web.post(f"{prefix}/shock", wrap(shock)),
        web.post(f"{prefix}/faults", wrap(faults)),
        web.delete(f"{prefix}/faults", wrap(clear_faults)),
        web.get(f"{prefix}/totals", wrap(totals)),
    ]


def _admin_error(status: int, message: str, code: int | None = None) -> web.Response:
    body: dict[str, Any] = {"error": message}
    if code is not None:
        body["code"] = code
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")
