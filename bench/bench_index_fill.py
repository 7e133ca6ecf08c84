"""Index solver fill: quote value the LP optimiser fills vs the proportional rule, as liquidity
gets scarcer, over several indexes sharing constituents.

    .venv/bin/python bench/bench_index_fill.py [--orders 300] [--indexes 4]
        [--constituents 20] [--seeds 5] [--seed 7] [--plot]

Per seed: ``--constituents`` pairs (prices 0.5..50,000 USDT), ``--indexes`` indexes of 6 to 12
constituents each drawn from the same pool (so they compete for them) with random weights, and
``--orders`` buy orders of 100..20,000 USDT spread over the indexes. For each scarcity level the
books are rebuilt so that what the solver may take of each constituent is that multiple of what
all orders together would need of it at full fill, times a random 0.5..1.5 per constituent (real
books are not proportional to demand; that unevenness is what an allocator can exploit). Both
allocators plan the same batch through BatchPlanner (caps wide, so liquidity is what binds).

Printed per level, summed over the seeds: the demand's value, the value each allocator fills
(index tokens planned x the index's value at mid) - the optimiser (value first), the optimiser
with ``proportional_floor=1`` (no index below what the proportional rule gives it) and the
proportional rule - the two gains over the rule, and the smallest per-index fill ratio each
leaves (fairness). ``--plot`` writes
docs/img/index_fill_optimiser.png (fill as a share of demand against liquidity / demand).
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal
from pathlib import Path

from tradewind.common.logging import configure_logging
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.solver import (
    BatchPlan,
    BatchPlanner,
    BookLevels,
    IndexBasket,
    OptimalAllocator,
    OrderDemand,
    ProportionalAllocator,
    SolverConfig,
)

SCARCITY = (2.0, 1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05)
PLOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "index_fill_optimiser.png"
LEVELS = 5
CONFIG = SolverConfig(
    price_threshold=Decimal("0.01"),
    depth_levels=LEVELS,
    liquidity_fraction=Decimal(1),
    max_order_volley=Decimal(10**9),
    max_batch_volley=Decimal(10**12),
    max_in_flight_volley=Decimal(10**12),
    min_notional_padding=Decimal(0),
)


class Scenario:
    """One seed's constituents, indexes and orders; books are built per scarcity level."""

    def __init__(self, seed: int, constituents: int, indexes: int, orders: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.instruments: dict[str, Instrument] = {}
        self.mids: dict[str, Decimal] = {}
        self.ticks: dict[str, Decimal] = {}
        for index in range(constituents):
            symbol = f"P{index}/USDT"
            price = 10 ** rng.uniform(-0.3, 4.7)
            exponent = int(f"{price:e}".split("e")[1])
            tick = Decimal(1).scaleb(-max(2, min(8, 4 - exponent)))
            step = Decimal(1).scaleb(-max(0, min(6, 3 + exponent)))
            self.instruments[symbol] = Instrument(
                venue="sim",
                symbol=symbol,
                filters=InstrumentFilters(
                    tick_size=tick, step_size=step, min_qty=step, max_qty=Decimal(10**12)
                ),
            )
            self.mids[symbol] = Decimal(str(price)).quantize(tick)
            self.ticks[symbol] = tick
        pool = list(self.instruments)
        self.baskets: list[IndexBasket] = []
        for index in range(indexes):
            members = rng.sample(pool, rng.randint(6, min(12, len(pool))))
            weights = [rng.uniform(0.5, 2) for _ in members]
            total = sum(weights)
            units = {}
            for symbol, weight in zip(members, weights, strict=True):
                step = self.instruments[symbol].filters.step_size
                raw = Decimal(str(weight / total * 1000)) / self.mids[symbol]
                units[symbol] = max(step, raw.quantize(step, rounding="ROUND_FLOOR"))
            self.baskets.append(
                IndexBasket(
                    symbol=f"IX{index}",
                    quote_asset="USDT",
                    units=units,
                    quantity_step=Decimal("0.0001"),
                    mint_fee_rate=Decimal("0.001"),
                )
            )
        self.orders = [
            OrderDemand(
                key=f"o{index}",
                basket=rng.choice(self.baskets),
                side=OrderSide.BUY,
                remaining=Decimal(str(round(rng.uniform(100, 20_000), 2))),
                assigned={},
                sequence=index,
            )
            for index in range(orders)
        ]
        self.unevenness = {symbol: rng.uniform(0.5, 1.5) for symbol in pool}

    def value_of(self, basket: IndexBasket) -> Decimal:
        return sum((u * self.mids[s] for s, u in basket.units.items()), Decimal(0))

    def demand(self) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
        """The demand's value at mid, each constituent's need at full fill, per-index demand."""
        value = Decimal(0)
        need: dict[str, Decimal] = {}
        per_index: dict[str, Decimal] = {}
        for order in self.orders:
            basket = order.basket
            tokens = order.remaining / (self.value_of(basket) * Decimal("1.011"))
            value += tokens * self.value_of(basket)
            per_index[basket.symbol] = per_index.get(basket.symbol, Decimal(0)) + tokens
            for symbol, unit in basket.units.items():
                need[symbol] = need.get(symbol, Decimal(0)) + tokens * unit
        return value, need, per_index

    def books(self, scarcity: float) -> dict[str, BookLevels]:
        _, need, _ = self.demand()
        books = {}
        for symbol, mid in self.mids.items():
            tick = self.ticks[symbol]
            step = self.instruments[symbol].filters.step_size
            wanted = float(need.get(symbol, Decimal(1))) * scarcity * self.unevenness[symbol]
            per_level = Decimal(str(wanted / LEVELS)).quantize(step, rounding="ROUND_CEILING")
            spacing = max(tick, (mid * Decimal("0.0015")).quantize(tick))
            asks = tuple((mid + spacing * (i + 1), max(per_level, step)) for i in range(LEVELS))
            bids = tuple((mid - spacing * (i + 1), max(per_level, step)) for i in range(LEVELS))
            books[symbol] = BookLevels(bids=tuple(b for b in bids if b[0] > 0), asks=asks)
        return books

    def filled(self, plan: BatchPlan) -> tuple[Decimal, dict[str, Decimal]]:
        value = Decimal(0)
        per_index: dict[str, Decimal] = {}
        for order in self.orders:
            tokens = plan.target_units.get(order.key, Decimal(0))
            value += tokens * self.value_of(order.basket)
            symbol = order.basket.symbol
            per_index[symbol] = per_index.get(symbol, Decimal(0)) + tokens
        return value, per_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--indexes", type=int, default=4)
    parser.add_argument("--constituents", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--plot", action="store_true", help=f"write {PLOT.name} to docs/img")
    args = parser.parse_args()
    configure_logging("warning")

    scenarios = [
        Scenario(args.seed + offset, args.constituents, args.indexes, args.orders)
        for offset in range(args.seeds)
    ]
    print(
        f"{args.seeds} seeds x {args.orders} buy orders over {args.indexes} indexes sharing "
        f"{args.constituents} constituents; values summed over seeds, USDT at mid"
    )
    print(
        "optimiser: value first; floored: the same with proportional_floor=1 (no index below\n"
        "its proportional fill); min index fill: the least filled index's share of its demand"
    )
    print(
        f"{'liq/demand':>10}{'demand':>13}{'optimiser':>13}{'floored':>13}{'proportional':>13}"
        f"{'gain':>7}{'floored':>8}   {'min index fill opt/flo/prop':>27}"
    )
    allocators = {
        "optimiser": OptimalAllocator(),
        "floored": OptimalAllocator(proportional_floor=1),
        "proportional": ProportionalAllocator(),
    }
    rows = []
    for scarcity in SCARCITY:
        demand_total = Decimal(0)
        filled = dict.fromkeys(allocators, Decimal(0))
        fairness = dict.fromkeys(allocators, 1.0)
        for scenario in scenarios:
            demand_value, _, per_index_demand = scenario.demand()
            demand_total += demand_value
            books = scenario.books(scarcity)
            for name, allocator in allocators.items():
                plan = BatchPlanner(CONFIG, allocator).plan(
                    scenario.orders, books, scenario.instruments
                )
                value, per_index = scenario.filled(plan)
                filled[name] += value
                for symbol, wanted in per_index_demand.items():
                    ratio = float(per_index.get(symbol, Decimal(0)) / wanted)
                    fairness[name] = min(fairness[name], ratio)
        base = filled["proportional"]
        gain = float(filled["optimiser"] / base - 1) if base else 0.0
        floored_gain = float(filled["floored"] / base - 1) if base else 0.0
        rows.append((scarcity, *(float(filled[name] / demand_total) for name in allocators)))
        fills = "/".join(f"{fairness[name]:.1%}" for name in allocators)
        print(
            f"{scarcity:>10.2f}{demand_total:>13,.0f}{filled['optimiser']:>13,.0f}"
            f"{filled['floored']:>13,.0f}{base:>13,.0f}{gain:>7.1%}{floored_gain:>8.1%}"
            f"   {fills:>27}"
        )
    if args.plot:
        _plot(rows, args)


def _plot(rows: list[tuple[float, ...]], args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scarcity = [row[0] for row in rows]
    series = (
        (1, "o", "LP optimiser (HiGHS), value first"),
        (2, "^", "LP, no index below its proportional fill"),
        (3, "s", "proportional rule"),
    )
    figure, (filled, relative) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=120)
    for column, marker, label in series:
        filled.plot(scarcity, [row[column] * 100 for row in rows], marker=marker, label=label)
        relative.plot(
            scarcity, [row[column] / row[3] * 100 for row in rows], marker=marker, label=label
        )
    for axes in (filled, relative):
        axes.set_xscale("log")
        axes.invert_xaxis()
        axes.set_xlabel("usable liquidity / demand per constituent (x 0.5..1.5, uneven)")
        axes.grid(True, which="both", alpha=0.3)
    filled.set_ylabel("demand value filled in one batch (%)")
    relative.set_ylabel("value filled, proportional rule = 100")
    relative.legend(fontsize=8, loc="center right")
    figure.suptitle(
        f"Index fill: {args.indexes} indexes sharing {args.constituents} constituents, "
        f"{args.orders} buy orders, {args.seeds} seeds",
        fontsize=10,
    )
    figure.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PLOT)
    print(f"wrote {PLOT}")


if __name__ == "__main__":
    main()
