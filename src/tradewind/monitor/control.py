"""The risk control API: trading states, halt, resume and the kill switch over HTTP.

    GET  /api/risk                          {"node", "states", "open_orders", "actions"}
    POST /api/risk/halt    {"scope", "key", "reason"}   scope: global | venue | strategy
    POST /api/risk/resume  {"scope", "key"}
    POST /api/risk/kill    {"reason"}                   global HALT + cancel every open order

Every request needs ``Authorization: Bearer <token>`` when the node has a control token (401
otherwise). A bad body is a 400 ``{"error": "<one line>"}`` and changes nothing. Each halt,
resume and kill is recorded and alerted like any risk action (``RiskSupervisor.operator_action``).

``control_routes(node)`` gives the routes alone, so another web server (the dashboard) can mount
them; ``ControlServer`` is a node component that serves them on ``[control] listen``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tradewind.common.logging import get_logger
from tradewind.node import TradingNode
from tradewind.node.config import ControlSection
from tradewind.risk.engine import Scope

__all__ = ["ControlServer", "control_routes"]

log = get_logger("monitor.control")

Handler = Callable[[web.Request], Awaitable[web.Response]]


class _BadRequest(ValueError):
    """The body is wrong; the message says how (one line)."""


def control_routes(node: TradingNode, token: str | None = None) -> list[web.RouteDef]:
    """The control API's routes on ``node``; ``token`` defaults to the node's ``[control]``
    token ("" = no token asked: keep such a server on loopback)."""
    if token is None:
        token = node.config.control.token if node.config.control is not None else ""
    expected = f"Bearer {token}".encode()

    def guarded(handler: Handler) -> Handler:
        async def run(request: web.Request) -> web.Response:
            if token:
                given = request.headers.get("Authorization", "").encode()
                if not hmac.compare_digest(given, expected):
                    return _error(401, "missing or wrong bearer token")
            try:
                return await handler(request)
            except _BadRequest as exc:
                return _error(400, str(exc))

        return run

    async def status(request: web.Request) -> web.Response:
        return web.json_response(_status(node))

    async def halt(request: web.Request) -> web.Response:
        body = await _body(request)
        scope, key = _scope(node, body)
        reason = _text(body, "reason")
        node.risk.halt(f"operator: {reason}", scope, key)
        node.supervisor.operator_action("halt", _label(scope, key), reason)
        log.warning("control_halt", scope=str(scope), key=key, reason=reason)
        return web.json_response(_status(node))

    async def resume(request: web.Request) -> web.Response:
        body = await _body(request)
        scope, key = _scope(node, body)
        node.risk.resume(scope, key)
        node.supervisor.operator_action("resume", _label(scope, key), "operator", fired=False)
        log.warning("control_resume", scope=str(scope), key=key)
        return web.json_response(_status(node))

    async def kill(request: web.Request) -> web.Response:
        body = await _body(request)
        reason = _text(body, "reason")
        node.kill_switch(f"operator: {reason}")
        node.supervisor.operator_action("kill", "global", reason)
        log.error("control_kill", reason=reason)
        return web.json_response(_status(node))

    return [
        web.get("/api/risk", guarded(status)),
        web.post("/api/risk/halt", guarded(halt)),
        web.post("/api/risk/resume", guarded(resume)),
        web.post("/api/risk/kill", guarded(kill)),
    ]


class ControlServer:
    """A node component serving ``control_routes`` on ``[control] listen``; ``url`` once
    started (port 0 picks a free port)."""

    name = "control-api"

    def __init__(self, node: TradingNode, config: ControlSection) -> None:
        self._node = node
        self.config = config
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def restore(self) -> None:
        return None

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(control_routes(self._node, self.config.token))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
        log.info("control_listening", url=self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _status(node: TradingNode) -> dict[str, Any]:
    health = node.health()
    return {
        "node": str(health.state),
        "states": dict(health.risk),
        "open_orders": {name: venue["open_orders"] for name, venue in health.venues.items()},
        "actions": node.supervisor.status(),
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _BadRequest(f"{name!r} must be a non-empty string")
    return value.strip()


def _scope(node: TradingNode, body: dict[str, Any]) -> tuple[Scope, str]:
    raw = body.get("scope", "global")
    try:
        scope = Scope(raw)
    except ValueError:
        raise _BadRequest(f"scope {raw!r}: global, venue or strategy expected") from None
    if scope is Scope.GLOBAL:
        if body.get("key"):
            raise _BadRequest("a global scope takes no key")
        return scope, ""
    key = _text(body, "key")
    if scope is Scope.VENUE and key not in node.cache.venues:
        raise _BadRequest(f"no venue {key!r} on this node (venues: {', '.join(node.cache.venues)})")
    if scope is Scope.STRATEGY:
        try:
            node.actor(key)
        except KeyError:
            raise _BadRequest(f"no strategy {key!r} on this node") from None
    return scope, key


def _label(scope: Scope, key: str) -> str:
    return "global" if scope is Scope.GLOBAL else f"{scope}:{key}"
