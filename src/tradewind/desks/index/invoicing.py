"""What the index desk tells its users: a fill report per order whose figures changed, and,
when an order ends (filled, completed or cancelled), its settlement — slices beyond the filled
quantity back to the house and refunded, collateral freed or proceeds credited, tokens credited
or burned — and its MintInvoice if anything was filled. Quote amounts at the books' precision.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradewind.core.enums import OrderSide
from tradewind.desks.index.books import DeskBooks
from tradewind.desks.index.events import OrderKey
from tradewind.desks.index.lots import HOUSE, Slice
from tradewind.desks.index.orders import IndexOrder, mint_fee
from tradewind.desks.index.reports import (
    IndexOrderFillReport,
    IndexOrderStatus,
    InvoiceLot,
    MintInvoice,
    Output,
    invoice_id_of,
)
from tradewind.desks.index.rounding import half_even_to

__all__ = ["fill_report", "fill_reports", "finish_order", "issue_invoice"]

_ZERO = Decimal(0)


def fill_report(books: DeskBooks, order: IndexOrder, ts: int) -> IndexOrderFillReport:
    """The order's fill report as of now (its open status brought up to date)."""
    if order.is_open:
        order.status = (
            IndexOrderStatus.PARTIALLY_FILLED if order.filled > 0 else IndexOrderStatus.NEW
        )
    if order.side is OrderSide.BUY:
        spent = order.value
    elif order.is_open:
        gross, fee = order.sell_credit(books.quantum)
        spent = gross - fee
    else:
        spent = order.credited
    return IndexOrderFillReport(
        chain_id=order.key.chain_id,
        address=order.key.address,
        client_order_id=order.key.client_order_id,
        symbol=order.definition.symbol,
        side=order.side,
        filled_quantity=order.filled,
        collateral_spent=spent,
        collateral_remaining=order.collateral_remaining(),
        fill_rate=order.fill_rate(),
        status=order.status,
        ts=ts,
        reason=order.reason,
    )


def fill_reports(books: DeskBooks, orders: Iterable[IndexOrder], ts: int) -> list[Output]:
    """A report per order whose reported figures changed, each order once."""
    outputs: list[Output] = []
    done: set[OrderKey] = set()
    for order in orders:
        if order.key in done:
            continue
        done.add(order.key)
        report = fill_report(books, order, ts)
        snapshot = (
            report.status,
            report.filled_quantity,
            report.collateral_spent,
            report.collateral_remaining,
            report.fill_rate,
        )
        if books.reported.get(order.key) == snapshot:
            continue
        books.reported[order.key] = snapshot
        outputs.append(report)
    return outputs


def finish_order(
    books: DeskBooks, order: IndexOrder, ts: int, *, cancelled: bool, reason: str | None = None
) -> list[Output]:
    """End ``order`` (filled or ``cancelled``): settle it; its report and invoice. ``reason``:
    why the desk ends it early, carried by both."""
    order.ts_last = ts
    kept, released = order.kept_slices(books.quantum)
    for piece in released:
        lot = books.lots[piece.lot_id]
        lot.allocate(order.key, -piece.qty)
        lot.allocate(HOUSE, piece.qty)
    order.slices = {}
    for piece in kept:
        order.slices.setdefault(piece.symbol, []).append(piece)
    order.assigned = {c.symbol: order.filled * c.units for c in order.definition.constituents}
    asset = order.definition.quote_asset
    account = order.account
    if order.side is OrderSide.BUY:
        for piece in released:
            books.house.receive(piece.symbol, piece.lot_id, piece.qty, piece.value)
        before_value, before_fee = order.value, order.fee
        order.value = sum((piece.value for piece in kept), _ZERO)
        order.fee = mint_fee(order.value, order.definition.fees, books.quantum)
        refund = (before_value - order.value) + (before_fee - order.fee)
        books.collateral.charge(
            account, asset, -(before_value - order.value), -(before_fee - order.fee)
        )
        books.add_cash(asset, -refund)
        books.collateral.release(account, asset, order.amount - order.value - order.fee)
        if not books.tokens_on_chain:
            books.positions.credit(account, order.definition.symbol, order.filled)
    else:
        for piece in released:
            books.house_sold(piece.symbol, piece.qty)
        gross, fee = order.sell_credit(books.quantum)
        order.value = gross
        order.fee = fee
        order.credited = gross - fee
        books.collateral.credit_proceeds(account, asset, gross, fee)
        books.add_cash(asset, -order.credited)
        books.positions.burn(account, order.definition.symbol, order.filled)
        books.positions.release(account, order.definition.symbol, order.amount - order.filled)
    if order.filled > 0:
        order.status = IndexOrderStatus.CANCELLED if cancelled else IndexOrderStatus.FILLED
    else:
        order.status = IndexOrderStatus.CANCELLED
        order.reason = "cancelled" if cancelled else "nothing could be filled"
    if reason is not None:
        order.reason = reason
    for batch in books.open_batches.values():
        batch.remaining.pop(order.key, None)
    outputs: list[Output] = list(fill_reports(books, [order], ts))
    # every ended order gets its final invoice, an unfilled one too (nothing minted,
    # everything returned), so a client always learns how its order ended
    invoice = issue_invoice(books, order, kept, ts)
    books.invoices[order.key] = invoice
    outputs.append(invoice)
    return outputs


def issue_invoice(books: DeskBooks, order: IndexOrder, kept: list[Slice], ts: int) -> MintInvoice:
    """The MintInvoice of an ended order, from the slices it ``kept``."""
    definition = order.definition
    quote = definition.quote_asset
    lots: list[InvoiceLot] = []
    exchange_fees = _ZERO
    for piece in kept:
        lots.append(
            InvoiceLot(
                lot_id=piece.lot_id,
                symbol=piece.symbol,
                side=piece.side,
                price=piece.price,
                quantity=piece.qty,
                fee=piece.fee,
                fee_asset=piece.fee_asset,
                cost=piece.value,
            )
        )
        base = piece.symbol.split("/")[0]
        if piece.fee_asset == quote:
            exchange_fees += piece.fee
        elif piece.fee_asset == base:
            exchange_fees += piece.fee * piece.price
    account = order.account
    position = books.positions.view(account, definition.symbol).total
    if order.side is OrderSide.BUY:
        # routing fees ride on the first invoice that bought something
        routing = books.collateral.take_routing_fees(account, quote) if order.filled > 0 else _ZERO
        paid = order.value + order.fee + routing
        remaining = order.amount - order.value - order.fee
    else:
        routing = _ZERO
        paid = order.credited
        remaining = order.amount - order.filled
    return MintInvoice(
        invoice_id=invoice_id_of(*account, order.key.client_order_id),
        chain_id=account[0],
        address=account[1],
        client_order_id=order.key.client_order_id,
        symbol=definition.symbol,
        side=order.side,
        quantity=order.filled,
        lots=tuple(lots),
        amount_paid=paid,
        amount_remaining=remaining,
        assets_value=order.value,
        exchange_fees=half_even_to(exchange_fees, books.quantum),
        desk_fee=order.fee,
        routing_fees=routing,
        fill_rate=order.fill_rate(),
        position=position,
        tx_hash=None,
        ts=ts,
        reason=order.reason,
    )
