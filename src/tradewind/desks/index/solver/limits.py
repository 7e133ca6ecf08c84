"""Price limits and usable liquidity per constituent and side.

A buy leg may pay at most best ask x (1 + threshold), rounded DOWN to the tick so the limit never
exceeds the threshold; a sell leg takes at least best bid x (1 - threshold), rounded UP. The
liquidity the solver may plan on is the depth inside that limit over the top ``depth_levels``
levels, times ``liquidity_fraction``, on the venue's step, and never more than one order may carry
(``max_qty``, ``max_notional``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import InstrumentFilters
from tradewind.desks.index.solver.config import SolverConfig
from tradewind.desks.index.solver.grid import EXACT, ZERO, floor_to
from tradewind.desks.index.solver.inputs import BookLevels, Level
from tradewind.oms.pretrade import round_price

__all__ = ["ConstituentLimit", "constituent_limit", "depth_within", "price_limit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstituentLimit:
    """Where and how much a leg on ``symbol``/``side`` may trade this batch.

    Prices in quote per base; ``depth`` and ``liquidity`` in base units: ``depth`` is what the
    top levels offer within the limit, ``liquidity`` the part the solver plans on (a leg's
    quantity before padding never exceeds it).
    """

    symbol: str
    side: OrderSide
    best_price: Decimal
    limit_price: Decimal
    depth: Decimal
    liquidity: Decimal


def price_limit(best: Decimal, threshold: Decimal, tick: Decimal, side: OrderSide) -> Decimal:
    """The worst price a ``side`` leg accepts, on the tick: never beyond ``threshold`` of ``best``.

    Returns 0 when a sell limit would round to nothing (a price below one tick).
    """
    if side is OrderSide.BUY:
        return round_price(EXACT.multiply(best, 1 + threshold), tick, side)
    raw = EXACT.multiply(best, 1 - threshold)
    if raw <= 0:
        return ZERO
    return round_price(raw, tick, side)


def depth_within(
    levels: tuple[Level, ...], limit: Decimal, side: OrderSide, depth_levels: int
) -> Decimal:
    """Base quantity of the first ``depth_levels`` levels priced within ``limit``.

    ``levels`` are the side a ``side`` order takes from (asks for a buy), best first.
    """
    total = ZERO
    for price, quantity in levels[:depth_levels]:
        inside = price <= limit if side is OrderSide.BUY else price >= limit
        if not inside:
            break  # best-first: every later level is further away
        total += quantity
    return total


def constituent_limit(
    symbol: str,
    side: OrderSide,
    book: BookLevels | None,
    filters: InstrumentFilters,
    config: SolverConfig,
) -> ConstituentLimit | None:
    """The limit and liquidity of a ``side`` leg on ``symbol``; None when that side is empty."""
    if book is None:
        return None
    levels = book.side(side)
    if not levels:
        return None
    best = levels[0][0]
    limit = price_limit(best, config.price_threshold, filters.tick_size, side)
    if limit <= 0:
        return None
    depth = depth_within(levels, limit, side, config.depth_levels)
    usable = floor_to(EXACT.multiply(depth, config.liquidity_fraction), filters.step_size)
    usable = min(usable, floor_to(filters.max_qty, filters.step_size))
    if filters.max_notional is not None:
        usable = min(usable, floor_to(EXACT.divide(filters.max_notional, limit), filters.step_size))
    return ConstituentLimit(
        symbol=symbol,
        side=side,
        best_price=best,
        limit_price=limit,
        depth=depth,
        liquidity=usable,
    )
