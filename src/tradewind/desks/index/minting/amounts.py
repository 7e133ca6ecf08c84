"""Index-token quantities <-> token base units, and invoice ids <-> on-chain references; exact.

tokens_to_units(Decimal("1.5"))      -> 1_500_000_000_000_000_000   (18 decimals)
units_to_tokens(1_500_000_000_000_000_000) -> Decimal("1.5")
floor_units(Decimal("12.3456789"), 6) -> 12_345_678                  (rounded down)
invoice_reference("ab…" 64 hex)      -> b"\\xab…" 32 bytes            (invoiceHash / ref)
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Context, Decimal, Inexact, localcontext

from tradewind.desks.index.minting.errors import (
    InvalidInvoiceReferenceError,
    InvalidTokenAmountError,
)

__all__ = [
    "INDEX_TOKEN_DECIMALS",
    "floor_units",
    "invoice_reference",
    "tokens_to_units",
    "units_to_tokens",
]

INDEX_TOKEN_DECIMALS = 18
_MAX_UINT256 = 2**256 - 1
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def _wide() -> Context:
    # uint256 has 78 digits; 100 leaves room for the 18 places and any Decimal input exponent.
    return Context(prec=100, traps=[Inexact])


def tokens_to_units(quantity: Decimal, decimals: int = INDEX_TOKEN_DECIMALS) -> int:
    """``quantity`` tokens as base units; refuses a value that is not an exact whole number of
    base units (more than ``decimals`` places), negative, not finite or beyond uint256."""
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise InvalidTokenAmountError(f"a token quantity must be a finite Decimal: {quantity!r}")
    if quantity < 0:
        raise InvalidTokenAmountError(f"a token quantity must be >= 0, got {quantity}")
    with localcontext(_wide()):
        try:
            scaled = quantity.scaleb(decimals)
        except Inexact:
            raise InvalidTokenAmountError(f"{quantity} has too many digits") from None
        if scaled != scaled.to_integral_value():
            raise InvalidTokenAmountError(
                f"{quantity} has more than {decimals} decimal places: not a whole number of "
                "token base units"
            )
        units = int(scaled)
    if units > _MAX_UINT256:
        raise InvalidTokenAmountError(f"{quantity} tokens exceed uint256 base units")
    return units


def units_to_tokens(units: int, decimals: int = INDEX_TOKEN_DECIMALS) -> Decimal:
    """``units`` base units as tokens, exact (trailing zeros dropped: 10**18 -> 1)."""
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InvalidTokenAmountError(f"token base units must be an int >= 0, got {units!r}")
    with localcontext(_wide()):
        value = Decimal(units).scaleb(-decimals)
        # normalize() would write 100 as 1E+2; keep a plain exponent >= 0 for whole numbers.
        normal = value.normalize()
        exponent = normal.as_tuple().exponent
        assert isinstance(exponent, int)  # a finite value: never 'n', 'N' or 'F'
        return normal if exponent <= 0 else normal.quantize(Decimal(1))


def floor_units(amount: Decimal, decimals: int) -> int:
    """``amount`` in base units of a ``decimals`` token, rounded DOWN (a payout never pays a
    fraction of a unit more than owed)."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise InvalidTokenAmountError(f"an amount must be a finite Decimal >= 0, got {amount!r}")
    with localcontext() as ctx:
        ctx.prec = 100
        units = int(amount.scaleb(decimals).to_integral_value(rounding=ROUND_FLOOR))
    if units > _MAX_UINT256:
        raise InvalidTokenAmountError(f"{amount} exceeds uint256 base units")
    return units


def invoice_reference(invoice_id: str) -> bytes:
    """The 32-byte on-chain reference of an invoice (``invoiceHash``, ``redemptionId``,
    withdrawal ``ref``): its id, 64 hex characters, as bytes; never all zeros."""
    if not isinstance(invoice_id, str) or not _HEX64.match(invoice_id):
        raise InvalidInvoiceReferenceError(
            f"an invoice id must be 64 hex characters (sha256), got {invoice_id!r}"
        )
    reference = bytes.fromhex(invoice_id)
    if reference == bytes(32):
        raise InvalidInvoiceReferenceError("an all-zero invoice id cannot be used on chain")
    return reference
