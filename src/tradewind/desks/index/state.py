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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.desks.index.collateral import (
    Account,
    CollateralBook,
    CollateralView,
    IndexPositionView,
    PositionBook,
)
from tradewind.desks.index.definitions import IndexDefinition
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    IndexEvent,
    IndexOrderAccepted,
    IndexOrderCancelled,
    IndexTokensReturned,
    LotRecorded,
    OrderKey,
    PlannedLeg,
)
from tradewind.desks.index.lots import (
    HOUSE,
    HouseInventory,
    Lot,
    Owner,
    Slice,
    prorate,
    share_out,
)
from tradewind.desks.index.orders import (
    IndexOrder,
    OrderDemand,
    OrderView,
    committed_quantity,
    filled_quantity,
    mint_fee,
)
from tradewind.desks.index.reports import (
    IndexOrderFillReport,
    IndexOrderStatus,
    InvoiceLot,
    MintInvoice,
    Output,
    invoice_id_of,
)
from tradewind.desks.index.rounding import EXACT, ceil_to, floor_to, half_even_to, quantum_of

__all__ = ["AccountView", "BatchView", "IndexDeskState", "LotView"]

log = get_logger("desks.index.state")

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountView:
    """An account's collateral per asset (quote units) and index tokens per index."""

    chain_id: int
    address: str
    collateral: Mapping[str, CollateralView]
    positions: Mapping[str, IndexPositionView]


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchView:
    """A batch: its legs, base units filled per leg, what each order's target still lacks (base
    units per constituent; empty once closed) and the quote notional of unfilled legs at their
    limit prices (zero once closed)."""

    batch_id: str
    legs: tuple[PlannedLeg, ...]
    leg_filled: Mapping[str, Decimal]
    remaining_targets: Mapping[OrderKey, Mapping[str, Decimal]]
    closed: bool
    in_flight_quote: Decimal
    ts_planned: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LotView:
    """A lot: the fill (``qty`` base at ``price``, ``fee`` in ``fee_asset``), its net base
    quantity, its quote value (buy cost / sell proceeds) and the base units each owner got
    (order key text, or "house")."""

    lot_id: str
    batch_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    net_qty: Decimal
    value: Decimal
    allocations: Mapping[str, Decimal]
    ts: int


@dataclass(slots=True)
class _Batch:
    batch_id: str
    legs: dict[str, PlannedLeg]
    ts_planned: int
    leg_filled: dict[str, Decimal] = field(default_factory=dict)
    remaining: dict[OrderKey, dict[str, Decimal]] = field(default_factory=dict)
    closed: bool = False


_Snapshot = tuple[object, ...]


class IndexDeskState:
    """The index desk's state; mutate only through ``apply``. Quote amounts are kept at
    ``collateral_precision`` decimal places, quantities on their steps (see the module doc)."""

    def __init__(
        self,
        definitions: Iterable[IndexDefinition],
        *,
        collateral_precision: int = 8,
        tokens_on_chain: bool = False,
    ) -> None:
        # tokens_on_chain: minted tokens go to the user's wallet on chain (the chain link mints
        # them), so they are not redeemable here until the user sends them back
        # (IndexTokensReturned). Fixed for the life of a journal: replay depends on it.
        self._tokens_on_chain = tokens_on_chain
        self._definitions: dict[str, IndexDefinition] = {}
        for definition in definitions:
            if definition.symbol in self._definitions:
                raise ValueError(f"index {definition.symbol} is defined twice")
            self._definitions[definition.symbol] = definition
        self._precision = collateral_precision
        self._quantum = quantum_of(collateral_precision)
        self._seen: set[str] = set()
        self._collateral = CollateralBook()
        self._positions = PositionBook()
        self._orders: dict[OrderKey, IndexOrder] = {}
        self._sequence = 0
        self._batches: dict[str, _Batch] = {}
        self._open_batches: dict[str, _Batch] = {}  # not closed yet, in planning order
        self._lots: dict[str, Lot] = {}
        self._house = HouseInventory(self._quantum)
        self._house_cash: dict[str, Decimal] = {}
        self._invoices: dict[OrderKey, MintInvoice] = {}
        self._reported: dict[OrderKey, _Snapshot] = {}

    def fresh(self) -> IndexDeskState:
        """An empty state with these definitions and settings, to fold a journal into again
        (the outputs of a replay are the outputs of the live run, in order)."""
        return IndexDeskState(
            self._definitions.values(),
            collateral_precision=self._precision,
            tokens_on_chain=self._tokens_on_chain,
        )

    # -- applying events ------------------------------------------------------------------------
    def apply(self, event: IndexEvent) -> list[Output]:
        """Fold one journaled event into the state; the outputs it causes, in order."""
        key = event.key
        if key in self._seen:
            return []
        with localcontext(EXACT):
            if isinstance(event, CollateralDeposited):
                outputs = self._deposit(event)
            elif isinstance(event, IndexTokensReturned):
                outputs = self._tokens_returned(event)
            elif isinstance(event, IndexOrderAccepted):
                outputs = self._accept(event)
            elif isinstance(event, IndexOrderCancelled):
                outputs = self._cancel(event)
            elif isinstance(event, BatchPlanned):
                outputs = self._batch_planned(event)
            elif isinstance(event, LotRecorded):
                outputs = self._lot(event)
            elif isinstance(event, BatchClosed):
                outputs = self._batch_closed(event)
            else:
                raise TypeError(f"not an index desk event: {event!r}")
        self._seen.add(key)
        return outputs

    def has_applied(self, key: str) -> bool:
        return key in self._seen

    # -- validation the desk runs before journaling -----------------------------------------------
    def check_new_order(self, event: IndexOrderAccepted) -> str | None:
        """Why the order must be rejected (then journal nothing), or None to accept it."""
        with localcontext(EXACT):
            return self._new_order_problem(event)

    def check_cancel(self, event: IndexOrderCancelled) -> str | None:
        """Why the cancel must be refused (then journal nothing), or None."""
        with localcontext(EXACT):
            return self._cancel_problem(event)

    def _new_order_problem(self, event: IndexOrderAccepted) -> str | None:
        key = event.order_key
        if key in self._orders or event.key in self._seen:
            return f"duplicate client_order_id {event.client_order_id!r}"
        definition = self._definitions.get(event.symbol)
        if definition is None:
            return f"unknown index {event.symbol!r}"
        account = key.account
        if event.side is OrderSide.BUY:
            if floor_to(event.amount, self._quantum) != event.amount:
                return f"amount {event.amount} has more than {self._precision} decimal places"
            if event.amount <= definition.fees.min_fee:
                return f"amount {event.amount} does not exceed the minimum fee"
            free = self._collateral.free(account, definition.quote_asset)
            if event.amount > free:
                return (
                    f"insufficient collateral: {free} {definition.quote_asset} free, "
                    f"order needs {event.amount}"
                )
            return None
        if floor_to(event.amount, definition.quantity_step) != event.amount:
            return f"amount {event.amount} is not a multiple of {definition.quantity_step}"
        held = self._positions.free(account, definition.symbol)
        if event.amount > held:
            return (
                f"insufficient index tokens: {held} {definition.symbol} free, "
                f"order needs {event.amount}"
            )
        return None

    def _cancel_problem(self, event: IndexOrderCancelled) -> str | None:
        order = self._orders.get(event.order_key)
        if order is None:
            return f"unknown client_order_id {event.client_order_id!r}"
        if not order.is_open:
            return f"order {event.client_order_id!r} is already {order.status.value}"
        step = self._quantum if order.side is OrderSide.BUY else order.definition.quantity_step
        if floor_to(event.amount, step) != event.amount:
            return f"amount {event.amount} is not a multiple of {step}"
        return None

    # -- collateral and tokens ------------------------------------------------------------------
    def _deposit(self, event: CollateralDeposited) -> list[Output]:
        account = (event.chain_id, event.address)
        self._collateral.deposit(account, event.asset, event.amount, event.routing_fees)
        return []

    def _tokens_returned(self, event: IndexTokensReturned) -> list[Output]:
        self._positions.credit((event.chain_id, event.address), event.symbol, event.quantity)
        return []

    # -- orders ---------------------------------------------------------------------------------
    def _accept(self, event: IndexOrderAccepted) -> list[Output]:
        problem = self._new_order_problem(event)
        if problem is not None:
            log.warning("index_order_rejected_on_apply", key=event.key, reason=problem)
            return [self._rejection(event, problem)]
        definition = self._definitions[event.symbol]
        key = event.order_key
        if event.side is OrderSide.BUY:
            self._collateral.reserve(key.account, definition.quote_asset, event.amount)
        else:
            self._positions.reserve(key.account, definition.symbol, event.amount)
        self._sequence += 1
        order = IndexOrder(
            key=key,
            definition=definition,
            side=event.side,
            original_amount=event.amount,
            amount=event.amount,
            sequence=self._sequence,
            ts_accepted=event.ts,
            ts_last=event.ts,
        )
        self._orders[key] = order
        return self._reports([order], event.ts)

    def _rejection(self, event: IndexOrderAccepted, reason: str) -> IndexOrderFillReport:
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

    def _cancel(self, event: IndexOrderCancelled) -> list[Output]:
        problem = self._cancel_problem(event)
        if problem is not None:
            log.warning("index_cancel_ignored", key=event.key, reason=problem)
            return []
        order = self._orders[event.order_key]
        order.ts_last = event.ts
        if order.side is OrderSide.BUY:
            cancellable = order.collateral_remaining()
        else:
            cancellable = order.amount - committed_quantity(
                order.definition, order.assigned, order.amount
            )
        if event.amount >= cancellable:
            return self._finish(order, event.ts, cancelled=True)
        order.amount -= event.amount
        if order.side is OrderSide.BUY:
            self._collateral.release(order.account, order.definition.quote_asset, event.amount)
        else:
            self._positions.release(order.account, order.definition.symbol, event.amount)
        return self._reports([order], event.ts)

    # -- batches --------------------------------------------------------------------------------
    def _batch_planned(self, event: BatchPlanned) -> list[Output]:
        outputs: list[Output] = []
        for key in event.completions:
            order = self._orders.get(key)
            if order is not None and order.is_open:
                outputs.extend(self._finish(order, event.ts, cancelled=False))
        batch = _Batch(
            batch_id=event.batch_id,
            legs={leg.client_order_id: leg for leg in event.legs},
            ts_planned=event.ts,
        )
        for target in event.targets:
            order = self._orders.get(target.order)
            if order is None or not order.is_open:
                continue
            if order.definition.constituent(target.symbol) is None:
                continue
            batch.remaining.setdefault(target.order, {})[target.symbol] = target.quantity
        self._batches[event.batch_id] = batch
        self._open_batches[event.batch_id] = batch
        changed: list[IndexOrder] = []
        for assignment in event.inventory_assignments:
            order = self._orders.get(assignment.order)
            if order is None or not order.is_open or order.side is not OrderSide.BUY:
                continue
            if order.definition.constituent(assignment.symbol) is None:
                continue
            targeted = batch.remaining.get(assignment.order, {}).get(assignment.symbol)
            wanted = assignment.quantity if targeted is None else min(assignment.quantity, targeted)
            got = self._hand_inventory(order, assignment.symbol, wanted, event.ts)
            if got > 0:
                if targeted is not None:
                    batch.remaining[assignment.order][assignment.symbol] = targeted - got
                changed.append(order)
        outputs.extend(self._reports(changed, event.ts))
        return outputs

    def _hand_inventory(self, order: IndexOrder, symbol: str, wanted: Decimal, ts: int) -> Decimal:
        # inventory moves inside the desk, not on the venue: it may go down to what one index
        # quantity step needs, which is finer than the venue's step for small units
        constituent = order.definition.constituent(symbol)
        assert constituent is not None
        step = min(constituent.step_size, order.definition.quantity_step * constituent.units)
        got = _ZERO
        while got < wanted:
            head = self._house.head(symbol)
            if head is None:
                break
            part = min(wanted - got, head.qty, self._affordable(order, head.cost, head.qty, step))
            if part <= 0:
                break
            taken = self._house.take_head(symbol, part)
            lot = self._lots[taken.lot_id]
            lot.allocate(HOUSE, -taken.qty)
            lot.allocate(order.key, taken.qty)
            # charged at what the house paid for this inventory (its lot share, refunds, dust)
            self._charge(order, replace(prorate(lot, taken.qty, self._quantum), value=taken.cost))
            got += part
        order.ts_last = ts
        return got

    def _lot(self, event: LotRecorded) -> list[Output]:
        lot = Lot.of(event)
        self._lots[lot.lot_id] = lot
        quote = lot.symbol.split("/")[1]
        # the desk's own cash pays the venue; orders then pay the desk for their slices
        sign = -1 if lot.side is OrderSide.BUY else 1
        self._add_cash(quote, sign * lot.value)
        batch = self._batches.get(event.batch_id)
        claimants: list[tuple[IndexOrder, Decimal]] = []
        step: Decimal | None = None
        if batch is not None and not batch.closed:
            batch.leg_filled[event.client_order_id] = (
                batch.leg_filled.get(event.client_order_id, _ZERO) + event.qty
            )
            for order_key in sorted(batch.remaining, key=lambda k: self._orders[k].sequence):
                order = self._orders[order_key]
                left = batch.remaining[order_key].get(lot.symbol, _ZERO)
                if left <= 0 or not order.is_open or order.side is not lot.side:
                    continue
                step = step or self._step(order.definition, lot.symbol)
                if lot.side is OrderSide.BUY:
                    cap = min(left, self._affordable(order, lot.value, lot.net_qty, step))
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
            piece = prorate(lot, share, self._quantum)
            charged += piece.value
            if lot.side is OrderSide.BUY:
                self._charge(order, piece)
            else:
                # proceeds reach the account when the sell ends, for what it then burns
                order.add(piece)
            order.ts_last = event.ts
            changed.append(order)
        residual = lot.net_qty - lot.allocated
        if residual > 0:
            lot.allocate(HOUSE, residual)
            if lot.side is OrderSide.BUY:
                cost = max(lot.value - charged, _ZERO)
                self._house.receive(lot.symbol, lot.lot_id, residual, cost)
            else:
                self._house_sold(lot.symbol, residual)
        outputs: list[Output] = []
        for order in changed:
            if order.side is OrderSide.SELL and order.is_open and order.filled >= order.amount:
                outputs.extend(self._finish(order, event.ts, cancelled=False))
            else:
                outputs.extend(self._reports([order], event.ts))
        return outputs

    def _batch_closed(self, event: BatchClosed) -> list[Output]:
        batch = self._batches.get(event.batch_id)
        if batch is not None:
            batch.closed = True
            batch.remaining.clear()
            self._open_batches.pop(event.batch_id, None)
        return []

    # -- money moves ----------------------------------------------------------------------------
    def _step(self, definition: IndexDefinition, symbol: str) -> Decimal:
        constituent = definition.constituent(symbol)
        assert constituent is not None
        return constituent.step_size

    def _affordable(
        self, order: IndexOrder, value: Decimal, qty: Decimal, step: Decimal
    ) -> Decimal:
        """Base units (down to ``step``) a buy can pay for at ``value`` quote per ``qty``."""
        if value <= 0:
            return qty
        budget = order.spendable(self._quantum)
        if budget <= 0:
            return _ZERO
        most = floor_to(budget * qty / value, step)
        while most > 0 and ceil_to(value * most / qty, self._quantum) > budget:
            most -= step
        return max(most, _ZERO)

    def _charge(self, order: IndexOrder, piece: Slice) -> None:
        """A buy takes a slice: it pays the slice's value (and the fee change) from reserved."""
        before_value, before_fee = order.value, order.fee
        order.add(piece)
        order.fee = mint_fee(order.value, order.definition.fees, self._quantum)
        spent, fee = order.value - before_value, order.fee - before_fee
        asset = order.definition.quote_asset
        self._collateral.charge(order.account, asset, spent, fee)
        self._add_cash(asset, spent + fee)

    def _add_cash(self, asset: str, delta: Decimal) -> None:
        self._house_cash[asset] = self._house_cash.get(asset, _ZERO) + delta

    def _house_sold(self, symbol: str, qty: Decimal) -> None:
        """The desk sold ``qty`` of ``symbol`` for no order: house inventory, else a deficit."""
        for taken in self._house.consume(symbol, qty):
            self._lots[taken.lot_id].allocate(HOUSE, -taken.qty)

    # -- ending an order ------------------------------------------------------------------------
    def _finish(self, order: IndexOrder, ts: int, *, cancelled: bool) -> list[Output]:
        order.ts_last = ts
        kept, released = order.kept_slices(self._quantum)
        for piece in released:
            lot = self._lots[piece.lot_id]
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
                self._house.receive(piece.symbol, piece.lot_id, piece.qty, piece.value)
            before_value, before_fee = order.value, order.fee
            order.value = sum((piece.value for piece in kept), _ZERO)
            order.fee = mint_fee(order.value, order.definition.fees, self._quantum)
            refund = (before_value - order.value) + (before_fee - order.fee)
            self._collateral.charge(
                account, asset, -(before_value - order.value), -(before_fee - order.fee)
            )
            self._add_cash(asset, -refund)
            self._collateral.release(account, asset, order.amount - order.value - order.fee)
            if not self._tokens_on_chain:
                self._positions.credit(account, order.definition.symbol, order.filled)
        else:
            for piece in released:
                self._house_sold(piece.symbol, piece.qty)
            gross, fee = order.sell_credit(self._quantum)
            order.value = gross
            order.fee = fee
            order.credited = gross - fee
            self._collateral.credit_proceeds(account, asset, gross, fee)
            self._add_cash(asset, -order.credited)
            self._positions.burn(account, order.definition.symbol, order.filled)
            self._positions.release(account, order.definition.symbol, order.amount - order.filled)
        if order.filled > 0:
            order.status = IndexOrderStatus.CANCELLED if cancelled else IndexOrderStatus.FILLED
        else:
            order.status = IndexOrderStatus.CANCELLED
            order.reason = "cancelled" if cancelled else "nothing could be filled"
        for batch in self._open_batches.values():
            batch.remaining.pop(order.key, None)
        outputs: list[Output] = list(self._reports([order], ts))
        # every ended order gets its final invoice, an unfilled one too (nothing minted,
        # everything returned), so a client always learns how its order ended
        invoice = self._invoice(order, kept, ts)
        self._invoices[order.key] = invoice
        outputs.append(invoice)
        return outputs

    def _invoice(self, order: IndexOrder, kept: list[Slice], ts: int) -> MintInvoice:
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
        position = self._positions.view(account, definition.symbol).total
        if order.side is OrderSide.BUY:
            # routing fees ride on the first invoice that bought something
            routing = (
                self._collateral.take_routing_fees(account, quote) if order.filled > 0 else _ZERO
            )
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
            exchange_fees=half_even_to(exchange_fees, self._quantum),
            desk_fee=order.fee,
            routing_fees=routing,
            fill_rate=order.fill_rate(),
            position=position,
            tx_hash=None,
            ts=ts,
        )

    # -- reports --------------------------------------------------------------------------------
    def _report(self, order: IndexOrder, ts: int) -> IndexOrderFillReport:
        if order.is_open:
            order.status = (
                IndexOrderStatus.PARTIALLY_FILLED if order.filled > 0 else IndexOrderStatus.NEW
            )
        if order.side is OrderSide.BUY:
            spent = order.value
        elif order.is_open:
            gross, fee = order.sell_credit(self._quantum)
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

    def _reports(self, orders: Iterable[IndexOrder], ts: int) -> list[Output]:
        """A report per order whose reported figures changed, each order once."""
        outputs: list[Output] = []
        done: set[OrderKey] = set()
        for order in orders:
            if order.key in done:
                continue
            done.add(order.key)
            report = self._report(order, ts)
            snapshot = (
                report.status,
                report.filled_quantity,
                report.collateral_spent,
                report.collateral_remaining,
                report.fill_rate,
            )
            if self._reported.get(order.key) == snapshot:
                continue
            self._reported[order.key] = snapshot
            outputs.append(report)
        return outputs

    # -- reading --------------------------------------------------------------------------------
    @property
    def definitions(self) -> Mapping[str, IndexDefinition]:
        return dict(self._definitions)

    @property
    def collateral_quantum(self) -> Decimal:
        return self._quantum

    def account(self, chain_id: int, address: str) -> AccountView:
        account: Account = (chain_id, address)
        return AccountView(
            chain_id=chain_id,
            address=address,
            collateral={
                a: self._collateral.view(account, a) for a in self._collateral.assets(account)
            },
            positions={
                s: self._positions.view(account, s) for s in self._positions.symbols(account)
            },
        )

    def accounts(self) -> tuple[Account, ...]:
        """Every account that ever held collateral, in order."""
        held = self._collateral.keys()  # CollateralBook's (account, asset) pairs; not a dict
        return tuple(sorted({account for account, _ in held}))

    def _view(self, order: IndexOrder) -> OrderView:
        report = self._report(order, order.ts_last)
        return OrderView(
            key=order.key,
            symbol=order.definition.symbol,
            side=order.side,
            status=order.status,
            original_amount=order.original_amount,
            amount=order.amount,
            filled_quantity=order.filled,
            assigned=dict(order.assigned),
            collateral_spent=report.collateral_spent,
            desk_fee=order.fee,
            collateral_remaining=report.collateral_remaining,
            fill_rate=report.fill_rate,
            sequence=order.sequence,
            ts_accepted=order.ts_accepted,
            ts_last=order.ts_last,
            reason=order.reason,
        )

    def order(self, key: OrderKey) -> OrderView | None:
        order = self._orders.get(key)
        if order is None:
            return None
        with localcontext(EXACT):
            return self._view(order)

    def orders(self) -> tuple[OrderView, ...]:
        """Every order, in acceptance order."""
        with localcontext(EXACT):
            return tuple(self._view(o) for o in self._by_sequence(self._orders.values()))

    def open_orders(self) -> tuple[OrderView, ...]:
        with localcontext(EXACT):
            return tuple(
                self._view(o) for o in self._by_sequence(self._orders.values()) if o.is_open
            )

    @staticmethod
    def _by_sequence(orders: Iterable[IndexOrder]) -> list[IndexOrder]:
        return sorted(orders, key=lambda o: o.sequence)

    def demands(self) -> list[OrderDemand]:
        """What each open order still wants, in acceptance order (see OrderDemand)."""
        with localcontext(EXACT):
            in_flight: dict[OrderKey, dict[str, Decimal]] = {}
            for batch in self._open_batches.values():
                for key, targets in batch.remaining.items():
                    bucket = in_flight.setdefault(key, {})
                    for symbol, qty in targets.items():
                        if qty > 0:
                            bucket[symbol] = bucket.get(symbol, _ZERO) + qty
            out: list[OrderDemand] = []
            for order in self._by_sequence(self._orders.values()):
                if not order.is_open:
                    continue
                buy = order.side is OrderSide.BUY
                out.append(
                    OrderDemand(
                        key=order.key,
                        definition=order.definition,
                        side=order.side,
                        remaining=order.collateral_remaining(),
                        spendable=order.spendable(self._quantum) if buy else _ZERO,
                        filled_quantity=order.filled,
                        assigned=dict(order.assigned),
                        assigned_beyond_filled={
                            c.symbol: order.assigned.get(c.symbol, _ZERO) - order.backing(c.symbol)
                            for c in order.definition.constituents
                        },
                        in_flight=dict(sorted(in_flight.get(order.key, {}).items())),
                        sequence=order.sequence,
                    )
                )
            return out

    def _batch_view(self, batch: _Batch) -> BatchView:
        notional = _ZERO
        if not batch.closed:
            for leg in batch.legs.values():
                left = leg.quantity - batch.leg_filled.get(leg.client_order_id, _ZERO)
                if left > 0:
                    notional += left * leg.limit_price
        return BatchView(
            batch_id=batch.batch_id,
            legs=tuple(batch.legs.values()),
            leg_filled=dict(batch.leg_filled),
            remaining_targets={k: dict(v) for k, v in batch.remaining.items()},
            closed=batch.closed,
            in_flight_quote=notional,
            ts_planned=batch.ts_planned,
        )

    def in_flight(self, batch_id: str) -> BatchView | None:
        """The batch (open or closed), or None if never planned."""
        batch = self._batches.get(batch_id)
        with localcontext(EXACT):
            return None if batch is None else self._batch_view(batch)

    def open_batches(self) -> tuple[BatchView, ...]:
        """Batches not closed yet, in planning order."""
        with localcontext(EXACT):
            return tuple(self._batch_view(b) for b in self._open_batches.values())

    def in_flight_quote(self) -> Decimal:
        """Quote notional of unfilled legs of open batches, at their limit prices."""
        with localcontext(EXACT):
            return sum((b.in_flight_quote for b in self.open_batches()), _ZERO)

    def lots(self) -> tuple[LotView, ...]:
        """Every lot, in the order recorded."""
        return tuple(
            LotView(
                lot_id=lot.lot_id,
                batch_id=lot.batch_id,
                symbol=lot.symbol,
                side=lot.side,
                price=lot.price,
                qty=lot.qty,
                fee=lot.fee,
                fee_asset=lot.fee_asset,
                net_qty=lot.net_qty,
                value=lot.value,
                allocations={_owner_text(o): q for o, q in lot.allocations.items()},
                ts=lot.ts,
            )
            for lot in self._lots.values()
        )

    def house_inventory(self) -> dict[str, Decimal]:
        """Constituents the house holds for no order and may hand to buy orders (base units)."""
        return self._house.holdings()

    def house_deficits(self) -> dict[str, Decimal]:
        """Constituents the desk sold beyond what redemptions burned (base units owed)."""
        return self._house.deficits()

    def house_cash(self) -> dict[str, Decimal]:
        """The desk's own quote per asset: fees and rounding earned, inventory paid for."""
        return dict(sorted(self._house_cash.items()))

    def invoice(self, key: OrderKey) -> MintInvoice | None:
        return self._invoices.get(key)

    def invoices(self) -> tuple[MintInvoice, ...]:
        """Every invoice issued, in issue order."""
        return tuple(self._invoices.values())

    def filled_quantity_of(self, key: OrderKey) -> Decimal:
        order = self._orders.get(key)
        if order is None:
            return _ZERO
        with localcontext(EXACT):
            return filled_quantity(order.definition, order.assigned)


def _owner_text(owner: Owner) -> str:
    return owner.text if isinstance(owner, OrderKey) else owner
