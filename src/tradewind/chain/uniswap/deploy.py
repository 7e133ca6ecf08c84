"""Deploy Uniswap v2/v3 (the published artifacts), test tokens and Chainlink mock feeds on one
chain, and seed pools with liquidity around given prices.

    deploy_uniswap(deployer)          WETH9, UniswapV2Factory + Router02, UniswapV3Factory,
                                      SwapRouter, QuoterV2, NonfungiblePositionManager
    deploy_tokens(deployer, specs)    MockERC20 per asset (USDC is the desk's MockUSDC, WETH WETH9)
    deploy_feeds(deployer, seeds)     MockV3Aggregator "<BASE>USD" (8 decimals) at the seed price
    seed_pools(deployer, seeds)       v3 pool (create + initialise + mint) or v2 pair per seed

Registry keys: ``MockERC20:<SYMBOL>`` (USDC: ``MockUSDC``, WETH: ``WETH9``),
``UniswapV3Pool:<BASE><QUOTE><FEE>``, ``UniswapV2Pair:<BASE><QUOTE>``,
``MockV3Aggregator:<BASE>USD``. The position manager's token descriptor is ``address(0)`` (only
``tokenURI`` needs it). Prices are quote units per base unit
(Decimal); amounts are converted to base units once, here, with exact integer arithmetic.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import isqrt
from typing import Any, Protocol

from tradewind.chain.uniswap.v3_math import MAX_TICK, get_tick_at_sqrt_ratio

__all__ = [
    "FEED_DECIMALS",
    "TICK_SPACING",
    "Deployer",
    "InvalidPoolSeedError",
    "PoolSeed",
    "TokenSpec",
    "deploy_feeds",
    "deploy_tokens",
    "deploy_uniswap",
    "feed_key",
    "pair_key",
    "pool_key",
    "seed_pools",
    "sqrt_price_x96_for",
    "token_key",
]

# v3-core's enabled fee tiers (hundredths of a bip) and their tick spacings.
TICK_SPACING: Mapping[int, int] = {500: 10, 3000: 60, 10000: 200}
FEED_DECIMALS = 8
_DEADLINE_S = 3600
_MAX_UINT256 = 2**256 - 1
_OBSERVATIONS = 64
_CONCENTRATED_WIDTH_TICKS = 2000  # about +-22 % around the seed price


class InvalidPoolSeedError(ValueError):
    """A pool seed names an unknown token, a bad fee tier or a non-positive price/depth."""


class Deployer(Protocol):
    """What seeding needs from a chain deployer (``chain.deploy``'s)."""

    @property
    def address(self) -> str: ...

    contracts: dict[str, str]

    async def deploy(self, key: str, contract: str, *args: Any) -> str: ...

    async def call(self, key: str, function: str, *args: Any, value: int = 0) -> Any: ...

    async def read(self, key: str, function: str, *args: Any) -> Any: ...

    def register(self, key: str, address: str) -> None: ...


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """An ERC-20 to deploy: symbol and decimals (USDC and WETH are special, see module doc)."""

    symbol: str
    decimals: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSeed:
    """A pool to create and fill: ``price`` quote units per base unit, ``depth_quote`` quote
    units deposited on each side; ``fee_pips`` a v3 fee tier, ``None`` for a v2 pair."""

    base: str
    quote: str
    price: Decimal
    depth_quote: Decimal
    fee_pips: int | None = 3000

    def __post_init__(self) -> None:
        if not self.price.is_finite() or self.price <= 0:
            raise InvalidPoolSeedError(f"{self.base}/{self.quote}: price must be > 0")
        if not self.depth_quote.is_finite() or self.depth_quote <= 0:
            raise InvalidPoolSeedError(f"{self.base}/{self.quote}: depth must be > 0")
        if self.fee_pips is not None and self.fee_pips not in TICK_SPACING:
            raise InvalidPoolSeedError(
                f"{self.base}/{self.quote}: fee tier {self.fee_pips} not in {sorted(TICK_SPACING)}"
            )
        if self.base == self.quote:
            raise InvalidPoolSeedError(f"{self.base}/{self.quote}: same token twice")

    @property
    def key(self) -> str:
        if self.fee_pips is None:
            return pair_key(self.base, self.quote)
        return pool_key(self.base, self.quote, self.fee_pips)


def token_key(symbol: str) -> str:
    """Registry key of a pool token: the desk's MockUSDC, WETH9, else ``MockERC20:<SYMBOL>``
    (a key's prefix always names its contract's artifact)."""
    return {"USDC": "MockUSDC", "WETH": "WETH9"}.get(symbol, f"MockERC20:{symbol}")


def pool_key(base: str, quote: str, fee_pips: int) -> str:
    return f"UniswapV3Pool:{base}{quote}{fee_pips}"


def pair_key(base: str, quote: str) -> str:
    return f"UniswapV2Pair:{base}{quote}"


def feed_key(base: str) -> str:
    return f"MockV3Aggregator:{base}USD"


def sqrt_price_x96_for(price_1_per_0: Decimal, decimals0: int, decimals1: int) -> int:
    """Q64.96 sqrt of ``price_1_per_0`` (token1 units per token0 unit) in base units."""
    numerator, denominator = price_1_per_0.as_integer_ratio()
    numerator *= 10**decimals1
    denominator *= 10**decimals0
    return isqrt((numerator << 192) // denominator)


async def deploy_uniswap(deployer: Deployer) -> None:
    """The v2 and v3 protocol contracts, from their published artifacts (WETH9 reused when
    the chain has one already)."""
    weth = deployer.contracts.get("WETH9") or await deployer.deploy("WETH9", "WETH9")
    v2_factory = await deployer.deploy("UniswapV2Factory", "UniswapV2Factory", deployer.address)
    await deployer.deploy("UniswapV2Router02", "UniswapV2Router02", v2_factory, weth)
    v3_factory = await deployer.deploy("UniswapV3Factory", "UniswapV3Factory")
    await deployer.deploy("SwapRouter", "SwapRouter", v3_factory, weth)
    await deployer.deploy("QuoterV2", "QuoterV2", v3_factory, weth)
    await deployer.deploy(
        "NonfungiblePositionManager",
        "NonfungiblePositionManager",
        v3_factory,
        weth,
        "0x0000000000000000000000000000000000000000",
    )


async def deploy_tokens(deployer: Deployer, specs: Sequence[TokenSpec]) -> None:
    """One MockERC20 per spec; ``USDC`` is the MockUSDC and ``WETH`` the WETH9 already there."""
    for spec in specs:
        key = token_key(spec.symbol)
        if key in deployer.contracts:
            continue
        await deployer.deploy(key, "MockERC20", f"Mock {spec.symbol}", spec.symbol, spec.decimals)


async def deploy_feeds(deployer: Deployer, seeds: Sequence[PoolSeed]) -> None:
    """A MockV3Aggregator per base asset, answering the seed price in USD with 8 decimals."""
    done: set[str] = set()
    for seed in seeds:
        if seed.base in done:
            continue
        done.add(seed.base)
        answer = int(seed.price.scaleb(FEED_DECIMALS).to_integral_value())
        await deployer.deploy(feed_key(seed.base), "MockV3Aggregator", FEED_DECIMALS, answer)


async def _fund(deployer: Deployer, symbol: str, amount: int) -> None:
    if symbol == "WETH":
        await deployer.call("WETH9", "deposit", value=amount)
        return
    contract = "MockUSDC" if symbol == "USDC" else f"MockERC20:{symbol}"
    limit = 1_000_000 * 10**6 if symbol == "USDC" else amount  # MockUSDC caps one faucet call
    while amount > 0:
        step = min(amount, limit)
        await deployer.call(contract, "faucet", deployer.address, step)
        amount -= step


async def seed_pools(
    deployer: Deployer, seeds: Sequence[PoolSeed], decimals: Mapping[str, int]
) -> None:
    """Create every seed's pool at its price and deposit ``depth_quote`` on each side.

    v3: a full-range position plus a concentrated one of the same size around the price, so
    swaps cross initialised ticks. v2: one ``addLiquidity`` through Router02.
    """
    for seed in seeds:
        for symbol in (seed.base, seed.quote):
            if symbol not in decimals or token_key(symbol) not in deployer.contracts:
                raise InvalidPoolSeedError(f"{seed.key}: token {symbol} is not deployed")
    for seed in seeds:
        quote_amount = int(seed.depth_quote.scaleb(decimals[seed.quote]))
        base_amount = int((seed.depth_quote / seed.price).scaleb(decimals[seed.base]))
        copies = 1 if seed.fee_pips is None else 2
        await _fund(deployer, seed.base, base_amount * copies)
        await _fund(deployer, seed.quote, quote_amount * copies)
        base_token = deployer.contracts[token_key(seed.base)]
        quote_token = deployer.contracts[token_key(seed.quote)]
        if seed.fee_pips is None:
            await _seed_v2(deployer, seed, base_token, quote_token, base_amount, quote_amount)
        else:
            await _seed_v3(
                deployer, seed, decimals, (base_token, base_amount), (quote_token, quote_amount)
            )


async def _approve(deployer: Deployer, symbol: str, spender: str) -> None:
    await deployer.call(token_key(symbol), "approve", spender, _MAX_UINT256)


async def _seed_v2(
    deployer: Deployer,
    seed: PoolSeed,
    base_token: str,
    quote_token: str,
    base_amount: int,
    quote_amount: int,
) -> None:
    router = deployer.contracts["UniswapV2Router02"]
    await _approve(deployer, seed.base, router)
    await _approve(deployer, seed.quote, router)
    await deployer.call(
        "UniswapV2Router02",
        "addLiquidity",
        base_token,
        quote_token,
        base_amount,
        quote_amount,
        0,
        0,
        deployer.address,
        int(time.time()) + _DEADLINE_S,
    )
    pair = await deployer.read("UniswapV2Factory", "getPair", base_token, quote_token)
    deployer.register(seed.key, pair)


async def _seed_v3(
    deployer: Deployer,
    seed: PoolSeed,
    decimals: Mapping[str, int],
    base: tuple[str, int],
    quote: tuple[str, int],
) -> None:
    assert seed.fee_pips is not None
    (base_token, base_amount), (quote_token, quote_amount) = base, quote
    base_is_0 = int(base_token, 16) < int(quote_token, 16)
    if base_is_0:
        sqrt_price = sqrt_price_x96_for(seed.price, decimals[seed.base], decimals[seed.quote])
        token0, token1, amount0, amount1 = base_token, quote_token, base_amount, quote_amount
    else:
        sqrt_price = sqrt_price_x96_for(1 / seed.price, decimals[seed.quote], decimals[seed.base])
        token0, token1, amount0, amount1 = quote_token, base_token, quote_amount, base_amount
    manager = deployer.contracts["NonfungiblePositionManager"]
    await deployer.call(
        "NonfungiblePositionManager",
        "createAndInitializePoolIfNecessary",
        token0,
        token1,
        seed.fee_pips,
        sqrt_price,
    )
    pool = await deployer.read("UniswapV3Factory", "getPool", token0, token1, seed.fee_pips)
    deployer.register(seed.key, pool)
    # Room for an hour of one-per-block observations at a block a minute: TWAPs need history.
    await deployer.call(seed.key, "increaseObservationCardinalityNext", _OBSERVATIONS)
    await _approve(deployer, seed.base, manager)
    await _approve(deployer, seed.quote, manager)
    spacing = TICK_SPACING[seed.fee_pips]
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    full = (-(MAX_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing)
    centre = tick // spacing * spacing
    width = _CONCENTRATED_WIDTH_TICKS // spacing * spacing
    near = (max(full[0], centre - width), min(full[1], centre + width))
    for lower, upper in (full, near):
        await deployer.call(
            "NonfungiblePositionManager",
            "mint",
            (
                token0,
                token1,
                seed.fee_pips,
                lower,
                upper,
                amount0,
                amount1,
                0,
                0,
                deployer.address,
                int(time.time()) + _DEADLINE_S,
            ),
        )
