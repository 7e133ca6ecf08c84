"""Wiring of the node's risk actions to the parts above the node: the audit log (portfolio),
alert channels and the control API (monitor).

    recorder = AuditActionRecorder(Path("var/risk-audit.sqlite"))   # an ActionRecorder
    control = wire_risk(node)        # recorder, alert channels, control server from the config

Each risk action's canonical JSON is appended to the audit log's "risk" tenant (an RFC 6962 tree:
tamper-evident, proofs through `tradewind audit`) and, as one line, to a JSON-lines file beside
it, so leaf i of the log is line i of the file and anyone can recompute the tree from the file.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from tradewind.monitor.alerts import build_dispatcher
from tradewind.monitor.control import ControlServer
from tradewind.node import TradingNode
from tradewind.portfolio.audit.sink import TenantAuditSink, audit_sink
from tradewind.risk.alerts import ActionRecord

__all__ = ["AuditActionRecorder", "wire_risk"]


class AuditActionRecorder:
    """``ActionRecorder`` over the hash-chained audit log (SQLite file ``database``)."""

    def __init__(self, database: Path, tenant: str = "risk") -> None:
        self.sink: TenantAuditSink = audit_sink(database, tenant)
        self.entries = database.with_name(database.stem + ".actions.jsonl")
        self._lock = threading.Lock()

    async def record(self, record: ActionRecord) -> None:
        await asyncio.to_thread(self._append, record.to_bytes())

    def _append(self, entry: bytes) -> None:
        with self._lock:  # leaf i of the log is line i of the file
            self.sink.append(entry)
            with self.entries.open("ab") as lines:
                lines.write(entry + b"\n")


def wire_risk(node: TradingNode) -> ControlServer | None:
    """Give ``node`` its audit recorder (``[node] audit_log``), alert channels (``[alerts]``)
    and control server (``[control]``, returned; None without one). Before ``node.restore``."""
    config = node.config
    if config.node.audit_log:
        node.supervisor.recorder = AuditActionRecorder(Path(config.node.audit_log))
    node.supervisor.alerts = build_dispatcher(config.alerts, node.clock)
    if config.control is None:
        return None
    server = ControlServer(node, config.control)
    node.add_component(server)
    return server
