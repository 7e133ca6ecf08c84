"""CollateralPayer on the local chains: a sell invoice's proceeds are paid from the vault in USDC
exactly once, the vault topped up from the desk's hot wallet when it lacks the USDC."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.chain.tx import InMemoryIntentStore, IntentStore
from tradewind.core.enums import OrderSide
from tradewind.desks.index.minting import (
    CollateralPayer,
    PayoutFloatShortError,
    WrongInvoiceSideError,
    payout_float_intent,
    payout_intent,
)
from tradewind.desks.index.reports import MintInvoice

from .conftest import ARB, ARB_ID, BASE_ID, USDC, MintingHarness, Recorder


def _payer(
    harness: MintingHarness, store: IntentStore | None = None, **options: object
) -> CollateralPayer:
    return CollateralPayer.from_registry(
        harness.registry,
        harness.wallet(ARB, store),
        **options,  # type: ignore[arg-type]
    )


async def test_a_sell_invoice_pays_the_user_once_topping_up_the_empty_vault(
    harness: MintingHarness, recorder: Recorder
) -> None:
    store = await harness.sqlite_store()
    payer = _payer(harness, store, on_paid=recorder)
    vault = payer.vault
    await harness.fund_usdc(ARB, harness.desk, 500 * USDC)  # the desk's chain float
    invoice = harness.invoice(
        OrderSide.SELL, Decimal(2), chain_id=BASE_ID, amount_paid=Decimal("123.4567899")
    )
    user = invoice.address
    assert await harness.usdc_balance(ARB, vault) == 0

    payout = await payer.pay(invoice)
    owed = 123_456_789  # 123.456789 USDC: rounded down to the 6th place
    assert payout is not None and payout.amount_units == owed
    assert (payout.chain_id, payout.user) == (ARB_ID, user)  # the vault's chain, not the order's
    assert await harness.usdc_balance(ARB, user) == owed
    assert await harness.usdc_balance(ARB, vault) == 0  # topped up by exactly the shortfall
    assert await harness.usdc_balance(ARB, harness.desk) == 500 * USDC - owed
    assert len(payout.float_tx_hashes) == 1
    assert recorder.calls == [(invoice.invoice_id, ARB_ID, payout.tx_hash)]
    receipt = await harness.client.w3(ARB).eth.get_transaction_receipt(payout.tx_hash)
    [withdrawn] = harness.client.events(ARB, "CollateralVault", "CollateralWithdrawn", receipt)
    assert withdrawn["args"]["ref"] == bytes.fromhex(invoice.invoice_id)
    assert withdrawn["args"]["amount"] == owed and withdrawn["args"]["user"] == user

    # Again, concurrently through the listener, and through a payer on the same SQLite store.
    nonce = await harness.desk_nonce(ARB)
    await payer.on_invoice(invoice)
    again = await payer.pay(invoice)
    await payer.drain()
    restarted = _payer(harness, await harness.sqlite_store())
    after_restart = await restarted.pay(invoice)
    assert again is not None and after_restart is not None
    assert again.tx_hash == after_restart.tx_hash == payout.tx_hash
    assert after_restart.amount_units == owed
    assert await harness.usdc_balance(ARB, user) == owed
    assert await harness.desk_nonce(ARB) == nonce
    record = await store.get(ARB_ID, payout_float_intent(invoice.invoice_id))
    assert record is not None and record.tx_hash == payout.float_tx_hashes[0]


async def test_a_vault_holding_enough_usdc_pays_without_a_top_up(
    harness: MintingHarness,
) -> None:
    await harness.vault_deposit(1_000 * USDC)
    store = InMemoryIntentStore()
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(250))
    payout = await _payer(harness, store).pay(invoice)
    assert payout is not None and payout.float_tx_hashes == ()
    assert await harness.usdc_balance(ARB, invoice.address) == 250 * USDC
    assert await store.get(ARB_ID, payout_float_intent(invoice.invoice_id)) is None


async def test_the_quote_asset_is_converted_and_reserved_vault_usdc_is_left_alone(
    harness: MintingHarness,
) -> None:
    await harness.vault_deposit(100 * USDC)  # a deposit the router has not swept yet
    await harness.fund_usdc(ARB, harness.desk, 100 * USDC)

    async def usdt_in_usdc(invoice: MintInvoice) -> Decimal:
        return Decimal("0.9998")

    async def unswept() -> int:
        return 100 * USDC

    payer = _payer(harness, usd_price=usdt_in_usdc, reserve=unswept)
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal("10.0000019"))
    payout = await payer.pay(invoice)
    owed = 9_998_001  # 10.0000019 * 0.9998 = 9.99800189962 -> 9.998001 (down, not nearest)
    assert payout is not None and payout.amount_units == owed
    assert len(payout.float_tx_hashes) == 1
    assert await harness.usdc_balance(ARB, payer.vault) == 100 * USDC  # the deposit is intact
    assert await harness.usdc_balance(ARB, invoice.address) == owed


async def test_a_payout_the_hot_wallet_cannot_cover_fails_and_pays_nothing(
    harness: MintingHarness, recorder: Recorder
) -> None:
    store = InMemoryIntentStore()
    payer = _payer(harness, store, on_paid=recorder)
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(50))
    with pytest.raises(PayoutFloatShortError, match="hot wallet"):
        await payer.pay(invoice)
    assert await harness.usdc_balance(ARB, invoice.address) == 0
    assert await store.get(ARB_ID, payout_intent(invoice.invoice_id)) is None
    assert recorder.calls == []

    # Refilled out of band: resume pays it.
    await harness.fund_usdc(ARB, harness.desk, 50 * USDC)
    assert await payer.resume([invoice]) == [invoice.invoice_id]
    await payer.drain()
    assert await harness.usdc_balance(ARB, invoice.address) == 50 * USDC
    assert [call[0] for call in recorder.calls] == [invoice.invoice_id]


async def test_buys_and_zero_payouts_are_not_paid(harness: MintingHarness) -> None:
    payer = _payer(harness)
    nonce = await harness.desk_nonce(ARB)
    buy = harness.invoice(OrderSide.BUY, Decimal(1), amount_paid=Decimal(10))
    with pytest.raises(WrongInvoiceSideError):
        await payer.pay(buy)
    await payer.on_invoice(buy)
    nothing = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(0))
    assert await payer.pay(nothing) is None
    await payer.on_invoice(nothing)
    dust = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal("0.0000009"))
    assert await payer.pay(dust) is None  # less than one USDC base unit
    assert payer.active == []
    assert await harness.desk_nonce(ARB) == nonce


async def test_a_payout_made_by_a_run_whose_intent_store_is_lost_is_found_not_repeated(
    harness: MintingHarness,
) -> None:
    await harness.vault_deposit(100 * USDC)
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(30))
    first = await _payer(harness).pay(invoice)
    assert first is not None
    nonce = await harness.desk_nonce(ARB)
    found = await _payer(harness, InMemoryIntentStore()).pay(invoice)
    assert found is not None and found.recovered
    assert (found.tx_hash, found.amount_units) == (first.tx_hash, 30 * USDC)
    assert await harness.desk_nonce(ARB) == nonce
    assert await harness.usdc_balance(ARB, invoice.address) == 30 * USDC
