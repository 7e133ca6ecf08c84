"""The transaction manager against a real anvil node (a fresh one per test)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import TransactionNotFound

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.keys import HotKey
from tradewind.chain.nodes import AnvilNode
from tradewind.chain.tx import (
    ChainIdMismatchError,
    FeePolicy,
    IntentStatus,
    InvalidTxRequestError,
    NonceConsumedError,
    SentTransaction,
    SqliteIntentStore,
    TransactionRejected,
    TransactionReverted,
    TransactionWouldRevert,
    TxRequest,
)
from tradewind.core.clock import SimulatedClock

USER = ANVIL_DEV_ACCOUNTS[5].address
DESK = ANVIL_DEV_ACCOUNTS[1].address
Builder = Callable[[], Awaitable[TxRequest]]


async def _nonce_count(w3: AsyncWeb3[Any], block: str = "latest") -> int:
    return int(await w3.eth.get_transaction_count(DESK, block))  # type: ignore[arg-type]


async def _has_receipt(w3: AsyncWeb3[Any], tx_hash: str) -> bool:
    try:
        await w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return False
    return True


async def test_send_returns_what_the_chain_recorded(
    make_manager: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    manager = make_manager()
    sent = await manager.send("pay-1", transfer_to(USER, 10**15))
    assert isinstance(sent, SentTransaction)
    receipt = await w3.eth.get_transaction_receipt(sent.tx_hash)  # type: ignore[arg-type]
    tx = await w3.eth.get_transaction(sent.tx_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 1
    assert sent.nonce == tx["nonce"] == 0
    assert sent.sender == DESK == tx["from"]
    assert sent.block_number == receipt["blockNumber"]
    assert sent.block_hash == "0x" + receipt["blockHash"].hex()
    assert sent.gas_used == receipt["gasUsed"] == 21_000
    assert sent.effective_gas_price == receipt["effectiveGasPrice"]
    assert sent.fee_paid_wei == receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert sent.attempts == 1
    assert tx["gas"] == 21_000 * 12 // 10  # the estimate plus the policy's 20 % margin
    block = await w3.eth.get_block(receipt["blockNumber"])
    assert tx["maxFeePerGas"] >= block["baseFeePerGas"] + tx["maxPriorityFeePerGas"]


async def test_twenty_concurrent_sends_get_unique_gap_free_nonces(
    make_manager: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    manager = make_manager()
    sent = await asyncio.gather(
        *(manager.send(f"pay-{i}", transfer_to(USER, 1000 + i)) for i in range(20))
    )
    assert sorted(s.nonce for s in sent) == list(range(20))
    assert len({s.tx_hash for s in sent}) == 20
    for s in sent:
        tx = await w3.eth.get_transaction(s.tx_hash)  # type: ignore[arg-type]
        assert tx["nonce"] == s.nonce
        assert tx["value"] == 1000 + int(s.intent_id.removeprefix("pay-"))
    assert await _nonce_count(w3) == 20


async def test_an_intent_sent_again_returns_the_same_transaction(
    make_manager: Any, w3: AsyncWeb3[Any]
) -> None:
    manager = make_manager()
    built = 0

    async def build() -> TxRequest:
        nonlocal built
        built += 1
        return TxRequest(to=USER, value=5)

    first, *concurrent = await asyncio.gather(*(manager.send("once", build) for _ in range(5)))
    later = await manager.send("once", build)
    assert built == 1
    assert all(s == first for s in concurrent)
    assert later == first
    # A new manager over the same store knows the intent too.
    other = make_manager(store=manager._store)
    assert await other.send("once", build) == first
    assert built == 1
    assert await _nonce_count(w3) == 1


async def test_restart_with_sqlite_store_rebroadcasts_instead_of_sending_twice(
    make_manager: Any,
    w3: AsyncWeb3[Any],
    anvil_arbitrum: AnvilNode,
    tmp_path: Path,
    eventually: Any,
) -> None:
    await anvil_arbitrum.set_automine(False)
    store = await SqliteIntentStore.open(tmp_path / "intents.db")
    first = make_manager(store=store)
    built = 0

    async def build() -> TxRequest:
        nonlocal built
        built += 1
        return TxRequest(to=USER, value=7)

    crashed = asyncio.create_task(first.send("restart-me", build))

    async def broadcast() -> bool:
        record = await store.get(anvil_arbitrum.chain_id, "restart-me")
        return record is not None and record.status is IntentStatus.BROADCAST

    await eventually(broadcast)
    crashed.cancel()  # the process "dies" with its transaction in the mempool ...
    with pytest.raises(asyncio.CancelledError):
        await crashed
    await store.close()
    record = await (reopened := await SqliteIntentStore.open(tmp_path / "intents.db")).get(
        anvil_arbitrum.chain_id, "restart-me"
    )
    assert record is not None
    # ... and the node loses it too.
    await anvil_arbitrum.request("anvil_dropTransaction", record.latest.tx_hash)
    assert await _nonce_count(w3, "pending") == 0

    second = make_manager(store=reopened)
    assert await second.recover() == ["restart-me"]
    content = await anvil_arbitrum.request("txpool_content")
    pooled = content["pending"][DESK.lower()]
    assert [tx["hash"] for tx in pooled.values()] == [record.latest.tx_hash]

    resumed = asyncio.create_task(second.send("restart-me", build))
    await anvil_arbitrum.mine(1)
    sent = await asyncio.wait_for(resumed, 30)
    assert built == 1
    assert sent.tx_hash == record.latest.tx_hash
    assert sent.nonce == record.nonce == 0
    await anvil_arbitrum.mine(3)
    assert await _nonce_count(w3) == 1
    # A third manager after confirmation: the stored result, no new transaction.
    third = make_manager(store=reopened)
    assert await third.recover() == []
    assert await third.send("restart-me", build) == sent
    assert built == 1
    await reopened.close()


async def test_a_stuck_transaction_is_replaced_at_the_same_nonce_and_only_one_lands(
    make_manager: Any,
    w3: AsyncWeb3[Any],
    anvil_arbitrum: AnvilNode,
    clock: SimulatedClock,
    eventually: Any,
) -> None:
    await anvil_arbitrum.set_automine(False)
    manager = make_manager(resubmit_after_s=30.0)
    task = asyncio.create_task(manager.send("stuck", lambda: _value(USER, 9)))

    async def attempts(n: int) -> bool:
        # n attempts stored, and the newest one in the node's mempool (stored comes first)
        record = await manager.get("stuck")
        if record is None or len(record.attempts) < n:
            return False
        pooled = await anvil_arbitrum.request("eth_getTransactionByHash", record.latest.tx_hash)
        return pooled is not None

    await eventually(lambda: attempts(1))
    first = await manager.get("stuck")
    assert first is not None
    # The base fee jumps above what the first attempt offers: it cannot be mined.
    over = first.latest.max_fee_per_gas + 1
    await anvil_arbitrum.request("anvil_setNextBlockBaseFeePerGas", hex(over))
    await anvil_arbitrum.mine(1)
    assert not await _has_receipt(w3, first.latest.tx_hash)
    assert not task.done()

    clock.advance_by(31 * 10**9)  # past resubmit_after_s on the manager's clock
    await eventually(lambda: attempts(2))
    await anvil_arbitrum.mine(1)
    sent = await asyncio.wait_for(task, 30)

    record = await manager.get("stuck")
    assert record is not None and record.status is IntentStatus.CONFIRMED
    old, new = record.attempts[0], record.attempts[-1]
    assert sent.tx_hash == new.tx_hash != old.tx_hash
    assert sent.attempts == len(record.attempts) >= 2
    assert new.max_fee_per_gas * 1000 >= old.max_fee_per_gas * 1125
    assert new.max_priority_fee_per_gas * 1000 >= old.max_priority_fee_per_gas * 1125
    assert new.max_fee_per_gas > over
    for attempt in record.attempts[:-1]:
        assert not await _has_receipt(w3, attempt.tx_hash)
    tx = await w3.eth.get_transaction(sent.tx_hash)  # type: ignore[arg-type]
    assert tx["nonce"] == sent.nonce == record.nonce
    await anvil_arbitrum.mine(2)
    assert await _nonce_count(w3) == 1
    assert await w3.eth.get_balance(USER) == 10_000 * 10**18 + 9  # paid once


async def _value(to: str, wei: int) -> TxRequest:
    return TxRequest(to=to, value=wei)


async def test_a_reverted_transaction_raises_with_its_reason_and_is_not_resent(
    make_manager: Any, mock_usdc: Any, w3: AsyncWeb3[Any]
) -> None:
    manager = make_manager()
    limit = await mock_usdc.functions.FAUCET_LIMIT().call()
    abi = load_artifact("MockUSDC").abi_list()

    async def build() -> TxRequest:
        data = mock_usdc.encode_abi("faucet", [USER, limit + 1])
        return TxRequest(to=mock_usdc.address, data=data, gas_limit=200_000, error_abi=abi)

    nonce_before = await _nonce_count(w3)
    with capture_logs() as logs, pytest.raises(TransactionReverted) as info:
        await manager.send("too-much", build)
    assert info.value.reason == f"FaucetLimitExceeded(requested={limit + 1}, limit={limit})"
    receipt = await w3.eth.get_transaction_receipt(info.value.tx_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 0
    assert any(entry["event"] == "chain.tx_reverted" for entry in logs)
    with pytest.raises(TransactionReverted):
        await manager.send("too-much", build)
    assert await _nonce_count(w3) == nonce_before + 1
    record = await manager.get("too-much")
    assert record is not None and record.status is IntentStatus.REVERTED


async def test_a_call_that_would_revert_is_never_signed(
    make_manager: Any, mock_usdc: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    manager = make_manager()
    limit = await mock_usdc.functions.FAUCET_LIMIT().call()

    async def build() -> TxRequest:
        data = mock_usdc.encode_abi("faucet", [USER, limit + 1])
        return TxRequest(to=mock_usdc.address, data=data)  # no gas limit: estimated

    nonce_before = await _nonce_count(w3, "pending")
    with pytest.raises(TransactionWouldRevert, match="custom error 0x"):
        await manager.send("would-revert", build)
    assert await manager.get("would-revert") is None
    sent = await manager.send("next", transfer_to(USER, 1))
    assert sent.nonce == nonce_before  # no nonce was used up


async def test_a_refused_broadcast_gives_its_nonce_back(
    make_manager: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    manager = make_manager()
    balance = await w3.eth.get_balance(DESK)

    async def too_much() -> TxRequest:
        return TxRequest(to=USER, value=balance * 2, gas_limit=21_000)

    with pytest.raises(TransactionRejected, match=r"insufficient funds|funds"):
        await manager.send("broke", too_much)
    record = await manager.get("broke")
    assert record is not None and record.status is IntentStatus.REJECTED
    sent = await manager.send("after", transfer_to(USER, 1))
    assert sent.nonce == 0
    # A rejected intent may start over (nothing of it ever reached a mempool).
    retried = await manager.send("broke", transfer_to(USER, 2))
    assert retried.nonce == 1


async def test_waits_for_confirmations(
    make_manager: Any, anvil_arbitrum: AnvilNode, eventually: Any, transfer_to: Any
) -> None:
    manager = make_manager(confirmations=3)
    task = asyncio.create_task(manager.send("deep", transfer_to(USER, 1)))

    async def mined() -> bool:
        record = await manager.get("deep")
        return record is not None and record.status is IntentStatus.MINED

    await eventually(mined)
    await anvil_arbitrum.mine(1)
    await asyncio.sleep(0.1)
    assert not task.done()  # 2 of 3 confirmations
    await anvil_arbitrum.mine(1)
    sent = await asyncio.wait_for(task, 30)
    assert await anvil_arbitrum.block_number() == sent.block_number + 2


async def test_a_reorged_transaction_is_sent_again_at_the_same_nonce(
    make_manager: Any,
    anvil_arbitrum: AnvilNode,
    w3: AsyncWeb3[Any],
    eventually: Any,
    transfer_to: Any,
) -> None:
    manager = make_manager(confirmations=2)
    task = asyncio.create_task(manager.send("reorged", transfer_to(USER, 3)))

    async def mined() -> bool:
        record = await manager.get("reorged")
        return record is not None and record.status is IntentStatus.MINED

    await eventually(mined)
    before = await manager.get("reorged")
    assert before is not None
    with capture_logs() as logs:
        await anvil_arbitrum.reorg(1)  # the block with the transaction is replaced by an empty one

        async def mined_again() -> bool:
            record = await manager.get("reorged")
            return (
                record is not None
                and record.status is IntentStatus.MINED
                and record.block_hash != before.block_hash
            )

        await eventually(mined_again)  # automine includes the re-broadcast at once
    assert any(entry["event"] == "chain.tx_reorged" for entry in logs)
    await anvil_arbitrum.mine(1)
    sent = await asyncio.wait_for(task, 30)
    assert sent.nonce == before.nonce
    assert sent.tx_hash == before.tx_hash  # the same signed bytes, not a new transaction
    assert sent.block_hash != before.block_hash
    block = await w3.eth.get_block(sent.block_number)
    assert "0x" + block["hash"].hex() == sent.block_hash
    assert await _nonce_count(w3) == 1


async def test_deploys_a_contract(mock_usdc: Any) -> None:
    assert await mock_usdc.functions.decimals().call() == 6


async def test_refuses_a_node_of_another_chain(
    anvil_arbitrum: AnvilNode, desk_key: HotKey, transfer_to: Any
) -> None:
    from tradewind.chain.tx import TransactionManager

    w3: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(anvil_arbitrum.rpc_url))
    try:
        manager = TransactionManager(w3, desk_key, chain_id=8453)
        with pytest.raises(ChainIdMismatchError, match="8453"):
            await manager.send("wrong-chain", transfer_to(USER, 1))
    finally:
        await w3.provider.disconnect()


@pytest.mark.parametrize("intent_id", ["", " padded", "x" * 201, "tab\there", 7])
async def test_bad_intent_ids_are_refused(
    make_manager: Any, intent_id: Any, transfer_to: Any
) -> None:
    with pytest.raises(InvalidTxRequestError):
        await make_manager().send(intent_id, transfer_to(USER, 1))


async def test_a_builder_must_return_a_request(make_manager: Any) -> None:
    async def build() -> Any:
        return {"to": USER}

    manager = make_manager()
    with pytest.raises(InvalidTxRequestError, match="TxRequest"):
        await manager.send("bad-builder", build)
    assert await manager.get("bad-builder") is None


async def test_fee_policy_tip_is_paid(
    make_manager: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    policy = FeePolicy(min_priority_fee_wei=2 * 10**9, max_priority_fee_wei=3 * 10**9)
    sent = await make_manager(fee_policy=policy).send("tip", transfer_to(USER, 1))
    tx = await w3.eth.get_transaction(sent.tx_hash)  # type: ignore[arg-type]
    assert tx["maxPriorityFeePerGas"] == 2 * 10**9


async def test_a_cancelled_send_still_reaches_the_node_so_no_nonce_gap_opens(
    make_manager: Any, w3: AsyncWeb3[Any], transfer_to: Any, eventually: Any
) -> None:
    manager = make_manager()
    built = asyncio.Event()

    async def build() -> TxRequest:
        built.set()
        return TxRequest(to=USER, value=11)

    task = asyncio.create_task(manager.send("cancelled", build))
    await built.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    after = await manager.send("after-cancel", transfer_to(USER, 12))

    async def both_mined() -> bool:
        return await _nonce_count(w3) == 2

    await eventually(both_mined)  # no gap: the cancelled intent's transaction was mined too
    cancelled = await manager.resume("cancelled")
    assert sorted([cancelled.nonce, after.nonce]) == [0, 1]
    tx = await w3.eth.get_transaction(cancelled.tx_hash)  # type: ignore[arg-type]
    assert tx["value"] == 11


async def test_resume_of_an_unknown_intent_is_refused(make_manager: Any) -> None:
    with pytest.raises(InvalidTxRequestError, match="nothing stored"):
        await make_manager().resume("never-sent")


async def test_no_bump_above_the_fee_cap(
    make_manager: Any,
    anvil_arbitrum: AnvilNode,
    clock: SimulatedClock,
    eventually: Any,
    transfer_to: Any,
) -> None:
    await anvil_arbitrum.set_automine(False)
    # The first offer already sits at the cap: any bump would pass it.
    policy = FeePolicy(max_fee_cap_wei=3 * 10**9, base_fee_headroom_bps=100_000)
    manager = make_manager(fee_policy=policy, resubmit_after_s=30.0)
    task = asyncio.create_task(manager.send("capped", transfer_to(USER, 1)))

    async def broadcast() -> bool:
        record = await manager.get("capped")
        return record is not None and record.status is IntentStatus.BROADCAST

    await eventually(broadcast)
    with capture_logs() as logs:
        clock.advance_by(31 * 10**9)

        async def refused() -> bool:
            return any(entry["event"] == "chain.tx_fee_cap_reached" for entry in logs)

        await eventually(refused)
    record = await manager.get("capped")
    assert record is not None and len(record.attempts) == 1
    assert record.latest.max_fee_per_gas == 3 * 10**9
    await anvil_arbitrum.mine(1)
    sent = await asyncio.wait_for(task, 30)
    assert sent.attempts == 1


async def test_a_stale_nonce_cursor_is_resynced_on_nonce_too_low(
    make_manager: Any, anvil_arbitrum: AnvilNode, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    manager = make_manager()
    await manager.send("first", transfer_to(USER, 1))
    # Another process signs with the same key (anvil's unlocked dev account): nonce 1 is used.
    await anvil_arbitrum.request("eth_sendTransaction", {"from": DESK, "to": USER, "value": "0x5"})
    with capture_logs() as logs:
        sent = await manager.send("second", transfer_to(USER, 2))
    assert sent.nonce == 2
    assert any(entry["event"] == "chain.nonce_resynced" for entry in logs)
    record = await manager.get("second")
    assert record is not None and len(record.attempts) == 1  # the refused bytes were replaced
    assert await _nonce_count(w3) == 3


async def test_a_nonce_taken_by_a_foreign_transaction_fails_the_intent_without_resending(
    make_manager: Any,
    anvil_arbitrum: AnvilNode,
    w3: AsyncWeb3[Any],
    eventually: Any,
    transfer_to: Any,
) -> None:
    await anvil_arbitrum.set_automine(False)
    manager = make_manager()
    task = asyncio.create_task(manager.send("displaced", transfer_to(USER, 1)))

    async def broadcast() -> bool:
        record = await manager.get("displaced")
        return record is not None and record.status is IntentStatus.BROADCAST

    await eventually(broadcast)
    record = await manager.get("displaced")
    assert record is not None
    # Someone else with the key replaces it at the same nonce with a higher fee.
    await anvil_arbitrum.request(
        "eth_sendTransaction",
        {
            "from": DESK,
            "to": USER,
            "value": "0x63",
            "nonce": hex(record.nonce),
            "maxFeePerGas": hex(record.latest.max_fee_per_gas * 2),
            "maxPriorityFeePerGas": hex(record.latest.max_priority_fee_per_gas * 2),
        },
    )
    await anvil_arbitrum.mine(1)
    with pytest.raises(NonceConsumedError):
        await asyncio.wait_for(task, 30)
    failed = await manager.get("displaced")
    assert failed is not None and failed.status is IntentStatus.FAILED
    assert len(failed.attempts) == 1
    with pytest.raises(NonceConsumedError):
        await manager.send("displaced", transfer_to(USER, 1))
    await anvil_arbitrum.mine(1)
    assert await _nonce_count(w3) == 1
