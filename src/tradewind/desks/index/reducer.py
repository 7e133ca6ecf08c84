"""The fold of the index desk: ``apply_event(books, event)`` applies one journaled event to
the books and returns the outputs it causes (fill reports, invoices), in order. Deterministic:
no clock, no randomness, no iteration over unordered containers; an event whose key was applied
before is ignored. See ``state`` for what each event does.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, localcontext

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.desks.index.books import BatchRecord, DeskBooks
from tradewind.desks.index.checks import cancel_problem, new_order_problem
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    HouseFill,
    IndexEvent,
    IndexOrderAccepted,
    IndexOrderCancelled,
    IndexTokensReturned,
    LotRecorded,
)
from tradewind.desks.index.invoicing import fill_reports, finish_order
from tradewind.desks.index.lots import HOUSE, Lot, prorate, share_out
from tradewind.desks.index.orders import IndexOrder, committed_quantity
from tradewind.desks.index.reports import IndexOrderFillReport, IndexOrderStatus, Output
from tradewind.desks.index.rounding import EXACT

__all__ = ["apply_event"]

log = get_logger("desks.index.state")

_ZERO = Decimal(0)

HOUSE_VENUE = "house"
"""The venue of a lot the house takes itself (a sell leg under the venue's minimums)."""


def apply_event(books: DeskBooks, event: IndexEvent) -> list[Output]:
    """Fold one journaled event into the state; the outputs it causes, in order."""
    key = event.key
    if key in books.seen:
        return []
    with localcontext(EXACT):
        if isinstance(event, CollateralDeposited):
            outputs = _deposit(books, event)
        elif isinstance(event, IndexTokensReturned):
            outputs = _tokens_returned(books, event)
        elif isinstance(event, IndexOrderAccepted):
            outputs = _accept(books, event)
        elif isinstance(event, IndexOrderCancelled):
            outputs = _cancel(books, event)
        elif isinstance(event, BatchPlanned):
            outputs = _batch_planned(books, event)
        elif isinstance(event, LotRecorded):
            outputs = _lot(books, event)
        elif isinstance(event, BatchClosed):
            outputs = _batch_closed(books, event)
        else:
            raise TypeError(f"not an index desk event: {event!r}")
    books.seen.add(key)
    return outputs


def _deposit(books: DeskBooks, event: CollateralDeposited) -> list[Output]:
    account = (event.chain_id, event.address)
    books.collateral.deposit(account, event.asset, event.amount, event.routing_fees)
    return []


def _tokens_returned(books: DeskBooks, event: IndexTokensReturned) -> list[Output]:
    books.positions.credit((event.chain_id, event.address), event.symbol, event.quantity)
    return []


def _accept(books: DeskBooks, event: IndexOrderAccepted) -> list[Output]:
    problem = new_order_problem(books, event)
    if problem is not None:
        log.warning("index_order_rejected_on_apply", key=event.key, reason=problem)
        return [_rejection(event, problem)]
    definition = books.definitions[event.symbol]
    key = event.order_key
    if event.side is OrderSide.BUY:
        books.collateral.reserve(key.account, definition.quote_asset, event.amount)
    else:
        books.positions.reserve(key.account, definition.symbol, event.amount)
    books.sequence += 1
    order = IndexOrder(
        key=key,
        definition=definition,
        side=event.side,
        original_amount=event.amount,
        amount=event.amount,
        sequence=books.sequence,
        ts_accepted=event.ts,
        ts_last=event.ts,
    )
    books.orders[key] = order
    return fill_reports(books, [order], event.ts)


def _rejection(event: IndexOrderAccepted, reason: str) -> IndexOrderFillReport:
    return IndexOrderFillReport(
        chain_id=event.chain_id,
        address=event.address,
        client_order_id=event.client_order_id,
        symbol=event.symbol,
        side=event.side,
        filled_quantity=_ZERO,
        collateral_spent=_ZERO,
        collateral_remaining=event.amount,
        fill_rate=_ZERO,
        status=IndexOrderStatus.REJECTED,
        ts=event.ts,
        reason=reason,
    )


def _cancel(books: DeskBooks, event: IndexOrderCancelled) -> list[Output]:
    problem = cancel_problem(books, event)
    if problem is not None:
        log.warning("index_cancel_ignored", key=event.key, reason=problem)
        return []
    order = books.orders[event.order_key]
    order.ts_last = event.ts
    if order.side is OrderSide.BUY:
        cancellable = order.collateral_remaining()
    else:
        cancellable = order.amount - committed_quantity(
            order.definition, order.assigned, order.amount
        )
    if event.amount >= cancellable:
        return finish_order(books, order, event.ts, cancelled=True)
    order.amount -= event.amount
    if order.side is OrderSide.BUY:
        books.collateral.release(order.account, order.definition.quote_asset, event.amount)
    else:
        books.positions.release(order.account, order.definition.symbol, event.amount)
    return fill_reports(books, [order], event.ts)


def _batch_planned(books: DeskBooks, event: BatchPlanned) -> list[Output]:
    outputs: list[Output] = []
    for key in event.completions:
        order = books.orders.get(key)
        if order is not None and order.is_open:
            reason = event.end_reason(key)
            outputs.extend(finish_order(books, order, event.ts, cancelled=False, reason=reason))
    batch = BatchRecord(
        batch_id=event.batch_id,
        legs={leg.client_order_id: leg for leg in event.legs},
        ts_planned=event.ts,
    )
    for target in event.targets:
        order = books.orders.get(target.order)
        if order is None or not order.is_open:
            continue
        if order.definition.constituent(target.symbol) is None:
            continue
        batch.remaining.setdefault(target.order, {})[target.symbol] = target.quantity
    books.batches[event.batch_id] = batch
    books.open_batches[event.batch_id] = batch
    changed: list[IndexOrder] = []
    for assignment in event.inventory_assignments:
        order = books.orders.get(assignment.order)
        if order is None or not order.is_open or order.side is not OrderSide.BUY:
            continue
        if order.definition.constituent(assignment.symbol) is None:
            continue
        targeted = batch.remaining.get(assignment.order, {}).get(assignment.symbol)
        wanted = assignment.quantity if targeted is None else min(assignment.quantity, targeted)
        got = _hand_inventory(books, order, assignment.symbol, wanted, event.ts)
        if got > 0:
            if targeted is not None:
                batch.remaining[assignment.order][assignment.symbol] = targeted - got
            changed.append(order)
    outputs.extend(fill_reports(books, changed, event.ts))
    for fill in event.house_fills:
        outputs.extend(_house_fill(books, event, fill))
    return outputs


def _house_fill(books: DeskBooks, event: BatchPlanned, fill: HouseFill) -> list[Output]:
    # the house buys the sell leg the venue would refuse: a lot at the reference price shared
    # out to the batch's sell targets like a venue fill, its quantity into house inventory
    lot_event = LotRecorded(
        venue=HOUSE_VENUE,
        trade_id=event.batch_id,
        batch_id=event.batch_id,
        client_order_id=f"house:{event.batch_id}",
        symbol=fill.symbol,
        side=OrderSide.SELL,
        price=fill.price,
        qty=fill.quantity,
        fee=_ZERO,
        fee_asset=fill.symbol.split("/")[1],
        ts=event.ts,
    )
    return _lot(books, lot_event)


def _hand_inventory(
    books: DeskBooks, order: IndexOrder, symbol: str, wanted: Decimal, ts: int
) -> Decimal:
    # inventory moves inside the desk, not on the venue: it may go down to what one index
    # quantity step needs, which is finer than the venue's step for small units
    constituent = order.definition.constituent(symbol)
    assert constituent is not None
    step = min(constituent.step_size, order.definition.quantity_step * constituent.units)
    got = _ZERO
    while got < wanted:
        head = books.house.head(symbol)
        if head is None:
            break
        part = min(wanted - got, head.qty, books.affordable(order, head.cost, head.qty, step))
        if part <= 0:
            break
        taken = books.house.take_head(symbol, part)
        lot = books.lots[taken.lot_id]
        lot.allocate(HOUSE, -taken.qty)
        lot.allocate(order.key, taken.qty)
        # charged at what the house paid for this inventory (its lot share, refunds, dust)
        books.charge(order, replace(prorate(lot, taken.qty, books.quantum), value=taken.cost))
        got += part
    order.ts_last = ts
    return got


def _lot(books: DeskBooks, event: LotRecorded) -> list[Output]:
    lot = Lot.of(event)
    books.lots[lot.lot_id] = lot
    quote = lot.symbol.split("/")[1]
    by_house = event.venue == HOUSE_VENUE
    if not by_house:
        # the desk's own cash pays the venue; orders then pay the desk for their slices
        sign = -1 if lot.side is OrderSide.BUY else 1
        books.add_cash(quote, sign * lot.value)
    batch = books.batches.get(event.batch_id)
    claimants: list[tuple[IndexOrder, Decimal]] = []
    step: Decimal | None = None
    if batch is not None and not batch.closed:
        batch.leg_filled[event.client_order_id] = (
            batch.leg_filled.get(event.client_order_id, _ZERO) + event.qty
        )
        for order_key in sorted(batch.remaining, key=lambda k: books.orders[k].sequence):
            order = books.orders[order_key]
            left = batch.remaining[order_key].get(lot.symbol, _ZERO)
            if left <= 0 or not order.is_open or order.side is not lot.side:
                continue
            step = step or books.step(order.definition, lot.symbol)
            if lot.side is OrderSide.BUY:
                cap = min(left, books.affordable(order, lot.value, lot.net_qty, step))
            else:
                cap = min(left, order.sell_need(lot.symbol))
            claimants.append((order, cap))
    shares = (
        share_out(lot.net_qty, [(o.key, cap) for o, cap in claimants], step or Decimal(1))
        if claimants
        else {}
    )
    changed: list[IndexOrder] = []
    charged = _ZERO
    for order, _ in claimants:
        share = shares.get(order.key, _ZERO)
        if share <= 0:
            continue
        assert batch is not None
        lot.allocate(order.key, share)
        batch.remaining[order.key][lot.symbol] -= share
        piece = prorate(lot, share, books.quantum)
        charged += piece.value
        if lot.side is OrderSide.BUY:
            books.charge(order, piece)
        else:
            # proceeds reach the account when the sell ends, for what it then burns
            order.add(piece)
        order.ts_last = event.ts
        changed.append(order)
    if by_house:
        _house_keeps(books, lot, charged)
        residual = _ZERO  # the house never sold what no order took
    else:
        residual = lot.net_qty - lot.allocated
    if residual > 0:
        lot.allocate(HOUSE, residual)
        if lot.side is OrderSide.BUY:
            cost = max(lot.value - charged, _ZERO)
            books.house.receive(lot.symbol, lot.lot_id, residual, cost)
        else:
            books.house_sold(lot.symbol, residual)
    outputs: list[Output] = []
    for order in changed:
        if order.side is OrderSide.SELL and order.is_open and order.filled >= order.amount:
            outputs.extend(finish_order(books, order, event.ts, cancelled=False))
        else:
            outputs.extend(fill_reports(books, [order], event.ts))
    return outputs


def _house_keeps(books: DeskBooks, lot: Lot, paid: Decimal) -> None:
    """What orders sold to the house in ``lot`` joins house inventory at what they were
    credited for it: a buy lot of the house's own, so it can hand it on like any other."""
    taken = lot.allocated
    if taken <= 0:
        return
    held = Lot(
        lot_id=f"{lot.lot_id}:held",
        batch_id=lot.batch_id,
        leg_client_order_id=lot.leg_client_order_id,
        symbol=lot.symbol,
        side=OrderSide.BUY,
        price=lot.price,
        qty=taken,
        fee=_ZERO,
        fee_asset=lot.fee_asset,
        ts=lot.ts,
        net_qty=taken,
        value=paid,
    )
    held.allocate(HOUSE, taken)
    books.lots[held.lot_id] = held
    books.house.receive(lot.symbol, held.lot_id, taken, paid)


def _batch_closed(books: DeskBooks, event: BatchClosed) -> list[Output]:
    batch = books.batches.get(event.batch_id)
    if batch is not None:
        batch.closed = True
        batch.remaining.clear()
        books.open_batches.pop(event.batch_id, None)
    return []
