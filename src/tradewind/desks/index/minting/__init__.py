"""Minting and redemption on chain: the index desk's invoices settled with real transactions.

    IndexMinter          buy invoice -> IndexToken.mint(user), sell invoice -> IndexToken.burn(desk)
    TokenReturnWatcher   Transfer(user -> desk) confirmed -> IndexTokensReturned for the desk
    CollateralPayer      sell invoice -> vault.withdraw(user, USDC), topping the vault up first
    IndexTokenContract   the token's calls (TxRequest), views and event filters
      ├─ amounts.py      Decimal tokens <-> base units, invoice id -> 32-byte reference
      ├─ background.py   one task per invoice, node trouble retried
      └─ errors.py       SettlementRefused and its reasons

A redemption: the user transfers index tokens to the desk's address (watcher -> desk credits
them), sends a sell order, the desk sells the basket and issues a sell invoice; the minter burns
the returned tokens and the payer pays the proceeds in USDC from the vault. Every transaction is
an intent of the desk's ``TransactionManager`` keyed by the invoice (``mint:``, ``burn:``,
``payout:``, ``payout-float:``), so nothing is sent twice across calls or restarts.

Wiring: give the minter and the payer the SAME ``DeskWallet`` s (one ``TransactionManager`` per
chain for the desk key) as the collateral router: two managers signing with one key on one chain
would hand out the same nonces.
"""

from __future__ import annotations

from tradewind.desks.index.minting.amounts import (
    INDEX_TOKEN_DECIMALS,
    floor_units,
    invoice_reference,
    tokens_to_units,
    units_to_tokens,
)
from tradewind.desks.index.minting.background import SettlementTasks
from tradewind.desks.index.minting.errors import (
    InvalidInvoiceReferenceError,
    InvalidSettlementConfigError,
    InvalidTokenAmountError,
    SettlementRefused,
    UnknownIndexTokenError,
    UnknownSettlementChainError,
    WrongInvoiceSideError,
)
from tradewind.desks.index.minting.minter import (
    IndexMinter,
    SettledCallback,
    TokenAction,
    TokenPlan,
    TokenSettlement,
    burn_intent,
    mint_intent,
)
from tradewind.desks.index.minting.payout import (
    CollateralPayer,
    Payout,
    PayoutFloatShortError,
    UsdPrice,
    VaultReserve,
    VaultWithdrawals,
    par_usd_price,
    payout_float_intent,
    payout_intent,
)
from tradewind.desks.index.minting.returns import (
    ReturnSink,
    TokenReturnWatcher,
    return_id_of,
    returned_tokens,
)
from tradewind.desks.index.minting.token import IndexTokenContract, OnChainRecord

__all__ = [
    "INDEX_TOKEN_DECIMALS",
    "CollateralPayer",
    "IndexMinter",
    "IndexTokenContract",
    "InvalidInvoiceReferenceError",
    "InvalidSettlementConfigError",
    "InvalidTokenAmountError",
    "OnChainRecord",
    "Payout",
    "PayoutFloatShortError",
    "ReturnSink",
    "SettledCallback",
    "SettlementRefused",
    "SettlementTasks",
    "TokenAction",
    "TokenPlan",
    "TokenReturnWatcher",
    "TokenSettlement",
    "UnknownIndexTokenError",
    "UnknownSettlementChainError",
    "UsdPrice",
    "VaultReserve",
    "VaultWithdrawals",
    "WrongInvoiceSideError",
    "burn_intent",
    "floor_units",
    "invoice_reference",
    "mint_intent",
    "par_usd_price",
    "payout_float_intent",
    "payout_intent",
    "return_id_of",
    "returned_tokens",
    "tokens_to_units",
    "units_to_tokens",
]
