"""Monitoring: what people and other systems watch a running node through.

alerts      alert channels (webhook, email, log) behind tradewind.risk.alerts
control     the risk control API (halt, resume, kill switch) and its server
dashboards  Grafana dashboards as code (python -m tradewind.monitor.dashboards)
web         the live web dashboard (aiohttp): one page, a WebSocket of snapshots, /api/snapshot
"""
