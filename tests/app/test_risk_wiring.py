"""The app's wiring of risk actions, end to end in one process: a plan fires on a node and its
alert arrives at a local webhook receiver (aiohttp) and an SMTP sink (aiosmtpd), and its record
is a leaf of the hash-chained audit log whose entry is the matching line of the file beside it."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine
from tests.node.inprocess_venue import T0, Venue

from tradewind.app.risk_wiring import wire_risk
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.node import TradingNode
from tradewind.node.config import load_node_config
from tradewind.portfolio.audit.log import AuditLog
from tradewind.portfolio.audit.merkle import leaf_hash
from tradewind.risk.readings import MeasureReading, Threshold


class Uptime:
    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.value = 1.0

    def readings(self) -> list[MeasureReading]:
        threshold = Threshold("min", limit=0.98, warning=0.995)
        return [
            MeasureReading("uptime", "global", self.value, "ratio", threshold, self.clock.now_ns())
        ]


class Sink:
    def __init__(self) -> None:
        self.contents: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.contents.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_fired_plan_is_alerted_by_webhook_and_email_and_chained_in_the_audit_log(
    tmp_path: Path,
) -> None:
    bodies: list[dict[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    sink = Sink()
    smtp_port = _free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    clock = TestClock(T0)
    venue = Venue(clock)
    audit = tmp_path / "risk-audit.sqlite"
    config = load_node_config(
        {
            "node": {"audit_log": str(audit)},
            "risk": {"supervisor": {"enabled": True, "interval_ms": 1000}},
            "alerts": {
                "webhooks": [{"url": hook}],
                "email": {
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "sender": "node@example.com",
                    "to": ["desk@example.com"],
                },
            },
        },
        environ={},
    )
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    uptime = Uptime(clock)
    node.add_measure_source(uptime)
    assert wire_risk(node) is None  # no [control]: no server
    try:
        await node.start()
        uptime.value = 0.97  # under 98 %: the default plan uptime_critical fires
        clock.advance_by(SECOND_NS)
        await node.supervisor.flush()
    finally:
        await node.stop()
        smtp.stop()
        await runner.cleanup()

    # the warning plan fires on WARNING or worse: both plans act, each alerted once
    assert {b["key"] for b in bodies} == {
        "plan:uptime_critical:global:fired",
        "plan:uptime_warning:global:fired",
    }
    [body] = [b for b in bodies if b["key"] == "plan:uptime_critical:global:fired"]
    assert body["severity"] == "critical"
    assert body["details"]["actions"] == [
        "repay_borrowed", "halt_quoting", "unwind", "backup_data", "raise_monitoring"
    ]  # fmt: skip
    assert len(sink.contents) == 2
    subject = b"Subject: [tradewind CRITICAL] risk plan uptime_critical fired on global"
    assert any(subject in mail for mail in sink.contents)
    lines = (tmp_path / "risk-audit.actions.jsonl").read_bytes().splitlines()
    assert sorted(json.loads(line)["name"] for line in lines) == [
        "uptime_critical",
        "uptime_warning",
    ]
    log = AuditLog(create_engine(f"sqlite:///{audit}"))
    assert log.snapshot("risk").leaf_hashes == tuple(leaf_hash(line) for line in lines)
