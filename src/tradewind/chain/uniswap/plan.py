"""Which tokens, pools and feeds a local chain gets, from reference mids (e.g. the sim's).

    pool_plan({"BTC": Decimal(95000), "ETH": Decimal(3100), ...}) -> PoolPlan

Assets map to their on-chain tokens (BTC -> WBTC 8 decimals, ETH -> WETH 18, SOL 9, others 18),
quoted in USDC (6). Each asset with a mid gets a v3 pool at 0.3 %, ETH also at 0.05 %, and BTC
and ETH a v2 pair; depth is ``depth_usd`` on each side of each pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from tradewind.chain.uniswap.deploy import PoolSeed, TokenSpec

__all__ = ["DEFAULT_DEPTH_USD", "ONCHAIN_TOKENS", "PoolPlan", "pool_plan"]

DEFAULT_DEPTH_USD = Decimal(1_000_000)
ONCHAIN_TOKENS: Mapping[str, TokenSpec] = MappingProxyType(
    {
        "USDC": TokenSpec("USDC", 6),
        "BTC": TokenSpec("WBTC", 8),
        "ETH": TokenSpec("WETH", 18),
        "SOL": TokenSpec("SOL", 9),
    }
)
_V2_ASSETS = ("BTC", "ETH")
_EXTRA_TIERS = {"ETH": (500,)}


@dataclass(frozen=True, slots=True)
class PoolPlan:
    """Tokens (with decimals) and pool seeds for one chain."""

    tokens: tuple[TokenSpec, ...]
    seeds: tuple[PoolSeed, ...]

    @property
    def decimals(self) -> dict[str, int]:
        return {token.symbol: token.decimals for token in self.tokens}


def pool_plan(mids: Mapping[str, Decimal], depth_usd: Decimal = DEFAULT_DEPTH_USD) -> PoolPlan:
    """Pools for the assets of ``mids`` (USD(T) per asset) that have an on-chain token here."""
    usdc = ONCHAIN_TOKENS["USDC"]
    tokens = [usdc]
    seeds: list[PoolSeed] = []
    for asset in sorted(mids):
        token = ONCHAIN_TOKENS.get(asset)
        if token is None or asset == "USDC":
            continue
        tokens.append(token)
        price = mids[asset]
        for fee in (3000, *_EXTRA_TIERS.get(asset, ())):
            seeds.append(
                PoolSeed(
                    base=token.symbol,
                    quote=usdc.symbol,
                    price=price,
                    depth_quote=depth_usd,
                    fee_pips=fee,
                )
            )
        if asset in _V2_ASSETS:
            seeds.append(
                PoolSeed(
                    base=token.symbol,
                    quote=usdc.symbol,
                    price=price,
                    depth_quote=depth_usd,
                    fee_pips=None,
                )
            )
    return PoolPlan(tokens=tuple(tokens), seeds=tuple(seeds))
