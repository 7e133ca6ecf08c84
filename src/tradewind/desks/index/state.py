"""IndexDeskState: the whole index desk (collateral, orders, batches, lots, house inventory,
index positions, invoices) as a deterministic fold of its journal of input events.

    apply(event) -> [IndexOrderFillReport | MintInvoice]

The same events in the same order give the same state and the same outputs on any machine: no
clock, no randomness, no iteration over unordered containers. An event whose key was already
applied is ignored (returns no outputs); the journal refuses duplicates too. The desk validates
new orders and cancels with ``check_new_order`` / ``check_cancel`` BEFORE journaling them; an
event that still fails the same checks when applied (a journal written by a buggy or older desk)
is answered with a rejection and changes nothing else.

Buy (mint): accepting reserves the collateral. Each lot of a batch leg is shared among the
batch's buy orders that target its constituent, in proportion to their remaining target (down to
the constituent's step), residual first-come first-served, never beyond what an order can pay
for; what no order takes goes to the house inventory. When the order ends (the solver declares
it complete, or the user cancels the rest) the slices beyond filled x units go back to the house
and their cost is refunded, the index position grows by the filled quantity, the unspent
collateral is freed and a MintInvoice is issued (an unfilled order's says nothing was minted).

Sell (redeem): accepting reserves index tokens. Sell lots are shared the same way; when every
unit is sold (or the order ends) the filled quantity is burned, the proceeds of the slices
backing it, less the redeem fee, are credited, the rest of the tokens handed back. Slices sold
beyond the filled quantity count as sold by the house (a deficit the desk must buy back).

Split by responsibility (this module is the front every caller uses):

    books      DeskBooks: what the state holds, and the shared money moves
    reducer    apply_event: the fold of one event
    checks     new_order_problem / cancel_problem: refusals before journaling and on apply
    invoicing  fill reports; ending an order: settlement and its MintInvoice
    views      DeskViews: read-only views (accounts, orders, demands, batches, lots, house)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import localcontext

from tradewind.desks.index.books import DeskBooks
from tradewind.desks.index.checks import cancel_problem, new_order_problem
from tradewind.desks.index.definitions import IndexDefinition
from tradewind.desks.index.events import IndexEvent, IndexOrderAccepted, IndexOrderCancelled
from tradewind.desks.index.reducer import apply_event
from tradewind.desks.index.reports import Output
from tradewind.desks.index.rounding import EXACT
from tradewind.desks.index.views import AccountView, BatchView, DeskViews, LotView

__all__ = ["AccountView", "BatchView", "IndexDeskState", "LotView"]


class IndexDeskState(DeskViews):
    """The index desk's state; mutate only through ``apply``. Quote amounts are kept at
    ``collateral_precision`` decimal places, quantities on their steps (see the module doc)."""

    def __init__(
        self,
        definitions: Iterable[IndexDefinition],
        *,
        collateral_precision: int = 8,
        tokens_on_chain: bool = False,
    ) -> None:
        # tokens_on_chain: see DeskBooks (fixed for the life of a journal)
        super().__init__(
            DeskBooks(
                definitions,
                collateral_precision=collateral_precision,
                tokens_on_chain=tokens_on_chain,
            )
        )

    def fresh(self) -> IndexDeskState:
        """An empty state with these definitions and settings, to fold a journal into again
        (the outputs of a replay are the outputs of the live run, in order)."""
        return IndexDeskState(
            self._books.definitions.values(),
            collateral_precision=self._books.precision,
            tokens_on_chain=self._books.tokens_on_chain,
        )

    def apply(self, event: IndexEvent) -> list[Output]:
        """Fold one journaled event into the state; the outputs it causes, in order."""
        return apply_event(self._books, event)

    def has_applied(self, key: str) -> bool:
        return key in self._books.seen

    def check_new_order(self, event: IndexOrderAccepted) -> str | None:
        """Why the order must be rejected (then journal nothing), or None to accept it."""
        with localcontext(EXACT):
            return new_order_problem(self._books, event)

    def check_cancel(self, event: IndexOrderCancelled) -> str | None:
        """Why the cancel must be refused (then journal nothing), or None."""
        with localcontext(EXACT):
            return cancel_problem(self._books, event)
