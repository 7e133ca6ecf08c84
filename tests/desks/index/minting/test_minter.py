"""IndexMinter on the local chains: a buy invoice mints exactly once to the user on the invoice's
chain, a sell invoice burns the desk's returned tokens, refusals send nothing."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from tradewind.chain.keys import HotKey
from tradewind.chain.tx import InMemoryIntentStore, TransactionManager
from tradewind.core.enums import OrderSide
from tradewind.desks.index.minting import (
    IndexMinter,
    InvalidSettlementConfigError,
    InvalidTokenAmountError,
    TokenAction,
    UnknownIndexTokenError,
    UnknownSettlementChainError,
    mint_intent,
)
from tradewind.desks.index.routing import DeskWallet

from .conftest import ARB, ARB_ID, BASE, BASE_ID, TOKEN, MintingHarness, Recorder


async def test_a_buy_invoice_mints_its_quantity_to_the_user_on_the_invoice_chain_once(
    harness: MintingHarness, recorder: Recorder
) -> None:
    store = await harness.sqlite_store()
    minter = IndexMinter(
        registry=harness.registry, wallets=harness.wallets(store), on_minted=recorder
    )
    invoice = harness.invoice(OrderSide.BUY, Decimal("2.5"), chain_id=BASE_ID)
    user = invoice.address
    nonce_before = await harness.desk_nonce(BASE)

    first = await minter.settle(invoice)
    assert first is not None and first.plan.action is TokenAction.MINT
    assert await harness.index_balance(BASE, user) == 25 * TOKEN // 10
    assert await harness.index_balance(ARB, user) == 0  # only on the chain the order named
    assert recorder.calls == [(invoice.invoice_id, BASE_ID, first.tx_hash)]

    # The Minted event carries the invoice hash: the id's bytes.
    receipt = await harness.client.w3(BASE).eth.get_transaction_receipt(first.tx_hash)
    [minted] = harness.client.events(BASE, "IndexToken:TW10", "Minted", receipt)
    assert minted["args"]["invoiceHash"] == bytes.fromhex(invoice.invoice_id)
    assert minted["args"]["to"] == user and minted["args"]["amount"] == 25 * TOKEN // 10

    # Again, and through a new minter on a new connection to the same SQLite intent store.
    again = await minter.settle(invoice)
    restarted_store = await harness.sqlite_store()
    restarted = IndexMinter(registry=harness.registry, wallets=harness.wallets(restarted_store))
    after_restart = await restarted.settle(invoice)
    assert again is not None and after_restart is not None
    assert again.tx_hash == after_restart.tx_hash == first.tx_hash
    assert not after_restart.recovered  # the stored intent answered, not a chain lookup
    assert await harness.index_balance(BASE, user) == 25 * TOKEN // 10
    assert await harness.desk_nonce(BASE) == nonce_before + 1


async def test_the_listener_mints_in_the_background_once_however_often_it_is_told(
    harness: MintingHarness, recorder: Recorder
) -> None:
    minter = IndexMinter(registry=harness.registry, wallets=harness.wallets(), on_minted=recorder)
    invoice = harness.invoice(OrderSide.BUY, Decimal("0.000000000000000001"), chain_id=ARB_ID)
    nonce_before = await harness.desk_nonce(ARB)

    await asyncio.gather(*(minter.on_invoice(invoice) for _ in range(3)))
    await minter.on_invoice(invoice)
    await minter.drain()
    assert await harness.index_balance(ARB, invoice.address) == 1  # one base unit, exactly
    assert await harness.desk_nonce(ARB) == nonce_before + 1
    tx_hashes = {call[2] for call in recorder.calls}
    assert len(tx_hashes) == 1
    assert all(call[:2] == (invoice.invoice_id, ARB_ID) for call in recorder.calls)


async def test_resume_mints_only_the_invoices_without_a_tx_hash(
    harness: MintingHarness, recorder: Recorder
) -> None:
    minter = IndexMinter(registry=harness.registry, wallets=harness.wallets(), on_minted=recorder)
    done = harness.invoice(OrderSide.BUY, Decimal(1), tx_hash="0x" + "ab" * 32)
    open_buy = harness.invoice(OrderSide.BUY, Decimal(3), user=1)
    nothing = harness.invoice(OrderSide.BUY, Decimal(0), user=2)

    started = await minter.resume([done, open_buy, nothing])
    await minter.drain()
    assert started == [open_buy.invoice_id]
    assert [call[0] for call in recorder.calls] == [open_buy.invoice_id]
    assert await harness.index_balance(BASE, done.address) == 0
    assert await harness.index_balance(BASE, open_buy.address) == 3 * TOKEN


async def test_a_mint_made_by_a_run_whose_intent_store_is_lost_is_found_not_repeated(
    harness: MintingHarness, recorder: Recorder
) -> None:
    invoice = harness.invoice(OrderSide.BUY, Decimal(4))
    first = await IndexMinter(registry=harness.registry, wallets=harness.wallets()).settle(invoice)
    assert first is not None
    nonce = await harness.desk_nonce(BASE)

    amnesiac = IndexMinter(
        registry=harness.registry,
        wallets=harness.wallets(InMemoryIntentStore()),
        on_minted=recorder,
    )
    found = await amnesiac.settle(invoice)
    assert found is not None and found.recovered
    assert found.tx_hash == first.tx_hash and found.block_number == first.block_number
    assert recorder.calls == [(invoice.invoice_id, BASE_ID, first.tx_hash)]
    assert await harness.desk_nonce(BASE) == nonce
    assert await harness.index_balance(BASE, invoice.address) == 4 * TOKEN


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"chain_id": 1}, UnknownSettlementChainError),
        ({"symbol": "NOPE"}, UnknownIndexTokenError),
        ({"quantity": Decimal("1.0000000000000000001")}, InvalidTokenAmountError),
        ({"quantity": Decimal("-1")}, InvalidTokenAmountError),
    ],
)
async def test_an_invoice_that_cannot_be_minted_is_refused_and_nothing_is_sent(
    harness: MintingHarness, recorder: Recorder, change: dict[str, object], error: type
) -> None:
    store = InMemoryIntentStore()
    minter = IndexMinter(
        registry=harness.registry, wallets=harness.wallets(store), on_minted=recorder
    )
    options: dict[str, object] = {"quantity": Decimal(1), **change}
    quantity = options.pop("quantity")
    assert isinstance(quantity, Decimal)
    invoice = harness.invoice(OrderSide.BUY, quantity, **options)  # type: ignore[arg-type]
    nonces = (await harness.desk_nonce(ARB), await harness.desk_nonce(BASE))

    with pytest.raises(error), capture_logs() as direct:
        await minter.settle(invoice)
    with capture_logs() as listened:
        await minter.on_invoice(invoice)  # the desk's path: logged, never raised
    await minter.drain()

    for logs in (direct, listened):
        [refusal] = [e for e in logs if e["event"] == "chain.settlement_refused"]
        assert refusal["invoice_id"] == invoice.invoice_id
        assert refusal["error_type"] == error.__name__
    assert minter.active == [] and recorder.calls == []
    for chain_id in (ARB_ID, BASE_ID):
        assert await store.get(chain_id, mint_intent(invoice.invoice_id)) is None
    assert (await harness.desk_nonce(ARB), await harness.desk_nonce(BASE)) == nonces


async def test_a_zero_quantity_invoice_sends_nothing(harness: MintingHarness) -> None:
    minter = IndexMinter(registry=harness.registry, wallets=harness.wallets())
    nonce = await harness.desk_nonce(BASE)
    assert await minter.settle(harness.invoice(OrderSide.BUY, Decimal("0.000"))) is None
    assert await harness.desk_nonce(BASE) == nonce


async def test_a_sell_invoice_burns_the_returned_tokens_from_the_desk_once(
    harness: MintingHarness, recorder: Recorder
) -> None:
    user = harness.user(0)
    await harness.mint_directly(BASE, user, 5 * TOKEN)
    await harness.transfer_tokens(BASE, user, harness.desk, 5 * TOKEN)  # the user's return
    minter = IndexMinter(registry=harness.registry, wallets=harness.wallets(), on_minted=recorder)
    invoice = harness.invoice(OrderSide.SELL, Decimal("3.25"), amount_paid=Decimal(100))

    burned = await minter.settle(invoice)
    assert burned is not None and burned.plan.action is TokenAction.BURN
    assert burned.plan.account == harness.desk
    assert await harness.index_balance(BASE, harness.desk) == 5 * TOKEN - 325 * TOKEN // 100
    assert await harness.index_balance(BASE, user) == 0
    receipt = await harness.client.w3(BASE).eth.get_transaction_receipt(burned.tx_hash)
    [event] = harness.client.events(BASE, "IndexToken:TW10", "Burned", receipt)
    assert event["args"]["redemptionId"] == bytes.fromhex(invoice.invoice_id)

    again = await minter.settle(invoice)
    assert again is not None and again.tx_hash == burned.tx_hash
    assert await harness.index_balance(BASE, harness.desk) == 5 * TOKEN - 325 * TOKEN // 100
    assert recorder.calls == [(invoice.invoice_id, BASE_ID, burned.tx_hash)] * 2


async def test_wallets_must_sign_as_the_registry_desk(harness: MintingHarness) -> None:
    user_key = HotKey.from_private_key(harness.chains.users[0].private_key, source="anvil-dev-3")
    w3 = harness.client.w3(BASE)
    wrong = DeskWallet(name=BASE, w3=w3, tx=TransactionManager(w3, user_key, chain_id=BASE_ID))
    with pytest.raises(InvalidSettlementConfigError, match="MINTER_ROLE"):
        IndexMinter(registry=harness.registry, wallets=[wrong])
    with pytest.raises(InvalidSettlementConfigError, match="at least one"):
        IndexMinter(registry=harness.registry, wallets=[])


async def test_a_failing_callback_is_logged_and_the_mint_stands(harness: MintingHarness) -> None:
    async def broken(invoice_id: str, chain_id: int, tx_hash: str) -> None:
        raise RuntimeError("invoice store down")

    minter = IndexMinter(registry=harness.registry, wallets=harness.wallets(), on_minted=broken)
    invoice = harness.invoice(OrderSide.BUY, Decimal(1))
    with capture_logs() as logs:
        minted = await minter.settle(invoice)
    assert minted is not None
    [failure] = [e for e in logs if e["event"] == "chain.settlement_callback_failed"]
    assert failure["tx_hash"] == minted.tx_hash and "invoice store down" in failure["error"]
    assert await harness.index_balance(BASE, invoice.address) == TOKEN
