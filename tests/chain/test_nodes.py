"""Local anvil nodes: lifecycle (no stray processes), chain controls, configuration errors."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.nodes import (
    ARBITRUM,
    BASE,
    AnvilNode,
    AnvilNotInstalledError,
    AnvilRpcError,
    AnvilStartError,
    ChainSet,
    ChainSpec,
    InvalidNodeConfigError,
    find_anvil,
)

ALICE, BOB = ANVIL_DEV_ACCOUNTS[3].address, ANVIL_DEV_ACCOUNTS[4].address


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def _send_wei(node: AnvilNode, wei: int) -> str:
    tx_hash: str = await node.request(
        "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": hex(wei)}
    )
    return tx_hash


async def _balance(node: AnvilNode, address: str) -> int:
    return int(await node.request("eth_getBalance", address, "latest"), 16)


async def _block_hash(node: AnvilNode, number: int) -> str:
    block = await node.request("eth_getBlockByNumber", hex(number), False)
    return str(block["hash"])


async def test_node_answers_with_its_chain_id_and_stops_without_leaving_a_process(
    anvil_path: Path,
) -> None:
    node = AnvilNode("arbitrum", 42161, anvil_path=anvil_path)
    async with node:
        assert node.running
        assert node.rpc_url.startswith("http://127.0.0.1:")
        assert int(await node.request("eth_chainId"), 16) == 42161
        pid = node.pid
        assert pid is not None and not _process_gone(pid)
        log_path = node.log_path
        assert log_path is not None and log_path.exists()
    assert _process_gone(pid)
    assert not log_path.exists()
    assert not node.running
    with pytest.raises(AnvilStartError, match="not running"):
        _ = node.rpc_url
    await node.stop()  # idempotent


def test_blocking_start_and_stop_for_loopless_owners(anvil_path: Path) -> None:
    node = AnvilNode("base", 8453, anvil_path=anvil_path).start_blocking()
    try:
        assert int(node.request_blocking("eth_chainId"), 16) == 8453
        pid = node.pid
    finally:
        node.stop_blocking()
    assert pid is not None and _process_gone(pid)


async def test_chain_set_starts_arbitrum_and_base_on_separate_ports(anvil_path: Path) -> None:
    async with ChainSet(anvil_path=anvil_path) as chains:
        assert list(chains) == ["arbitrum", "base"]
        assert chains["arbitrum"].chain_id == ARBITRUM.chain_id == 42161
        assert chains["base"].chain_id == BASE.chain_id == 8453
        assert chains.by_chain_id(8453) is chains["base"]
        assert chains["arbitrum"].rpc_url != chains["base"].rpc_url
        for node in chains.values():
            assert int(await node.request("eth_chainId"), 16) == node.chain_id
        pids = [node.pid for node in chains.values()]
    assert all(pid is not None and _process_gone(pid) for pid in pids)


async def test_dev_accounts_are_the_nodes_funded_accounts(anvil_arbitrum: AnvilNode) -> None:
    listed = await anvil_arbitrum.request("eth_accounts")
    assert [a.lower() for a in listed] == [a.address.lower() for a in anvil_arbitrum.accounts]
    assert await _balance(anvil_arbitrum, ALICE) == 10_000 * 10**18
    assert ANVIL_DEV_ACCOUNTS[0].private_key not in repr(ANVIL_DEV_ACCOUNTS[0])


async def test_mine_advances_the_head(anvil_base: AnvilNode) -> None:
    start = await anvil_base.block_number()
    assert await anvil_base.mine(5) == start + 5
    with pytest.raises(InvalidNodeConfigError):
        await anvil_base.mine(0)


async def test_revert_to_snapshot_drops_a_mined_transaction(anvil_arbitrum: AnvilNode) -> None:
    before = await _balance(anvil_arbitrum, BOB)
    snapshot = await anvil_arbitrum.snapshot()
    tx_hash = await _send_wei(anvil_arbitrum, 12345)
    await anvil_arbitrum.mine(1)
    assert (await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash)) is not None
    assert await _balance(anvil_arbitrum, BOB) == before + 12345

    await anvil_arbitrum.revert(snapshot)

    assert await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash) is None
    assert await _balance(anvil_arbitrum, BOB) == before
    with pytest.raises(AnvilRpcError):
        await anvil_arbitrum.revert(snapshot)  # consumed, as anvil does


async def test_reorg_replaces_blocks_and_drops_their_transactions(
    anvil_arbitrum: AnvilNode,
) -> None:
    await anvil_arbitrum.mine(2)
    tx_hash = await _send_wei(anvil_arbitrum, 777)
    receipt = None
    while receipt is None:  # automine: the tx is in the next block once the receipt exists
        receipt = await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash)
    tx_block = int(receipt["blockNumber"], 16)
    await anvil_arbitrum.mine(2)
    head = await anvil_arbitrum.block_number()
    old_hash = await _block_hash(anvil_arbitrum, tx_block)
    kept_hash = await _block_hash(anvil_arbitrum, tx_block - 1)

    await anvil_arbitrum.reorg(head - tx_block + 1)

    assert await anvil_arbitrum.block_number() == head
    assert await _block_hash(anvil_arbitrum, tx_block) != old_hash
    assert await _block_hash(anvil_arbitrum, tx_block - 1) == kept_hash
    assert await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash) is None
    assert await _balance(anvil_arbitrum, BOB) == 10_000 * 10**18


async def test_rollback_shortens_the_chain(anvil_base: AnvilNode) -> None:
    await anvil_base.mine(4)
    await anvil_base.rollback(3)
    assert await anvil_base.block_number() == 1


@pytest.mark.parametrize("depth", [0, -1, 99])
async def test_reorg_depth_must_fit_the_chain(anvil_base: AnvilNode, depth: int) -> None:
    await anvil_base.mine(3)
    with pytest.raises(InvalidNodeConfigError, match="depth"):
        await anvil_base.reorg(depth)
    assert await anvil_base.block_number() == 3


async def test_increase_time_moves_the_next_block(anvil_base: AnvilNode) -> None:
    await anvil_base.mine(1)
    before = int(
        (await anvil_base.request("eth_getBlockByNumber", "latest", False))["timestamp"], 16
    )
    await anvil_base.increase_time(3600)
    await anvil_base.mine(1)
    after = int(
        (await anvil_base.request("eth_getBlockByNumber", "latest", False))["timestamp"], 16
    )
    assert after >= before + 3600


async def test_automine_off_keeps_transactions_pending_until_mined(
    anvil_arbitrum: AnvilNode,
) -> None:
    await anvil_arbitrum.set_automine(False)
    tx_hash = await _send_wei(anvil_arbitrum, 1)
    assert await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash) is None
    await anvil_arbitrum.mine(1)
    assert await anvil_arbitrum.request("eth_getTransactionReceipt", tx_hash) is not None


async def test_block_time_mines_without_transactions(anvil_path: Path) -> None:
    async with AnvilNode("base", 8453, block_time=1, anvil_path=anvil_path) as node:
        while await node.block_number() < 1:  # bounded by the test timeout
            await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "", "chain_id": 1}, "name"),
        ({"name": "a b", "chain_id": 1}, "name"),
        ({"name": "base", "chain_id": 0}, "chain id"),
        ({"name": "base", "chain_id": True}, "chain id"),
        ({"name": "base", "chain_id": 8453, "block_time": 0}, "block time"),
        ({"name": "base", "chain_id": 8453, "extra_args": ["--port", "8545"]}, "override"),
    ],
)
def test_bad_node_configuration_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidNodeConfigError, match=match):
        AnvilNode(**kwargs)  # type: ignore[arg-type]


def test_chain_set_refuses_duplicate_chains() -> None:
    with pytest.raises(InvalidNodeConfigError, match="unique"):
        ChainSet([ChainSpec("arbitrum", 1), ChainSpec("base", 1)])
    with pytest.raises(InvalidNodeConfigError, match="unique"):
        ChainSet([])


def test_missing_anvil_override_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRADEWIND_ANVIL", str(tmp_path / "no-anvil"))
    with pytest.raises(AnvilNotInstalledError, match="TRADEWIND_ANVIL"):
        find_anvil()


def test_anvil_override_is_used(monkeypatch: pytest.MonkeyPatch, anvil_path: Path) -> None:
    monkeypatch.setenv("TRADEWIND_ANVIL", str(anvil_path))
    assert find_anvil() == anvil_path


async def test_a_binary_that_exits_is_a_start_error_with_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'boom: cannot bind'\nexit 3\n")
    fake.chmod(0o755)
    node = AnvilNode("base", 8453, anvil_path=fake)
    with pytest.raises(AnvilStartError, match="boom: cannot bind"):
        await node.start()
    assert node.pid is None and node.log_path is None


async def test_a_binary_that_never_listens_times_out_and_is_killed(tmp_path: Path) -> None:
    fake, pid_file = tmp_path / "anvil", tmp_path / "pid"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    fake.chmod(0o755)
    node = AnvilNode("base", 8453, anvil_path=fake, startup_timeout_s=0.5)
    with pytest.raises(AnvilStartError, match="did not start"):
        await node.start()
    assert node.pid is None
    assert _process_gone(int(pid_file.read_text()))
