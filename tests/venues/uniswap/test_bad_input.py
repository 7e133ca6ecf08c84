"""Bad input to the DEX venue gets a specific error and changes no state (pure, no chain)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.chain.events import ChainEventConfirmed, ChainEventSeen
from tradewind.chain.uniswap.v3_math import get_sqrt_ratio_at_tick
from tradewind.venues.uniswap.book import PoolBook, UnknownPoolError
from tradewind.venues.uniswap.execution import InvalidSwapError, SwapRequest
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind, TokenInfo
from tradewind.venues.uniswap.quotes import InsufficientLiquidityError, InvalidQuoteError, quote
from tradewind.venues.uniswap.state import MalformedPoolLogError, V2PairState, V3PoolState

USDC = TokenInfo("0x" + "11" * 20, "USDC", 6)
WETH = TokenInfo("0x" + "22" * 20, "WETH", 18)
V3 = PoolInfo(
    address="0x" + "AA" * 20,
    kind=PoolKind.V3,
    token0=USDC,
    token1=WETH,
    fee_pips=3000,
    tick_spacing=60,
)
V2 = PoolInfo(
    address="0x" + "BB" * 20,
    kind=PoolKind.V2,
    token0=USDC,
    token1=WETH,
    fee_pips=3000,
    tick_spacing=0,
)
TICK = -195_960  # about 3,100 USDC per WETH with these decimals (a multiple of 60)


def _event(pool: PoolInfo, name: str, args: dict[str, object], log_index: int, *, seen: bool):
    common = dict(
        ts_event=1,
        ts_init=1,
        chain_id=42161,
        filter_name=f"{pool.symbol}:{name}",
        event_name=name,
        address=pool.address,
        block_number=10,
        block_hash="0x" + "00" * 32,
        tx_hash="0x" + f"{log_index:064x}",
        log_index=log_index,
        args=args,
    )
    if seen:
        return ChainEventSeen(**common)  # type: ignore[arg-type]
    return ChainEventConfirmed(confirmations=1, **common)  # type: ignore[arg-type]


def _book() -> PoolBook:
    """A v3 pool at TICK with one position around it and a v2 pair, all logs accepted."""
    book = PoolBook([V3, V2])
    book.on_event(
        _event(
            V3,
            "Initialize",
            {"sqrtPriceX96": get_sqrt_ratio_at_tick(TICK), "tick": TICK},
            0,
            seen=False,
        )
    )
    book.on_event(
        _event(
            V3,
            "Mint",
            {
                "tickLower": TICK - 600,
                "tickUpper": TICK + 600,
                "amount": 10**15,
                "sender": V3.address,
                "owner": V3.address,
                "amount0": 1,
                "amount1": 1,
            },
            1,
            seen=False,
        )
    )
    book.on_event(_event(V2, "Sync", {"reserve0": 10**12, "reserve1": 3 * 10**20}, 2, seen=False))
    assert book.rejected == 0
    return book


def test_an_unknown_pool_is_a_specific_error() -> None:
    with pytest.raises(UnknownPoolError, match="unknown pool 'BTC/USDC@3000'"):
        _book().state("BTC/USDC@3000")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("Swap", {"sqrtPriceX96": 0, "liquidity": 1, "tick": 0}),
        ("Swap", {"sqrtPriceX96": 2**96, "liquidity": -1, "tick": 0}),
        ("Swap", {"sqrtPriceX96": 2**96, "liquidity": 1}),
        ("Mint", {"tickLower": 60, "tickUpper": 0, "amount": 5}),
        ("Mint", {"tickLower": 1, "tickUpper": 61, "amount": 5}),
        ("Burn", {"tickLower": TICK - 600, "tickUpper": TICK + 600, "amount": 10**16}),
        ("Mint", {"tickLower": "0", "tickUpper": 60, "amount": 5}),
    ],
)
def test_a_malformed_log_is_rejected_and_changes_nothing(
    name: str, args: dict[str, object]
) -> None:
    book = _book()
    before, confirmed = book.state(V3.symbol), book.confirmed(V3.symbol)
    book.on_event(_event(V3, name, args, 9, seen=True))
    book.on_event(_event(V3, name, args, 9, seen=False))
    assert book.rejected == 2
    assert book.state(V3.symbol) == before and book.confirmed(V3.symbol) == confirmed
    with pytest.raises(MalformedPoolLogError):
        before.apply(name, args)


def test_a_malformed_sync_is_rejected() -> None:
    with pytest.raises(MalformedPoolLogError, match="reserve0"):
        V2PairState().apply("Sync", {"reserve0": -1, "reserve1": 5})


@pytest.mark.parametrize("amount", [0, -5])
@pytest.mark.parametrize("pool", [V3, V2])
def test_a_quote_for_zero_or_less_is_refused(pool: PoolInfo, amount: int) -> None:
    book = _book()
    with pytest.raises(InvalidQuoteError, match="positive integer"):
        quote(pool, book.state(pool.symbol), token_in="USDC", amount=amount)


def test_a_quote_for_a_token_outside_the_pool_is_refused() -> None:
    with pytest.raises(InvalidQuoteError, match="no token 'WBTC'"):
        quote(V3, _book().state(V3.symbol), token_in="WBTC", amount=5)


@pytest.mark.parametrize("pool", [V3, V2])
def test_a_quote_for_more_than_the_pool_holds_is_refused(pool: PoolInfo) -> None:
    book = _book()
    state = book.state(pool.symbol)
    with pytest.raises(InsufficientLiquidityError):
        quote(pool, state, token_in="USDC", amount=10**40, exact="out")
    assert book.state(pool.symbol) == state


def test_an_exact_input_beyond_the_v3_range_is_refused() -> None:
    state = _book().state(V3.symbol)
    assert isinstance(state, V3PoolState)
    # Only a narrow position: an enormous input runs the price to the bound, unfilled.
    with pytest.raises(InsufficientLiquidityError):
        quote(V3, state, token_in="USDC", amount=10**30, exact="in")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", 0, "positive integer"),
        ("max_slippage_bps", Decimal(-1), "max_slippage_bps"),
        ("deadline_s", 0, "deadline_s"),
        ("client_order_id", "", "client_order_id"),
        ("exact", "sideways", "exact"),
    ],
)
def test_a_bad_swap_request_is_refused(field: str, value: object, message: str) -> None:
    fields: dict[str, object] = {
        "client_order_id": "c1",
        "pool": V3.symbol,
        "token_in": "USDC",
        "amount": 5,
    }
    fields[field] = value
    with pytest.raises(InvalidSwapError, match=message):
        SwapRequest(**fields)  # type: ignore[arg-type]
