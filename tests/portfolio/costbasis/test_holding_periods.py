"""Holding-period boundaries: US "more than one year", German §23 one-year rule, leap days."""

from __future__ import annotations

import pytest

from tradewind.portfolio.costbasis import (
    GERMANY,
    UNITED_STATES,
    CostBasisConfig,
    compute_cost_basis,
    jurisdiction,
)

from .builders import buy, ms, sell


@pytest.mark.parametrize(
    ("bought", "sold", "long"),
    [
        # Held exactly one year (2024-03-01 -> 2025-03-01) is NOT more than a year.
        ("2024-03-01T12:00", "2025-03-01T23:59:59", False),
        ("2024-03-01T12:00", "2025-03-02T00:00", True),
        # Acquired on 29 February: the anniversary is 28 February.
        ("2024-02-29T08:00", "2025-02-28T23:59:59", False),
        ("2024-02-29T08:00", "2025-03-01T00:00", True),
        ("2023-12-31T23:59", "2024-12-31T12:00", False),
        ("2023-12-31T23:59", "2025-01-01T00:00", True),
    ],
)
def test_us_boundary(bought: str, sold: str, long: bool) -> None:
    assert UNITED_STATES.is_long_term(ms(bought), ms(sold)) is long


def test_germany_counts_days_in_berlin() -> None:
    # Bought 2024-03-01 00:30 Berlin (= 2024-02-29 23:30 UTC). Berlin anniversary 2025-03-01:
    # a sale on 2025-03-01 23:59 Berlin is taxable, from 2025-03-02 00:00 Berlin tax-free.
    bought = ms("2024-02-29T23:30")
    assert GERMANY.is_long_term(bought, ms("2025-03-01T22:59:59")) is False  # 23:59:59 Berlin
    assert GERMANY.is_long_term(bought, ms("2025-03-01T23:00")) is True  # 00:00 Berlin, 2 March
    # The same instants in UTC: acquired on 29 February, so already long-term on 1 March.
    assert UNITED_STATES.is_long_term(bought, ms("2025-03-01T00:00")) is True


def test_a_taxpayer_time_zone_moves_the_us_boundary() -> None:
    new_york = jurisdiction("us", "America/New_York")
    # 2024-03-02 02:00 UTC is 2024-03-01 21:00 in New York: anniversary 2025-03-01 there.
    bought = ms("2024-03-02T02:00")
    assert UNITED_STATES.is_long_term(bought, ms("2025-03-02T12:00")) is False
    assert new_york.is_long_term(bought, ms("2025-03-02T12:00")) is True
    with pytest.raises(ValueError, match="unknown jurisdiction"):
        jurisdiction("fr")


def test_legs_carry_the_profile_term() -> None:
    ledger = [
        buy("2024-03-01", "1", "BTC", "100"),
        sell("2025-03-01T12:00", "0.5", "BTC", "90"),
        sell("2025-03-02T12:00", "0.5", "BTC", "90"),
    ]
    result = compute_cost_basis(ledger, CostBasisConfig(jurisdiction=GERMANY))
    assert [leg.long_term for leg in result.legs] == [False, True]
