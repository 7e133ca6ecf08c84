"""Token quantities <-> base units and invoice references: exact, refusing what is not."""

from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.desks.index.minting import (
    InvalidInvoiceReferenceError,
    InvalidTokenAmountError,
    floor_units,
    invoice_reference,
    tokens_to_units,
    units_to_tokens,
)
from tradewind.desks.index.reports import invoice_id_of

UINT256_MAX = 2**256 - 1


@given(st.integers(min_value=0, max_value=UINT256_MAX))
def test_base_units_round_trip_through_tokens(units: int) -> None:
    tokens = units_to_tokens(units)
    assert tokens_to_units(tokens) == units
    assert tokens.scaleb(18, Context(prec=100)) == units  # wider than uint256's 78 digits


@given(st.decimals(min_value=0, max_value=10**40, places=18, allow_nan=False))
def test_a_quantity_with_at_most_18_places_converts_exactly(quantity: Decimal) -> None:
    units = tokens_to_units(quantity)
    assert Decimal(units) == quantity.scaleb(18, Context(prec=100))
    assert units_to_tokens(units) == quantity


@given(
    st.decimals(min_value=0, max_value=10**6, places=18, allow_nan=False),
    st.integers(min_value=1, max_value=9),
)
def test_a_19th_decimal_place_is_refused(quantity: Decimal, digit: int) -> None:
    finer = quantity + Decimal(digit).scaleb(-19)
    with pytest.raises(InvalidTokenAmountError, match="more than 18 decimal places"):
        tokens_to_units(finer)


@given(
    st.decimals(min_value=0, max_value=10**12, places=12, allow_nan=False),
    st.integers(min_value=0, max_value=18),
)
def test_floor_units_never_pays_more_and_misses_less_than_one_unit(
    amount: Decimal, decimals: int
) -> None:
    units = floor_units(amount, decimals)
    exact = amount.scaleb(decimals, Context(prec=100))
    assert Decimal(units) <= exact < Decimal(units + 1)


@pytest.mark.parametrize(
    "bad", [Decimal("-0.1"), Decimal("NaN"), Decimal("Infinity"), Decimal("1e100"), 1.5]
)
def test_impossible_quantities_are_refused(bad: object) -> None:
    with pytest.raises(InvalidTokenAmountError):
        tokens_to_units(bad)  # type: ignore[arg-type]


def test_trailing_zeros_beyond_18_places_are_fine() -> None:
    assert tokens_to_units(Decimal("2.500000000000000000000000")) == 25 * 10**17
    assert units_to_tokens(10**20) == Decimal(100)
    assert str(units_to_tokens(10**20)) == "100"


def test_an_invoice_id_is_its_own_32_byte_reference() -> None:
    invoice_id = invoice_id_of(8453, "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "c-1")
    assert invoice_reference(invoice_id) == bytes.fromhex(invoice_id)
    for bad in ("", "ab" * 31, "zz" * 32, "0x" + "ab" * 31, "0" * 64):
        with pytest.raises(InvalidInvoiceReferenceError):
            invoice_reference(bad)
