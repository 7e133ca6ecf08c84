"""A small hand-built ``RunRecord`` whose results are worked out by hand in test_results.py.

Two strategies on BTC/USDT@sim over ten seconds (one event a second), USDT as valuation asset,
a fee paid in BNB (marked at 500 USDT), an order partly filled, one cancelled, one rejected.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.backtest.records import (
    FillRecord,
    MarketSample,
    OrderAction,
    OrderRecord,
    QuoteSample,
    RunRecord,
)
from tradewind.core.enums import LiquiditySide, OrderSide

S = 1_000_000_000  # one second in ns
BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER


def D(text: str) -> Decimal:
    return Decimal(text)


def order(
    ts_s: float, oid: str, strategy: str, side: OrderSide, price: str, qty: str, act: OrderAction
) -> OrderRecord:
    return OrderRecord(int(ts_s * S), oid, strategy, BTC, side, D(price), D(qty), act)


def fill(
    ts_s: int,
    oid: str,
    strategy: str,
    side: OrderSide,
    price: str,
    qty: str,
    fee: str,
    fee_asset: str = "USDT",
    liquidity: LiquiditySide = MAKER,
) -> FillRecord:
    return FillRecord(
        ts_s * S, oid, strategy, BTC, side, D(price), D(qty), D(fee), fee_asset, liquidity
    )


def sample(ts_s: float, bid: str | None, ask: str | None, instrument: str = BTC) -> MarketSample:
    return MarketSample(
        int(ts_s * S), instrument, None if bid is None else D(bid), None if ask is None else D(ask)
    )


def quote(
    ts_s: float, strategy: str, instrument: str, bid: str | None, ask: str | None
) -> QuoteSample:
    return QuoteSample(
        int(ts_s * S),
        strategy,
        instrument,
        None if bid is None else D(bid),
        None if ask is None else D(ask),
    )


def two_strategy_record(
    fee_asset_of_sale: str = "BNB", marks: dict[str, Decimal] | None = None
) -> RunRecord:
    """mids: 101 (0 s), 105 (2 s), 97 (4 s), 99 (6 s); at 8 s a one-sided book keeps 99."""
    orders = (
        order(1, "o1", "mm", BUY, "100", "2", "submitted"),
        order(1, "o1", "mm", BUY, "100", "2", "accepted"),
        order(3, "o2", "mm", BUY, "103", "1.5", "submitted"),
        order(3, "o2", "mm", BUY, "103", "1.5", "accepted"),
        order(5, "o3", "mm", SELL, "98", "2.5", "submitted"),
        order(5, "o3", "mm", SELL, "98", "2.5", "accepted"),
        order(5, "o4", "mm", SELL, "110", "1", "submitted"),
        order(5, "o4", "mm", SELL, "110", "1", "accepted"),
        order(6, "o4", "mm", SELL, "110", "1", "cancel_requested"),
        order(6, "o4", "mm", SELL, "110", "1", "canceled"),
        order(7, "o5", "tk", SELL, "100", "1", "submitted"),
        order(8, "o7", "tk", BUY, "90", "0.1", "submitted"),
        order(8, "o7", "tk", BUY, "90", "0.1", "rejected"),
        order(9, "o6", "tk", BUY, "99.5", "0.4", "submitted"),
    )
    fills = (
        fill(1, "o1", "mm", BUY, "100", "2", "0.2"),
        fill(3, "o2", "mm", BUY, "103", "1", "0.1"),
        fill(5, "o3", "mm", SELL, "98", "2.5", "0.0001", fee_asset_of_sale, TAKER),
        fill(7, "o5", "tk", SELL, "100", "1", "0.1", liquidity=TAKER),
        fill(9, "o6", "tk", BUY, "99.5", "0.4", "0", liquidity=TAKER),
    )
    market = (
        sample(0, "100", "102"),
        sample(2, "104", "106"),
        sample(4, "96", "98"),
        sample(6, "98", "100"),
        sample(8, None, "100"),
    )
    quotes = (
        quote(0, "mm", BTC, "99", "103"),
        quote(4, "mm", BTC, None, "103"),
        quote(6, "mm", BTC, "98", "100"),
        quote(5, "mm", ETH, "10", "11"),
        quote(7.5, "mm", ETH, "10", None),
    )
    return RunRecord(
        run_id="run-1",
        seed=7,
        config_digest="ab" * 32,
        start_ns=0,
        end_ns=10 * S,
        events=len(market),
        valuation_asset="USDT",
        initial_balances={"sim": {"USDT": D("10000"), "BTC": D("1")}},
        orders=orders,
        fills=fills,
        market=market,
        quotes=quotes,
        marks={"BNB": D("500")} if marks is None else marks,
    )
