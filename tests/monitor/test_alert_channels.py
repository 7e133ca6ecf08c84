"""Alert channels against real local servers: the webhook POSTs JSON to an aiohttp server
(retrying a 503 and a timeout, not a 404), the email reaches an SMTP sink (aiosmtpd), and the
dispatcher drops repeats and rate-limits a channel."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from email import message_from_bytes
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from tradewind.core.clock import SECOND_NS, LiveClock, TestClock
from tradewind.monitor.alerts import EmailChannel, LogChannel, WebhookChannel, build_dispatcher
from tradewind.monitor.alerts.webhook import AlertNotDelivered
from tradewind.risk.alerts import (
    Alert,
    AlertDispatcher,
    AlertsConfig,
    EmailConfig,
    Severity,
    WebhookConfig,
)

T0 = 1_700_000_000_000_000_000


def _alert(key: str = "plan:delta_high:asset:BTC:fired") -> Alert:
    return Alert(
        key=key,
        severity=Severity.CRITICAL,
        title="risk plan delta_high fired on asset:BTC",
        text="plan delta_high fired on asset:BTC: net_delta=0.08 (repay_borrowed, unwind)",
        ts_ns=T0,
        details={"actions": ["repay_borrowed", "unwind"], "value": 0.08},
    )


class Hook:
    """A local webhook receiver whose answers the test scripts (status, or 'slow')."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.script: list[int | str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        step = self.script.pop(0) if self.script else 200
        if step == "slow":
            await asyncio.sleep(1)
            step = 200
        assert isinstance(step, int)
        return web.Response(status=step)


@pytest.fixture
async def hook() -> AsyncIterator[tuple[Hook, str]]:
    receiver = Hook()
    app = web.Application()
    app.router.add_post("/alerts", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield receiver, f"http://127.0.0.1:{port}/alerts"
    await runner.cleanup()


async def test_the_webhook_posts_the_alert_as_json(hook: tuple[Hook, str]) -> None:
    receiver, url = hook
    channel = WebhookChannel(WebhookConfig(url=url), LiveClock())
    await channel.send(_alert())
    [body] = receiver.bodies
    assert body["key"] == "plan:delta_high:asset:BTC:fired"
    assert body["severity"] == "critical" and body["ts_ns"] == T0
    assert body["details"] == {"actions": ["repay_borrowed", "unwind"], "value": 0.08}


async def test_the_webhook_retries_a_server_error_and_a_timeout(hook: tuple[Hook, str]) -> None:
    receiver, url = hook
    receiver.script = [503, "slow", 200]
    config = WebhookConfig(url=url, timeout_ms=200, retries=2, retry_delay_ms=10)
    channel = WebhookChannel(config, LiveClock())
    await channel.send(_alert())
    assert channel.attempts == 3 and len(receiver.bodies) == 3


async def test_the_webhook_gives_up_on_a_client_error_at_once(hook: tuple[Hook, str]) -> None:
    receiver, url = hook
    receiver.script = [404]
    channel = WebhookChannel(WebhookConfig(url=url, retries=3, retry_delay_ms=10), LiveClock())
    with pytest.raises(AlertNotDelivered, match="HTTP 404"):
        await channel.send(_alert())
    assert channel.attempts == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_webhook_fails_after_its_retries() -> None:
    port = _free_port()
    config = WebhookConfig(url=f"http://127.0.0.1:{port}/x", retries=1, retry_delay_ms=10)
    channel = WebhookChannel(config, LiveClock())
    with pytest.raises(AlertNotDelivered, match="ClientConnectorError"):
        await channel.send(_alert())
    assert channel.attempts == 2


class Sink:
    """aiosmtpd handler keeping each message's envelope and content."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


async def test_the_email_reaches_the_smtp_sink() -> None:
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = EmailConfig(
            host="127.0.0.1",
            port=port,
            sender="tradewind@example.com",
            to=("desk@example.com", "risk@example.com"),
        )
        await EmailChannel(config).send(_alert())
    finally:
        controller.stop()
    [(sender, recipients, content)] = sink.messages
    assert sender == "tradewind@example.com"
    assert recipients == ["desk@example.com", "risk@example.com"]
    message = message_from_bytes(content)
    assert message["Subject"] == "[tradewind CRITICAL] risk plan delta_high fired on asset:BTC"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"net_delta=0.08 (repay_borrowed, unwind)" in body
    assert b"key: plan:delta_high:asset:BTC:fired" in body


class Memory:
    def __init__(self, name: str) -> None:
        self.name = name
        self.alerts: list[Alert] = []

    async def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


class Broken:
    name = "broken"

    async def send(self, alert: Alert) -> None:
        raise RuntimeError("down")


async def test_the_dispatcher_drops_repeats_and_rate_limits_each_channel() -> None:
    clock = TestClock(T0)
    memory = Memory("memory")
    dispatcher = AlertDispatcher(
        [memory, Broken(), LogChannel()], clock, dedupe_ms=60_000, max_per_minute=3
    )
    assert await dispatcher.send(_alert("a"))
    assert not await dispatcher.send(_alert("a"))  # a repeat within a minute
    # the broken channel's failure is logged; the others got the alert
    assert dispatcher.duplicates == 1 and dispatcher.failures == 1
    clock.advance_by(61 * SECOND_NS)
    assert await dispatcher.send(_alert("a"))  # the same situation again, later: sent
    for key in ("b", "c", "d", "e"):
        await dispatcher.send(_alert(key))
    assert [a.key for a in memory.alerts] == ["a", "a", "b", "c"]  # 3 in this minute
    assert dispatcher.suppressed["memory"] == 2
    clock.advance_by(61 * SECOND_NS)
    await dispatcher.send(_alert("f"))
    assert memory.alerts[-1].key == "f"
    assert memory.alerts[-1].text.endswith("(2 earlier alerts suppressed by the rate limit)")


async def test_build_dispatcher_makes_the_configured_channels(hook: tuple[Hook, str]) -> None:
    receiver, url = hook
    config = AlertsConfig.model_validate({"webhooks": [{"url": url}], "dedupe_ms": 0})
    dispatcher = build_dispatcher(config, LiveClock())
    assert [c.name for c in dispatcher.channels] == ["log", f"webhook:{url}"]
    await dispatcher.send(_alert())
    assert len(receiver.bodies) == 1
    with pytest.raises(ValueError, match="url"):
        AlertsConfig.model_validate({"webhooks": [{"url": "ftp://x"}]})
