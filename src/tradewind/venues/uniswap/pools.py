"""The DEX's instruments: one pool (v3: pair + fee tier) or pair (v2) with its tokens.

    PoolInfo       address, kind, tokens (address, symbol, decimals), fee, tick spacing,
                   instrument symbol "WETH/USDC@3000" (v3) or "WETH/USDC@v2"
    discover_pools(w3, chain_deployment) -> tuple[PoolInfo, ...]   reads the pools registered
                   by ``chain up`` (keys ``UniswapV3Pool:*`` / ``UniswapV2Pair:*``) on chain

The base of a pool is the token that is not the quote asset (USDC unless told otherwise);
prices are quote units per base unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.contracts import load_artifact
from tradewind.chain.registry import ChainDeployment
from tradewind.chain.uniswap.v3_math import Q96

__all__ = [
    "PoolInfo",
    "PoolKind",
    "TokenInfo",
    "discover_pools",
    "price_from_sqrt",
]


class PoolKind(StrEnum):
    V2 = "v2"
    V3 = "v3"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An ERC-20 as the venue needs it: checksummed address, symbol, decimals."""

    address: str
    symbol: str
    decimals: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolInfo:
    """One pool. ``fee_pips`` hundredths of a bip (v2: 3000); ``tick_spacing`` 0 for v2."""

    address: str
    kind: PoolKind
    token0: TokenInfo
    token1: TokenInfo
    fee_pips: int
    tick_spacing: int
    quote_symbol: str = "USDC"

    @property
    def base_is_token0(self) -> bool:
        return self.token1.symbol == self.quote_symbol

    @property
    def base(self) -> TokenInfo:
        return self.token0 if self.base_is_token0 else self.token1

    @property
    def quote(self) -> TokenInfo:
        return self.token1 if self.base_is_token0 else self.token0

    @property
    def symbol(self) -> str:
        tier = "v2" if self.kind is PoolKind.V2 else str(self.fee_pips)
        return f"{self.base.symbol}/{self.quote.symbol}@{tier}"

    def token(self, symbol: str) -> TokenInfo:
        for token in (self.token0, self.token1):
            if token.symbol == symbol:
                return token
        raise KeyError(symbol)


def price_from_sqrt(pool: PoolInfo, sqrt_price_x96: int) -> Decimal:
    """Spot price (quote per base, human units) from a v3 Q64.96 sqrt price."""
    raw = Decimal(sqrt_price_x96 * sqrt_price_x96) / Decimal(Q96 * Q96)  # token1 per token0
    human = raw.scaleb(pool.token0.decimals - pool.token1.decimals)
    return human if pool.base_is_token0 else 1 / human


async def _token(w3: AsyncWeb3[Any], address: str) -> TokenInfo:
    erc20 = w3.eth.contract(
        address=to_checksum_address(address), abi=load_artifact("MockERC20").abi_list()
    )
    symbol = str(await erc20.functions.symbol().call())
    decimals = int(await erc20.functions.decimals().call())
    return TokenInfo(to_checksum_address(address), symbol, decimals)


async def discover_pools(
    w3: AsyncWeb3[Any], chain: ChainDeployment, *, quote_symbol: str = "USDC"
) -> tuple[PoolInfo, ...]:
    """The registered pools of ``chain`` with their tokens read from the contracts."""
    pools: list[PoolInfo] = []
    for key, address in sorted(chain.contracts.items()):
        kind = key.split(":", 1)[0]
        if kind not in ("UniswapV3Pool", "UniswapV2Pair"):
            continue
        contract = w3.eth.contract(
            address=to_checksum_address(address), abi=load_artifact(kind).abi_list()
        )
        token0 = await _token(w3, await contract.functions.token0().call())
        token1 = await _token(w3, await contract.functions.token1().call())
        if kind == "UniswapV3Pool":
            fee = int(await contract.functions.fee().call())
            spacing = int(await contract.functions.tickSpacing().call())
            pool_kind = PoolKind.V3
        else:
            fee, spacing, pool_kind = 3000, 0, PoolKind.V2
        pools.append(
            PoolInfo(
                address=to_checksum_address(address),
                kind=pool_kind,
                token0=token0,
                token1=token1,
                fee_pips=fee,
                tick_spacing=spacing,
                quote_symbol=quote_symbol,
            )
        )
    return tuple(pools)


def by_symbol(pools: Sequence[PoolInfo]) -> dict[str, PoolInfo]:
    return {pool.symbol: pool for pool in pools}
