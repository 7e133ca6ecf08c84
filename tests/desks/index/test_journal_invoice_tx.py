"""An invoice's chain transaction is recorded once on the stored invoice."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tradewind.core.enums import OrderSide
from tradewind.desks.index.journal import DeskJournal
from tradewind.desks.index.reports import MintInvoice, invoice_id_of

ADDRESS = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"


def _invoice(quantity: str = "1.5") -> MintInvoice:
    return MintInvoice(
        invoice_id=invoice_id_of(8453, ADDRESS, "o1"), chain_id=8453, address=ADDRESS,
        client_order_id="o1", symbol="TW10", side=OrderSide.BUY, quantity=Decimal(quantity),
        lots=(), amount_paid=Decimal(150), amount_remaining=Decimal(0),
        assets_value=Decimal(149), exchange_fees=Decimal("0.1"), desk_fee=Decimal("0.9"),
        routing_fees=Decimal(0), fill_rate=Decimal(1), position=Decimal(quantity), tx_hash=None,
        ts=1_700_000_000_000_000_000,
    )  # fmt: skip


def test_tx_hash_is_recorded_once_and_served() -> None:
    journal = DeskJournal.open("sqlite://")
    invoice = _invoice()
    journal.put_invoice(invoice)
    assert journal.invoices_without_tx() == [invoice]
    assert journal.record_invoice_tx(invoice.invoice_id, "0xabc") is True
    # a second settlement report (a restart) never overwrites the first
    assert journal.record_invoice_tx(invoice.invoice_id, "0xdef") is False
    stored = journal.get_invoice(8453, ADDRESS, "o1")
    assert stored == dataclasses.replace(invoice, tx_hash="0xabc")
    assert journal.invoices_without_tx() == []
    assert journal.record_invoice_tx("f" * 64, "0x1") is False
