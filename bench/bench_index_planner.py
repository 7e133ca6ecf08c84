"""Index solver planning time: one batch for many orders over one synthetic index, per allocator.

    .venv/bin/python bench/bench_index_planner.py [--orders 1000] [--constituents 50]
        [--levels 20] [--repeats 50] [--dirty 0.0] [--sells 0.0] [--seed 7]
        [--live [--moving 5]]

The market: ``--constituents`` pairs X0/USDT.. with prices spread over 0.05..60,000 USDT (tick
0.01 or finer, step 0.00001 or coarser, min notional 5), each book ``--levels`` levels a side;
the index weighs them equally at an initial price of 1,000 USDT. The orders: buys of 200 to
20,000 USDT of collateral each (``--sells`` of them sells of 0.2 to 20 index tokens instead),
with ``--dirty`` of them holding uneven partial fills from an earlier batch. Liquidity is scarce
on purpose (the top 5 levels, half of them usable, cover ~60% of the demand) so the allocators
have a real decision to make; caps are wide so they are not what binds.

Timed per repeat (wall clock, GC on, as in the desk):
  plan                BatchPlanner.plan: limits, caps, allocation, exact re-check, legs, targets
  plan + read         the same, then every target, inventory slice and leg read once (fresh
                      orders' targets are computed when read; this is the cost a consumer pays)
p50 / p99 over the repeats, after two warm-up runs, the runs interleaved repeat by repeat; CPU
time p50 too, since the cores are shared.

The planner remembers what it worked out for orders that did not change since the last batch.
By default every run plans the very same inputs (a quiet market, no fill in between). With
``--live`` each run gets the orders as the desk builds them (new, equal OrderDemand objects) and
``--moving`` constituents' books one tick away from the last run (a market that moves: those
baskets' limit prices change, so every order's own cap is worked out again).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from tradewind.common.logging import configure_logging
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.solver import (
    Allocator,
    BatchPlan,
    BatchPlanner,
    BookLevels,
    IndexBasket,
    OptimalAllocator,
    OrderDemand,
    ProportionalAllocator,
    SolverConfig,
)

INITIAL_PRICE = Decimal(1000)


def _grid(value: float, places: int) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def synthetic_market(
    constituents: int, levels: int, seed: int, demand_quote: float
) -> tuple[dict[str, Instrument], dict[str, BookLevels], IndexBasket]:
    """Instruments, books and one equally weighted index over ``constituents`` pairs; the top 5
    levels of each book hold 1.2x its share of ``demand_quote`` (USDT)."""
    rng = random.Random(seed)
    instruments: dict[str, Instrument] = {}
    books: dict[str, BookLevels] = {}
    units: dict[str, Decimal] = {}
    weight = INITIAL_PRICE / constituents
    for index in range(constituents):
        symbol = f"X{index}/USDT"
        price = 10 ** rng.uniform(-1.3, 4.78)  # 0.05 .. 60,000
        price_places = max(2, min(8, 4 - int(f"{price:e}".split("e")[1])))
        size_places = max(0, min(5, 2 + int(f"{price:e}".split("e")[1])))
        tick = Decimal(1).scaleb(-price_places)
        step = Decimal(1).scaleb(-size_places)
        filters = InstrumentFilters(
            tick_size=tick,
            step_size=step,
            min_qty=step,
            max_qty=Decimal(10**9),
            min_notional=Decimal(5),
        )
        instruments[symbol] = Instrument(venue="sim", symbol=symbol, filters=filters)
        mid = _grid(price, price_places)
        unit = (weight / mid).quantize(step, rounding="ROUND_FLOOR")
        if unit == 0:
            unit = step
        units[symbol] = unit
        # the top 5 levels hold 1.2x this constituent's share of the demand; planned at half
        per_level = demand_quote / constituents * 1.2 / 5 / float(mid)
        bids = []
        asks = []
        for level in range(1, levels + 1):
            offset = tick * level * max(1, int(float(mid) * 0.0002 / float(tick)))
            bids.append((mid - offset, _grid(per_level * rng.uniform(0.5, 1.5), size_places)))
            asks.append((mid + offset, _grid(per_level * rng.uniform(0.5, 1.5), size_places)))
        books[symbol] = BookLevels(
            bids=tuple((p, q if q > 0 else step) for p, q in bids if p > 0),
            asks=tuple((p, q if q > 0 else step) for p, q in asks),
        )
    basket = IndexBasket(
        symbol="BENCH",
        quote_asset="USDT",
        units=units,
        quantity_step=Decimal("0.0001"),
        mint_fee_rate=Decimal("0.001"),
        redeem_fee_rate=Decimal("0.001"),
    )
    return instruments, books, basket


def synthetic_orders(
    basket: IndexBasket, count: int, dirty: float, sells: float, seed: int
) -> list[OrderDemand]:
    """``count`` orders on ``basket``: buys of 200..20,000 USDT, ``sells`` share of sells."""
    rng = random.Random(seed + 1)
    orders = []
    for index in range(count):
        side = OrderSide.SELL if rng.random() < sells else OrderSide.BUY
        if side is OrderSide.BUY:
            remaining = _grid(rng.uniform(200, 20_000), 2)
        else:
            remaining = _grid(rng.uniform(0.2, 20), 4)
        assigned: dict[str, Decimal] = {}
        if rng.random() < dirty:
            filled = _grid(rng.uniform(0.01, 2), 4)
            for symbol, unit in basket.units.items():
                assigned[symbol] = filled * unit * Decimal(str(round(rng.uniform(1, 1.5), 3)))
        orders.append(
            OrderDemand(
                key=f"order-{index}",
                basket=basket,
                side=side,
                remaining=remaining,
                assigned=assigned,
                sequence=index,
            )
        )
    return orders


def _read(plan: BatchPlan) -> Decimal:
    total = Decimal(0)
    for targets in plan.targets.values():
        for quantity in targets.values():
            total += quantity
    for use in plan.inventory_use.values():
        for quantity in use.values():
            total += quantity
    for leg in plan.legs:
        total += leg.quantity
    return total


def _measure(
    runs: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and CPU seconds per run, interleaved repeat by repeat so that drift in the machine
    (other work on the shared cores, the garbage collector's state) hits every run alike."""
    for run in runs.values():
        run()
        run()
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    for repeat in range(repeats):
        order = list(runs.items())
        if repeat % 2:
            order.reverse()
        for name, run in order:
            cpu_start = time.process_time()
            start = time.perf_counter()
            run()
            timings[name][0].append(time.perf_counter() - start)
            timings[name][1].append(time.process_time() - cpu_start)
    return timings


def _p(values: list[float], quantile: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--constituents", type=int, default=50)
    parser.add_argument("--levels", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--dirty", type=float, default=0.0, help="share of partly filled orders")
    parser.add_argument("--sells", type=float, default=0.0, help="share of sell orders")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--live", action="store_true", help="fresh copies, moving books")
    parser.add_argument("--moving", type=int, default=5, help="books moved per run (--live)")
    args = parser.parse_args()
    configure_logging("warning")

    demand = args.orders * 10_100.0  # the buys' mean collateral
    instruments, books, basket = synthetic_market(args.constituents, args.levels, args.seed, demand)
    orders = synthetic_orders(basket, args.orders, args.dirty, args.sells, args.seed)
    config = SolverConfig(
        price_threshold=Decimal("0.005"),
        depth_levels=5,
        liquidity_fraction=Decimal("0.5"),
        max_order_volley=Decimal(10**6),
        max_batch_volley=Decimal(10**9),
        max_in_flight_volley=Decimal(10**9),
    )
    print(
        f"{args.orders:,} orders ({args.sells:.0%} sells, {args.dirty:.0%} partly filled) over "
        f"{args.constituents} constituents, {args.levels}-level books, {args.repeats} repeats"
    )
    print(f"{'allocator':<13}{'step':<14}{'p50 ms':>9}{'p99 ms':>9}{'cpu p50':>9}  result")
    allocators: list[Allocator] = [OptimalAllocator(), ProportionalAllocator()]
    runs: dict[str, Callable[[], object]] = {}
    summaries: dict[str, str] = {}
    for allocator in allocators:
        planner = BatchPlanner(config, allocator)
        plan = planner.plan(orders, books, instruments)
        unit_value = sum(
            (unit * (books[symbol].mid or Decimal(0)) for symbol, unit in basket.units.items()),
            Decimal(0),
        )
        value = sum(
            (
                (units - _filled(order)) * unit_value
                for order in orders
                if (units := plan.target_units.get(order.key)) is not None
            ),
            Decimal(0),
        )
        summaries[allocator.name] = (
            f"{len(plan.target_units):,} orders planned, {len(plan.legs)} legs, "
            f"value {value:,.0f} USDT, notional {plan.notional:,.0f}"
        )
        if args.live:
            feed = _LiveFeed(orders, books, args.moving)
            runs[f"{allocator.name}|plan"] = lambda planner=planner, feed=feed: planner.plan(
                *feed.next(), instruments
            )
            runs[f"{allocator.name}|plan + read"] = lambda planner=planner, feed=feed: _read(
                planner.plan(*feed.next(), instruments)
            )
            continue
        runs[f"{allocator.name}|plan"] = lambda planner=planner: planner.plan(
            orders, books, instruments
        )
        runs[f"{allocator.name}|plan + read"] = lambda planner=planner: _read(
            planner.plan(orders, books, instruments)
        )
    for name, (wall, cpu) in _measure(runs, args.repeats).items():
        allocator_name, step = name.split("|")
        print(
            f"{allocator_name:<13}{step:<14}{_p(wall, 0.5):>9.2f}{_p(wall, 0.99):>9.2f}"
            f"{statistics.median(cpu) * 1000:>9.2f}  "
            f"{summaries[allocator_name] if step == 'plan' else ''}"
        )


class _LiveFeed:
    """Each call: the orders as new equal objects (as the desk builds them every batch) and the
    books with ``moving`` of them one level deeper or back, in turn (prepared up front, so
    the timing holds planning only)."""

    def __init__(
        self, orders: list[OrderDemand], books: dict[str, BookLevels], moving: int
    ) -> None:
        symbols = sorted(books)
        self._inputs: list[tuple[list[OrderDemand], dict[str, BookLevels]]] = []
        for turn in range(8):
            copies = [replace(order, assigned=dict(order.assigned)) for order in orders]
            moved = dict(books)
            if turn % 2:
                for n in range(moving):
                    symbol = symbols[(turn * moving + n) % len(symbols)]
                    book = books[symbol]
                    # the best level on each side gone: limit prices move a tick or more
                    moved[symbol] = BookLevels(bids=book.bids[1:], asks=book.asks[1:])
            self._inputs.append((copies, moved))
        self._turn = 0

    def next(self) -> tuple[list[OrderDemand], dict[str, BookLevels]]:
        self._turn += 1
        return self._inputs[self._turn % len(self._inputs)]


def _filled(order: OrderDemand) -> Decimal:
    if not order.assigned:
        return Decimal(0)
    step = order.basket.quantity_step
    ratio = min(order.assigned.get(s, Decimal(0)) / u for s, u in order.basket.units.items())
    return (ratio / step).to_integral_value(rounding="ROUND_FLOOR") * step


if __name__ == "__main__":
    main()
