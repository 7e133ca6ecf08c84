"""LogChannel: each alert as one structured log line (level by severity)."""

from __future__ import annotations

from tradewind.common.logging import get_logger
from tradewind.risk.alerts import Alert, Severity

__all__ = ["LogChannel"]

log = get_logger("monitor.alerts")


class LogChannel:
    """Writes alerts to the log; ``sent`` counts them."""

    name = "log"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, alert: Alert) -> None:
        self.sent += 1
        level = {Severity.INFO: log.info, Severity.WARNING: log.warning}.get(
            alert.severity, log.error
        )
        level(
            "alert", key=alert.key, severity=str(alert.severity), title=alert.title, text=alert.text
        )
