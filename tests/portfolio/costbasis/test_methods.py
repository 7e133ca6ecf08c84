"""Each method on one ledger, worked out by hand (amounts in USD, the cash asset).

The ledger (account binance:main):
  2024-01-01  buy 1 BTC for 10,000, fee 10 USD          lot A: 1 BTC,    basis 10,010
  2024-02-01  buy 2 BTC for 30,000                      lot B: 2 BTC,    basis 30,000 (15,000/BTC)
  2024-03-01  buy 1 BTC for 12,000, fee 0.01 BTC        lot C: 0.99 BTC, basis 12,000
              (the fee in the acquired asset shrinks the lot; its cost stays in the basis:
               12,000 / 0.99 = 12,121.21…/BTC)
  2025-01-15  sell 1.5 BTC for 30,000, fee 30 USD       proceeds 29,970
US profile: A (2024-01-01) is long-term on 2025-01-15; B and C are short-term.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisMethod,
    CostBasisResult,
    LotPooling,
    SpecificIdError,
    compute_cost_basis,
    disposal_ref,
    lot_id_of,
)
from tradewind.portfolio.ledger import Transaction

from .builders import buy, d, ms, sell, trade

LEDGER: list[Transaction] = [
    buy("2024-01-01", "1", "BTC", "10000", fee_usd="10"),
    buy("2024-02-01", "2", "BTC", "30000"),
    trade("2024-03-01", ("1", "BTC"), ("12000", "USD"), fee=("0.01", "BTC")),
    sell("2025-01-15", "1.5", "BTC", "30000", fee_usd="30"),
]
LOT_A, LOT_B, LOT_C = (lot_id_of(tx.content_key(), 0) for tx in LEDGER[:3])
SALE = disposal_ref(LEDGER[3].content_key())


def _run(method: CostBasisMethod, selections=None) -> CostBasisResult:  # type: ignore[no-untyped-def]
    return compute_cost_basis(LEDGER, CostBasisConfig(method=method), selections=selections)


def _legs(result: CostBasisResult) -> list[tuple[str, Decimal, Decimal, Decimal, bool]]:
    return [
        (leg.lot_id, leg.quantity, leg.proceeds, leg.cost_basis, leg.long_term)  # type: ignore[misc]
        for leg in result.legs
    ]


def _open(result: CostBasisResult) -> list[tuple[str, Decimal, Decimal | None]]:
    return [(lot.lot_id, lot.quantity, lot.cost_basis) for lot in result.open_lots]


def test_fifo_takes_the_oldest_lot_then_part_of_the_next() -> None:
    result = _run(CostBasisMethod.FIFO)
    # A whole: proceeds 29,970 x 1/1.5 = 19,980, basis 10,010, gain 9,970, long-term.
    # B half: proceeds 9,990 (the rest), basis 30,000 x 0.5/2 = 7,500, gain 2,490, short.
    assert _legs(result) == [
        (LOT_A, d(1), d(19980), d(10010), True),
        (LOT_B, d("0.5"), d(9990), d(7500), False),
    ]
    assert sum(leg.gain for leg in result.legs) == d(12460)  # type: ignore[misc]
    # Left: B 1.5 BTC at 22,500 and C untouched.
    assert _open(result) == [(LOT_B, d("1.5"), d(22500)), (LOT_C, d("0.99"), d(12000))]
    assert result.unmatched == ()


def test_lifo_takes_the_newest_lot_first() -> None:
    result = _run(CostBasisMethod.LIFO)
    # C whole: 0.99 BTC, proceeds 29,970 x 0.99/1.5 = 19,780.2, basis 12,000, gain 7,780.2.
    # B part: 0.51 BTC, proceeds 29,970 - 19,780.2 = 10,189.8, basis 15,000 x 0.51 = 7,650.
    assert _legs(result) == [
        (LOT_C, d("0.99"), d("19780.2"), d(12000), False),
        (LOT_B, d("0.51"), d("10189.8"), d(7650), False),
    ]
    assert sum(leg.gain for leg in result.legs) == d("10320")  # type: ignore[misc]
    assert _open(result) == [(LOT_A, d(1), d(10010)), (LOT_B, d("1.49"), d(22350))]


def test_hifo_takes_the_highest_unit_cost_first() -> None:
    result = _run(CostBasisMethod.HIFO)
    # Unit costs: A 10,010; B 15,000; C 12,121.21… -> 1.5 BTC of B, basis 22,500, gain 7,470.
    assert _legs(result) == [(LOT_B, d("1.5"), d(29970), d(22500), False)]
    assert _open(result) == [
        (LOT_A, d(1), d(10010)),
        (LOT_B, d("0.5"), d(7500)),
        (LOT_C, d("0.99"), d(12000)),
    ]


def test_specific_identification_takes_the_named_lots() -> None:
    result = _run(CostBasisMethod.SPECIFIC_ID, {SALE: {LOT_A: d("0.51"), LOT_C: d("0.99")}})
    # A part: 0.51 BTC, proceeds 29,970 x 0.51/1.5 = 10,189.8, basis 10,010 x 0.51 = 5,105.1,
    #         gain 5,084.7, long-term.  C whole: proceeds 19,780.2, basis 12,000, gain 7,780.2.
    assert _legs(result) == [
        (LOT_A, d("0.51"), d("10189.8"), d("5105.1"), True),
        (LOT_C, d("0.99"), d("19780.2"), d(12000), False),
    ]
    assert _open(result) == [(LOT_A, d("0.49"), d("4904.9")), (LOT_B, d(2), d(30000))]


def test_specific_identification_accepts_the_full_content_key_as_ref() -> None:
    full = LEDGER[3].content_key()
    result = _run(CostBasisMethod.SPECIFIC_ID, {full: {LOT_B: d("1.5")}})
    assert [leg.lot_id for leg in result.legs] == [LOT_B]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({}, f"disposal {SALE} of 1.5 BTC in binance:main names no lots"),
        ({"feedfacefeedface/0": d("1.5")}, "lot feedfacefeedface/0 is missing"),
        ({LOT_A: d("1.5")}, f"lot {LOT_A} over-consumed: 1.5 BTC named, 1 left"),
        ({LOT_A: d(1), LOT_B: d(1)}, "names 2 BTC of lots for a disposal of 1.5"),
        ({LOT_A: d(1)}, "names 1 of 1.5 BTC while"),
    ],
)
def test_specific_identification_errors_name_the_lot(
    names: dict[str, Decimal], message: str
) -> None:
    selections = {SALE: names} if names else {}
    with pytest.raises(SpecificIdError, match=message.replace("(", r"\(")):
        _run(CostBasisMethod.SPECIFIC_ID, selections)


def test_specific_identification_refuses_a_lot_held_in_another_wallet() -> None:
    ledger = [
        buy("2024-01-01", "1", "BTC", "100", account="kraken:main"),
        buy("2024-01-02", "1", "BTC", "200"),
        sell("2024-02-01", "1", "BTC", "300"),
    ]
    foreign = lot_id_of(ledger[0].content_key(), 0)
    ref = disposal_ref(ledger[2].content_key())
    with pytest.raises(SpecificIdError, match=f"lot {foreign} is not held in binance:main"):
        compute_cost_basis(
            ledger,
            CostBasisConfig(method=CostBasisMethod.SPECIFIC_ID),
            selections={ref: {foreign: d(1)}},
        )


def test_pooled_specific_identification_may_name_a_lot_of_another_account() -> None:
    # Same ledger as above, lots pooled: the kraken lot (basis 100) is sold from binance.
    ledger = [
        buy("2024-01-01", "1", "BTC", "100", account="kraken:main"),
        buy("2024-01-02", "1", "BTC", "200"),
        sell("2024-02-01", "1", "BTC", "300"),
    ]
    foreign = lot_id_of(ledger[0].content_key(), 0)
    ref = disposal_ref(ledger[2].content_key())
    config = CostBasisConfig(method=CostBasisMethod.SPECIFIC_ID, pooling=LotPooling.POOLED)
    [leg] = compute_cost_basis(ledger, config, selections={ref: {foreign: d(1)}}).legs
    assert (leg.lot_id, leg.lot_account, leg.account, leg.gain) == (
        foreign,
        "kraken:main",
        "binance:main",
        d(200),
    )


def test_a_disposal_with_no_acquisition_is_flagged_not_zero_based() -> None:
    # Sell 0.8 ETH for 2,400 holding one lot of 0.5 ETH (basis 1,000):
    # leg 0.5 ETH, proceeds 2,400 x 0.5/0.8 = 1,500; the other 0.3 ETH (proceeds 900) is
    # flagged unmatched and has no leg at all.
    ledger = [
        buy("2024-01-01", "0.5", "ETH", "1000"),
        sell("2024-06-01", "0.8", "ETH", "2400"),
        sell("2024-07-01", "0.1", "SOL", "20"),
    ]
    for method in (
        CostBasisMethod.FIFO,
        CostBasisMethod.LIFO,
        CostBasisMethod.HIFO,
        CostBasisMethod.SPECIFIC_ID,
    ):
        result = compute_cost_basis(
            ledger,
            CostBasisConfig(method=method),
            selections={
                disposal_ref(ledger[1].content_key()): {
                    lot_id_of(ledger[0].content_key(), 0): d("0.5")
                }
            },
        )
        assert [(leg.quantity, leg.proceeds, leg.cost_basis) for leg in result.legs] == [
            (d("0.5"), d(1500), d(1000))
        ]
        assert [(u.asset, u.quantity, u.proceeds, u.disposed_ms) for u in result.unmatched] == [
            ("ETH", d("0.3"), d(900), ms("2024-06-01")),
            ("SOL", d("0.1"), d(20), ms("2024-07-01")),
        ]
