"""EmailChannel: each alert as a plain-text email through an SMTP server.

The stdlib SMTP client runs in a worker thread (it blocks), so the event loop keeps running.
Subject: ``[tradewind CRITICAL] <title>``; body: the text and the details, one per line.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from tradewind.risk.alerts import Alert, EmailConfig

__all__ = ["EmailChannel"]


class EmailChannel:
    """Sends to every address of ``config.to`` in one message."""

    name = "email"

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def message(self, alert: Alert) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"[tradewind {alert.severity.upper()}] {alert.title}"
        message["From"] = self.config.sender
        message["To"] = ", ".join(self.config.to)
        lines = [alert.text, ""] + [f"{k}: {v}" for k, v in sorted(alert.details.items())]
        message.set_content("\n".join(lines) + f"\nkey: {alert.key}\nts_ns: {alert.ts_ns}\n")
        return message

    async def send(self, alert: Alert) -> None:
        await asyncio.to_thread(self._send, self.message(alert))

    def _send(self, message: EmailMessage) -> None:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_ms / 1000) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
