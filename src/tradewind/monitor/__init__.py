"""Monitoring above the desks: dashboards as code (``dashboards``), alerts and the web UI."""
