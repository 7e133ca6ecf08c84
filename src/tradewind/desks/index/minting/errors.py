"""Why an invoice cannot be settled on chain. Raised before anything is signed or sent.

SettlementRefused (ValueError)
  ├─ InvalidTokenAmountError        a quantity or amount that is not a whole number of base units
  ├─ InvalidInvoiceReferenceError   an invoice id that is not 32 bytes of hex
  ├─ UnknownSettlementChainError    no deployment, or no desk wallet, on the invoice's chain
  ├─ UnknownIndexTokenError         the chain has no IndexToken for the invoice's symbol
  └─ WrongInvoiceSideError          a mint of a sell, a burn or payout of a buy
InvalidSettlementConfigError (ValueError)   wallets, chains or contracts given at construction
"""

from __future__ import annotations

__all__ = [
    "InvalidInvoiceReferenceError",
    "InvalidSettlementConfigError",
    "InvalidTokenAmountError",
    "SettlementRefused",
    "UnknownIndexTokenError",
    "UnknownSettlementChainError",
    "WrongInvoiceSideError",
]


class SettlementRefused(ValueError):
    """An invoice the chain side will not settle; nothing was signed, sent or stored."""


class InvalidTokenAmountError(SettlementRefused):
    """A token quantity or amount that is negative, not finite, finer than a base unit, or
    beyond uint256."""


class InvalidInvoiceReferenceError(SettlementRefused):
    """An invoice id that cannot be the 32-byte on-chain reference (not 64 hex characters)."""


class UnknownSettlementChainError(SettlementRefused):
    """The invoice names a chain the registry or the desk's wallets do not cover."""


class UnknownIndexTokenError(SettlementRefused):
    """The invoice's chain has no index token deployed for the invoice's symbol."""


class WrongInvoiceSideError(SettlementRefused):
    """The invoice's side does not call for this action (e.g. a mint of a sell invoice)."""


class InvalidSettlementConfigError(ValueError):
    """A minter, payer or watcher built with wallets, chains or contracts that cannot work."""
