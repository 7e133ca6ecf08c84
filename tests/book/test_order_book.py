"""L2 book maths worked by hand, precision handling, and a property test against a dict model."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.book import BookLevel, BookValueError, L2OrderBook
from tradewind.core import Instrument, InstrumentFilters, OrderSide

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def levels(*pairs: tuple[str, str]) -> tuple[tuple[D, D], ...]:
    return tuple((D(price), D(qty)) for price, qty in pairs)


def worked_book() -> L2OrderBook:
    book = L2OrderBook(venue="binance", symbol="BTC/USDT", price_precision=2, size_precision=3)
    book.apply_snapshot(
        levels(("100.00", "1.000"), ("99.50", "2.000"), ("99.00", "5.000")),
        levels(("100.50", "0.500"), ("101.00", "1.500"), ("102.00", "3.000")),
        update_id=10,
        ts_event=1,
        ts_init=2,
    )
    return book


def test_top_mid_spread_microprice() -> None:
    book = worked_book()
    assert book.best_bid() == BookLevel(D("100.00"), D("1.000"))
    assert book.best_ask() == BookLevel(D("100.50"), D("0.500"))
    assert book.mid() == D("100.25")
    assert book.spread() == D("0.50")
    # (100 * 0.5 + 100.5 * 1) / (1 + 0.5) = 150.5 / 1.5 = 100.333…: leans to the thin ask
    assert book.microprice() == D("150.5") / D("1.5")
    assert not book.is_crossed


def test_depth_is_best_first_on_both_sides() -> None:
    depth = worked_book().depth(2)
    assert [level.price for level in depth.bids] == [D("100.00"), D("99.50")]
    assert [level.price for level in depth.asks] == [D("100.50"), D("101.00")]
    assert worked_book().depth(0).bids == ()


def test_buy_vwap_and_impact() -> None:
    estimate = worked_book().estimate_fill(BUY, D("1"))
    # 0.5 @ 100.50 = 50.25, 0.5 @ 101.00 = 50.50 → 100.75 for 1 → vwap 100.75
    assert estimate.filled_qty == D(1) and estimate.notional == D("100.75")
    assert estimate.vwap == D("100.75") and estimate.worst_price == D("101.00")
    assert estimate.levels_consumed == 2 and estimate.complete
    # impact vs mid 100.25: 0.5 / 100.25; slippage vs best ask 100.50: 0.25 / 100.5
    assert estimate.impact == D("0.5") / D("100.25")
    assert estimate.slippage == D("0.25") / D("100.5")


def test_sell_vwap_and_impact_are_positive_costs() -> None:
    estimate = worked_book().estimate_fill(SELL, D("2.5"))
    # 1 @ 100.00 = 100, 1.5 @ 99.50 = 149.25 → 249.25 / 2.5 = 99.70
    assert estimate.vwap == D("99.7") and estimate.notional == D("249.25")
    # selling below mid is a cost: (100.25 - 99.70) / 100.25, and (100 - 99.7) / 100 = 0.003
    assert estimate.impact == D("0.55") / D("100.25")
    assert estimate.slippage == D("0.003")


def test_sweep_beyond_the_book_is_incomplete() -> None:
    estimate = worked_book().estimate_fill(BUY, D("10"))
    # all asks: 50.25 + 151.5 + 306 = 507.75 for 5
    assert not estimate.complete
    assert (estimate.filled_qty, estimate.notional) == (D(5), D("507.75"))
    empty = L2OrderBook(venue="v", symbol="A/B", price_precision=2, size_precision=3)
    nothing = empty.estimate_fill(SELL, D(1))
    assert nothing.vwap is None and not nothing.complete and nothing.impact is None


def test_sweep_by_notional() -> None:
    book = worked_book()
    estimate = book.estimate_fill_notional(BUY, D("100"))
    # 0.5 @ 100.50 = 50.25; 49.75 left buys floor(49.75 / 101 to 0.001) = 0.492 → 49.692
    assert estimate.filled_qty == D("0.992")
    assert estimate.notional == D("99.942")
    assert estimate.complete
    short = book.estimate_fill_notional(SELL, D("1000"))
    # bids hold 100 + 199 + 495 = 794 of notional: the book runs out
    assert (short.filled_qty, short.notional, short.complete) == (D(8), D(794), False)


def test_diffs_set_absolute_quantities_and_zero_deletes() -> None:
    book = worked_book()
    book.apply_diff(
        levels(("100.00", "0"), ("99.75", "0.250")),
        levels(("100.50", "2.000"), ("150.00", "0")),  # deleting an absent level is a no-op
        update_id=11,
        ts_event=3,
        ts_init=4,
    )
    assert book.best_bid() == BookLevel(D("99.75"), D("0.250"))
    assert book.best_ask() == BookLevel(D("100.50"), D("2.000"))
    assert (book.update_id, book.ts_event, book.ts_last, book.update_count) == (11, 3, 4, 2)
    assert (book.bid_levels(), book.ask_levels()) == (3, 3)


@pytest.mark.parametrize(
    ("bid", "needle"),
    [
        (("100.001", "1"), "more than 2 decimal places"),
        (("100.00", "0.0001"), "more than 3 decimal places"),
        (("-1", "1"), "negative"),
        (("100", "-1"), "negative"),
        (("0", "1"), "price must be > 0"),
    ],
)
def test_bad_levels_raise_and_change_nothing(bid: tuple[str, str], needle: str) -> None:
    book = worked_book()
    before = book.depth(10)
    for level in (levels(bid)[0], bid):  # as Decimals, then as the venue's strings
        with pytest.raises(BookValueError, match=needle):
            book.apply_diff(
                (levels(("99.00", "9.000"))[0], level), (), update_id=11, ts_event=0, ts_init=0
            )
        assert book.depth(10) == before and book.update_id == 10


def test_venue_strings_are_parsed_exactly() -> None:
    book = worked_book()
    # Binance pads to 8 places: trailing zeros beyond the book's precision are fine
    book.apply_diff(
        (("100.25000000", "0.12300000"), ("99.5", "0")),
        (("101", "7"),),
        update_id=11,
        ts_event=0,
        ts_init=0,
    )
    assert book.best_bid() == BookLevel(D("100.25"), D("0.123"))
    assert [level.price for level in book.depth(5).bids] == [D("100.25"), D("100.00"), D("99.00")]
    assert book.depth(5).asks[1] == BookLevel(D("101.00"), D("7.000"))


@pytest.mark.parametrize("text", ["1e2", " 100", "1_000", "+1", "١٠٠", "", ".", "NaN", "0x10"])
def test_only_plain_decimal_strings_are_accepted(text: str) -> None:
    book = worked_book()
    with pytest.raises(BookValueError, match="not a plain"):
        book.apply_diff(((text, "1"),), (), update_id=11, ts_event=0, ts_init=0)


def test_precision_comes_from_the_instrument() -> None:
    instrument = Instrument(
        venue="binance",
        symbol="ETH/BTC",
        filters=InstrumentFilters(
            tick_size=D("0.00001"), step_size=D("0.0001"), min_qty=D(0), max_qty=D(100)
        ),
    )
    book = L2OrderBook.for_instrument(instrument)
    assert (book.price_precision, book.size_precision) == (5, 4)


def test_crossed_is_detected() -> None:
    book = worked_book()
    book.apply_diff(levels(("100.50", "1")), (), update_id=11, ts_event=0, ts_init=0)
    assert book.is_crossed  # a locked book (bid == ask) counts as crossed


prices = st.integers(min_value=1, max_value=60)
sizes = st.integers(min_value=0, max_value=5)
level_lists = st.lists(st.tuples(prices, sizes), max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(level_lists, level_lists), min_size=1, max_size=25))
def test_book_matches_a_naive_dict_model(diffs: list[tuple[list[tuple[int, int]], ...]]) -> None:
    # prices in cents 0.01..0.60, sizes in 0.1 steps; the model is two plain dicts
    book = L2OrderBook(venue="v", symbol="A/B", price_precision=2, size_precision=1)
    model: dict[OrderSide, dict[D, D]] = {BUY: {}, SELL: {}}
    for update_id, (bid_units, ask_units) in enumerate(diffs, start=1):
        bids = [(D(p).scaleb(-2), D(s).scaleb(-1)) for p, s in bid_units]
        asks = [(D(p).scaleb(-2), D(s).scaleb(-1)) for p, s in ask_units]
        book.apply_diff(bids, asks, update_id=update_id, ts_event=0, ts_init=0)
        for side, changes in ((BUY, bids), (SELL, asks)):
            for price, size in changes:
                if size:
                    model[side][price] = size
                else:
                    model[side].pop(price, None)
    model_bids = sorted(model[BUY].items(), reverse=True)
    model_asks = sorted(model[SELL].items())
    depth = book.depth(1000)
    assert [(level.price, level.qty) for level in depth.bids] == model_bids
    assert [(level.price, level.qty) for level in depth.asks] == model_asks
    # a sweep of half the ask side must cost what the model says
    total = sum((size for _, size in model_asks), D(0))
    if total:
        want = (total / 2).quantize(D("0.1"))
        if want > 0:
            remaining, notional = want, D(0)
            for price, size in model_asks:
                take = min(size, remaining)
                notional += take * price
                remaining -= take
            assert book.estimate_fill(BUY, want).notional == notional
    if model_bids and model_asks:
        assert book.is_crossed == (model_bids[0][0] >= model_asks[0][0])
