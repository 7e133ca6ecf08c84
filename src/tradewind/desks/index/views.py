"""Read-only views of the index desk's state (what the gateway, the planner and tests read):
AccountView, BatchView, LotView and OrderView/OrderDemand built from the books on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from tradewind.core.enums import OrderSide
from tradewind.desks.index.books import BatchRecord, DeskBooks
from tradewind.desks.index.collateral import Account, CollateralView, IndexPositionView
from tradewind.desks.index.definitions import IndexDefinition
from tradewind.desks.index.events import OrderKey, PlannedLeg
from tradewind.desks.index.invoicing import fill_report
from tradewind.desks.index.lots import Owner
from tradewind.desks.index.orders import IndexOrder, OrderDemand, OrderView, filled_quantity
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.rounding import EXACT

__all__ = ["AccountView", "BatchView", "DeskViews", "LotView"]

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


class DeskViews:
    """Read-only views of the index desk's books: accounts, orders, demands, batches, lots,
    house inventory and cash, invoices. Quote amounts in each index's quote asset, quantities
    in base units (constituents) or index tokens."""

    def __init__(self, books: DeskBooks) -> None:
        self._books = books

    @property
    def definitions(self) -> Mapping[str, IndexDefinition]:
        return dict(self._books.definitions)

    @property
    def collateral_quantum(self) -> Decimal:
        return self._books.quantum

    def account(self, chain_id: int, address: str) -> AccountView:
        account: Account = (chain_id, address)
        collateral, positions = self._books.collateral, self._books.positions
        return AccountView(
            chain_id=chain_id,
            address=address,
            collateral={a: collateral.view(account, a) for a in collateral.assets(account)},
            positions={s: positions.view(account, s) for s in positions.symbols(account)},
        )

    def accounts(self) -> tuple[Account, ...]:
        """Every account that ever held collateral, in order."""
        return self._books.collateral.accounts()

    def _view(self, order: IndexOrder) -> OrderView:
        report = fill_report(self._books, order, order.ts_last)
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
        order = self._books.orders.get(key)
        if order is None:
            return None
        with localcontext(EXACT):
            return self._view(order)

    def orders(self) -> tuple[OrderView, ...]:
        """Every order, in acceptance order."""
        with localcontext(EXACT):
            return tuple(self._view(o) for o in self._by_sequence(self._books.orders.values()))

    def open_orders(self) -> tuple[OrderView, ...]:
        with localcontext(EXACT):
            return tuple(
                self._view(o) for o in self._by_sequence(self._books.orders.values()) if o.is_open
            )

    @staticmethod
    def _by_sequence(orders: Iterable[IndexOrder]) -> list[IndexOrder]:
        return sorted(orders, key=lambda o: o.sequence)

    def demands(self) -> list[OrderDemand]:
        """What each open order still wants, in acceptance order (see OrderDemand)."""
        with localcontext(EXACT):
            in_flight: dict[OrderKey, dict[str, Decimal]] = {}
            for batch in self._books.open_batches.values():
                for key, targets in batch.remaining.items():
                    bucket = in_flight.setdefault(key, {})
                    for symbol, qty in targets.items():
                        if qty > 0:
                            bucket[symbol] = bucket.get(symbol, _ZERO) + qty
            out: list[OrderDemand] = []
            for order in self._by_sequence(self._books.orders.values()):
                if not order.is_open:
                    continue
                buy = order.side is OrderSide.BUY
                out.append(
                    OrderDemand(
                        key=order.key,
                        definition=order.definition,
                        side=order.side,
                        remaining=order.collateral_remaining(),
                        spendable=order.spendable(self._books.quantum) if buy else _ZERO,
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

    def _batch_view(self, batch: BatchRecord) -> BatchView:
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
        batch = self._books.batches.get(batch_id)
        with localcontext(EXACT):
            return None if batch is None else self._batch_view(batch)

    def open_batches(self) -> tuple[BatchView, ...]:
        """Batches not closed yet, in planning order."""
        with localcontext(EXACT):
            return tuple(self._batch_view(b) for b in self._books.open_batches.values())

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
            for lot in self._books.lots.values()
        )

    def house_inventory(self) -> dict[str, Decimal]:
        """Constituents the house holds for no order and may hand to buy orders (base units)."""
        return self._books.house.holdings()

    def house_deficits(self) -> dict[str, Decimal]:
        """Constituents the desk sold beyond what redemptions burned (base units owed)."""
        return self._books.house.deficits()

    def house_cash(self) -> dict[str, Decimal]:
        """The desk's own quote per asset: fees and rounding earned, inventory paid for."""
        return dict(sorted(self._books.house_cash.items()))

    def invoice(self, key: OrderKey) -> MintInvoice | None:
        return self._books.invoices.get(key)

    def invoices(self) -> tuple[MintInvoice, ...]:
        """Every invoice issued, in issue order."""
        return tuple(self._books.invoices.values())

    def filled_quantity_of(self, key: OrderKey) -> Decimal:
        order = self._books.orders.get(key)
        if order is None:
            return _ZERO
        with localcontext(EXACT):
            return filled_quantity(order.definition, order.assigned)


def _owner_text(owner: Owner) -> str:
    return owner.text if isinstance(owner, OrderKey) else owner
