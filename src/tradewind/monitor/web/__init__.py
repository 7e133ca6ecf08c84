"""The live web dashboard a node serves: positions, PnL, quotes, fills, risk states, measures
coloured by band, alerts and charts, pushed over a WebSocket.

    DashboardState     builds the JSON snapshot from a node (pure reads of the cache and readings)
    Dashboard          the snapshot pusher: WebSocket clients, throttled pushes on every change
    dashboard_routes   the routes (page, static files, /api/snapshot, /ws) for any aiohttp app
    DashboardServer    a node Component serving them on ``[monitor] listen``
"""

from tradewind.monitor.web.server import Dashboard, DashboardServer, dashboard_routes
from tradewind.monitor.web.snapshot import DashboardState

__all__ = ["Dashboard", "DashboardServer", "DashboardState", "dashboard_routes"]
