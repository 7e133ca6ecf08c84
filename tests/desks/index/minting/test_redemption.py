"""A whole redemption on the local chains, as the desk wires the parts: tokens minted on a buy,
sent back by the user, credited to the desk as a return, burned and paid out on the sell."""

from __future__ import annotations

from decimal import Decimal

from tradewind.chain.events import InMemoryFollowerStore
from tradewind.core.enums import OrderSide
from tradewind.desks.index.events import IndexTokensReturned
from tradewind.desks.index.minting import CollateralPayer, IndexMinter, TokenReturnWatcher
from tradewind.desks.index.reports import MintInvoice

from .conftest import ARB, BASE, BASE_ID, TOKEN, USDC, MintingHarness, Recorder


async def test_buy_return_sell_mints_burns_and_pays_each_once(
    harness: MintingHarness, recorder: Recorder
) -> None:
    wallets = harness.wallets()
    minter = IndexMinter(registry=harness.registry, wallets=wallets, on_minted=recorder)
    payer = CollateralPayer.from_registry(harness.registry, wallets[0], on_paid=recorder)
    listeners = [minter, payer]  # as IndexDesk.invoice_listeners
    returns: list[IndexTokensReturned] = []

    async def on_tokens_returned(event: IndexTokensReturned) -> None:
        returns.append(event)

    watcher = TokenReturnWatcher(
        registry=harness.registry,
        clients={ARB: harness.client.w3(ARB), BASE: harness.client.w3(BASE)},
        sink=on_tokens_returned,
        confirmations=2,
        start_block=0,
        follower_store=InMemoryFollowerStore(),
    )

    async def issue(invoice: MintInvoice) -> None:
        for listener in listeners:
            await listener.on_invoice(invoice)
        await minter.drain()
        await payer.drain()

    user = harness.user(0)
    await harness.fund_usdc(ARB, harness.desk, 1_000 * USDC)
    buy = harness.invoice(OrderSide.BUY, Decimal(2), chain_id=BASE_ID, amount_paid=Decimal(200))
    await issue(buy)
    assert await harness.index_balance(BASE, user) == 2 * TOKEN
    assert await harness.usdc_balance(ARB, user) == 0  # a buy pays nothing back

    await harness.transfer_tokens(BASE, user, harness.desk, 2 * TOKEN)
    await harness.chains.nodes[BASE].mine(2)
    await watcher.step()
    [returned] = returns
    assert (returned.chain_id, returned.address, returned.symbol) == (BASE_ID, user, "TW10")
    assert returned.quantity == Decimal(2)

    sell = harness.invoice(
        OrderSide.SELL, returned.quantity, chain_id=BASE_ID, amount_paid=Decimal("198.5")
    )
    await issue(sell)
    await issue(sell)  # told twice: still one burn and one payout
    assert await harness.index_balance(BASE, harness.desk) == 0
    assert await harness.usdc_balance(ARB, user) == 198_500_000
    by_invoice: dict[str, set[str]] = {}
    for invoice_id, _, tx_hash in recorder.calls:
        by_invoice.setdefault(invoice_id, set()).add(tx_hash)
    assert len(by_invoice[buy.invoice_id]) == 1
    assert len(by_invoice[sell.invoice_id]) == 2  # the burn (base) and the payout (arbitrum)
    await harness.chains.nodes[BASE].mine(3)
    await watcher.step()
    assert len(returns) == 1  # the burn is not a return
