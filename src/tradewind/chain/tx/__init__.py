"""Transaction manager: one nonce per intent, EIP-1559 fees, replacement of stuck transactions.

TransactionManager.send(intent_id, build) -> SentTransaction
  ├─ fees.py     FeePolicy, fees_from_history, bumped (pure, wei per gas)
  ├─ model.py    TxRequest, IntentRecord/TxAttempt (persisted), SentTransaction
  ├─ store.py    IntentStore: InMemoryIntentStore, SqliteIntentStore
  ├─ reverts.py  revert data -> reason
  └─ errors.py   TransactionReverted, TransactionWouldRevert, TransactionRejected, ...
"""

from __future__ import annotations

from tradewind.chain.tx.errors import (
    ChainIdMismatchError,
    FeeCapExceededError,
    FeePolicyError,
    InvalidTxRequestError,
    NonceConsumedError,
    TransactionError,
    TransactionRejected,
    TransactionReverted,
    TransactionWouldRevert,
    TxInputError,
)
from tradewind.chain.tx.fees import FeeHistory, FeePolicy, Fees, bumped, fees_from_history
from tradewind.chain.tx.manager import TransactionManager, TxBuilder
from tradewind.chain.tx.model import (
    IntentRecord,
    IntentStatus,
    SentTransaction,
    TxAttempt,
    TxRequest,
)
from tradewind.chain.tx.reverts import decode_revert
from tradewind.chain.tx.store import InMemoryIntentStore, IntentStore, SqliteIntentStore

__all__ = [
    "ChainIdMismatchError",
    "FeeCapExceededError",
    "FeeHistory",
    "FeePolicy",
    "FeePolicyError",
    "Fees",
    "InMemoryIntentStore",
    "IntentRecord",
    "IntentStatus",
    "IntentStore",
    "InvalidTxRequestError",
    "NonceConsumedError",
    "SentTransaction",
    "SqliteIntentStore",
    "TransactionError",
    "TransactionManager",
    "TransactionRejected",
    "TransactionReverted",
    "TransactionWouldRevert",
    "TxAttempt",
    "TxBuilder",
    "TxInputError",
    "TxRequest",
    "bumped",
    "decode_revert",
    "fees_from_history",
]
