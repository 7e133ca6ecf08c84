"""Alert channels (``tradewind.risk.alerts.AlertChannel``): webhook, email, log.

``build_dispatcher(config, clock)`` makes the ``AlertDispatcher`` the ``[alerts]`` table asks for.
"""

from __future__ import annotations

from tradewind.core.clock import TimerClock
from tradewind.monitor.alerts.email import EmailChannel
from tradewind.monitor.alerts.log import LogChannel
from tradewind.monitor.alerts.webhook import WebhookChannel
from tradewind.risk.alerts import AlertChannel, AlertDispatcher, AlertsConfig

__all__ = ["EmailChannel", "LogChannel", "WebhookChannel", "build_dispatcher"]


def build_dispatcher(config: AlertsConfig, clock: TimerClock) -> AlertDispatcher:
    """Every channel the config names, behind one dispatcher (dedupe and rate limit)."""
    channels: list[AlertChannel] = []
    if config.log:
        channels.append(LogChannel())
    channels += [WebhookChannel(hook, clock) for hook in config.webhooks]
    if config.email is not None:
        channels.append(EmailChannel(config.email))
    return AlertDispatcher(
        channels, clock, dedupe_ms=config.dedupe_ms, max_per_minute=config.max_per_minute
    )
