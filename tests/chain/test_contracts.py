"""The desk's contracts on local chains: token faucet, index-token roles, vault, spoke pool."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak

from tradewind.chain.bridge.merkle import RefundTree, RelayerRefundLeaf
from tradewind.chain.bridge.spoke_pool import RelayData, to_bytes32
from tradewind.chain.contracts import (
    CONTRACT_NAMES,
    MINTER_ROLE,
    ContractArtifact,
    UnknownContractError,
    decode_custom_error,
    event_abi,
    load_artifact,
)
from tradewind.chain.deploy import LocalChains
from tradewind.chain.events import ChainEventConfirmed

# conftest.ChainClient, reached only through the fixture (test modules share no imports)
Client = Any

USDC = 10**6
TOKEN = 10**18
ARB, BASE = "arbitrum", "base"


def usdc(amount: int) -> int:
    return amount * USDC


async def _timestamp(client: Client, chain: str) -> int:
    return int((await client.w3(chain).eth.get_block("latest"))["timestamp"])


async def _fund(client: Client, chain: str, holder: str, amount: int, spender_key: str) -> None:
    token = client.contract(chain, "MockUSDC")
    await client.transact(chain, token.functions.faucet(holder, amount), holder)
    spender = client.local.registry.chain(chain).address(spender_key)
    await client.transact(chain, token.functions.approve(spender, amount), holder)


async def _usdc_balance(client: Client, chain: str, holder: str) -> int:
    balance: int = await client.contract(chain, "MockUSDC").functions.balanceOf(holder).call()
    return balance


# -- build outputs ------------------------------------------------------------------------------


def test_every_contract_has_an_abi_and_bytecode() -> None:
    for name in CONTRACT_NAMES:
        artifact = load_artifact(name)
        assert isinstance(artifact, ContractArtifact)
        assert artifact.bytecode.startswith("0x") and len(artifact.bytecode) > 100
        assert any(entry.get("type") == "constructor" for entry in artifact.abi) or (
            name in ("MockUSDC", "WETH9")
        )
    assert event_abi("IndexToken", "Minted")["inputs"][2]["name"] == "invoiceHash"


def test_unknown_contract_or_event_is_refused() -> None:
    with pytest.raises(UnknownContractError):
        load_artifact("Nope")
    with pytest.raises(UnknownContractError):
        event_abi("SpokePool", "Nope")


def test_custom_errors_decode_to_their_names() -> None:
    data = keccak(text="InvoiceAlreadyMinted(bytes32)")[:4] + b"\x01" * 32
    assert decode_custom_error(data) == "InvoiceAlreadyMinted(0x" + "01" * 32 + ")"
    assert decode_custom_error("0xdeadbeef") is None
    assert decode_custom_error(b"") is None


# -- MockUSDC -----------------------------------------------------------------------------------


async def test_usdc_faucet_mints_six_decimal_units_up_to_its_limit(
    chains: LocalChains, chain_client: Client
) -> None:
    user = chains.users[0].address
    token = chain_client.contract(ARB, "MockUSDC")
    assert await token.functions.decimals().call() == 6
    assert await token.functions.symbol().call() == "USDC"
    await chain_client.transact(ARB, token.functions.faucet(user, usdc(1_000_000)), user)
    assert await _usdc_balance(chain_client, ARB, user) == usdc(1_000_000)

    reason = await chain_client.revert_reason(
        token.functions.faucet(user, usdc(1_000_000) + 1), user
    )
    assert reason.startswith("FaucetLimitExceeded(")
    assert await _usdc_balance(chain_client, ARB, user) == usdc(1_000_000)


# -- IndexToken ---------------------------------------------------------------------------------


async def test_desk_mints_once_per_invoice_hash_and_the_event_carries_it(
    chains: LocalChains, chain_client: Client
) -> None:
    user, desk = chains.users[0].address, chains.desk.address
    token = chain_client.contract(BASE, "IndexToken:TW10")
    invoice = keccak(text="invoice-1")
    assert await token.functions.decimals().call() == 18
    assert await token.functions.symbol().call() == "TW10"

    receipt = await chain_client.transact(
        BASE, token.functions.mint(user, 3 * TOKEN, invoice), desk
    )

    [event] = chain_client.events(BASE, "IndexToken:TW10", "Minted", receipt)
    assert event["args"]["to"] == user
    assert event["args"]["amount"] == 3 * TOKEN
    assert event["args"]["invoiceHash"] == invoice
    assert await token.functions.balanceOf(user).call() == 3 * TOKEN
    assert await token.functions.invoiceMinted(invoice).call() is True

    again = await chain_client.revert_reason(token.functions.mint(user, TOKEN, invoice), desk)
    assert again == f"InvoiceAlreadyMinted(0x{invoice.hex()})"
    zero = await chain_client.revert_reason(token.functions.mint(user, TOKEN, b"\0" * 32), desk)
    assert zero == "ZeroReference()"
    assert await token.functions.totalSupply().call() == 3 * TOKEN


async def test_only_the_minter_role_mints_or_burns(
    chains: LocalChains, chain_client: Client
) -> None:
    user = chains.users[0].address
    token = chain_client.contract(BASE, "IndexToken:TW10")
    reason = await chain_client.revert_reason(
        token.functions.mint(user, TOKEN, keccak(text="x")), user
    )
    assert reason == f"AccessControlUnauthorizedAccount({user}, 0x{MINTER_ROLE.hex()})"
    reason = await chain_client.revert_reason(
        token.functions.burn(user, TOKEN, keccak(text="r")), chains.deployer.address
    )
    assert reason.startswith("AccessControlUnauthorizedAccount(")


async def test_burn_needs_the_holders_allowance_and_each_redemption_burns_once(
    chains: LocalChains, chain_client: Client
) -> None:
    user, desk = chains.users[1].address, chains.desk.address
    token = chain_client.contract(ARB, "IndexToken:TW3")
    await chain_client.transact(ARB, token.functions.mint(user, 5 * TOKEN, keccak(text="i")), desk)
    redemption = keccak(text="redeem-1")

    no_allowance = await chain_client.revert_reason(
        token.functions.burn(user, 2 * TOKEN, redemption), desk
    )
    assert no_allowance.startswith("ERC20InsufficientAllowance(")

    await chain_client.transact(ARB, token.functions.approve(desk, 2 * TOKEN), user)
    receipt = await chain_client.transact(
        ARB, token.functions.burn(user, 2 * TOKEN, redemption), desk
    )
    [event] = chain_client.events(ARB, "IndexToken:TW3", "Burned", receipt)
    assert (event["args"]["from"], event["args"]["amount"]) == (user, 2 * TOKEN)
    assert event["args"]["redemptionId"] == redemption
    assert await token.functions.balanceOf(user).call() == 3 * TOKEN
    assert await token.functions.totalSupply().call() == 3 * TOKEN

    # tokens the user sent to the desk are burned from the desk's own balance
    await chain_client.transact(ARB, token.functions.transfer(desk, TOKEN), user)
    twice = await chain_client.revert_reason(token.functions.burn(desk, TOKEN, redemption), desk)
    assert twice.startswith("RedemptionAlreadyBurned(")
    await chain_client.transact(ARB, token.functions.burn(desk, TOKEN, keccak(text="r2")), desk)
    assert await token.functions.balanceOf(desk).call() == 0
    assert await token.functions.totalSupply().call() == 2 * TOKEN


# -- CollateralVault ----------------------------------------------------------------------------


async def test_deposits_emit_user_token_amount_symbol_and_unique_ids(
    chains: LocalChains, chain_client: Client
) -> None:
    alice, bob = chains.users[0].address, chains.users[1].address
    vault = chain_client.contract(ARB, "CollateralVault")
    token_address = chains.registry.chain(ARB).address("MockUSDC")
    await _fund(chain_client, ARB, alice, usdc(500), "CollateralVault")
    await _fund(chain_client, ARB, bob, usdc(70), "CollateralVault")

    first = await chain_client.transact(
        ARB, vault.functions.deposit(token_address, usdc(300), "TW10"), alice
    )
    second = await chain_client.transact(
        ARB, vault.functions.deposit(token_address, usdc(70), "TW3"), bob
    )

    [a] = chain_client.events(ARB, "CollateralVault", "CollateralDeposited", first)
    [b] = chain_client.events(ARB, "CollateralVault", "CollateralDeposited", second)
    assert dict(a["args"]) == {
        "user": alice,
        "token": token_address,
        "amount": usdc(300),
        "indexSymbol": "TW10",
        "depositId": 1,
    }
    assert (b["args"]["user"], b["args"]["indexSymbol"], b["args"]["depositId"]) == (bob, "TW3", 2)
    assert await _usdc_balance(chain_client, ARB, vault.address) == usdc(370)
    assert await _usdc_balance(chain_client, ARB, alice) == usdc(200)


async def test_vault_refuses_foreign_tokens_zero_amounts_and_bad_symbols(
    chains: LocalChains, chain_client: Client
) -> None:
    alice = chains.users[0].address
    vault = chain_client.contract(ARB, "CollateralVault")
    usdc_address = chains.registry.chain(ARB).address("MockUSDC")
    foreign = chains.registry.chain(ARB).index_token("TW10")
    await _fund(chain_client, ARB, alice, usdc(10), "CollateralVault")
    cases = [
        (vault.functions.deposit(foreign, 1, "TW10"), f"TokenNotAllowed({foreign})"),
        (vault.functions.deposit(usdc_address, 0, "TW10"), "ZeroAmount()"),
        (vault.functions.deposit(usdc_address, 1, ""), "BadIndexSymbol()"),
        (vault.functions.deposit(usdc_address, 1, "X" * 33), "BadIndexSymbol()"),
    ]
    for call, expected in cases:
        assert await chain_client.revert_reason(call, alice) == expected
    assert await vault.functions.nextDepositId().call() == 0


async def test_operator_sweeps_and_withdraws_once_per_reference(
    chains: LocalChains, chain_client: Client
) -> None:
    alice, desk = chains.users[0].address, chains.desk.address
    vault = chain_client.contract(ARB, "CollateralVault")
    usdc_address = chains.registry.chain(ARB).address("MockUSDC")
    spoke = chains.registry.chain(ARB).address("SpokePool")
    await _fund(chain_client, ARB, alice, usdc(100), "CollateralVault")
    await chain_client.transact(
        ARB, vault.functions.deposit(usdc_address, usdc(100), "TW10"), alice
    )

    not_operator = await chain_client.revert_reason(
        vault.functions.sweep(usdc_address, alice, usdc(1)), alice
    )
    assert not_operator.startswith("AccessControlUnauthorizedAccount(")

    swept = await chain_client.transact(
        ARB, vault.functions.sweep(usdc_address, spoke, usdc(60)), desk
    )
    [event] = chain_client.events(ARB, "CollateralVault", "CollateralSwept", swept)
    assert dict(event["args"]) == {"token": usdc_address, "to": spoke, "amount": usdc(60)}
    assert await _usdc_balance(chain_client, ARB, spoke) == usdc(60)

    ref = keccak(text="withdrawal-1")
    paid = await chain_client.transact(
        ARB, vault.functions.withdraw(alice, usdc_address, usdc(40), ref), desk
    )
    [event] = chain_client.events(ARB, "CollateralVault", "CollateralWithdrawn", paid)
    assert dict(event["args"]) == {
        "user": alice,
        "token": usdc_address,
        "amount": usdc(40),
        "ref": ref,
    }
    assert await _usdc_balance(chain_client, ARB, alice) == usdc(40)
    again = await chain_client.revert_reason(
        vault.functions.withdraw(alice, usdc_address, usdc(1), ref), desk
    )
    assert again.startswith("WithdrawalAlreadyPaid(")
    by_user = await chain_client.revert_reason(
        vault.functions.withdraw(alice, usdc_address, usdc(1), keccak(text="w2")), alice
    )
    assert by_user.startswith("AccessControlUnauthorizedAccount(")


# -- Across SpokePool (the published Ethereum_SpokePool behind ERC1967Proxy) --------------------


async def _deposit(
    chains: LocalChains,
    client: Client,
    *,
    input_amount: int,
    output_amount: int,
    deadline_in: int = 3600,
) -> RelayData:
    """depositV3 of USDC arbitrum -> base by user #0 to user #1; the relay a fill repeats."""
    depositor, recipient = chains.users[0].address, chains.users[1].address
    arb, base = chains.registry.chain(ARB), chains.registry.chain(BASE)
    spoke = client.contract(ARB, "SpokePool")
    await _fund(client, ARB, depositor, input_amount, "SpokePool")
    now = await _timestamp(client, ARB)
    receipt = await client.transact(
        ARB,
        spoke.functions.depositV3(
            depositor,
            recipient,
            arb.address("MockUSDC"),
            base.address("MockUSDC"),
            input_amount,
            output_amount,
            base.chain_id,
            "0x" + "00" * 20,
            now,
            now + deadline_in,
            0,
            b"",
        ),
        depositor,
    )
    [event] = client.events(ARB, "SpokePool", "FundsDeposited", receipt)
    confirmed = ChainEventConfirmed(
        ts_init=0,
        ts_event=0,
        chain_id=arb.chain_id,
        filter_name="spoke",
        event_name="FundsDeposited",
        address=spoke.address,
        block_number=int(receipt["blockNumber"]),
        block_hash="0x" + bytes(receipt["blockHash"]).hex(),
        tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
        log_index=0,
        args=dict(event["args"]),
        confirmations=1,
    )
    return RelayData.from_deposit_event(confirmed)


async def _fill(chains: LocalChains, client: Client, relay: RelayData) -> Any:
    relayer = chains.relayer.address
    await _fund(client, BASE, relayer, relay.output_amount, "SpokePool")
    spoke = client.contract(BASE, "SpokePool")
    call = spoke.functions.fillRelay(
        relay.as_abi_tuple(), relay.origin_chain_id, to_bytes32(relayer)
    )
    return call


async def test_deposit_fill_and_refund_leaf_repay_the_relayer_through_a_root_bundle(
    chains: LocalChains, chain_client: Client
) -> None:
    relayer, recipient = chains.relayer.address, chains.users[1].address
    hub = chains.deployer.address  # the spoke pools' owner plays the hub
    relay = await _deposit(chains, chain_client, input_amount=usdc(100), output_amount=usdc(99))
    assert (relay.deposit_id, relay.destination_chain_id, relay.relayer_fee) == (0, 8453, usdc(1))
    fill = await _fill(chains, chain_client, relay)
    await chain_client.transact(BASE, fill, relayer)
    assert await _usdc_balance(chain_client, BASE, recipient) == usdc(99)
    assert (await chain_client.revert_reason(fill, relayer)).startswith("RelayFilled(")

    # the hub commits to a bundle of three refund leaves; ours is the middle one
    token = chains.registry.chain(ARB).address("MockUSDC")
    leaves = [
        RelayerRefundLeaf(
            amount_to_return=0,
            chain_id=42161,
            refund_amounts=(amount,),
            leaf_id=leaf_id,
            token=token,
            refund_addresses=(who,),
        )
        for leaf_id, (who, amount) in enumerate(
            [
                (chains.users[5].address, 1),
                (relayer, relay.input_amount),
                (chains.users[6].address, 2),
            ]
        )
    ]
    tree = RefundTree(leaves)
    spoke = chain_client.contract(ARB, "SpokePool")
    # only the owner relays bundles (revert_reason fails the test if the call goes through)
    await chain_client.revert_reason(spoke.functions.relayRootBundle(tree.root, bytes(32)), relayer)
    receipt = await chain_client.transact(
        ARB, spoke.functions.relayRootBundle(tree.root, bytes(32)), hub
    )
    [bundle] = chain_client.events(ARB, "SpokePool", "RelayedRootBundle", receipt)
    bundle_id = bundle["args"]["rootBundleId"]

    wrong = spoke.functions.executeRelayerRefundLeaf(
        bundle_id, leaves[1].as_abi_tuple(), tree.proof(0)
    )
    assert await chain_client.revert_reason(wrong, relayer) == "InvalidMerkleProof()"
    execute = spoke.functions.executeRelayerRefundLeaf(
        bundle_id, leaves[1].as_abi_tuple(), tree.proof(1)
    )
    await chain_client.transact(ARB, execute, relayer)
    assert await _usdc_balance(chain_client, ARB, relayer) == usdc(100)
    assert await chain_client.revert_reason(execute, relayer) == "ClaimedMerkleLeaf()"


async def test_deposit_ids_count_up(chains: LocalChains, chain_client: Client) -> None:
    first = await _deposit(chains, chain_client, input_amount=usdc(10), output_amount=usdc(9))
    second = await _deposit(chains, chain_client, input_amount=usdc(10), output_amount=usdc(9))
    assert (first.deposit_id, second.deposit_id) == (0, 1)


async def test_fill_after_the_deadline_is_refused(
    chains: LocalChains, chain_client: Client
) -> None:
    relay = await _deposit(
        chains, chain_client, input_amount=usdc(10), output_amount=usdc(9), deadline_in=5
    )
    await chains.nodes[BASE].request("evm_increaseTime", 3600)
    await chains.nodes[BASE].mine(1)
    fill = await _fill(chains, chain_client, relay)
    assert await chain_client.revert_reason(fill, chains.relayer.address) == "ExpiredFillDeadline()"


async def test_deposit_validation(chains: LocalChains, chain_client: Client) -> None:
    user = chains.users[0].address
    arb = chains.registry.chain(ARB)
    token = arb.address("MockUSDC")
    spoke = chain_client.contract(ARB, "SpokePool")
    now = await _timestamp(chain_client, ARB)
    zero = "0x" + "00" * 20

    def deposit(quote: int, deadline: int) -> Any:
        return spoke.functions.depositV3(
            user, user, token, token, 5, 5, 8453, zero, quote, deadline, 0, b""
        )

    assert await chain_client.revert_reason(deposit(now + 999, now + 60), user) == (
        "InvalidQuoteTimestamp()"
    )
    assert await chain_client.revert_reason(deposit(now - 7200, now + 60), user) == (
        "InvalidQuoteTimestamp()"
    )
    assert await chain_client.revert_reason(deposit(now, now + 7 * 3600), user) == (
        "InvalidFillDeadline()"
    )
