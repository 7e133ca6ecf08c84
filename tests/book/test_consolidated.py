"""Cross-venue view: best prices with attribution, merged depth, sweeps split by venue."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradewind.book import (
    BinanceDepthSync,
    BookNotReady,
    ConsolidatedBook,
    ConsolidatedLevel,
    DepthSnapshot,
    L2OrderBook,
    VenueAllocation,
    VenueLevel,
)
from tradewind.core import OrderSide

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def book(
    venue: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]], price_precision: int = 2
) -> L2OrderBook:
    result = L2OrderBook(
        venue=venue, symbol="BTC/USDT", price_precision=price_precision, size_precision=3
    )
    result.apply_snapshot(
        [(D(p), D(q)) for p, q in bids],
        [(D(p), D(q)) for p, q in asks],
        update_id=1,
        ts_event=0,
        ts_init=0,
    )
    return result


def three_venues() -> ConsolidatedBook:
    return ConsolidatedBook(
        {
            "binance": book("binance", [("100.00", "1"), ("99.00", "2")], [("101.00", "1")]),
            "kraken": book("kraken", [("100.00", "3")], [("100.50", "0.5"), ("101.00", "2")]),
            # a coarser tick on the third venue: precisions may differ
            "okx": book("okx", [("99.5", "4")], [("102.0", "5")], price_precision=1),
        }
    )


def test_best_across_venues_with_attribution() -> None:
    view = three_venues()
    # both binance and kraken bid 100.00; kraken has more size, so it is named
    assert view.best_bid() == VenueLevel("kraken", D("100.00"), D("3.000"))
    assert view.best_ask() == VenueLevel("kraken", D("100.50"), D("0.500"))
    assert view.venues == ("binance", "kraken", "okx")


def test_depth_merges_levels_and_keeps_per_venue_size() -> None:
    bids = three_venues().depth(SELL, 3)
    assert bids == (
        ConsolidatedLevel(
            D("100.00"), D("4.000"), (("binance", D("1.000")), ("kraken", D("3.000")))
        ),
        ConsolidatedLevel(D("99.5"), D("4.000"), (("okx", D("4.000")),)),
        ConsolidatedLevel(D("99.00"), D("2.000"), (("binance", D("2.000")),)),
    )
    asks = three_venues().depth(BUY, 2)
    assert [level.price for level in asks] == [D("100.50"), D("101.00")]
    assert asks[1].qty == D(3) and asks[1].by_venue == (
        ("binance", D("1.000")),
        ("kraken", D("2.000")),
    )


def test_sweep_splits_by_venue_at_the_best_prices() -> None:
    fill = three_venues().estimate_fill(BUY, D("4"))
    # 0.5 @ 100.50 (kraken), 1 @ 101 (binance), 2 @ 101 (kraken), 0.5 @ 102 (okx)
    # notional 50.25 + 101 + 202 + 51 = 404.25 → vwap 101.0625
    assert fill.complete and fill.filled_qty == D(4)
    assert fill.notional == D("404.25") and fill.vwap == D("101.0625")
    assert fill.worst_price == D("102.0")
    assert fill.allocations == (
        VenueAllocation("binance", D("1.000"), D("101.00000")),
        VenueAllocation("kraken", D("2.500"), D("252.25000")),
        VenueAllocation("okx", D("0.500"), D("51.0000")),
    )
    too_big = three_venues().estimate_fill(SELL, D("100"))
    assert not too_big.complete and too_big.filled_qty == D(10)


def test_unready_venues_are_excluded_with_reasons() -> None:
    ready = BinanceDepthSync(
        L2OrderBook(venue="binance", symbol="BTC/USDT", price_precision=2, size_precision=3)
    )
    ready.on_snapshot(
        DepthSnapshot(
            last_update_id=5,
            bids=((D("100"), D("1")),),
            asks=((D("101"), D("1")),),
            ts_event=0,
            ts_init=0,
        )
    )
    waiting = BinanceDepthSync(
        L2OrderBook(venue="kraken", symbol="BTC/USDT", price_precision=2, size_precision=3)
    )
    view = ConsolidatedBook.from_views(
        {"binance": ready.view(0, 1_000), "kraken": waiting.view(0, 1_000)}
    )
    assert view.venues == ("binance",)
    assert "not synced" in view.excluded["kraken"]
    assert isinstance(waiting.view(0, 1_000), BookNotReady)


def test_refuses_mixed_symbols_and_crossed_books() -> None:
    other = L2OrderBook(venue="x", symbol="ETH/USDT", price_precision=2, size_precision=3)
    with pytest.raises(ValueError, match="one symbol"):
        ConsolidatedBook({"binance": book("binance", [], []), "x": other})
    with pytest.raises(ValueError, match="crossed"):
        ConsolidatedBook({"bad": book("bad", [("101", "1")], [("100", "1")])})
    empty = ConsolidatedBook({})
    assert empty.best_bid() is None and empty.depth(BUY, 5) == ()
