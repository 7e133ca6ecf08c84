"""The per-connection outbox: numbering, signing, and cutting off a slow consumer."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import ValidationError

from tradewind.core.clock import SimulatedClock
from tradewind.gateway.fixjson import Ack, FixSession, GatewayLimits, ReplayGuard, recover_signer
from tradewind.gateway.fixjson.connection import GatewayConnection
from tradewind.gateway.fixjson.rate_limit import WeightedRateLimiter
from tradewind.gateway.fixjson.signing import address_of, as_private_key

SERVER_KEY = "0x" + "5e" * 32
USER = address_of("0x" + "a1" * 32)


def connection(send_text, close, queue_size: int = 8) -> GatewayConnection:
    clock = SimulatedClock(1_735_689_600_000_000_000)
    limits = GatewayLimits()
    session = FixSession(
        comp_id="TRADEWIND",
        limits=limits,
        clock=clock,
        rate_limiter=WeightedRateLimiter(capacity=20, refill_per_second=1, clock=clock),
        replay_guard=ReplayGuard(retention_ns=limits.replay_retention_ns),
    )
    return GatewayConnection(
        session=session,
        send_text=send_text,
        close=close,
        server_key=as_private_key(SERVER_KEY),
        clock=clock,
        queue_size=queue_size,
    )


async def test_messages_are_numbered_signed_and_sent_in_order() -> None:
    sent: list[str] = []

    async def send_text(text: str) -> None:
        sent.append(text)

    async def close(code: int, reason: str) -> None:
        raise AssertionError("not expected")

    outbox = connection(send_text, close)
    for ref in (3, 4):
        outbox.send(Ack, chain_id=1, address=USER, fields={"ref_seq_num": ref})
    with pytest.raises(ValidationError):
        outbox.send(Ack, chain_id=1, address=USER, fields={"ref_seq_num": 0})
    outbox.send(Ack, chain_id=1, address=USER, fields={"ref_seq_num": 5})
    while len(sent) < 3:
        await asyncio.sleep(0)
    bodies = [json.loads(text) for text in sent]
    assert [b["standard_header"]["seq_num"] for b in bodies] == [1, 2, 3]  # no gap
    assert [b["ref_seq_num"] for b in bodies] == [3, 4, 5]
    assert {recover_signer(b) for b in bodies} == {address_of(SERVER_KEY)}
    assert bodies[0]["standard_header"]["target_comp_id"] == "UNKNOWN"
    await outbox.aclose()


async def test_slow_consumer_is_disconnected() -> None:
    stuck = asyncio.Event()
    closed: list[tuple[int, str]] = []

    async def send_text(text: str) -> None:
        await stuck.wait()

    async def close(code: int, reason: str) -> None:
        closed.append((code, reason))

    outbox = connection(send_text, close, queue_size=2)
    await asyncio.sleep(0)
    for ref in range(1, 6):  # one in the writer's hands, two queued, then overflow
        outbox.send(Ack, chain_id=1, address=USER, fields={"ref_seq_num": ref})
    stuck.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert closed == [(1013, "slow consumer")]
    await outbox.aclose()
