"""Intent stores and the persisted record: round trip, open intents only, reopening SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.chain.tx import (
    InMemoryIntentStore,
    IntentRecord,
    IntentStatus,
    SqliteIntentStore,
    TxAttempt,
    TxRequest,
)

SENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _record(
    intent_id: str, nonce: int, status: IntentStatus, chain_id: int = 42161
) -> IntentRecord:
    attempt = TxAttempt(
        tx_hash="0x" + f"{nonce:02x}" * 32,
        raw_tx="0x02f8",
        max_fee_per_gas=3 * 10**27,
        max_priority_fee_per_gas=10**9,
        signed_ns=5,
    )
    return IntentRecord(
        chain_id=chain_id,
        intent_id=intent_id,
        sender=SENDER,
        nonce=nonce,
        gas_limit=25_200,
        request=TxRequest(to=SENDER, data=b"\x01\x02", value=10**30),
        status=status,
        attempts=(attempt, attempt),
        created_ns=1,
        updated_ns=2,
        last_broadcast_ns=3,
        tx_hash=attempt.tx_hash,
        block_number=9,
        block_hash="0x" + "cc" * 32,
        gas_used=21_000,
        effective_gas_price=7,
        contract_address=None,
        error="why",
    )


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "memory":
        yield InMemoryIntentStore()
        return
    sqlite_store = await SqliteIntentStore.open(tmp_path / "i.db")
    yield sqlite_store
    await sqlite_store.close()


def test_record_json_round_trip_keeps_big_integers_exact() -> None:
    record = _record("a", 3, IntentStatus.MINED)
    assert IntentRecord.from_json(record.to_json()) == record


async def test_get_put_and_open_intents(store) -> None:  # type: ignore[no-untyped-def]
    assert await store.get(42161, "a") is None
    records = [
        _record("c", 2, IntentStatus.MINED),
        _record("a", 0, IntentStatus.SIGNED),
        _record("b", 1, IntentStatus.BROADCAST),
        _record("d", 3, IntentStatus.CONFIRMED),
        _record("e", 4, IntentStatus.REVERTED),
        _record("f", 5, IntentStatus.REJECTED),
        _record("g", 6, IntentStatus.FAILED),
        _record("h", 0, IntentStatus.SIGNED, chain_id=8453),
    ]
    for record in records:
        await store.put(record)
    assert await store.get(42161, "b") == records[2]
    assert [r.intent_id for r in await store.unfinished(42161, SENDER)] == ["a", "b", "c"]
    assert await store.unfinished(42161, "0x" + "00" * 20) == []
    await store.put(records[1].with_changes(status=IntentStatus.CONFIRMED))
    assert [r.intent_id for r in await store.unfinished(42161, SENDER)] == ["b", "c"]


async def test_sqlite_survives_reopening(tmp_path: Path) -> None:
    first = await SqliteIntentStore.open(tmp_path / "i.db")
    record = _record("x", 0, IntentStatus.BROADCAST)
    await first.put(record)
    await first.close()
    second = await SqliteIntentStore.open(tmp_path / "i.db")
    assert await second.get(42161, "x") == record
    await second.close()
