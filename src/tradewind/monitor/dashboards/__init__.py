"""Grafana dashboards as code (grafana-foundation-sdk, Grafana 11 flavour).

    boards.py    the dashboards: index desk, risk, venues, chain
    panels.py    panel helpers (time series, stat, state mappings; the $datasource variable)

``python -m tradewind.monitor.dashboards --out deploy/grafana`` writes one JSON file per
dashboard; the output is deterministic (sorted keys, two-space indent, trailing newline), so the
committed files equal a fresh generation and ``make`` never rewrites them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard

from tradewind.monitor.dashboards.boards import (
    chain_dashboard,
    index_desk_dashboard,
    risk_dashboard,
    venues_dashboard,
)

__all__ = ["DASHBOARDS", "build_dashboard", "render_dashboards", "write_dashboards"]

DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "tradewind-index-desk.json": index_desk_dashboard,
    "tradewind-risk.json": risk_dashboard,
    "tradewind-venues.json": venues_dashboard,
    "tradewind-chain.json": chain_dashboard,
}


def build_dashboard(make: Callable[[], Dashboard]) -> dashboard.Dashboard:
    """The dashboard model, its panels numbered from 1 in layout order (Grafana links to a
    panel by its id, so ids must be unique and stable)."""
    board = make().build()
    for number, panel in enumerate(board.panels or [], start=1):
        panel.id_val = number
    return board


def render_dashboards() -> dict[str, str]:
    """File name → dashboard JSON text, for every dashboard."""
    return {
        name: json.dumps(build_dashboard(make), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"
        for name, make in DASHBOARDS.items()
    }


def write_dashboards(out: Path) -> list[Path]:
    """Write every dashboard into ``out`` (created if missing); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_dashboards().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
