"""The local DEX seeded around the sim's prices: ``sim_pool_plan()`` turns the sim exchange's
default mids (USDT per asset, taken as USD) into the chain's ``PoolPlan``."""

from __future__ import annotations

from decimal import Decimal

from tradewind.chain.uniswap.plan import DEFAULT_DEPTH_USD, PoolPlan, pool_plan
from tradewind.venues.sim.market.markets import Markets, default_markets

__all__ = ["sim_mids", "sim_pool_plan"]


def sim_mids(markets: Markets | None = None) -> dict[str, Decimal]:
    """Initial mid per base asset of the sim's USDT markets."""
    chosen = markets if markets is not None else default_markets()
    return {
        market.spec.base_asset: market.profile.initial_mid
        for market in chosen
        if market.spec.quote_asset == "USDT"
    }


def sim_pool_plan(depth_usd: Decimal = DEFAULT_DEPTH_USD) -> PoolPlan:
    """Pools, tokens and feeds for the local DEX chain at the sim's prices."""
    return pool_plan(sim_mids(), depth_usd)
