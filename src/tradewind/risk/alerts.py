"""Alerts and the record of risk actions: one interface, many channels.

    supervisor ─ ActionRecord ─▶ ActionRecorder.record   (the hash-chained audit log, wired in app)
               └ Alert ───────▶ AlertDispatcher.send ─▶ AlertChannel.send × every channel
                                  (dedupe, rate limit)     (webhook, email, log: monitor.alerts)

``AlertDispatcher`` drops a repeat of the same ``Alert.key`` within ``dedupe_ms`` and lets at
most ``max_per_minute`` alerts through per channel (the rest are counted as suppressed and the
next one that passes says how many were). A channel that fails is logged; the others still get
the alert. Times come from the clock.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock

__all__ = [
    "ActionRecord",
    "ActionRecorder",
    "Alert",
    "AlertChannel",
    "AlertDispatcher",
    "AlertsConfig",
    "EmailConfig",
    "Severity",
    "WebhookConfig",
]

log = get_logger("risk.alerts")


class Severity(StrEnum):
    """How loudly an alert speaks."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    """One message for people. ``key`` identifies repeats (same key = same situation)."""

    key: str
    severity: Severity
    title: str
    text: str
    ts_ns: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["severity"] = str(self.severity)
        return found


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A risk action that fired or released: what, on which scope, why. ``kind`` is "plan",
    "breaker", "operator" (halt/resume/kill through the control API)."""

    kind: str
    name: str
    scope: str
    fired: bool
    reason: str
    actions: tuple[str, ...]
    ts_ns: int

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys), the bytes the audit log chains."""
        body = asdict(self)
        body["actions"] = list(self.actions)
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class ActionRecorder(Protocol):
    """Where risk actions are recorded (the app wires the portfolio's audit log)."""

    async def record(self, record: ActionRecord) -> None: ...


class AlertChannel(Protocol):
    """One way to reach people: a webhook, an email address, the log."""

    @property
    def name(self) -> str: ...

    async def send(self, alert: Alert) -> None: ...


class AlertDispatcher:
    """Send each alert to every channel, without repeats and within a rate."""

    def __init__(
        self,
        channels: list[AlertChannel],
        clock: Clock,
        *,
        dedupe_ms: int = 300_000,
        max_per_minute: int = 20,
    ) -> None:
        self.channels = list(channels)
        self._clock = clock
        self._dedupe_ns = dedupe_ms * 1_000_000
        self._max = max_per_minute
        self._last_sent: dict[str, int] = {}  # key → ts_ns
        self._sent: dict[str, deque[int]] = {}  # channel → ts of recent sends
        self.suppressed: dict[str, int] = {}  # channel → dropped by the rate limit
        self.duplicates = 0
        self.failures = 0

    async def send(self, alert: Alert) -> bool:
        """Deliver to every channel; False if it was a repeat and dropped."""
        now = self._clock.now_ns()
        last = self._last_sent.get(alert.key)
        if last is not None and now - last < self._dedupe_ns:
            self.duplicates += 1
            return False
        self._last_sent[alert.key] = now
        jobs = [
            self._deliver(channel, alert, now)
            for channel in self.channels
            if self._admit(channel.name, now)
        ]
        await asyncio.gather(*jobs)
        return True

    def _admit(self, channel: str, now: int) -> bool:
        sent = self._sent.setdefault(channel, deque())
        while sent and sent[0] <= now - 60_000_000_000:
            sent.popleft()
        if len(sent) >= self._max:
            self.suppressed[channel] = self.suppressed.get(channel, 0) + 1
            log.warning("alert_rate_limited", channel=channel)
            return False
        sent.append(now)
        return True

    async def _deliver(self, channel: AlertChannel, alert: Alert, now: int) -> None:
        dropped = self.suppressed.pop(channel.name, 0)
        if dropped:
            alert = Alert(
                alert.key,
                alert.severity,
                alert.title,
                f"{alert.text} ({dropped} earlier alerts suppressed by the rate limit)",
                alert.ts_ns,
                alert.details,
            )
        try:
            await channel.send(alert)
        except Exception as exc:
            self.failures += 1
            log.error("alert_failed", channel=channel.name, key=alert.key, error=repr(exc))


class WebhookConfig(BaseModel):
    """An HTTP endpoint that gets each alert as a JSON POST; times in ms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^https?://")
    timeout_ms: int = Field(default=5000, ge=1)
    retries: int = Field(default=2, ge=0)  # after the first attempt
    retry_delay_ms: int = Field(default=500, ge=0)  # doubled after each failure
    headers: dict[str, str] = Field(default_factory=dict, repr=False)


class EmailConfig(BaseModel):
    """An SMTP server and who gets the alerts (the password is kept out of repr)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    to: tuple[str, ...] = Field(min_length=1)
    starttls: bool = False
    username: str = ""
    password: str = Field(default="", repr=False)
    timeout_ms: int = Field(default=10_000, ge=1)


class AlertsConfig(BaseModel):
    """The node TOML's ``[alerts]`` table: channels, deduplication and rate limit.

    [alerts]
    log = true                     # every alert as a structured log line
    dedupe_ms = 300000             # a repeat of the same alert within this is dropped
    max_per_minute = 20            # per channel
    [[alerts.webhooks]]
    url = "https://hooks.example/tradewind"
    [alerts.email]
    host = "127.0.0.1"
    port = 25
    sender = "tradewind@example.com"
    to = ["desk@example.com"]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    log: bool = True
    dedupe_ms: int = Field(default=300_000, ge=0)
    max_per_minute: int = Field(default=20, ge=1)
    webhooks: tuple[WebhookConfig, ...] = ()
    email: EmailConfig | None = None
