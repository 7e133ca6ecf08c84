"""TokenReturnWatcher on the local chains: a confirmed index-token transfer to the desk becomes
exactly one IndexTokensReturned; transfers elsewhere, mints and dropped blocks never do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.chain.events import InMemoryFollowerStore, SqliteFollowerStore
from tradewind.desks.index.events import IndexTokensReturned
from tradewind.desks.index.minting import InvalidSettlementConfigError, TokenReturnWatcher

from .conftest import ARB, BASE, BASE_ID, TOKEN, MintingHarness

CONFIRMATIONS = 3


class Sink:
    """The desk's ``on_tokens_returned``; fails while ``failing`` is set."""

    def __init__(self) -> None:
        self.received: list[IndexTokensReturned] = []
        self.failing = False

    async def __call__(self, event: IndexTokensReturned) -> None:
        if self.failing:
            raise RuntimeError("journal unavailable")
        self.received.append(event)


def _watcher(harness: MintingHarness, sink: Sink, **overrides: Any) -> TokenReturnWatcher:
    options: dict[str, Any] = {
        "registry": harness.registry,
        "clients": {ARB: harness.client.w3(ARB), BASE: harness.client.w3(BASE)},
        "sink": sink,
        "confirmations": CONFIRMATIONS,
        "poll_interval_s": 0.02,
        "start_block": 0,
        "follower_store": InMemoryFollowerStore(),
    }
    options.update(overrides)
    return TokenReturnWatcher(**options)


async def test_a_transfer_to_the_desk_becomes_one_return_and_nothing_else_does(
    harness: MintingHarness,
) -> None:
    user, other = harness.user(0), harness.user(1)
    sink = Sink()
    watcher = _watcher(harness, sink)
    assert await watcher.step() == []
    await harness.mint_directly(BASE, user, 10 * TOKEN)  # a mint: not a return
    await harness.mint_directly(BASE, harness.desk, 7 * TOKEN)  # a mint to the desk: neither
    await harness.transfer_tokens(BASE, user, other, 1 * TOKEN)  # elsewhere: not a return
    tx_hash = await harness.transfer_tokens(BASE, user, harness.desk, 15 * TOKEN // 10)

    assert await watcher.step() == []  # seen in the head block: 1 of 3 deep
    await harness.chains.nodes[BASE].mine(CONFIRMATIONS - 2)
    assert await watcher.step() == []  # 2 of 3
    await harness.chains.nodes[BASE].mine(1)
    delivered = await watcher.step()
    assert delivered == sink.received
    assert [(r.symbol, r.quantity) for r in delivered] == [("TW10", Decimal("1.5"))]
    first = delivered[0]
    receipt = await harness.client.w3(BASE).eth.get_transaction_receipt(tx_hash)
    [log] = [entry for entry in receipt["logs"]]
    assert first.return_id == f"{BASE_ID}:{tx_hash}:{int(log['logIndex'])}"
    assert (first.chain_id, first.address) == (BASE_ID, user)
    block = await harness.client.w3(BASE).eth.get_block(receipt["blockNumber"])
    assert first.ts == int(block["timestamp"]) * 1_000_000_000

    await harness.mint_directly(BASE, user, 1, symbol="TW3")
    await harness.transfer_tokens(BASE, user, harness.desk, 1, symbol="TW3")
    await harness.chains.nodes[BASE].mine(CONFIRMATIONS)
    [smallest] = await watcher.step()
    assert (smallest.symbol, smallest.quantity) == ("TW3", Decimal("0.000000000000000001"))

    await harness.chains.nodes[BASE].mine(5)
    await harness.chains.nodes[ARB].mine(5)
    assert await watcher.step() == []
    assert [r.symbol for r in sink.received] == ["TW10", "TW3"]


async def test_a_return_whose_block_is_dropped_before_its_depth_is_never_delivered(
    harness: MintingHarness,
) -> None:
    user = harness.user(0)
    node = harness.chains.nodes[BASE]
    sink = Sink()
    watcher = _watcher(harness, sink)
    await harness.mint_directly(BASE, user, 2 * TOKEN)
    await watcher.step()

    snapshot = await node.snapshot()
    await harness.transfer_tokens(BASE, user, harness.desk, 2 * TOKEN)
    await node.mine(CONFIRMATIONS - 2)  # one block short of the depth
    assert await watcher.step() == []
    await node.revert(snapshot)  # the transfer's block is gone...
    await node.mine(CONFIRMATIONS + 3)  # ...and a longer chain without it grows instead
    assert await watcher.step() == []
    await node.mine(CONFIRMATIONS)
    assert await watcher.step() == []
    assert sink.received == []
    assert await harness.index_balance(BASE, harness.desk) == 0


async def test_a_return_the_sink_refuses_is_retried_and_delivered_once(
    harness: MintingHarness, tmp_path: Path
) -> None:
    user = harness.user(0)
    sink = Sink()
    cursor = await SqliteFollowerStore.open(tmp_path / "returns.sqlite")
    try:
        watcher = _watcher(harness, sink, follower_store=cursor)
        await harness.mint_directly(ARB, user, 3 * TOKEN)
        await harness.transfer_tokens(ARB, user, harness.desk, 3 * TOKEN)
        await harness.chains.nodes[ARB].mine(CONFIRMATIONS)

        sink.failing = True
        assert await watcher.step() == []
        assert [r.quantity for r in watcher.backlog] == [Decimal(3)]
        # Not acknowledged: a watcher restarted now reads the return again (its sink fails
        # too, so it acknowledges nothing either).
        replay = _watcher(harness, sink, follower_store=cursor)
        assert await replay.step() == []
        assert [r.return_id for r in replay.backlog] == [r.return_id for r in watcher.backlog]

        sink.failing = False
        [delivered] = await watcher.step()
        assert delivered.quantity == Decimal(3) and watcher.backlog == []
        await harness.chains.nodes[ARB].mine(2)
        assert await watcher.step() == []
        assert len(sink.received) == 1

        # Acknowledged: a restarted watcher on the same cursor store delivers nothing again.
        restarted_sink = Sink()
        restarted = _watcher(harness, restarted_sink, follower_store=cursor)
        assert await restarted.step() == []
        assert restarted_sink.received == []
    finally:
        await cursor.close()


def test_a_watcher_needs_known_chains_with_index_tokens(harness: MintingHarness) -> None:
    with pytest.raises(InvalidSettlementConfigError, match="registry does not have"):
        _watcher(harness, Sink(), clients={"optimism": harness.client.w3(BASE)})
    with pytest.raises(InvalidSettlementConfigError, match="not an address"):
        _watcher(harness, Sink(), desk_address="0x1234")
