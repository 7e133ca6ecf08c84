"""BatchPlanner: orders, books and instruments in, one batch's legs and per-order targets out.

    plan()
      1. limits      per constituent and side: limit price on the tick, usable liquidity
      2. slots       per order: filled quantity, credits, own cap (collateral, remaining, volley)
      3. groups      orders by (index, side); the LP works per group (see optimiser)
      4. allocate    the allocator decides x_i, exactly re-checked (allocation.make_feasible)
      5. legs        per constituent and side: needs minus house inventory, padded to the grid;
                     a leg that cannot be made valid makes its constituent unavailable and the
                     batch is allocated again; padding past the batch cap lowers the cap and
                     the batch is allocated again (a few rounds at most)
      6. outputs     targets, inventory handed out first-come, legs, reasons for the rest

Reasons in ``BatchPlan.skipped``: ``no_book:SYM`` (no level on the side needed),
``exhausted`` (cannot fill one more step at all: collateral or remaining quantity spent),
``volley_cap`` (the order's volley cap is below one step), ``in_flight_cap`` (nothing may be
added in flight), ``no_liquidity:SYM`` (nothing within the limit), ``leg_refused:SYM:why``
(the leg cannot meet the venue's filters), ``not_allocated`` (the allocator preferred others),
``batch_cap`` (even the smallest valid legs would not fit the batch or in-flight cap),
``unplannable`` (the rounds did not settle; nothing is sent this batch).

A sell leg under the venue's minimums that house inventory cannot pad up is taken by the house
instead when it holds the asset (``BatchPlan.house_fills``: bought at the reference price, the
book's mid); otherwise, when even every open sell's whole remaining need of that constituent is
under the minimums, no batch can make those orders progress and they are named in
``BatchPlan.dead_ends`` with the reason (the desk ends them at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, localcontext

from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.solver.allocation import Allocator
from tradewind.desks.index.solver.config import SolverConfig
from tradewind.desks.index.solver.demand import (
    Baseline,
    CreditSums,
    SlotRefusal,
    baseline,
    credit_value,
    group_slots,
    order_slot,
)
from tradewind.desks.index.solver.errors import (
    BasketError,
    MissingInstrumentError,
    OrderDemandError,
    SolverInputError,
)
from tradewind.desks.index.solver.grid import EXACT, ZERO
from tradewind.desks.index.solver.inputs import BookLevels, IndexBasket, OrderDemand
from tradewind.desks.index.solver.legs import LegRefusal, padding_bound, size_leg
from tradewind.desks.index.solver.limits import ConstituentLimit, constituent_limit
from tradewind.desks.index.solver.optimiser import OptimalAllocator
from tradewind.desks.index.solver.plan import (
    BatchPlan,
    HouseFill,
    LackingUnits,
    PlannedLeg,
    ScaledUnits,
)
from tradewind.desks.index.solver.problem import (
    Allocation,
    AllocationProblem,
    Capacity,
    CapacityKey,
    DemandGroup,
    OrderSlot,
    constituent_totals,
    order_need,
)

__all__ = ["BatchPlanner"]

log = get_logger("desks.index.solver")

MAX_ROUNDS = 8


class _Legs:
    """One round's legs and what went wrong with them."""

    __slots__ = (
        "dead_ends",
        "house_fills",
        "inventory_use",
        "legs",
        "notional",
        "padding_bounds",
        "refused",
    )

    def __init__(self) -> None:
        self.legs: list[PlannedLeg] = []
        self.refused: dict[CapacityKey, str] = {}
        self.house_fills: list[HouseFill] = []
        self.dead_ends: dict[str, str] = {}
        self.inventory_use: dict[str, dict[str, Decimal]] = {}
        self.notional = ZERO
        self.padding_bounds: dict[CapacityKey, Decimal] = {}


Priced = tuple[dict[str, Decimal], Decimal]
"""A basket's limit prices on one side, and its cost per index token at them."""

Move = tuple[Priced, tuple[tuple[str, Decimal], ...]]
"""A basket's prices last batch, and (constituent, new - old limit price) for those that moved."""


class _Remembered:
    """What the planner last worked out for one order: its baseline (depends on the order's
    basket and assigned quantities alone) and its slot (depends on the whole order and on its
    basket's prices), with the inputs they came from."""

    __slots__ = ("baseline", "demand", "outcome", "priced", "valued")

    def __init__(self, demand: OrderDemand, result: Baseline) -> None:
        self.demand = demand
        self.baseline = result
        self.priced: Priced | None = None
        self.outcome: OrderSlot | SlotRefusal | None = None
        self.valued: Decimal | None = None  # credit_value at ``priced`` (credited orders)

    def valued_at(self, priced: Priced, moves: Mapping[int, Move]) -> Decimal | None:
        """The credits' value at ``priced``: last batch's value moved by the price changes
        (exact, and a few terms instead of one per constituent), or worked out afresh."""
        credit = self.baseline[1]
        if credit is None:
            return None
        move = moves.get(id(priced))
        if self.valued is not None and move is not None and move[0] is self.priced:
            value = self.valued
            for symbol, change in move[1]:
                extra = credit.get(symbol)
                if extra is not None:
                    value += extra * change
            return value
        return credit_value(credit, priced[0])

    def same_holdings(self, demand: OrderDemand) -> bool:
        """Whether ``demand`` has this order's basket and assigned quantities (its baseline)."""
        known = self.demand
        # identity first: an order handed over again unchanged is usually the same object
        return (known.basket is demand.basket or known.basket == demand.basket) and (
            known.assigned is demand.assigned or known.assigned == demand.assigned
        )

    def same_terms(self, demand: OrderDemand) -> bool:
        """Whether the rest of ``demand`` (side, amounts, caps, sequence) is unchanged too."""
        known = self.demand
        return (
            known.side is demand.side
            and known.remaining == demand.remaining
            and known.volley_cap == demand.volley_cap
            and known.sequence == demand.sequence
        )


class BatchPlanner:
    """Plans one batch with ``allocator`` (the optimiser by default) under ``config``.

    Between batches it remembers, per order, its baseline (filled quantity, credits, reach: an
    exact pass over its assigned quantities, the costliest part of planning a partly filled
    order) and its slot (its own cap at its basket's limit prices). The baseline is worked out
    again only when the order's assigned quantities changed, the slot when the order or its
    basket's limit prices changed. Same inputs, same numbers: the plan is the one a fresh
    planner makes (tests/desks/index/solver/test_planner_memory.py).
    """

    def __init__(self, config: SolverConfig, allocator: Allocator | None = None) -> None:
        self._config = config
        self._allocator: Allocator = allocator if allocator is not None else OptimalAllocator()
        self._remembered: dict[str, _Remembered] = {}
        self._priced: dict[tuple[str, OrderSide], Priced] = {}
        self._credit_sums: CreditSums = {}

    @property
    def allocator(self) -> Allocator:
        return self._allocator

    def plan(
        self,
        orders: Sequence[OrderDemand],
        books: Mapping[str, BookLevels],
        instruments: Mapping[str, Instrument],
        inventory: Mapping[str, Decimal] | None = None,
        in_flight_quote: Decimal = ZERO,
    ) -> BatchPlan:
        """One batch for ``orders``.

        ``books`` and ``instruments`` are keyed by constituent symbol; ``inventory``: house base
        units per constituent symbol usable for buys (and to pad sells); ``in_flight_quote``:
        quote notional of legs already in flight. Raises a SolverInputError subclass on bad
        input (duplicate order keys, a constituent without instrument, a negative amount).
        """
        house = dict(inventory or {})
        _validate(orders, instruments, house, in_flight_quote)
        with localcontext(EXACT):
            return self._plan(orders, books, instruments, house, in_flight_quote)

    def _plan(
        self,
        orders: Sequence[OrderDemand],
        books: Mapping[str, BookLevels],
        instruments: Mapping[str, Instrument],
        inventory: dict[str, Decimal],
        in_flight: Decimal,
    ) -> BatchPlan:
        config = self._config
        skipped: dict[str, str] = {}
        exhausted: set[str] = set()
        limits: dict[CapacityKey, ConstituentLimit | None] = {}
        basket_prices: dict[tuple[str, OrderSide], Priced | str] = {}
        mids: dict[str, Decimal] = {}
        slots: list[OrderSlot] = []
        remembered = self._remembered
        kept: dict[str, _Remembered] = {}
        last_priced = self._priced
        self._priced = {}
        moves: dict[int, Move] = {}

        for index, demand in enumerate(orders):
            basket = demand.basket
            priced = basket_prices.get((basket.symbol, demand.side))
            if priced is None:
                priced = self._price_basket(demand, books, instruments, limits, mids)
                if not isinstance(priced, str):
                    # the same prices as last batch: the same object, so slots can be reused
                    before = last_priced.get((basket.symbol, demand.side))
                    if before is not None and before == priced:
                        priced = before
                    elif before is not None:
                        moves[id(priced)] = (before, _price_moves(before[0], priced[0]))
                    self._priced[(basket.symbol, demand.side)] = priced
                basket_prices[(basket.symbol, demand.side)] = priced
            if isinstance(priced, str):
                skipped[demand.key] = priced
                continue
            outcome = self._slot(index, demand, priced, remembered, kept, moves)
            if isinstance(outcome, SlotRefusal):
                skipped[demand.key] = outcome.reason
                if outcome.exhausted:
                    exhausted.add(demand.key)
                continue
            slots.append(outcome)
        self._remembered = kept  # orders not planned now (ended, unpriced) are forgotten

        headroom = min(config.max_batch_volley, config.max_in_flight_volley - in_flight)
        if headroom <= 0:
            for slot in slots:
                skipped[slot.demand.key] = "in_flight_cap"
            return _plan_of((), {}, {}, skipped, exhausted)

        groups = group_slots(slots, mids, self._credit_sums)
        unavailable: dict[CapacityKey, str] = {}
        # padding a leg adds at most its smallest valid quantity at the limit; once padding
        # has pushed a batch over the cap, that much is held back for every leg seen so far
        reserved: dict[CapacityKey, Decimal] = {}
        batch_cap = headroom
        dead_ends: dict[str, str] = {}
        for _ in range(MAX_ROUNDS):
            problem = self._problem(groups, limits, inventory, unavailable, batch_cap)
            allocation = self._allocator.allocate(problem)
            sized = self._legs(problem, allocation, instruments, inventory, mids)
            for order_key, reason in sized.dead_ends.items():
                dead_ends.setdefault(order_key, reason)
            if sized.refused:
                for key, reason in sized.refused.items():
                    unavailable[key] = f"leg_refused:{key[0]}:{reason}"
                continue
            if sized.notional > headroom:
                reserved.update(sized.padding_bounds)
                batch_cap = headroom - sum(reserved.values(), ZERO)
                if batch_cap > 0:
                    continue
                # even the smallest valid legs do not fit what may still be put in flight
                for slot in slots:
                    skipped[slot.demand.key] = "batch_cap"
                return _plan_of((), {}, {}, skipped, exhausted, dead_ends=dead_ends)
            sized.dead_ends = dead_ends
            return self._outputs(problem, allocation, sized, skipped, exhausted)
        log.warning("solver_unplannable", orders=len(slots), rounds=MAX_ROUNDS)
        for slot in slots:
            skipped[slot.demand.key] = "unplannable"
        return _plan_of((), {}, {}, skipped, exhausted, dead_ends=dead_ends)

    def _slot(
        self,
        index: int,
        demand: OrderDemand,
        priced: Priced,
        remembered: Mapping[str, _Remembered],
        kept: dict[str, _Remembered],
        moves: Mapping[int, Move],
    ) -> OrderSlot | SlotRefusal:
        """The order's slot (``order_slot``), from what was worked out last batch if its
        inputs are unchanged."""
        known = remembered.get(demand.key)
        if known is None or not known.same_holdings(demand):
            known = _Remembered(demand, baseline(demand))
        elif known.demand is not demand:
            if not known.same_terms(demand):
                known = _Remembered(demand, known.baseline)
            else:
                known.demand = demand
        kept[demand.key] = known
        outcome = known.outcome
        if outcome is None or known.priced is not priced:
            prices, unit_cost = priced
            valued = known.valued_at(priced, moves)
            outcome = order_slot(
                index, demand, prices, unit_cost, self._config, known.baseline, valued
            )
            known.priced = priced
            known.outcome = outcome
            known.valued = valued
        if isinstance(outcome, OrderSlot) and (
            outcome.index != index or outcome.demand is not demand
        ):
            outcome = replace(outcome, index=index, demand=demand)
            known.outcome = outcome
        return outcome

    def _price_basket(
        self,
        demand: OrderDemand,
        books: Mapping[str, BookLevels],
        instruments: Mapping[str, Instrument],
        limits: dict[CapacityKey, ConstituentLimit | None],
        mids: dict[str, Decimal],
    ) -> tuple[dict[str, Decimal], Decimal] | str:
        """Limit prices of the basket's constituents on the order's side and the index's cost
        per token at them, or the reason it cannot be priced."""
        prices: dict[str, Decimal] = {}
        unit_cost = ZERO
        for symbol, unit in demand.basket.units.items():
            key = (symbol, demand.side)
            if key not in limits:
                book = books.get(symbol)
                limits[key] = constituent_limit(
                    symbol, demand.side, book, instruments[symbol].filters, self._config
                )
                if book is not None and book.mid is not None:
                    mids[symbol] = book.mid
            limit = limits[key]
            if limit is None:
                return f"no_book:{symbol}"
            prices[symbol] = limit.limit_price
            unit_cost += unit * limit.limit_price
        return prices, unit_cost

    def _problem(
        self,
        groups: list[DemandGroup],
        limits: Mapping[CapacityKey, ConstituentLimit | None],
        inventory: Mapping[str, Decimal],
        unavailable: Mapping[CapacityKey, str],
        batch_cap: Decimal,
    ) -> AllocationProblem:
        net_factor = 1 - self._config.taker_fee_rate
        capacities: dict[CapacityKey, Capacity] = {}
        for group in groups:
            group.blocked = None
            for symbol in group.basket.units:
                key = (symbol, group.side)
                capacity = capacities.get(key)
                if capacity is None:
                    limit = limits[key]
                    assert limit is not None  # orders without a limit never get a slot
                    capacity = capacities[key] = Capacity(
                        symbol=symbol,
                        side=group.side,
                        limit_price=limit.limit_price,
                        liquidity=ZERO if key in unavailable else limit.liquidity,
                        inventory=inventory.get(symbol, ZERO)
                        if group.side is OrderSide.BUY
                        else ZERO,
                        net_factor=net_factor if group.side is OrderSide.BUY else Decimal(1),
                    )
                if group.blocked is None and symbol in group.need and capacity.net <= 0:
                    group.blocked = unavailable.get(key, f"no_liquidity:{symbol}")
        return AllocationProblem(
            groups=groups, capacities=capacities, batch_cap=batch_cap, net_factor=net_factor
        )

    def _legs(
        self,
        problem: AllocationProblem,
        allocation: Allocation,
        instruments: Mapping[str, Instrument],
        inventory: Mapping[str, Decimal],
        mids: Mapping[str, Decimal],
    ) -> _Legs:
        sized = _Legs()
        totals = constituent_totals(problem, allocation)
        handed: dict[str, Decimal] = {}
        # house inventory goes to buy orders first-come (by acceptance sequence)
        stocked = {
            symbol
            for (symbol, side), total in totals.items()
            if side is OrderSide.BUY and total > 0 and inventory.get(symbol, ZERO) > 0
        }
        if stocked:
            left = {symbol: inventory[symbol] for symbol in stocked}
            buyers = sorted(
                (
                    slot
                    for group in problem.groups
                    if group.side is OrderSide.BUY
                    for slot in group.members
                    if allocation.get(slot.index, ZERO) > 0
                ),
                key=lambda slot: slot.demand.sequence,
            )
            for slot in buyers:
                units = slot.demand.basket.units
                for symbol in stocked.intersection(units):
                    if left[symbol] <= 0:
                        continue
                    need = order_need(slot, symbol, units[symbol], allocation[slot.index])
                    take = min(need, left[symbol])
                    if take > 0:
                        left[symbol] -= take
                        handed[symbol] = handed.get(symbol, ZERO) + take
                        sized.inventory_use.setdefault(slot.demand.key, {})[symbol] = take
        for key in sorted(totals, key=lambda key: (key[0], key[1].value)):
            symbol, side = key
            total = totals[key]
            needed = total - handed.get(symbol, ZERO) if side is OrderSide.BUY else total
            if needed <= 0:
                continue
            capacity = problem.capacities[key]
            spare = inventory.get(symbol, ZERO) - handed.get(symbol, ZERO)
            size = size_leg(
                side,
                needed,
                capacity.limit_price,
                instruments[symbol].filters,
                padding=self._config.min_notional_padding,
                net_factor=capacity.net_factor,
                spare_inventory=spare,
            )
            if isinstance(size, LegRefusal):
                if side is OrderSide.SELL and size.below_minimum:
                    if inventory.get(symbol, ZERO) > 0:
                        # the house holds this asset: it takes what the venue would refuse,
                        # at the reference price, and the orders' other legs go ahead
                        price = mids.get(symbol, capacity.limit_price)
                        sized.house_fills.append(
                            HouseFill(symbol=symbol, quantity=needed, price=price)
                        )
                        continue
                    ends = self._dead_ends(problem, capacity, instruments[symbol].filters, spare)
                    for order_key, reason in ends.items():
                        sized.dead_ends.setdefault(order_key, reason)  # the first leg says why
                sized.refused[key] = size.reason
                continue
            leg = PlannedLeg(
                symbol=symbol,
                side=side,
                quantity=size.quantity,
                limit_price=capacity.limit_price,
                needed=needed,
            )
            sized.legs.append(leg)
            sized.notional += leg.notional
            sized.padding_bounds[key] = padding_bound(
                instruments[symbol].filters, capacity.limit_price, self._config.min_notional_padding
            )
        return sized

    def _dead_ends(
        self,
        problem: AllocationProblem,
        capacity: Capacity,
        filters: InstrumentFilters,
        spare: Decimal,
    ) -> dict[str, str]:
        """The sells no batch can make progress: those needing ``capacity``'s constituent when
        even all open sells' whole remaining need of it (their caps) is under the venue's
        minimums and house inventory cannot pad it. Waiting changes none of that; a larger
        need (a new order) would, and is planned for when it comes."""
        symbol = capacity.symbol
        full = ZERO
        keys: list[str] = []
        for group in problem.groups:
            unit = group.basket.units.get(symbol)
            if group.side is not OrderSide.SELL or unit is None:
                continue
            for slot in group.members:
                need = order_need(slot, symbol, unit, slot.cap)
                if need > 0:
                    full += need
                    keys.append(slot.demand.key)
        if not keys:
            return {}
        size = size_leg(
            OrderSide.SELL,
            full,
            capacity.limit_price,
            filters,
            padding=self._config.min_notional_padding,
            net_factor=Decimal(1),
            spare_inventory=spare,
        )
        if not isinstance(size, LegRefusal) or not size.below_minimum:
            return {}
        base, _, quote = symbol.partition("/")
        price = capacity.limit_price
        padding = self._config.min_notional_padding
        smallest = EXACT.divide(padding_bound(filters, price, padding), price)
        reason = (
            f"no batch can sell its {symbol} leg: {full.normalize():f} {base} at "
            f"{price.normalize():f} is under the smallest sell the venue takes there, "
            f"{smallest.normalize():f} {base} (min_qty {filters.min_qty.normalize():f}, "
            f"min_notional {filters.min_notional.normalize():f} {quote} plus a "
            f"{(padding * 100).normalize():f}% margin), and the house holds no {base} to take it"
        )
        return dict.fromkeys(keys, reason)

    def _outputs(
        self,
        problem: AllocationProblem,
        allocation: Allocation,
        sized: _Legs,
        skipped: dict[str, str],
        exhausted: set[str],
    ) -> BatchPlan:
        targets: dict[str, Mapping[str, Decimal]] = {}
        target_units: dict[str, Decimal] = {}
        for group in problem.groups:
            units = group.basket.units
            for slot in group.members:
                demand = slot.demand
                added = allocation.get(slot.index, ZERO)
                if added <= 0:
                    skipped[demand.key] = group.blocked or "not_allocated"
                    continue
                total = slot.filled + added
                target_units[demand.key] = total
                assigned = demand.assigned
                if slot.credit is None and not assigned:
                    targets[demand.key] = ScaledUnits(units, total)
                    continue
                targets[demand.key] = LackingUnits(units, total, assigned)
        legs = tuple(sized.legs)
        log.debug(
            "solver_batch_planned",
            allocator=self._allocator.name,
            orders=len(target_units),
            skipped=len(skipped),
            legs=len(legs),
            notional=str(sum((leg.notional for leg in legs), ZERO)),
        )
        return _plan_of(
            legs,
            targets,
            target_units,
            skipped,
            exhausted,
            sized.inventory_use,
            house_fills=tuple(sized.house_fills),
            dead_ends=sized.dead_ends,
        )


def _price_moves(
    before: Mapping[str, Decimal], after: Mapping[str, Decimal]
) -> tuple[tuple[str, Decimal], ...]:
    return tuple(
        (symbol, price - before[symbol])
        for symbol, price in after.items()
        if price != before[symbol]
    )


def _plan_of(
    legs: tuple[PlannedLeg, ...],
    targets: dict[str, Mapping[str, Decimal]],
    target_units: dict[str, Decimal],
    skipped: dict[str, str],
    exhausted: set[str],
    inventory_use: Mapping[str, Mapping[str, Decimal]] | None = None,
    *,
    house_fills: tuple[HouseFill, ...] = (),
    dead_ends: Mapping[str, str] | None = None,
) -> BatchPlan:
    return BatchPlan(
        legs=legs,
        targets=targets,
        target_units=target_units,
        inventory_use=dict(inventory_use or {}),
        skipped=skipped,
        exhausted=frozenset(exhausted),
        house_fills=house_fills,
        dead_ends=dict(dead_ends or {}),
    )


def _validate(
    orders: Sequence[OrderDemand],
    instruments: Mapping[str, Instrument],
    inventory: Mapping[str, Decimal],
    in_flight: Decimal,
) -> None:
    if not isinstance(in_flight, Decimal) or not in_flight.is_finite() or in_flight < 0:
        raise SolverInputError(
            "plan", "in_flight_quote", f"must be a Decimal >= 0, got {in_flight!r}"
        )
    for symbol, quantity in inventory.items():
        if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity < 0:
            raise SolverInputError(
                "plan", f"inventory[{symbol}]", f"must be a Decimal >= 0, got {quantity!r}"
            )
    seen: set[str] = set()
    baskets: dict[str, IndexBasket] = {}
    for demand in orders:
        if not isinstance(demand, OrderDemand):
            raise OrderDemandError("plan", "orders", f"expected OrderDemand, got {demand!r}")
        if demand.key in seen:
            raise OrderDemandError(f"OrderDemand[{demand.key!r}]", "key", "appears twice")
        seen.add(demand.key)
        basket = demand.basket
        known = baskets.get(basket.symbol)
        if known is not None:
            if known is not basket and known != basket:
                raise BasketError(
                    f"IndexBasket[{basket.symbol!r}]",
                    "units",
                    f"order {demand.key!r} carries a different basket for this index",
                )
            continue
        baskets[basket.symbol] = basket
        for symbol in basket.units:
            instrument = instruments.get(symbol)
            if instrument is None:
                raise MissingInstrumentError(
                    f"IndexBasket[{basket.symbol!r}]", symbol, "no instrument for this constituent"
                )
            if instrument.quote != basket.quote_asset:
                raise MissingInstrumentError(
                    f"IndexBasket[{basket.symbol!r}]",
                    symbol,
                    f"quotes {instrument.quote}, the index quotes {basket.quote_asset}",
                )
