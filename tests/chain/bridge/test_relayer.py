"""The simulated relayer on two anvil chains: fills once, is repaid, survives restarts, refuses
what it must not fill."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from web3.logs import DISCARD

from tradewind.chain.bridge import (
    InvalidRelayerConfigError,
    RelayData,
    Relayer,
    RelayerPolicy,
    RelayOutcome,
    RelayStatus,
    fill_intent,
    repay_intent,
)
from tradewind.chain.bridge.spoke_pool import from_bytes32
from tradewind.chain.contracts import load_artifact
from tradewind.chain.deploy import LocalChains
from tradewind.chain.events import ChainEventConfirmed
from tradewind.chain.tx import IntentStatus

from .conftest import ARB, BASE, USDC, DepositMaker, RelayerFactory


async def usdc_balance(chain_client: Any, chain: str, owner: str) -> int:
    token = chain_client.contract(chain, "MockUSDC")
    return int(await token.functions.balanceOf(owner).call())


async def fills_on_base(chain_client: Any) -> list[Any]:
    spoke = chain_client.contract(BASE, "SpokePool")
    logs = await spoke.events.FilledRelay().get_logs(from_block=0)
    return list(logs)


async def step_until(
    relayer: Relayer, chains: LocalChains, done: Callable[[list[RelayOutcome]], bool]
) -> list[RelayOutcome]:
    """Step the relayer, mining an origin block between steps, until ``done``."""
    seen: list[RelayOutcome] = []
    for _ in range(40):
        seen += await relayer.step()
        if done(seen):
            return seen
        await chains.nodes[ARB].mine(1)
    raise AssertionError(f"relayer did not finish: {seen}")


async def test_a_confirmed_deposit_is_filled_once_and_the_relayer_repaid(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    bridge_deposit: DepositMaker,
    fund_relayer: Callable[[int], Awaitable[None]],
) -> None:
    relayer_address = chains.relayer.address
    recipient = chains.users[1].address
    await fund_relayer(1_000 * USDC)
    await bridge_deposit(100 * USDC, 99 * USDC)
    relayer = make_relayer()

    # One block deep is not enough for 2 confirmations: nothing is filled yet.
    assert await relayer.step() == []
    assert await usdc_balance(chain_client, BASE, recipient) == 0

    outcomes = await step_until(relayer, chains, lambda seen: bool(seen))
    [outcome] = outcomes
    assert outcome.status is RelayStatus.FILLED
    assert outcome.fill is not None and outcome.repay is not None
    assert outcome.relay.relayer_fee == 1 * USDC
    assert await usdc_balance(chain_client, BASE, recipient) == 99 * USDC
    assert await usdc_balance(chain_client, BASE, relayer_address) == (1_000 - 99) * USDC
    assert await usdc_balance(chain_client, ARB, relayer_address) == 100 * USDC
    [fill] = await fills_on_base(chain_client)
    assert fill["transactionHash"].hex().removeprefix("0x") == outcome.fill.tx_hash.removeprefix(
        "0x"
    )
    assert (fill["args"]["depositId"], from_bytes32(fill["args"]["relayer"])) == (
        0,
        relayer_address,
    )

    # More blocks, more polls: nothing new is sent.
    await chains.nodes[ARB].mine(3)
    assert await relayer.step() == []
    assert len(await fills_on_base(chain_client)) == 1


async def test_a_restarted_relayer_resumes_the_same_fill_and_never_fills_twice(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    bridge_deposit: DepositMaker,
    fund_relayer: Callable[[int], Awaitable[None]],
    sqlite_stores: Any,
) -> None:
    intents, cursor = sqlite_stores
    recipient = chains.users[1].address
    await fund_relayer(1_000 * USDC)
    await bridge_deposit(50 * USDC, 49 * USDC)
    await chains.nodes[ARB].mine(1)

    # Approved beforehand, so the first transaction the relayer sends is the fill.
    token = chain_client.contract(BASE, "MockUSDC")
    await chain_client.transact(
        BASE,
        token.functions.approve(chain_client.contract(BASE, "SpokePool").address, 2**256 - 1),
        chains.relayer.address,
    )
    base = chains.nodes[BASE]
    await base.set_automine(False)  # the fill stays in the mempool: the relayer "crashes" there
    first = make_relayer(intents=intents, cursor=cursor)
    running = asyncio.create_task(first.step())
    relay_probe = None
    base_id = chains.registry.chain(BASE).chain_id
    for _ in range(400):
        relay_probe = await intents.get(base_id, "relay:fill:42161:0")
        if relay_probe is not None and relay_probe.status is IntentStatus.BROADCAST:
            break
        if running.done():
            running.result()
        await asyncio.sleep(0.02)
    assert relay_probe is not None and relay_probe.status is IntentStatus.BROADCAST
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)

    # A new relayer on the same stores: the deposit comes back (cursor never committed), the
    # stored fill is followed, not signed again.
    await base.set_automine(True)
    await base.mine(1)
    second = make_relayer(intents=intents, cursor=cursor)
    outcomes = await step_until(second, chains, lambda seen: bool(seen))
    [outcome] = outcomes
    assert outcome.status is RelayStatus.FILLED
    assert outcome.fill is not None and outcome.fill.tx_hash == relay_probe.attempts[0].tx_hash
    assert len(await fills_on_base(chain_client)) == 1
    assert await usdc_balance(chain_client, BASE, recipient) == 49 * USDC

    # And a third relayer from block 0 with the committed cursor does nothing at all.
    third = make_relayer(intents=intents, cursor=cursor)
    await chains.nodes[ARB].mine(2)
    assert await third.step() == []
    relay = outcome.relay
    arb_id, base_id = chains.registry.chain(ARB).chain_id, chains.registry.chain(BASE).chain_id
    fill_record = await intents.get(base_id, fill_intent(relay))
    repay_record = await intents.get(arb_id, repay_intent(relay))
    assert fill_record is not None and fill_record.status is IntentStatus.CONFIRMED
    assert repay_record is not None and repay_record.status is IntentStatus.CONFIRMED
    assert len(await fills_on_base(chain_client)) == 1


async def test_deposits_it_must_not_fill_are_refused_and_change_nothing(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    bridge_deposit: DepositMaker,
    fund_relayer: Callable[[int], Awaitable[None]],
) -> None:
    await fund_relayer(1_000 * USDC)
    forged_token = chains.registry.chain(BASE).address("SpokePool")  # not an allowed token
    await bridge_deposit(10 * USDC, 9 * USDC, output_token=forged_token)
    await bridge_deposit(10 * USDC, 9 * USDC, deadline_in=3)  # too close to its deadline
    relayer = make_relayer()
    outcomes = await step_until(relayer, chains, lambda seen: len(seen) >= 2)
    assert [o.status for o in outcomes] == [RelayStatus.REFUSED, RelayStatus.REFUSED]
    assert "not allowed" in outcomes[0].reason
    assert "deadline" in outcomes[1].reason
    assert await fills_on_base(chain_client) == []
    assert relayer.backlog == []


async def test_a_deposit_waits_in_the_backlog_until_the_relayer_has_funds(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    bridge_deposit: DepositMaker,
    fund_relayer: Callable[[int], Awaitable[None]],
) -> None:
    await bridge_deposit(20 * USDC, 19 * USDC)
    relayer = make_relayer()
    outcomes = await step_until(relayer, chains, lambda seen: bool(seen))
    assert [o.status for o in outcomes] == [RelayStatus.RETRY]
    assert [r.deposit_id for r in relayer.backlog] == [0]
    await fund_relayer(100 * USDC)
    [retried] = await relayer.step()
    assert retried.status is RelayStatus.FILLED
    assert relayer.backlog == []
    assert len(await fills_on_base(chain_client)) == 1


async def test_relay_data_is_read_from_the_deposit_event(
    chains: LocalChains, chain_client: Any, bridge_deposit: DepositMaker
) -> None:
    receipt = await bridge_deposit(30 * USDC, 29 * USDC)
    spoke = chain_client.contract(ARB, "SpokePool")
    [event] = spoke.events.FundsDeposited().process_receipt(receipt, errors=DISCARD)
    confirmed = ChainEventConfirmed(
        ts_init=0,
        ts_event=0,
        chain_id=42161,
        filter_name="x",
        event_name="FundsDeposited",
        address=spoke.address,
        block_number=1,
        block_hash="0x" + "00" * 32,
        tx_hash="0x" + "11" * 32,
        log_index=0,
        args=dict(event["args"]),
        confirmations=2,
    )
    relay = RelayData.from_deposit_event(confirmed)
    assert (relay.input_amount, relay.output_amount, relay.relayer_fee) == (
        30 * USDC,
        29 * USDC,
        1 * USDC,
    )
    assert (relay.origin_chain_id, relay.destination_chain_id) == (42161, 8453)
    base_spoke = chain_client.contract(BASE, "SpokePool")
    expected = await base_spoke.functions.getV3RelayHash(relay.as_abi_tuple()).call()
    assert len(expected) == 32


async def test_concurrent_fills_never_count_the_same_funds_twice(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    bridge_deposit: DepositMaker,
    fund_relayer: Callable[[int], Awaitable[None]],
) -> None:
    await fund_relayer(60 * USDC)  # enough for one of the two fills below
    await bridge_deposit(41 * USDC, 40 * USDC)
    await bridge_deposit(41 * USDC, 40 * USDC)
    relayer = make_relayer()
    outcomes = await step_until(relayer, chains, lambda seen: len(seen) >= 2)
    assert sorted(o.status for o in outcomes) == [RelayStatus.FILLED, RelayStatus.RETRY]
    assert len(relayer.backlog) == 1
    await fund_relayer(60 * USDC)
    [second] = await relayer.step()
    assert second.status is RelayStatus.FILLED
    assert len(await fills_on_base(chain_client)) == 2


async def test_deposits_into_a_look_alike_spoke_pool_are_ignored(
    chains: LocalChains,
    chain_client: Any,
    make_relayer: RelayerFactory,
    fund_relayer: Callable[[int], Awaitable[None]],
) -> None:
    await fund_relayer(100 * USDC)
    deployer, user = chains.deployer.address, chains.users[0].address
    w3 = chain_client.w3(ARB)
    # the same Across code (a second proxy on the deployed implementation), another address
    artifact = load_artifact("SpokePool")
    proxy = load_artifact("ERC1967Proxy")
    init = w3.eth.contract(abi=artifact.abi_list()).encode_abi("initialize", [0, deployer])
    implementation = chains.registry.chain(ARB).address("SpokePool:IMPL")
    tx = (
        await w3.eth.contract(abi=proxy.abi_list(), bytecode=proxy.bytecode)
        .constructor(implementation, init)
        .transact({"from": deployer})
    )
    address = (await w3.eth.wait_for_transaction_receipt(tx, poll_latency=0.02))["contractAddress"]
    forged = w3.eth.contract(address=address, abi=artifact.abi_list())
    token = chain_client.contract(ARB, "MockUSDC")
    await chain_client.transact(ARB, token.functions.faucet(user, 10 * USDC), user)
    await chain_client.transact(ARB, token.functions.approve(address, 10 * USDC), user)
    now = int((await w3.eth.get_block("latest"))["timestamp"])
    base = chains.registry.chain(BASE)
    await chain_client.transact(
        ARB,
        forged.functions.depositV3(
            user,
            user,
            token.address,
            base.address("MockUSDC"),
            10 * USDC,
            9 * USDC,
            base.chain_id,
            "0x" + "00" * 20,
            now,
            now + 3600,
            0,
            b"",
        ),
        user,
    )
    await chains.nodes[ARB].mine(3)
    relayer = make_relayer()
    assert await relayer.step() == []
    assert await fills_on_base(chain_client) == []


def test_a_relayer_needs_distinct_chains_and_one_key(
    chains: LocalChains, make_relayer: RelayerFactory
) -> None:
    relayer = make_relayer()
    with pytest.raises(InvalidRelayerConfigError, match="at least one"):
        make_relayer(destinations=[])
    with pytest.raises(InvalidRelayerConfigError, match="distinct"):
        make_relayer(destinations=[relayer.origin])
    with pytest.raises(InvalidRelayerConfigError, match="min_fee_bps"):
        RelayerPolicy(min_fee_bps=20_000)
