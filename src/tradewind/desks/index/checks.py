"""Checks of new orders and cancels against the books: the desk runs them BEFORE journaling
(``IndexDeskState.check_new_order`` / ``check_cancel``) and the reducer again when applying, so
an event a buggy or older desk journaled is answered with a rejection and changes nothing else.
Each returns why the input must be refused, or None. Amounts in the index's quote asset (buy) or
index tokens (sell).
"""

from __future__ import annotations

from tradewind.core.enums import OrderSide
from tradewind.desks.index.books import DeskBooks
from tradewind.desks.index.events import IndexOrderAccepted, IndexOrderCancelled
from tradewind.desks.index.rounding import floor_to

__all__ = ["cancel_problem", "new_order_problem"]


def new_order_problem(books: DeskBooks, event: IndexOrderAccepted) -> str | None:
    """Why the order must be rejected, or None to accept it."""
    key = event.order_key
    if key in books.orders or event.key in books.seen:
        return f"duplicate client_order_id {event.client_order_id!r}"
    definition = books.definitions.get(event.symbol)
    if definition is None:
        return f"unknown index {event.symbol!r}"
    account = key.account
    if event.side is OrderSide.BUY:
        if floor_to(event.amount, books.quantum) != event.amount:
            return f"amount {event.amount} has more than {books.precision} decimal places"
        if event.amount <= definition.fees.min_fee:
            return f"amount {event.amount} does not exceed the minimum fee"
        free = books.collateral.free(account, definition.quote_asset)
        if event.amount > free:
            return (
                f"insufficient collateral: {free} {definition.quote_asset} free, "
                f"order needs {event.amount}"
            )
        return None
    if floor_to(event.amount, definition.quantity_step) != event.amount:
        return f"amount {event.amount} is not a multiple of {definition.quantity_step}"
    held = books.positions.free(account, definition.symbol)
    if event.amount > held:
        return (
            f"insufficient index tokens: {held} {definition.symbol} free, "
            f"order needs {event.amount}"
        )
    return None


def cancel_problem(books: DeskBooks, event: IndexOrderCancelled) -> str | None:
    """Why the cancel must be refused, or None."""
    order = books.orders.get(event.order_key)
    if order is None:
        return f"unknown client_order_id {event.client_order_id!r}"
    if not order.is_open:
        return f"order {event.client_order_id!r} is already {order.status.value}"
    step = books.quantum if order.side is OrderSide.BUY else order.definition.quantity_step
    if floor_to(event.amount, step) != event.amount:
        return f"amount {event.amount} is not a multiple of {step}"
    return None
