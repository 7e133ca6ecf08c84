"""PnL per position with price states, the value series, and balance reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.portfolio.costbasis import compute_cost_basis
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.pnl import position_pnl, value_series
from tradewind.portfolio.prices import NoPrice, Priced, PriceResult, RateLimited, StalePrice
from tradewind.portfolio.reconcile import (
    BalanceDifference,
    ReconcileInputError,
    reconcile,
    venue_totals,
)

EX, WALLET = "binance:main", "evm:1:0xabc"
DAY = 86_400_000
CASH = frozenset({"USD"})


def trade(ts: int, qty: str, asset: str, usd: str, account: str = EX) -> Transaction:
    return Transaction(
        EntryKind.TRADE,
        ts,
        (Movement(account, asset, Decimal(qty)), Movement(account, "USD", -Decimal(usd))),
    )


LEDGER = [
    trade(0, "2", "BTC", "20000"),  # lot 2 BTC at 20,000
    trade(DAY, "-1", "BTC", "-15000"),  # sell 1 BTC for 15,000: realised 5,000
    trade(2 * DAY, "10", "ETH", "20000", account=WALLET),
    Transaction(EntryKind.DEPOSIT, 3 * DAY, (Movement(WALLET, "SOL", Decimal(5)),)),
]


def test_realised_and_unrealised_per_account_and_asset() -> None:
    result = compute_cost_basis(
        LEDGER,
    )
    prices: dict[str, PriceResult] = {
        "BTC": Priced(Decimal(30000)),
        "ETH": RateLimited(1.0),
        "SOL": NoPrice("none"),
    }
    rows = {(r.account, r.asset): r for r in position_pnl(result, prices.__getitem__)}
    btc = rows[(EX, "BTC")]
    # 1 BTC left at basis 10,000, worth 30,000: unrealised 20,000; realised 15,000 - 10,000.
    assert (btc.realized, btc.open_quantity, btc.open_cost, btc.market_value, btc.unrealized) == (
        Decimal(5000),
        Decimal(1),
        Decimal(10000),
        Decimal(30000),
        Decimal(20000),
    )
    eth = rows[(WALLET, "ETH")]
    assert eth.price == RateLimited(1.0) and eth.market_value is None and eth.unrealized is None
    # SOL came by deposit: no lot, so no position in lots (its balance is a holdings matter).
    assert (WALLET, "SOL") not in rows
    only_day_two = position_pnl(result, prices.__getitem__, since_ms=2 * DAY)
    assert {r.asset: r.realized for r in only_day_two}["BTC"] == 0


def test_value_series_names_what_it_could_not_price() -> None:
    def price(asset: str, at: int) -> PriceResult:
        if asset == "BTC":
            return Priced(Decimal(10000)) if at < 2 * DAY else StalePrice(Decimal(12000), DAY)
        return NoPrice("none")

    points = value_series(LEDGER, [DAY // 2, DAY + 1, 3 * DAY], price, CASH)
    # Day 0.5: 2 BTC x 10,000 - 20,000 USD = 0.
    assert (points[0].value, points[0].complete) == (Decimal(0), True)
    # Day 1+: 1 BTC x 10,000 + (-20,000 + 15,000) USD = 5,000.
    assert points[1].value == Decimal(5000)
    # Day 3: 1 BTC x 12,000 (stale) - 25,000 USD; ETH and SOL unpriced and named.
    assert points[2].value == Decimal(-13000)
    assert points[2].missing == (("ETH", "no_price"), ("SOL", "no_price"))
    assert points[2].stale == ("BTC",) and not points[2].complete


def test_reconcile_lists_each_difference_signed_venue_minus_ledger() -> None:
    ledger = {(EX, "BTC"): Decimal("1.5"), (EX, "USDT"): Decimal(100), (WALLET, "ETH"): Decimal(3)}
    venue = {"BTC": Decimal("1.4"), "USDT": Decimal(100), "BNB": Decimal("0.2")}
    assert reconcile(ledger, venue, EX) == [
        BalanceDifference(EX, "BNB", Decimal(0), Decimal("0.2")),
        BalanceDifference(EX, "BTC", Decimal("1.5"), Decimal("1.4")),
    ]
    assert reconcile(ledger, venue, EX)[1].difference == Decimal("-0.1")
    assert reconcile(ledger, venue, EX, tolerance=Decimal("0.25")) == []


def test_venue_totals_reads_ccxt_balances_exactly() -> None:
    ccxt_balance = {
        "info": {},
        "free": {"BTC": 1.0},
        "used": {"BTC": 0.5},
        "total": {"BTC": 1.5, "ETH": 0.0, "USDT": "100.10"},
        "timestamp": None,
    }
    assert venue_totals(ccxt_balance) == {"BTC": Decimal("1.5"), "USDT": Decimal("100.10")}
    assert venue_totals({"BTC": "2"}) == {"BTC": Decimal(2)}
    with pytest.raises(ReconcileInputError, match="balance of BTC is not a number"):
        venue_totals({"BTC": "lots"})
