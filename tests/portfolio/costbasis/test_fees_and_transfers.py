"""Fees in every asset, crypto-to-crypto trades, transfers between own accounts, pooling,
income, spending, and flows of unknown origin — each worked out by hand (USD is cash)."""

from __future__ import annotations

import pytest

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisInputError,
    CostBasisMethod,
    DisposalKind,
    LotPooling,
    compute_cost_basis,
    disposal_ref,
    lot_id_of,
)
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import NoPrice, PriceState, RateLimited, StalePrice

from .builders import EX, WALLET, buy, d, ms, price_table, sell, single, trade, transfer


def test_a_fee_in_a_third_asset_is_a_disposal_and_the_trades_fee() -> None:
    # 1 BNB bought for 300. Then 1 BTC bought for 10,000 USD paying 0.01 BNB, BNB at 400:
    #   the fee is a disposal of 0.01 BNB: proceeds 4, basis 3, gain 1;
    #   its value 4 is an acquisition fee: the BTC lot's basis is 10,004.
    ledger = [
        buy("2024-01-01", "1", "BNB", "300"),
        trade("2024-02-01", ("1", "BTC"), ("10000", "USD"), fee=("0.01", "BNB")),
    ]
    result = compute_cost_basis(ledger, prices=price_table({("BNB", "2024-02-01"): "400"}))
    [leg] = result.legs
    assert (leg.kind, leg.asset, leg.quantity, leg.proceeds, leg.cost_basis, leg.gain) == (
        DisposalKind.FEE,
        "BNB",
        d("0.01"),
        d(4),
        d(3),
        d(1),
    )
    btc = [lot for lot in result.open_lots if lot.asset == "BTC"]
    assert [(lot.quantity, lot.cost_basis) for lot in btc] == [(d(1), d(10004))]


def test_a_third_asset_fee_without_price_is_flagged_and_not_invented() -> None:
    ledger = [
        buy("2024-01-01", "1", "BNB", "300"),
        trade("2024-02-01", ("1", "BTC"), ("10000", "USD"), fee=("0.01", "BNB")),
    ]
    result = compute_cost_basis(ledger)  # no price source at all
    [leg] = result.legs
    assert leg.proceeds is None and leg.gain is None and leg.cost_basis == d(3)
    assert [(i.asset, i.state) for i in result.price_issues] == [("BNB", PriceState.NO_PRICE)]
    # The fee's value is unknown, so nothing is added to the BTC basis.
    assert [lot.cost_basis for lot in result.open_lots if lot.asset == "BTC"] == [d(10000)]


def test_a_sale_fee_in_the_sold_asset_adds_to_the_quantity_disposed() -> None:
    # Lot 2 ETH for 4,000. Sell 1 ETH for 3,000 paying 0.01 ETH: 1.01 ETH leave the lots,
    # basis 4,000 x 1.01/2 = 2,020, proceeds 3,000, gain 980.
    ledger = [
        buy("2024-01-01", "2", "ETH", "4000"),
        trade("2024-02-01", ("3000", "USD"), ("1", "ETH"), fee=("0.01", "ETH")),
    ]
    [leg] = compute_cost_basis(ledger).legs
    assert (leg.quantity, leg.proceeds, leg.cost_basis, leg.gain) == (
        d("1.01"),
        d(3000),
        d(2020),
        d(980),
    )


def test_crypto_to_crypto_is_a_disposal_at_market_value() -> None:
    # Lot 1 ETH for 2,000. Trade 1 ETH -> 0.05 BTC with BTC at 60,000: value 3,000.
    # ETH disposal: proceeds 3,000, basis 2,000, gain 1,000; BTC lot 0.05 at basis 3,000.
    ledger = [
        buy("2024-01-01", "1", "ETH", "2000"),
        trade("2024-02-01", ("0.05", "BTC"), ("1", "ETH")),
    ]
    result = compute_cost_basis(ledger, prices=price_table({("BTC", "2024-02-01"): "60000"}))
    [leg] = result.legs
    assert (leg.kind, leg.asset, leg.proceeds, leg.cost_basis) == (
        DisposalKind.TRADE,
        "ETH",
        d(3000),
        d(2000),
    )
    assert [(lot.asset, lot.quantity, lot.cost_basis) for lot in result.open_lots] == [
        ("BTC", d("0.05"), d(3000))
    ]
    assert result.price_issues == ()


def test_crypto_to_crypto_falls_back_to_the_outgoing_price() -> None:
    # No BTC price, ETH at 2,500: value 1 x 2,500.
    ledger = [
        buy("2024-01-01", "1", "ETH", "2000"),
        trade("2024-02-01", ("0.05", "BTC"), ("1", "ETH")),
    ]
    result = compute_cost_basis(ledger, prices=price_table({("ETH", "2024-02-01"): "2500"}))
    assert result.legs[0].proceeds == d(2500)
    assert result.open_lots[0].cost_basis == d(2500)
    assert result.price_issues == ()


def test_crypto_to_crypto_without_prices_is_flagged_on_both_sides() -> None:
    ledger = [
        buy("2024-01-01", "1", "ETH", "2000"),
        trade("2024-02-01", ("0.05", "BTC"), ("1", "ETH")),
        sell("2024-03-01", "0.05", "BTC", "3500"),
    ]
    limited = price_table(
        {("BTC", "2024-02-01"): RateLimited(2.0), ("ETH", "2024-02-01"): NoPrice("delisted")}
    )
    result = compute_cost_basis(ledger, prices=limited)
    eth, btc = result.legs
    assert eth.proceeds is None and eth.cost_basis == d(2000) and eth.gain is None
    # The BTC lot's basis is unknown, so its sale has proceeds but no basis: no gain either.
    assert btc.proceeds == d(3500) and btc.cost_basis is None and btc.gain is None
    assert [(i.asset, i.state) for i in result.price_issues] == [
        ("BTC", PriceState.RATE_LIMITED),
        ("ETH", PriceState.NO_PRICE),
    ]


def test_a_stale_price_is_used_and_reported() -> None:
    ledger = [
        buy("2024-01-01", "1", "ETH", "2000"),
        trade("2024-02-01", ("0.05", "BTC"), ("1", "ETH")),
    ]
    stale = price_table({("BTC", "2024-02-01"): StalePrice(d(60000), 7_200_000)})
    result = compute_cost_basis(ledger, prices=stale)
    assert result.legs[0].proceeds == d(3000)
    assert [i.state for i in result.price_issues] == [PriceState.STALE]


def test_a_transfer_moves_lots_with_their_dates_and_carries_the_fee_basis() -> None:
    # 2024-01-01 buy 1 BTC for 20,000 on the exchange. 2024-06-01 send it to the wallet;
    # 0.999 arrive (0.001 network fee). Nothing is sold: the wallet lot is 0.999 BTC with the
    # whole basis 20,000 and the original date. 2025-02-01 sell 0.999 in the wallet for
    # 50,000: gain 30,000, long-term (held since 2024-01-01).
    ledger = [
        buy("2024-01-01", "1", "BTC", "20000"),
        transfer("2024-06-01", "1", "BTC", EX, WALLET, received="0.999"),
        sell("2025-02-01", "0.999", "BTC", "50000", account=WALLET),
    ]
    # Specific identification names the moved lot by its original id in the wallet.
    named = {
        disposal_ref(ledger[2].content_key()): {lot_id_of(ledger[0].content_key(), 0): d("0.999")}
    }
    for method in (
        CostBasisMethod.FIFO,
        CostBasisMethod.LIFO,
        CostBasisMethod.HIFO,
        CostBasisMethod.SPECIFIC_ID,
    ):
        result = compute_cost_basis(ledger, CostBasisConfig(method=method), selections=named)
        [leg] = result.legs
        assert (
            leg.account,
            leg.lot_account,
            leg.quantity,
            leg.cost_basis,
            leg.gain,
            leg.acquired_ms,
            leg.long_term,
        ) == (WALLET, WALLET, d("0.999"), d(20000), d(30000), ms("2024-01-01"), True)
        assert result.open_lots == () and result.unmatched == ()


def test_a_transfer_fee_in_another_asset_also_rides_with_the_lots() -> None:
    # USDC lot 1,000 for 1,000; 1 ETH for 2,000. Send the USDC to the wallet paying 0.001 ETH
    # gas (basis 2): the wallet's USDC lot carries basis 1,002; ETH lot keeps 0.999 at 1,998.
    ledger = [
        buy("2024-01-01", "1000", "USDC", "1000"),
        buy("2024-01-01T01:00", "1", "ETH", "2000"),
        Transaction(
            EntryKind.TRANSFER,
            ms("2024-02-01"),
            (Movement(EX, "USDC", d(-1000)), Movement(WALLET, "USDC", d(1000))),
            fees=(Movement(EX, "ETH", d("-0.001")),),
        ),
    ]
    config = CostBasisConfig(cash_assets=frozenset({"USD"}))
    result = compute_cost_basis(ledger, config)
    assert [(lot.account, lot.asset, lot.quantity, lot.cost_basis) for lot in result.open_lots] == [
        (EX, "ETH", d("0.999"), d(1998)),
        (WALLET, "USDC", d(1000), d(1002)),
    ]
    assert result.legs == ()


def test_per_wallet_and_pooled_lots_differ() -> None:
    # Exchange lot 1 BTC at 10,000 (Jan); wallet lot 1 BTC at 20,000 (Feb);
    # sell 1 BTC from the wallet in March for 25,000.
    # Per-wallet FIFO: the wallet's own lot, gain 5,000. Pooled FIFO: the oldest lot
    # anywhere (the exchange's), gain 15,000.
    ledger = [
        buy("2024-01-01", "1", "BTC", "10000"),
        buy("2024-02-01", "1", "BTC", "20000", account=WALLET),
        sell("2024-03-01", "1", "BTC", "25000", account=WALLET),
    ]
    per_wallet = compute_cost_basis(ledger, CostBasisConfig(pooling=LotPooling.PER_WALLET))
    pooled = compute_cost_basis(ledger, CostBasisConfig(pooling=LotPooling.POOLED))
    assert [leg.gain for leg in per_wallet.legs] == [d(5000)]
    assert [leg.gain for leg in pooled.legs] == [d(15000)]
    assert pooled.legs[0].lot_account == EX and pooled.legs[0].account == WALLET


def test_selling_after_sending_everything_away_is_unmatched_per_wallet() -> None:
    ledger = [
        buy("2024-01-01", "1", "BTC", "10000"),
        transfer("2024-02-01", "1", "BTC", EX, WALLET),
        sell("2024-03-01", "0.5", "BTC", "20000"),
    ]
    result = compute_cost_basis(ledger)
    assert result.legs == ()
    assert [(u.account, u.quantity, u.proceeds) for u in result.unmatched] == [
        (EX, d("0.5"), d(20000))
    ]


def test_an_unmatched_deposit_gives_no_lot_and_its_sale_is_flagged() -> None:
    ledger = [
        single(EntryKind.DEPOSIT, "2024-01-01", "1", "BTC"),
        sell("2024-02-01", "1", "BTC", "40000"),
    ]
    result = compute_cost_basis(ledger)
    assert result.legs == () and [u.quantity for u in result.unmatched] == [d(1)]


def test_an_unmatched_withdrawal_removes_lots_without_a_sale() -> None:
    ledger = [
        buy("2024-01-01", "1", "BTC", "10000"),
        single(EntryKind.WITHDRAWAL, "2024-02-01", "-0.4", "BTC"),
    ]
    result = compute_cost_basis(ledger)
    assert result.legs == ()
    assert [(r.quantity, r.cost_basis, r.uncovered) for r in result.removals] == [
        (d("0.4"), d(4000), d(0))
    ]
    assert [(lot.quantity, lot.cost_basis) for lot in result.open_lots] == [(d("0.6"), d(6000))]


def test_income_is_acquired_and_spending_disposed_at_market_value() -> None:
    # Staking reward 0.1 ETH at 2,000 -> lot basis 200. Spend 0.05 ETH at 2,500 -> proceeds
    # 125, basis 100, gain 25.
    ledger = [
        single(EntryKind.INCOME, "2024-01-01", "0.1", "ETH"),
        single(EntryKind.SPEND, "2024-02-01", "-0.05", "ETH"),
    ]
    prices = price_table({("ETH", "2024-01-01"): "2000", ("ETH", "2024-02-01"): "2500"})
    result = compute_cost_basis(ledger, prices=prices)
    [leg] = result.legs
    assert (leg.kind, leg.proceeds, leg.cost_basis, leg.gain) == (
        DisposalKind.SPEND,
        d(125),
        d(100),
        d(25),
    )
    assert [(lot.quantity, lot.cost_basis) for lot in result.open_lots] == [(d("0.05"), d(100))]


@pytest.mark.parametrize(
    ("ledger", "message"),
    [
        (
            [sell("2024-02-01", "1", "BTC", "1"), sell("2024-01-01", "1", "BTC", "1")],
            "must be sorted by time",
        ),
        (
            [Transaction(EntryKind.TRADE, 0, (Movement(EX, "BTC", d(1)),))],
            "exactly one asset in and one out",
        ),
        (
            [
                Transaction(
                    EntryKind.TRADE, 0, (Movement(EX, "BTC", d(1)), Movement(EX, "ETH", d(1)))
                )
            ],
            "one positive and one negative",
        ),
        (
            [
                buy("2024-01-01", "1", "BTC", "1"),
                transfer("2024-02-01", "1", "BTC", EX, WALLET, received="1.1"),
            ],
            "transfer delivers 1.1 BTC of 1 sent",
        ),
        ([single(EntryKind.DEPOSIT, "2024-01-01", "-1", "BTC")], "cannot move an asset out"),
    ],
)
def test_uninterpretable_input_is_refused_naming_the_transaction(
    ledger: list[Transaction], message: str
) -> None:
    with pytest.raises(CostBasisInputError, match=message):
        compute_cost_basis(ledger)
