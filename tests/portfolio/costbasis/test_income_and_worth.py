"""A swap valued by the source's net worth, staking income at its value when received."""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.costbasis import CostBasisConfig, compute_cost_basis
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import Priced

W = "koinly:main"


def _tx(kind: EntryKind, ms: int, *moves: tuple[str, str], **extra: object) -> Transaction:
    return Transaction(
        kind,
        ms,
        tuple(Movement(W, asset, Decimal(q)) for asset, q in moves),
        **extra,  # type: ignore[arg-type]
    )


LEDGER = [
    _tx(EntryKind.TRADE, 1_000, ("BTC", "1"), ("USD", "-40000")),
    # swap 0.5 BTC for 10 ETH; Koinly's net worth says 30,000 USD
    _tx(
        EntryKind.TRADE,
        2_000,
        ("ETH", "10"),
        ("BTC", "-0.5"),
        worth=Decimal(30000),
        worth_currency="USD",
    ),
    _tx(
        EntryKind.INCOME,
        3_000,
        ("ETH", "0.1"),
        note="reward; label staking",
        worth=Decimal(350),
        worth_currency="USD",
    ),
]


def test_swap_is_a_disposal_and_an_acquisition_at_net_worth() -> None:
    # A price table that disagrees: the source's own value wins, no price is asked for.
    result = compute_cost_basis(LEDGER, prices=lambda a, t: Priced(Decimal(1)))
    [leg] = result.legs
    assert (leg.asset, leg.proceeds, leg.cost_basis, leg.gain) == (
        "BTC",
        Decimal(30000),
        Decimal(20000),
        Decimal(10000),
    )
    eth = [lot for lot in result.open_lots if lot.asset == "ETH"]
    assert [(lot.quantity, lot.cost_basis) for lot in eth] == [
        (Decimal(10), Decimal(30000)),
        (Decimal("0.1"), Decimal(350)),
    ]
    assert result.price_issues == ()


def test_staking_income_is_recorded_at_its_value() -> None:
    [income] = compute_cost_basis(LEDGER).income
    assert (income.kind, income.label, income.asset, income.quantity, income.value) == (
        "income",
        "staking",
        "ETH",
        Decimal("0.1"),
        Decimal(350),
    )


def test_a_worth_in_another_currency_is_not_taken_as_the_report_currency() -> None:
    config = CostBasisConfig(cash_assets=frozenset({"EUR"}), currency="EUR")
    result = compute_cost_basis(LEDGER[2:], config)
    [income] = result.income
    assert income.value is None  # no EUR value known: unknown, and flagged
    assert [issue.asset for issue in result.price_issues] == ["ETH"]
