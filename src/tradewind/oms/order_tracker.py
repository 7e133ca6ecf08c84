"""Every order this process placed, by client order id; refuses a second submission of an id.

Binance only refuses a repeated ``newClientOrderId`` while the first order is open, so a retry
after the first one closed would create a second order at the venue. The tracker closes that
hole: an id it has seen, in any state, cannot be submitted again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tradewind.core.events import OrderEvent, OrderSubmitted
from tradewind.core.orders import Order
from tradewind.oms.order_state import OrderStateMachine

__all__ = ["DuplicateSubmission", "OrderTracker", "UnknownOrder"]


class DuplicateSubmission(Exception):
    """The client order id was already submitted; resending it must not create an order."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"client order id {order.client_order_id} already submitted (now {order.status})"
        )
        self.order = order


class UnknownOrder(KeyError):
    """An event names an order the tracker never saw."""


class OrderTracker:
    """Order state machines by client order id."""

    def __init__(self, machines: Iterable[OrderStateMachine] = ()) -> None:
        self._machines: dict[str, OrderStateMachine] = {}
        self._by_venue_id: dict[tuple[str, str], str] = {}
        for machine in machines:
            self._add(machine)

    def submit(self, event: OrderSubmitted) -> Order:
        """Start tracking a new order; DuplicateSubmission if its id is known."""
        known = self._machines.get(event.client_order_id)
        if known is not None:
            raise DuplicateSubmission(known.order)
        machine = OrderStateMachine.from_submitted(event)
        self._add(machine)
        return machine.order

    def apply(self, event: OrderEvent) -> Order:
        """Apply an event to its order (see OrderStateMachine.apply for what is refused)."""
        machine = self._machines.get(event.client_order_id)
        if machine is None:
            raise UnknownOrder(event.client_order_id)
        order = machine.apply(event)
        if order.venue_order_id is not None:
            self._by_venue_id[(order.venue, order.venue_order_id)] = order.client_order_id
        return order

    def get(self, client_order_id: str) -> Order | None:
        machine = self._machines.get(client_order_id)
        return None if machine is None else machine.order

    def machine(self, client_order_id: str) -> OrderStateMachine | None:
        return self._machines.get(client_order_id)

    def by_venue_order_id(self, venue: str, venue_order_id: str) -> Order | None:
        client_order_id = self._by_venue_id.get((venue, venue_order_id))
        return None if client_order_id is None else self._machines[client_order_id].order

    def open_orders(self, venue: str | None = None, symbol: str | None = None) -> tuple[Order, ...]:
        """Open orders, optionally of one venue and symbol, oldest first."""
        found = [
            machine.order
            for machine in self._machines.values()
            if machine.order.is_open
            and (venue is None or machine.order.venue == venue)
            and (symbol is None or machine.order.symbol == symbol)
        ]
        return tuple(sorted(found, key=lambda order: (order.ts_init, order.client_order_id)))

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._machines

    def __iter__(self) -> Iterator[Order]:
        return (machine.order for machine in self._machines.values())

    def __len__(self) -> int:
        return len(self._machines)

    def _add(self, machine: OrderStateMachine) -> None:
        order = machine.order
        self._machines[order.client_order_id] = machine
        if order.venue_order_id is not None:
            self._by_venue_id[(order.venue, order.venue_order_id)] = order.client_order_id
