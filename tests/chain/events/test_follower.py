"""The event follower on a real anvil node: depth, reorgs, restarts, foreign and forged logs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract.async_contract import AsyncContract

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.events import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    ChainIdMismatchError,
    EventFilter,
    EventFollower,
    FollowerCommit,
    FollowerStateError,
    FollowerStore,
    InMemoryFollowerStore,
    SqliteFollowerStore,
)
from tradewind.chain.nodes import AnvilNode

USER = ANVIL_DEV_ACCOUNTS[4].address
OTHER = ANVIL_DEV_ACCOUNTS[5].address
ZERO = "0x0000000000000000000000000000000000000000"


def _of(kind: type[ChainEvent], events: Sequence[ChainEvent]) -> list[Any]:
    return [e for e in events if type(e) is kind]


def _kinds(events: Sequence[ChainEvent]) -> list[str]:
    return [type(e).__name__.removeprefix("ChainEvent") for e in events]


async def test_a_deposit_is_seen_then_confirmed_once_at_depth(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    follower = make_follower()
    tx_hash = await faucet(usdc, USER, 2_500_000)
    first = await follower.poll()
    assert _kinds(first) == ["Seen"]
    seen = first[0]
    assert seen.args == {"from": ZERO, "to": USER, "value": 2_500_000}
    assert isinstance(seen.args["value"], int)
    assert seen.tx_hash == tx_hash
    assert seen.address == usdc.address
    assert seen.chain_id == 42161
    assert seen.filter_name == "usdc_transfer" and seen.event_name == "Transfer"
    assert seen.block_number == await anvil_arbitrum.block_number()
    assert seen.ts_event > 0

    await anvil_arbitrum.mine(1)
    assert await follower.poll() == []  # 2 of 3 blocks deep
    await anvil_arbitrum.mine(1)
    confirmed = await follower.poll()
    assert _kinds(confirmed) == ["Confirmed"]
    assert confirmed[0].key == seen.key
    assert confirmed[0].args == seen.args
    assert confirmed[0].confirmations == 3
    await anvil_arbitrum.mine(5)
    assert await follower.poll() == []
    assert follower.pending == []


async def test_a_deposit_whose_block_is_reverted_is_retracted_and_never_confirmed(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    follower = make_follower()
    await follower.poll()
    snapshot = await anvil_arbitrum.snapshot()
    await faucet(usdc, USER, 1_000_000)
    await anvil_arbitrum.mine(1)
    (seen,) = await follower.poll()
    assert isinstance(seen, ChainEventSeen)

    await anvil_arbitrum.revert(snapshot)  # the deposit's block is gone ...
    await anvil_arbitrum.mine(4)  # ... and a longer chain without it grows in its place
    with capture_logs() as logs:
        after = await follower.poll()
    assert _kinds(after) == ["Retracted"]
    assert after[0].key == seen.key
    assert any(entry["event"] == "chain.reorg_detected" for entry in logs)
    await anvil_arbitrum.mine(10)
    assert await follower.poll() == []
    assert follower.pending == []


async def test_anvil_reorg_before_depth_retracts(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    follower = make_follower()
    await faucet(usdc, USER, 10)
    await faucet(usdc, OTHER, 20)
    seen = await follower.poll()
    assert [e.args["value"] for e in seen] == [10, 20]
    await anvil_arbitrum.reorg(1)  # replaces the block of the second deposit only
    events = await follower.poll()
    assert _kinds(events) == ["Retracted"]
    assert events[0].args["value"] == 20
    await anvil_arbitrum.mine(3)
    confirmed = await follower.poll()
    assert [(type(e), e.args["value"]) for e in confirmed] == [(ChainEventConfirmed, 10)]


async def test_a_deposit_seen_in_two_blocks_is_confirmed_once(
    make_follower: Any,
    usdc: AsyncContract,
    faucet: Any,
    anvil_arbitrum: AnvilNode,
    w3: AsyncWeb3[Any],
) -> None:
    follower = make_follower()
    await follower.poll()
    snapshot = await anvil_arbitrum.snapshot()
    tx_hash = await faucet(usdc, USER, 777)
    raw = await anvil_arbitrum.request("eth_getRawTransactionByHash", tx_hash)
    (first,) = await follower.poll()
    await anvil_arbitrum.revert(snapshot)
    await anvil_arbitrum.mine(1)
    # The same signed transaction lands again, in another block.
    await w3.eth.send_raw_transaction(raw)
    await anvil_arbitrum.mine(3)
    events = await follower.poll()
    assert _kinds(events) == ["Retracted", "Seen", "Confirmed"]
    retracted, seen, confirmed = events
    assert retracted.key == first.key
    assert seen.tx_hash == confirmed.tx_hash == first.tx_hash
    assert confirmed.block_hash != first.block_hash
    await anvil_arbitrum.mine(3)
    assert await follower.poll() == []


async def test_a_confirmed_event_is_not_confirmed_again_after_a_restart(
    make_follower: Any,
    usdc: AsyncContract,
    faucet: Any,
    anvil_arbitrum: AnvilNode,
    tmp_path: Path,
) -> None:
    store = await SqliteFollowerStore.open(tmp_path / "follower.db")
    first = make_follower(cursor_store=store)
    await faucet(usdc, USER, 5)
    await anvil_arbitrum.mine(2)
    events = await first.poll()
    assert _kinds(events) == ["Seen", "Confirmed"]
    await first.commit()
    await store.close()

    reopened = await SqliteFollowerStore.open(tmp_path / "follower.db")
    second = make_follower(cursor_store=reopened)
    assert await second.poll() == []
    await anvil_arbitrum.mine(2)
    assert await second.poll() == []
    await reopened.close()


async def test_an_uncommitted_batch_is_delivered_again_with_the_same_keys(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    store = InMemoryFollowerStore()
    crashed = make_follower(cursor_store=store)
    await faucet(usdc, USER, 5)
    await anvil_arbitrum.mine(2)
    lost = _of(ChainEventConfirmed, await crashed.poll())
    # no commit: the consumer died before acknowledging
    redelivered = _of(ChainEventConfirmed, await make_follower(cursor_store=store).poll())
    assert [e.key for e in redelivered] == [e.key for e in lost]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_pending_events_survive_a_restart_and_a_reorg_while_down(
    make_follower: Any,
    usdc: AsyncContract,
    faucet: Any,
    anvil_arbitrum: AnvilNode,
    tmp_path: Path,
    kind: str,
) -> None:
    store: FollowerStore = (
        InMemoryFollowerStore()
        if kind == "memory"
        else await SqliteFollowerStore.open(tmp_path / "f.db")
    )
    first = make_follower(cursor_store=store)
    await first.poll()
    await first.commit()
    await faucet(usdc, USER, 1)
    snapshot = await anvil_arbitrum.snapshot()
    await faucet(usdc, OTHER, 2)
    assert [e.args["value"] for e in await first.poll()] == [1, 2]
    await first.commit()

    await anvil_arbitrum.revert(snapshot)  # while no follower runs, deposit 2 is dropped
    await anvil_arbitrum.mine(3)
    second = make_follower(cursor_store=store)
    events = await second.poll()
    assert [(type(e), e.args["value"]) for e in events] == [
        (ChainEventRetracted, 2),
        (ChainEventConfirmed, 1),
    ]
    await second.commit()
    state = await store.load(second.stream_id)
    assert state is not None and state.pending == ()
    if isinstance(store, SqliteFollowerStore):
        await store.close()


async def test_foreign_contract_logs_never_reach_the_consumer(
    make_follower: Any,
    usdc: AsyncContract,
    fake_usdc: AsyncContract,
    faucet: Any,
    anvil_arbitrum: AnvilNode,
) -> None:
    follower = make_follower()
    await faucet(fake_usdc, USER, 9_999)
    await faucet(usdc, USER, 1)
    await anvil_arbitrum.mine(3)
    events = await follower.poll()
    assert {e.address for e in events} == {usdc.address}
    assert [e.args["value"] for e in _of(ChainEventConfirmed, events)] == [1]


async def test_forged_and_malformed_logs_are_ignored_with_a_log_line(
    make_follower: Any,
    usdc: AsyncContract,
    fake_usdc: AsyncContract,
    faucet: Any,
    anvil_arbitrum: AnvilNode,
    transfer_filter: EventFilter,
) -> None:
    follower = make_follower()
    await faucet(usdc, USER, 1)
    real_logs = follower._rpc.logs
    genuine: dict[str, Any] = {}

    async def node_returning_forgeries(*args: Any) -> list[dict[str, Any]]:
        logs = [dict(entry) for entry in await real_logs(*args)]
        if not logs:
            return logs
        genuine.update(logs[-1])
        base = logs[-1]
        pad = "0x" + "00" * 12
        forged = [
            {**base, "address": fake_usdc.address.lower(), "logIndex": "0x10"},
            {**base, "topics": ["0x" + "ab" * 32, *base["topics"][1:]], "logIndex": "0x11"},
            {**base, "topics": [*base["topics"], "0x" + "00" * 31 + "07"], "logIndex": "0x12"},
            {**base, "data": "0x1234", "logIndex": "0x13"},
            {**base, "topics": [base["topics"][0], pad + "ff" * 20, "0x1"], "logIndex": "0x14"},
            {**base, "removed": True, "logIndex": "0x15"},
            {**base, "blockHash": "0xdead", "logIndex": "0x16"},
            {k: v for k, v in base.items() if k != "transactionHash"},
        ]
        return logs + forged

    follower._rpc.logs = node_returning_forgeries
    with capture_logs() as logs:
        events = await follower.poll()
    assert _kinds(events) == ["Seen"]
    assert events[0].log_index == int(genuine["logIndex"], 16)
    ignored = [entry for entry in logs if entry["event"] == "chain.event_ignored"]
    assert sorted(entry["reason"] for entry in ignored) == sorted(
        [
            "unknown_address",
            "unknown_topic",
            "topic_count",
            "decode_failed",
            "decode_failed",
            "removed",
            "malformed",
            "malformed",
        ]
    )
    assert all(entry["chain_id"] == 42161 for entry in ignored)
    assert len(follower.pending) == 1


async def test_refuses_a_node_of_another_chain(
    anvil_base: AnvilNode, transfer_filter: EventFilter
) -> None:
    w3: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(anvil_base.rpc_url))
    try:
        follower = EventFollower(w3, chain_id=42161, filters=[transfer_filter], confirmations=1)
        with pytest.raises(ChainIdMismatchError, match="8453"):
            await follower.poll()
    finally:
        await w3.provider.disconnect()


async def test_a_state_stored_for_another_chain_is_refused(make_follower: Any) -> None:
    store = InMemoryFollowerStore()
    follower = make_follower(cursor_store=store, stream_id="shared")
    await follower.poll()
    await follower.commit()
    state = await store.load("shared")
    assert state is not None
    await store.commit(
        "shared", FollowerCommit(8453, state.cursor, state.recent_blocks, (), (), ())
    )
    with pytest.raises(FollowerStateError, match="8453"):
        await make_follower(cursor_store=store, stream_id="shared").poll()


async def test_run_hands_every_event_to_the_handler_and_commits(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    store = InMemoryFollowerStore()
    follower = make_follower(cursor_store=store, confirmations=1)
    received: list[ChainEvent] = []
    stop = asyncio.Event()

    async def handle(event: ChainEvent) -> None:
        received.append(event)
        if isinstance(event, ChainEventConfirmed):
            stop.set()

    await faucet(usdc, USER, 42)
    await asyncio.wait_for(follower.run(handle, stop=stop), 20)
    assert _kinds(received) == ["Seen", "Confirmed"]
    keys = await store.confirmed_since(follower.stream_id, 0)
    assert [k.tx_hash for k in keys] == [received[-1].tx_hash]


async def test_events_iterates_in_chain_order(
    make_follower: Any, usdc: AsyncContract, faucet: Any
) -> None:
    follower = make_follower(confirmations=1)
    for amount in (1, 2, 3):
        await faucet(usdc, USER, amount)
    confirmed: list[int] = []
    async with asyncio.timeout(20):
        async for event in follower.events():
            if isinstance(event, ChainEventConfirmed):
                confirmed.append(event.args["value"])
                if len(confirmed) == 3:
                    break
    await follower.commit()
    assert confirmed == [1, 2, 3]


async def test_starts_at_the_head_without_a_start_block(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    await faucet(usdc, USER, 1)  # before the follower starts: not reported
    follower = make_follower(start_block=None, confirmations=1)
    assert await follower.poll() == []
    await faucet(usdc, USER, 2)
    assert [e.args["value"] for e in _of(ChainEventConfirmed, await follower.poll())] == [2]


async def test_reads_long_ranges_in_chunks(
    make_follower: Any, usdc: AsyncContract, faucet: Any, anvil_arbitrum: AnvilNode
) -> None:
    for amount in range(1, 6):
        await faucet(usdc, USER, amount)
        await anvil_arbitrum.mine(3)
    follower = make_follower(max_block_range=2, confirmations=2, history_depth=4)
    events = await follower.poll()
    assert [e.args["value"] for e in _of(ChainEventConfirmed, events)] == [1, 2, 3, 4, 5]
    assert follower.cursor == await anvil_arbitrum.block_number()
