"""Collateral routing on two anvil nodes with the relayer and a real ``tradewind sim``:
vault deposit -> sweep -> bridge -> fill -> exchange deposit -> credit -> CollateralDeposit."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.chain.bridge.spoke_pool import from_bytes32
from tradewind.chain.contracts import load_artifact
from tradewind.chain.events import SqliteFollowerStore
from tradewind.chain.tx import SqliteIntentStore
from tradewind.desks.index.routing import (
    GasPrice,
    RouteStage,
    RoutingRecord,
    SqliteRouteStore,
    ceil_places,
    units_to_decimal,
)

from .conftest import ARB, BASE, ETH_USDT, FEE_QUOTE, USDC, RouteHarness, eventually

pytestmark = pytest.mark.e2e

_STAGES = list(RouteStage)


async def test_a_vault_deposit_is_routed_credited_and_delivered_with_its_real_costs(
    harness: RouteHarness,
) -> None:
    await harness.start_relayer()
    router = harness.router()
    source = harness.source(router)
    harness.start_mining()
    await source.start(harness.sink)
    try:
        vault_id, deposit_tx = await harness.vault_deposit(1_000 * USDC)
        delivered = await asyncio.wait_for(harness.delivered.get(), 90)
        # The relayer is repaid on the origin chain through Across: a refund root bundle the
        # hub (the spoke pools' owner) relays, and the leaf the relayer executes with its proof.
        relayer = harness.chains.relayer.address
        usdc_on_arb = harness.client.contract(ARB, "MockUSDC")
        for _ in range(600):  # bounded by the test timeout; blocks keep coming meanwhile
            if await usdc_on_arb.functions.balanceOf(relayer).call() == 1_000 * USDC:
                break
            await asyncio.sleep(0.1)
    finally:
        await source.stop()
        await harness.stop_mining()

    assert await usdc_on_arb.functions.balanceOf(relayer).call() == 1_000 * USDC
    spoke = harness.client.contract(ARB, "SpokePool")
    executed = await spoke.events.ExecutedRelayerRefundRoot().get_logs(from_block=0)
    assert [list(e["args"]["refundAddresses"]) for e in executed] == [[relayer]]
    assert [list(e["args"]["refundAmounts"]) for e in executed] == [[1_000 * USDC]]
    user = harness.chains.users[0].address
    assert delivered.deposit_id == f"42161:{vault_id}"
    assert (delivered.chain_id, delivered.address, delivered.asset) == (42161, user, "USDC")
    assert delivered.amount == Decimal(1_000)

    record = await router.store.get(delivered.deposit_id)
    assert record is not None and record.stage is RouteStage.DELIVERED
    assert record.deposit_tx_hash == deposit_tx and record.index_symbol == "TW10"
    assert [step.name for step in record.steps] == ["sweep", "approve", "bridge", "transfer"]
    assert [step.chain_id for step in record.steps] == [42161, 42161, 42161, 8453]

    # Every step's gas as its receipt says, and the fees from exactly those numbers.
    total_wei = 0
    for step in record.steps:
        chain = ARB if step.chain_id == 42161 else BASE
        gas, price, fee = await harness.receipt_fee_wei(chain, step.tx_hash)
        assert (step.gas_used, step.effective_gas_price, step.fee_wei) == (gas, price, fee)
        total_wei += fee
    bridge_fee_units = FEE_QUOTE.fee_for(1_000 * USDC)
    assert bridge_fee_units == 510_000  # 5 bp of 1000 USDC + 0.01 USDC
    gas_usdc = ceil_places(units_to_decimal(total_wei, 18) * ETH_USDT)
    assert record.gas_price == GasPrice(eth_usdt=ETH_USDT, usdc_usdt=Decimal(1))
    assert record.gas_usdc == gas_usdc > 0
    assert delivered.routing_fees == Decimal("0.51") + gas_usdc

    # The exchange credited what the bridge delivered, once, and the funds moved as routed.
    credited = Decimal(1_000) - Decimal("0.51")
    assert record.credited_amount == credited
    assert await harness.exchange_usdc() == credited
    history = await harness.history.deposit_history("USDC")
    transfer = record.step("transfer")
    assert transfer is not None
    assert [(row.tx_id, row.status, row.amount) for row in history] == [
        (transfer.tx_hash, 1, credited)
    ]
    vault = harness.client.contract(ARB, "CollateralVault")
    usdc_arb = harness.client.contract(ARB, "MockUSDC")
    assert await usdc_arb.functions.balanceOf(vault.address).call() == 0
    fill = await harness.client.w3(BASE).eth.get_transaction_receipt(record.fill_tx_hash)
    assert fill["status"] == 1


async def test_a_restarted_router_resumes_without_a_second_sweep_or_bridge(
    harness: RouteHarness, tmp_path: Path
) -> None:
    intents = await SqliteIntentStore.open(tmp_path / "intents.sqlite")
    routes = await SqliteRouteStore.open(tmp_path / "routes.sqlite")
    cursor = await SqliteFollowerStore.open(tmp_path / "cursor.sqlite")
    try:
        await harness.start_relayer()
        harness.start_mining()
        first = harness.source(harness.router(intents=intents, routes=routes), cursor=cursor)
        await first.start(harness.sink)
        vault_id, _ = await harness.vault_deposit(250 * USDC)
        key = f"42161:{vault_id}"

        async def stage() -> RoutingRecord | None:
            return await routes.get(key)

        before = await eventually(
            stage,
            lambda r: r is not None and _STAGES.index(r.stage) >= _STAGES.index(RouteStage.BRIDGED),
            "the route to pass the bridge",
        )
        await first.stop()  # the "crash": tasks cancelled wherever they were
        assert before is not None and harness.delivered.empty()

        second = harness.source(harness.router(intents=intents, routes=routes), cursor=cursor)
        await second.start(harness.sink)
        try:
            delivered = await asyncio.wait_for(harness.delivered.get(), 90)
            # the route is marked delivered right after the sink returns: wait for that write
            await eventually(
                stage,
                lambda r: r is not None and r.stage is RouteStage.DELIVERED,
                "the route to be recorded as delivered",
            )
        finally:
            await second.stop()
            await harness.stop_mining()
    finally:
        await intents.close()
        await routes.close()
        await cursor.close()

    assert delivered.deposit_id == key
    after = await SqliteRouteStore.open(tmp_path / "routes.sqlite")
    try:
        record = await after.get(key)
    finally:
        await after.close()
    assert record is not None and record.stage is RouteStage.DELIVERED
    for name in ("sweep", "bridge"):
        old, new = before.step(name), record.step(name)
        assert old is not None and new is not None and old.tx_hash == new.tx_hash

    # On chain: one sweep of this deposit and one bridge deposit from the desk.
    vault = harness.client.contract(ARB, "CollateralVault")
    sweeps = await vault.events.CollateralSwept().get_logs(from_block=0)
    assert [int(s["args"]["amount"]) for s in sweeps] == [250 * USDC]
    spoke = harness.client.contract(ARB, "SpokePool")
    bridged = await spoke.events.FundsDeposited().get_logs(from_block=0)
    assert [from_bytes32(b["args"]["depositor"]) for b in bridged] == [harness.chains.desk.address]
    assert await harness.exchange_usdc() == record.credited_amount


async def test_forged_and_foreign_vault_deposits_are_ignored(harness: RouteHarness) -> None:
    chains, client = harness.chains, harness.client
    deployer = chains.deployer.address
    w3 = client.w3(ARB)
    # A look-alike vault (same code, another address) that allows the real USDC.
    artifact = load_artifact("CollateralVault")
    tx = (
        await w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
        .constructor(deployer)
        .transact({"from": deployer})
    )
    receipt = await w3.eth.wait_for_transaction_receipt(tx, poll_latency=0.02)
    forged = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi_list())
    usdc = client.contract(ARB, "MockUSDC")
    await client.transact(ARB, forged.functions.setTokenAllowed(usdc.address, True), deployer)
    # And a token the real vault allows but the route does not carry.
    token_artifact = load_artifact("MockUSDC")
    tx = (
        await w3.eth.contract(abi=token_artifact.abi_list(), bytecode=token_artifact.bytecode)
        .constructor()
        .transact({"from": deployer})
    )
    other_token = (await w3.eth.wait_for_transaction_receipt(tx, poll_latency=0.02))[
        "contractAddress"
    ]
    vault = client.contract(ARB, "CollateralVault")
    await client.transact(ARB, vault.functions.setTokenAllowed(other_token, True), deployer)

    await harness.vault_deposit(10 * USDC, vault=forged)
    sender = chains.users[1].address
    other = w3.eth.contract(address=other_token, abi=token_artifact.abi_list())
    await client.transact(ARB, other.functions.faucet(sender, 10 * USDC), sender)
    await client.transact(ARB, other.functions.approve(vault.address, 10 * USDC), sender)
    await client.transact(ARB, vault.functions.deposit(other_token, 10 * USDC, "TW10"), sender)
    await chains.nodes[ARB].mine(3)

    router = harness.router()
    source = harness.source(router)
    assert await source.step() == []
    assert await router.store.all() == []
    # A genuine deposit after them is picked up: the source was watching all along.
    vault_id, _ = await harness.vault_deposit(5 * USDC)
    await chains.nodes[ARB].mine(2)
    [record] = await source.step()
    assert record.deposit_id == f"42161:{vault_id}" and record.amount == Decimal(5)


async def test_a_vault_deposit_dropped_before_its_depth_is_never_routed(
    harness: RouteHarness,
) -> None:
    node = harness.chains.nodes[ARB]
    router = harness.router()
    source = harness.source(router)
    assert await source.step() == []  # the follower starts reading
    snapshot = await node.snapshot()
    await harness.vault_deposit(77 * USDC)
    assert await source.step() == []  # seen, one block deep of two
    await node.revert(snapshot)
    await node.mine(5)
    for _ in range(3):
        assert await source.step() == []
    assert await router.store.all() == []
    sweeps: list[Any] = (
        await harness.client.contract(ARB, "CollateralVault")
        .events.CollateralSwept()
        .get_logs(from_block=0)
    )
    assert sweeps == []


async def test_a_new_record_is_stored_once_and_round_trips_through_json(
    harness: RouteHarness,
) -> None:
    vault_id, tx_hash = await harness.vault_deposit(3 * USDC)
    await harness.chains.nodes[ARB].mine(2)
    router = harness.router()
    source = harness.source(router)
    [record] = await source.step()
    assert RoutingRecord.from_json(record.to_json()) == record
    assert record.stage is RouteStage.DETECTED and record.deposit_tx_hash == tx_hash
    assert record.vault_deposit_id == vault_id and record.amount == Decimal(3)
    # The same deposit read again by a fresh follower is not a new route.
    again = harness.source(router)
    assert await again.step() == []
    assert [r.deposit_id for r in await router.store.all()] == [record.deposit_id]


async def test_routing_fees_never_exceed_the_deposit(harness: RouteHarness) -> None:
    await harness.start_relayer()
    # At a billion USDT per ETH the gas of routing 2 USDC costs far more than 2 USDC.
    router = harness.router(eth_usdt=Decimal(10) ** 9)
    source = harness.source(router)
    harness.start_mining()
    await source.start(harness.sink)
    try:
        await harness.vault_deposit(2 * USDC)
        delivered = await asyncio.wait_for(harness.delivered.get(), 90)
    finally:
        await source.stop()
        await harness.stop_mining()
    assert delivered.amount == Decimal(2)
    assert delivered.routing_fees == delivered.amount
    record = await router.store.get(delivered.deposit_id)
    assert record is not None and record.gas_usdc is not None and record.gas_usdc > 2
