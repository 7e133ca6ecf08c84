"""Pool state as the pools' own logs describe it, pure and immutable.

    V3PoolState   sqrt price (Q64.96), tick, in-range liquidity, initialised ticks (liquidityNet)
                  apply(event_name, args) for Initialize / Mint / Burn / Swap
    V2PairState   reserves; apply("Sync", args)

A Swap log carries the pool's price, tick and liquidity after the swap, so it overwrites them;
Mint and Burn change the tick map (and the in-range liquidity when the position spans the
current tick). Every field of a log is checked before anything changes: a malformed log raises
``MalformedPoolLogError`` and the state it was applied to is untouched (states are values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from tradewind.chain.uniswap.v3_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
)

__all__ = ["MalformedPoolLogError", "PoolState", "V2PairState", "V3PoolState"]

_MAX_UINT128 = 2**128 - 1
_MAX_UINT112 = 2**112 - 1


class MalformedPoolLogError(ValueError):
    """A pool log whose fields are missing, of the wrong type or impossible for the pool."""


def _int(args: Mapping[str, Any], name: str, low: int, high: int) -> int:
    try:
        value = args[name]
    except KeyError:
        raise MalformedPoolLogError(f"field {name!r} is missing") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedPoolLogError(f"field {name!r} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise MalformedPoolLogError(f"field {name!r}={value} outside [{low}, {high}]")
    return value


@dataclass(frozen=True, slots=True)
class V3PoolState:
    """A v3 pool's swap-relevant state. ``ticks``: initialised tick -> liquidityNet;
    ``gross``: tick -> liquidityGross (a tick stays initialised while its gross is > 0, even
    when its net is 0, and the pool stops a swap step there); ``fee_pips`` in hundredths of a
    bip; ``sqrt_price_x96`` 0 until Initialize."""

    fee_pips: int
    tick_spacing: int
    sqrt_price_x96: int = 0
    tick: int = 0
    liquidity: int = 0
    ticks: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))
    gross: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def initialized(self) -> bool:
        return self.sqrt_price_x96 != 0

    def apply(self, event_name: str, args: Mapping[str, Any]) -> V3PoolState:
        """The state after one log of this pool."""
        if event_name == "Swap":
            sqrt_price = _int(args, "sqrtPriceX96", MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1)
            liquidity = _int(args, "liquidity", 0, _MAX_UINT128)
            tick = _int(args, "tick", MIN_TICK, MAX_TICK)
            return replace(self, sqrt_price_x96=sqrt_price, liquidity=liquidity, tick=tick)
        if event_name == "Initialize":
            sqrt_price = _int(args, "sqrtPriceX96", MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1)
            tick = _int(args, "tick", MIN_TICK, MAX_TICK)
            return replace(self, sqrt_price_x96=sqrt_price, tick=tick)
        if event_name in ("Mint", "Burn"):
            lower = _int(args, "tickLower", MIN_TICK, MAX_TICK)
            upper = _int(args, "tickUpper", MIN_TICK, MAX_TICK)
            amount = _int(args, "amount", 0, _MAX_UINT128)
            if lower >= upper or lower % self.tick_spacing or upper % self.tick_spacing:
                raise MalformedPoolLogError(
                    f"{event_name}: bad range [{lower}, {upper}) for spacing {self.tick_spacing}"
                )
            delta = amount if event_name == "Mint" else -amount
            return self._with_position(lower, upper, delta)
        raise MalformedPoolLogError(f"not a v3 pool event: {event_name!r}")

    def _with_position(self, lower: int, upper: int, delta: int) -> V3PoolState:
        if delta == 0:
            return self
        ticks, gross = dict(self.ticks), dict(self.gross)
        for edge, sign in ((lower, 1), (upper, -1)):
            edge_gross = gross.get(edge, 0) + delta
            if edge_gross < 0:
                raise MalformedPoolLogError(f"Burn below zero liquidity at tick {edge}")
            if edge_gross == 0:
                gross.pop(edge, None)
                ticks.pop(edge, None)
            else:
                gross[edge] = edge_gross
                ticks[edge] = ticks.get(edge, 0) + sign * delta
        liquidity = self.liquidity
        if lower <= self.tick < upper:
            liquidity += delta
            if liquidity < 0:
                raise MalformedPoolLogError("Burn of more liquidity than the pool has in range")
        return replace(
            self, liquidity=liquidity, ticks=MappingProxyType(ticks), gross=MappingProxyType(gross)
        )


@dataclass(frozen=True, slots=True)
class V2PairState:
    """A v2 pair's reserves in token base units (``reserve0`` of token0)."""

    reserve0: int = 0
    reserve1: int = 0

    def apply(self, event_name: str, args: Mapping[str, Any]) -> V2PairState:
        """The state after one log of this pair (only Sync moves the reserves)."""
        if event_name == "Sync":
            return V2PairState(
                reserve0=_int(args, "reserve0", 0, _MAX_UINT112),
                reserve1=_int(args, "reserve1", 0, _MAX_UINT112),
            )
        if event_name in ("Swap", "Mint", "Burn"):
            return self  # each is followed by a Sync carrying the reserves
        raise MalformedPoolLogError(f"not a v2 pair event: {event_name!r}")


PoolState = V3PoolState | V2PairState
