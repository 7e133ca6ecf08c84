"""The dashboard's HTTP side (aiohttp): the page, its static files, ``GET /api/snapshot`` and
the ``/ws`` WebSocket that pushes a snapshot on every change.

    GET /                  the page (static HTML/CSS/JS shipped in the package; no CDN)
    GET /static/{file}     dashboard.js, dashboard.css
    GET /api/snapshot      the snapshot as JSON (tradewind.monitor.web.snapshot)
    GET /ws                {"type": "snapshot", "data": {...}} on connect and on each change

Changes: every order event, balance update and halt on the node asks for a push; a push goes out
at most every ``min_interval_ms`` (100 ms: ≤ 10 a second) and only if the snapshot differs from
the last one sent. A timer every ``refresh_ms`` catches what has no event (prices, measures).
Every wait goes through the node's clock.

``dashboard_routes(dashboard)`` returns the routes, so another component's routes (control
actions) can be mounted on the same aiohttp application.
"""

from __future__ import annotations

import asyncio
import contextlib
from importlib import resources
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from tradewind.bus.interface import Subscription
from tradewind.common.logging import get_logger
from tradewind.common.metrics import parse_listen
from tradewind.core.clock import TimeEvent
from tradewind.core.events import BalanceUpdated, OrderEvent
from tradewind.core.messages import Message
from tradewind.monitor.web.snapshot import AlertSource, DashboardState
from tradewind.node import TradingNode
from tradewind.risk.engine import Scope

__all__ = ["Dashboard", "DashboardServer", "dashboard_routes"]

log = get_logger("monitor.web")

_STATIC = {
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
}
_MS = 1_000_000


class Dashboard:
    """Snapshots of a node, and the WebSocket clients they are pushed to (throttled)."""

    def __init__(
        self,
        node: TradingNode,
        *,
        alert_source: AlertSource | None = None,
        min_interval_ms: int = 100,
        refresh_ms: int = 1000,
    ) -> None:
        self.node = node
        self.state = DashboardState(node, alert_source=alert_source)
        self._min_interval_ns = min_interval_ms * _MS
        self._refresh_ns = refresh_ms * _MS
        self._clients: set[web.WebSocketResponse] = set()
        self._last_sent: bytes = b""
        self._last_push_ns = 0
        self._pending: asyncio.Task[None] | None = None
        self._subscriptions: list[Subscription] = []
        self._timer = f"dashboard:{id(self)}"
        self.pushes = 0

    def snapshot_json(self) -> bytes:
        return orjson.dumps(self.state.snapshot())

    def follow(self) -> None:
        """Push on the node's changes: order events, balances, halts, and a refresh timer."""
        bus = self.node.bus
        self._subscriptions = [
            bus.subscribe(OrderEvent, self._on_message),
            bus.subscribe(BalanceUpdated, self._on_message),
        ]
        self.node.risk.on_halt(self._on_halt)
        self.node.clock.set_timer(self._timer, self._refresh_ns, self._on_timer)

    async def close(self) -> None:
        self.node.clock.cancel_timer(self._timer)
        for subscription in self._subscriptions:
            self.node.bus.unsubscribe(subscription)
        if self._pending is not None:
            self._pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pending
        for client in list(self._clients):
            await client.close()

    def _on_message(self, _message: Message) -> None:
        self.changed()

    def _on_halt(self, _scope: Scope, _key: str) -> None:
        self.changed()

    def _on_timer(self, _event: TimeEvent) -> None:
        self.changed()

    def changed(self) -> None:
        """Something may have changed: push soon (at most one push per ``min_interval_ms``)."""
        if not self._clients or (self._pending is not None and not self._pending.done()):
            return
        self._pending = asyncio.get_running_loop().create_task(self._push_soon())

    async def _push_soon(self) -> None:
        clock = self.node.clock
        wait = self._last_push_ns + self._min_interval_ns - clock.now_ns()
        if wait > 0:
            await clock.sleep(wait)
        self._last_push_ns = clock.now_ns()
        await self.push()

    async def push(self) -> None:
        """Send the snapshot to every client if it differs from the last one sent."""
        data = self.snapshot_json()
        if data == self._last_sent:
            return
        self._last_sent = data
        self.pushes += 1
        message = b'{"type":"snapshot","data":' + data + b"}"
        for client in list(self._clients):
            try:
                await client.send_str(message.decode())
            except (ConnectionError, RuntimeError):
                self._clients.discard(client)

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        data = self.snapshot_json()
        await socket.send_str('{"type":"snapshot","data":' + data.decode() + "}")
        self._clients.add(socket)
        try:
            async for message in socket:
                if message.type is WSMsgType.ERROR:
                    break  # the page only listens; anything it sends is ignored
        finally:
            self._clients.discard(socket)
        return socket


def dashboard_routes(dashboard: Dashboard) -> list[web.RouteDef]:
    """The dashboard's routes, for ``app.add_routes`` on any aiohttp application."""

    async def page(_request: web.Request) -> web.Response:
        return web.Response(body=_asset("index.html"), content_type="text/html", charset="utf-8")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        kind = _STATIC.get(name)
        if kind is None:
            raise web.HTTPNotFound(text=f"no static file {name!r}")
        return web.Response(body=_asset(name), content_type=kind, charset="utf-8")

    async def snapshot(_request: web.Request) -> web.Response:
        return web.Response(body=dashboard.snapshot_json(), content_type="application/json")

    return [
        web.get("/", page),
        web.get("/static/{name}", static),
        web.get("/api/snapshot", snapshot),
        web.get("/ws", dashboard.websocket),
    ]


def _asset(name: str) -> bytes:
    return resources.files("tradewind.monitor.web").joinpath("static", name).read_bytes()


class DashboardServer:
    """A node Component serving the dashboard on ``listen`` ("127.0.0.1:8080"; port 0 picks a
    free one, ``url`` says which once started). ``app`` is the aiohttp application: mount more
    routes on it before the node starts."""

    def __init__(
        self,
        node: TradingNode,
        listen: str,
        *,
        alert_source: AlertSource | None = None,
        min_interval_ms: int = 100,
    ) -> None:
        self._host, self._port = parse_listen(listen, "127.0.0.1:8080")
        self.dashboard = Dashboard(node, alert_source=alert_source, min_interval_ms=min_interval_ms)
        self.app = web.Application()
        self.app.add_routes(dashboard_routes(self.dashboard))
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def name(self) -> str:
        return "dashboard"

    async def restore(self) -> None:
        return None

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = _bound(runner)
        self.url = f"http://{host}:{port}/"
        self.dashboard.follow()
        log.info("dashboard_listening", url=self.url)

    async def stop(self) -> None:
        await self.dashboard.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _bound(runner: web.AppRunner) -> tuple[str, int]:
    address: Any = runner.addresses[0]
    host, port = address[0], address[1]
    return (f"[{host}]" if ":" in host else host), int(port)
