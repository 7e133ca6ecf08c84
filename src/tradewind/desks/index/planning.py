"""BatchPlanning: the desk state and live books turned into solver inputs, the plan into a
journaled ``BatchPlanned`` event.

The solver (tradewind.desks.index.solver) knows nothing of the desk; this module is the one
place that translates between the two, so neither side's types leak into the other.

No order stalls silently. A sell leg under the venue's minimums is taken by the house when it
holds the asset (the solver's house fills: a lot at the reference price); otherwise an order
no batch can make progress (the solver's dead ends: even every open sell's whole need of that
constituent is under the minimums) ends at once, with what it holds, its unfilled part returned
and the reason in its final fill report and MintInvoice. So does an order whose remaining value
is under the sum of its legs' minimum notional. As a backstop, an order skipped for any other
reason that waiting will not cure (no liquidity within the limit, a volley cap under one step)
in ``stall_batches`` plans in a row, with nothing handed to it meanwhile, ends the same way.
Waiting for legs in flight, a book, or its turn does not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.definitions import IndexDefinition
from tradewind.desks.index.events import (
    BatchPlanned,
    HouseFill,
    InventoryAssignment,
    OrderEnd,
    OrderKey,
    OrderTarget,
    PlannedLeg,
)
from tradewind.desks.index.legs import leg_client_order_id
from tradewind.desks.index.orders import OrderDemand as DeskDemand
from tradewind.desks.index.solver import BatchPlan, BatchPlanner, BookLevels, IndexBasket
from tradewind.desks.index.solver import OrderDemand as SolverDemand
from tradewind.desks.index.state import IndexDeskState

__all__ = ["STALL_BATCHES", "BatchPlanning", "basket_of"]

log = get_logger("desks.index.planning")

_BPS = Decimal(10_000)
STALL_BATCHES = 50
"""Plans in a row an order may be skipped for a lasting reason before it is completed (5 s at
the default 100 ms batch interval)."""
# skip reasons that pass by themselves: legs in flight finish, books come back, the orders
# the allocator preferred end
_WAITING = ("in_flight_cap", "batch_cap", "no_book", "not_allocated")


def basket_of(definition: IndexDefinition) -> IndexBasket:
    """The solver's view of an index definition."""
    return IndexBasket(
        symbol=definition.symbol,
        quote_asset=definition.quote_asset,
        units={c.symbol: c.units for c in definition.constituents},
        quantity_step=definition.quantity_step,
        mint_fee_rate=definition.fees.mint_bps / _BPS,
        redeem_fee_rate=definition.fees.redeem_bps / _BPS,
    )


class BatchPlanning:
    """Plans the next batch for ``state`` with ``planner`` on ``venue``'s instruments."""

    def __init__(
        self,
        state: IndexDeskState,
        planner: BatchPlanner,
        instruments: Mapping[str, Instrument],
        *,
        venue: str,
        stall_batches: int = STALL_BATCHES,
    ) -> None:
        if stall_batches < 1:
            raise ValueError(f"stall_batches must be >= 1, got {stall_batches}")
        self._state = state
        self._planner = planner
        self._instruments = instruments
        self._venue = venue
        self._baskets = {s: basket_of(d) for s, d in state.definitions.items()}
        self._last_legless: object = None
        self._stall_batches = stall_batches
        self._stalls: dict[str, int] = {}

    def constituents(self) -> tuple[str, ...]:
        """Every constituent symbol of every index, sorted."""
        return tuple(sorted({s for b in self._baskets.values() for s in b.units}))

    def solver_demands(self) -> tuple[list[SolverDemand], dict[str, OrderKey]]:
        """The open orders as solver demands, and the key text -> OrderKey map back."""
        demands: list[SolverDemand] = []
        keys: dict[str, OrderKey] = {}
        quantum = self._state.collateral_quantum
        for demand in self._state.demands():
            basket = self._baskets[demand.definition.symbol]
            keys[demand.key.text] = demand.key
            demands.append(
                SolverDemand(
                    key=demand.key.text,
                    basket=basket,
                    side=demand.side,
                    remaining=_solver_remaining(demand, basket, quantum),
                    assigned=dict(demand.assigned),
                    sequence=demand.sequence,
                )
            )
        return demands, keys

    def plan(
        self, books: Mapping[str, BookLevels], *, batch_id: str, ts: int
    ) -> BatchPlanned | None:
        """The next batch, or None when there is nothing to send, hand over or complete."""
        demands, keys = self.solver_demands()
        if not demands:
            return None
        plan = self._planner.plan(
            demands,
            books,
            self._instruments,
            inventory=self._state.house_inventory(),
            in_flight_quote=self._state.in_flight_quote(),
        )
        ended = {**self._stalled(plan, demands), **self._residuals(plan, demands, books)}
        ended.update(plan.dead_ends)
        for key, reason in plan.dead_ends.items():
            log.warning("index_order_cannot_progress", order=key, reason=reason)
        return self._event(plan, keys, ended, batch_id=batch_id, ts=ts)

    def _stalled(self, plan: BatchPlan, demands: list[SolverDemand]) -> dict[str, str]:
        """Orders skipped for a lasting reason ``stall_batches`` plans in a row, and why."""
        helped = set(plan.targets) | set(plan.inventory_use)
        counts: dict[str, int] = {}
        stalled: dict[str, str] = {}
        for demand in demands:
            reason = plan.skipped.get(demand.key)
            if reason is None or demand.key in helped:
                continue
            count = self._stalls.get(demand.key, 0)
            if not reason.startswith(_WAITING):
                count += 1
            counts[demand.key] = count
            if count >= self._stall_batches:
                stalled[demand.key] = f"no progress in {count} batches: {reason}"
                log.warning("index_order_stalled", order=demand.key, reason=reason, plans=count)
        self._stalls = counts  # ended or progressing orders start again from zero
        return stalled

    def _residuals(
        self,
        plan: BatchPlan,
        demands: list[SolverDemand],
        books: Mapping[str, BookLevels],
    ) -> dict[str, str]:
        """Orders whose rest the venue will never take, and why: a leg refused by the venue's
        filters while the order's whole remaining value is below the sum of its legs' minimum
        notional (so some leg must stay under its minimum). Waiting would hold them open."""
        ended: dict[str, str] = {}
        for demand in demands:
            reason = plan.skipped.get(demand.key, "")
            if not reason.startswith("leg_refused"):
                continue
            floor = Decimal(0)
            unit_value = Decimal(0)
            for symbol, units in demand.basket.units.items():
                floor += self._instruments[symbol].filters.min_notional
                book = books.get(symbol)
                if book is None or not book.bids or not book.asks:
                    break
                unit_value += units * (book.bids[0][0] + book.asks[0][0]) / 2
            else:
                value = demand.remaining
                if demand.side is OrderSide.SELL:
                    value = demand.remaining * unit_value
                if value < floor:
                    ended[demand.key] = (
                        f"the rest ({value:.2f} {demand.basket.quote_asset}) is under the sum of "
                        f"its legs' minimum notional ({floor.normalize():f}): the venue would "
                        "refuse a leg"
                    )
        return ended

    def _event(
        self,
        plan: BatchPlan,
        keys: Mapping[str, OrderKey],
        ended: Mapping[str, str],
        *,
        batch_id: str,
        ts: int,
    ) -> BatchPlanned | None:
        legs = tuple(
            PlannedLeg(
                symbol=leg.symbol,
                side=leg.side,
                quantity=leg.quantity,
                limit_price=leg.limit_price,
                client_order_id=leg_client_order_id(
                    venue=self._venue,
                    batch_id=batch_id,
                    symbol=leg.symbol,
                    side=leg.side,
                    quantity=leg.quantity,
                    price=leg.limit_price,
                ),
            )
            for leg in plan.legs
        )
        targets = tuple(
            OrderTarget(order=keys[key], symbol=symbol, quantity=quantity)
            for key, per_symbol in sorted(plan.targets.items())
            for symbol, quantity in sorted(per_symbol.items())
            if quantity > 0
        )
        assignments = tuple(
            InventoryAssignment(order=keys[key], symbol=symbol, quantity=quantity)
            for key, per_symbol in sorted(plan.inventory_use.items())
            for symbol, quantity in sorted(per_symbol.items())
            if quantity > 0
        )
        house_fills = tuple(
            HouseFill(symbol=fill.symbol, quantity=fill.quantity, price=fill.price)
            for fill in plan.house_fills
        )
        completions = tuple(keys[key] for key in sorted(plan.exhausted | set(ended)))
        reasons = {keys[key]: reason for key, reason in ended.items()}
        if not (legs or assignments or completions or house_fills):
            return None
        if not legs:
            signature = (targets, assignments, completions, house_fills)
            if signature == self._last_legless:
                # the same plan without legs again: the last one changed nothing (the state
                # could not hand the inventory over, or take a house fill, at its granularity),
                # so these orders cannot progress any more; they end with what they hold
                # instead of waiting for good
                stuck = {t.order for t in targets} | {a.order for a in assignments}
                for order in stuck - set(reasons):
                    reasons[order] = (
                        "no progress: what the house planned to hand over or take could not be "
                        "moved at the order's granularity"
                    )
                targets, assignments, house_fills = (), (), ()
                completions = tuple(sorted(set(completions) | stuck, key=lambda k: k.text))
            self._last_legless = signature
        else:
            self._last_legless = None
        return BatchPlanned(
            batch_id=batch_id,
            legs=legs,
            targets=targets,
            inventory_assignments=assignments,
            completions=completions,
            ts=ts,
            house_fills=house_fills,
            end_reasons=tuple(
                OrderEnd(order=order, reason=reasons[order])
                for order in sorted(reasons, key=lambda k: k.text)
            ),
        )


def _solver_remaining(demand: DeskDemand, basket: IndexBasket, quantum: Decimal) -> Decimal:
    # buy: the solver prices assets plus the mint fee on them, so it gets the spendable part
    # grossed up by the fee rate (the desk keeps any minimum fee still owed out of it)
    if demand.side is OrderSide.SELL:
        return demand.remaining
    gross = demand.spendable * (1 + basket.mint_fee_rate)
    return min(demand.remaining, gross.quantize(quantum, rounding=ROUND_DOWN))
