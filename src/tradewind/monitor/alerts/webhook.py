"""WebhookChannel: POST each alert as JSON; a timeout per attempt, retries with backoff.

Body: ``{"key", "severity", "title", "text", "ts_ns", "details"}``. A 2xx answer is delivery; a
5xx, 429, timeout or connection error is retried after ``retry_delay_ms`` (doubled each time,
waited on the clock); any other 4xx is not retried (the request is wrong, a retry would be too).
The last failure raises ``AlertNotDelivered``; the dispatcher logs it.
"""

from __future__ import annotations

import aiohttp

from tradewind.common.logging import get_logger
from tradewind.core.clock import TimerClock
from tradewind.risk.alerts import Alert, WebhookConfig

__all__ = ["AlertNotDelivered", "WebhookChannel"]

log = get_logger("monitor.alerts.webhook")


class AlertNotDelivered(RuntimeError):
    """A channel gave up on an alert; the message says why."""


class WebhookChannel:
    """One webhook URL."""

    def __init__(self, config: WebhookConfig, clock: TimerClock) -> None:
        self.config = config
        self._clock = clock
        self.name = f"webhook:{config.url}"
        self.attempts = 0

    async def send(self, alert: Alert) -> None:
        config = self.config
        delay_ms = config.retry_delay_ms
        timeout = aiohttp.ClientTimeout(total=config.timeout_ms / 1000)
        problem = ""
        for attempt in range(config.retries + 1):
            if attempt:
                await self._clock.sleep(delay_ms * 1_000_000)
                delay_ms *= 2
            self.attempts += 1
            try:
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.post(
                        config.url, json=alert.to_json(), headers=config.headers
                    ) as answer,
                ):
                    if 200 <= answer.status < 300:
                        return
                    problem = f"HTTP {answer.status}"
                    if answer.status < 500 and answer.status != 429:
                        break
            except (TimeoutError, aiohttp.ClientError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            log.warning(
                "webhook_attempt_failed", url=config.url, attempt=attempt + 1, problem=problem
            )
        raise AlertNotDelivered(f"webhook {config.url}: {problem} (key {alert.key})")
