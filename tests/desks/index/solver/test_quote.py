"""quantity_possible walks each constituent's depth; the figures are worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.solver import (
    BookLevels,
    IndexBasket,
    MissingInstrumentError,
    SolverInputError,
    book_cost,
    quantity_possible,
)

if TYPE_CHECKING:
    from conftest import Market  # type: ignore[import-not-found]

D = Decimal
BUY = OrderSide.BUY
SELL = OrderSide.SELL


def _two(
    market: Market, *, mint: str = "0", redeem: str = "0"
) -> tuple[IndexBasket, dict[str, BookLevels], dict[str, Instrument]]:
    basket = market.basket(
        "AB", {"A/USDT": "1", "B/USDT": "2"}, step="0.01", mint=mint, redeem=redeem
    )
    books = {
        "A/USDT": market.book(bids=[("9.5", "1"), ("9", "10")], asks=[("10", "1"), ("12", "10")]),
        "B/USDT": market.book(bids=[("0.9", "1"), ("0.5", "100")], asks=[("1", "1"), ("2", "100")]),
    }
    instruments = {s: market.instrument(s) for s in ("A/USDT", "B/USDT")}
    return basket, books, instruments


def test_book_cost_walks_levels() -> None:
    levels = ((D(10), D(1)), (D(20), D(1)))
    assert book_cost(levels, D("1.5")) == D(20)
    assert book_cost(levels, D(2)) == D(30)
    assert book_cost(levels, D("2.001")) is None
    assert book_cost(levels, D(0)) == D(0)


def test_buy_walks_into_the_second_level(market: Market) -> None:
    basket = market.basket("A", {"A/USDT": "1"}, step="0.1")
    books = {"A/USDT": market.book(asks=[("10", "1"), ("20", "1")])}
    instruments = {"A/USDT": market.instrument("A/USDT")}
    # 10 buys the first unit, 15 more buy 0.75 at 20: 1.75 -> 1.7 on the step
    assert quantity_possible(basket, BUY, D(25), books, instruments) == D("1.7")
    assert quantity_possible(basket, BUY, D(10), books, instruments) == D("1.0")
    assert quantity_possible(basket, BUY, D("9.99"), books, instruments) == D("0.9")


def test_buy_over_two_constituents_with_different_breakpoints(market: Market) -> None:
    basket, books, instruments = _two(market)
    # cost(q): 6 at q = 0.5 (B's first level out), 13 at q = 1 (A's), then 16 per token
    assert quantity_possible(basket, BUY, D(6), books, instruments) == D("0.50")
    assert quantity_possible(basket, BUY, D(13), books, instruments) == D("1.00")
    assert quantity_possible(basket, BUY, D(29), books, instruments) == D("2.00")
    assert quantity_possible(basket, BUY, D("28.99"), books, instruments) == D("1.99")


def test_buy_pays_the_mint_fee(market: Market) -> None:
    basket, books, instruments = _two(market, mint="0.001")
    # 2.00 costs 29 + 0.029 fee > 29; 1.99 costs 28.84 + 0.02884 fee
    assert quantity_possible(basket, BUY, D(29), books, instruments) == D("1.99")
    assert quantity_possible(basket, BUY, D("29.029"), books, instruments) == D("2.00")


def test_buy_is_bounded_by_depth(market: Market) -> None:
    basket = market.basket("A", {"A/USDT": "1"}, step="0.1")
    books = {"A/USDT": market.book(asks=[("10", "1")])}
    instruments = {"A/USDT": market.instrument("A/USDT")}
    assert quantity_possible(basket, BUY, D(1000), books, instruments) == D("1.0")


def test_buy_taker_fee_grosses_up_what_is_bought(market: Market) -> None:
    basket = market.basket("A", {"A/USDT": "1"}, step="0.1")
    books = {"A/USDT": market.book(asks=[("10", "100")])}
    instruments = {"A/USDT": market.instrument("A/USDT")}
    # 1 token needs 1 / 0.8 = 1.25 bought: 12.5 per token
    result = quantity_possible(basket, BUY, D(25), books, instruments, taker_fee_rate=D("0.2"))
    assert result == D("2.0")


def test_buy_charge_rounds_up_at_quote_precision(market: Market) -> None:
    basket = market.basket("A", {"A/USDT": "1"}, step="1")
    books = {"A/USDT": market.book(asks=[("0.333333333", "100")])}
    instruments = {"A/USDT": market.instrument("A/USDT", tick="0.000000001")}
    # 3 tokens cost 0.999999999, charged 1.00000000 at 8 places
    assert quantity_possible(basket, BUY, D(1), books, instruments) == D(3)
    assert quantity_possible(basket, BUY, D("0.99999999"), books, instruments) == D(2)


def test_sell_returns_proceeds_after_fees(market: Market) -> None:
    basket, books, instruments = _two(market, redeem="0.001")
    # A: 1 @ 9.5 + 1 @ 9 = 18.5; B: 1 @ 0.9 + 3 @ 0.5 = 2.4; 20.9 less 0.0209
    assert quantity_possible(basket, SELL, D(2), books, instruments) == D("20.8791")
    with_taker = quantity_possible(basket, SELL, D(2), books, instruments, taker_fee_rate=D("0.1"))
    assert with_taker == D("18.79119")  # 20.9 x 0.9 = 18.81, less 0.01881


def test_sell_without_enough_depth_returns_zero(market: Market) -> None:
    basket, books, instruments = _two(market)
    assert quantity_possible(basket, SELL, D(200), books, instruments) == D(0)
    assert quantity_possible(basket, SELL, D("0.001"), books, instruments) == D(0)


def test_empty_or_missing_book_quotes_zero(market: Market) -> None:
    basket, books, instruments = _two(market)
    books["B/USDT"] = market.book(bids=[("0.9", "1")])
    assert quantity_possible(basket, BUY, D(100), books, instruments) == D(0)
    del books["B/USDT"]
    assert quantity_possible(basket, SELL, D(1), books, instruments) == D(0)


def test_bad_quote_input_is_refused(market: Market) -> None:
    basket, books, instruments = _two(market)
    with pytest.raises(SolverInputError):
        quantity_possible(basket, BUY, D(-1), books, instruments)
    with pytest.raises(MissingInstrumentError):
        quantity_possible(basket, BUY, D(1), books, {})
    other = {s: market.instrument(s.replace("USDT", "USDC")) for s in ("A/USDT",)}
    with pytest.raises(MissingInstrumentError):
        quantity_possible(basket, BUY, D(1), books, other)


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(st.integers(1, 500), min_size=1, max_size=4),
    sizes=st.lists(st.integers(1, 50), min_size=4, max_size=4),
    units=st.lists(st.integers(1, 30), min_size=2, max_size=2),
    amount=st.integers(0, 20_000),
)
def test_buy_quote_is_the_largest_affordable_step(
    market: Market, prices: list[int], sizes: list[int], units: list[int], amount: int
) -> None:
    """The quote fits the amount and one more step does not (or the depth runs out)."""
    levels = sorted(set(prices))
    asks = [(str(p), str(sizes[i % 4])) for i, p in enumerate(levels)]
    basket = market.basket(
        "AB",
        {"A/USDT": str(D(units[0]) / 10), "B/USDT": str(D(units[1]) / 10)},
        step="0.01",
        mint="0.002",
    )
    books = {"A/USDT": market.book(asks=asks), "B/USDT": market.book(asks=asks[::-1][:1])}
    instruments = {s: market.instrument(s) for s in books}
    quantity = quantity_possible(basket, BUY, D(amount), books, instruments)

    def charged(q: Decimal) -> Decimal | None:
        total = D(0)
        for symbol, unit in basket.units.items():
            cost = book_cost(books[symbol].asks, q * unit)
            if cost is None:
                return None
            total += cost
        spent = total.quantize(D("0.00000001"), rounding="ROUND_CEILING")
        return spent + (spent * D("0.002")).quantize(D("0.00000001"), rounding="ROUND_CEILING")

    assert quantity % D("0.01") == 0
    if quantity > 0:
        cost = charged(quantity)
        assert cost is not None and cost <= amount
    following = charged(quantity + D("0.01"))
    assert following is None or following > amount
