"""Monitoring: alert channels, the risk control API, dashboards and metrics."""
