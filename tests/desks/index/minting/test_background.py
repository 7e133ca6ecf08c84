"""SettlementTasks: one task per invoice, node trouble retried, other failures end it logged."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from tradewind.chain.tx import TransactionWouldRevert
from tradewind.desks.index.minting import InvalidSettlementConfigError, SettlementTasks


async def test_a_transient_failure_is_retried_until_the_work_succeeds() -> None:
    tasks: SettlementTasks[str] = SettlementTasks(
        action="test", retry_delay_s=0.001, max_retry_delay_s=0.002
    )
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise ConnectionRefusedError("node down")
        return "0xhash"

    with capture_logs() as logs:
        assert tasks.spawn("inv-1", flaky)
        assert await tasks.wait("inv-1") == "0xhash"
    assert calls == 4
    assert [e["event"] for e in logs] == ["chain.settlement_retry"] * 3


async def test_a_task_runs_once_at_a_time_per_key_and_a_final_failure_is_logged() -> None:
    tasks: SettlementTasks[str] = SettlementTasks(action="test")
    gate = asyncio.Event()
    runs = 0

    async def reverts() -> str:
        nonlocal runs
        runs += 1
        await gate.wait()
        raise TransactionWouldRevert("mint:x", "InvoiceAlreadyMinted(0x…)")

    assert tasks.spawn("inv-2", reverts)
    assert not tasks.spawn("inv-2", reverts)  # still running: not started again
    assert tasks.active == ["inv-2"]
    gate.set()
    with capture_logs() as logs:
        await tasks.drain()
    assert runs == 1 and tasks.active == []
    [failed] = logs
    assert failed["event"] == "chain.settlement_failed" and failed["invoice_id"] == "inv-2"
    assert await tasks.wait("inv-2") is None


async def test_stop_cancels_what_runs() -> None:
    tasks: SettlementTasks[str] = SettlementTasks(action="test")

    async def forever() -> str:
        await asyncio.Event().wait()
        return "never"

    tasks.spawn("inv-3", forever)
    await asyncio.sleep(0)
    await tasks.stop()
    assert tasks.active == []


def test_retry_delays_must_make_sense() -> None:
    with pytest.raises(InvalidSettlementConfigError):
        SettlementTasks(action="test", retry_delay_s=0)
    with pytest.raises(InvalidSettlementConfigError):
        SettlementTasks(action="test", retry_delay_s=2, max_retry_delay_s=1)
