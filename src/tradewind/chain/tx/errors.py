"""Why a transaction intent did not end in a confirmed, successful transaction.

TransactionError
  ├─ TransactionReverted     mined with status 0 (reason decoded when the node gives one)
  ├─ TransactionWouldRevert  gas estimation reverted: nothing was signed or sent
  ├─ TransactionRejected     the node refused the first broadcast: no nonce was used
  └─ NonceConsumedError      the intent's nonce was taken by a transaction not of this intent
TxInputError (ValueError)
  ├─ InvalidTxRequestError   a TxRequest or intent id is malformed
  ├─ FeePolicyError          a FeePolicy is impossible
  ├─ FeeCapExceededError     the fee needed now is above the policy's cap: nothing was sent
  └─ ChainIdMismatchError    the node serves another chain than the manager was built for
"""

from __future__ import annotations

__all__ = [
    "ChainIdMismatchError",
    "FeeCapExceededError",
    "FeePolicyError",
    "InvalidTxRequestError",
    "NonceConsumedError",
    "TransactionError",
    "TransactionRejected",
    "TransactionReverted",
    "TransactionWouldRevert",
    "TxInputError",
]


class TransactionError(Exception):
    """An intent's transaction failed on chain or at the node; ``intent_id`` names it."""

    def __init__(self, intent_id: str, message: str) -> None:
        super().__init__(f"intent {intent_id!r}: {message}")
        self.intent_id = intent_id


class TransactionReverted(TransactionError):
    """Mined but reverted (receipt status 0). ``reason`` is the decoded revert reason if any."""

    def __init__(self, intent_id: str, tx_hash: str, block_number: int, reason: str | None) -> None:
        shown = reason if reason is not None else "no reason given"
        super().__init__(intent_id, f"{tx_hash} reverted in block {block_number}: {shown}")
        self.tx_hash = tx_hash
        self.block_number = block_number
        self.reason = reason


class TransactionWouldRevert(TransactionError):
    """Gas estimation reverted, so the transaction was never signed; ``reason`` if decoded."""

    def __init__(self, intent_id: str, reason: str | None) -> None:
        super().__init__(intent_id, f"would revert: {reason or 'no reason given'}")
        self.reason = reason


class TransactionRejected(TransactionError):
    """The node refused the transaction before it entered the mempool (funds, gas, ...)."""

    def __init__(self, intent_id: str, node_message: str) -> None:
        super().__init__(intent_id, f"rejected by the node: {node_message}")
        self.node_message = node_message


class NonceConsumedError(TransactionError):
    """The intent's nonce was used by a transaction that is not one of the intent's attempts.

    The intent is closed: re-sending it at another nonce could pay twice, so the caller decides
    (a new intent id once it has checked what the other transaction did).
    """

    def __init__(self, intent_id: str, nonce: int) -> None:
        super().__init__(intent_id, f"nonce {nonce} was consumed by another transaction")
        self.nonce = nonce


class TxInputError(ValueError):
    """Bad input to the transaction manager; nothing was signed, sent or stored."""


class InvalidTxRequestError(TxInputError):
    """A transaction request or intent id is malformed (address, data, value, gas)."""


class FeePolicyError(TxInputError):
    """A fee policy field is out of range (negative, bump under 12.5 %, min above max)."""


class FeeCapExceededError(TxInputError):
    """Paying the current base fee plus the minimum tip would exceed the policy's max fee cap."""

    def __init__(self, needed_wei: int, cap_wei: int) -> None:
        super().__init__(f"fee per gas needed {needed_wei} wei exceeds the cap {cap_wei} wei")
        self.needed_wei = needed_wei
        self.cap_wei = cap_wei


class ChainIdMismatchError(TxInputError):
    """The node reports another chain id than the one the component was configured for."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"node serves chain id {actual}, expected {expected}")
        self.expected = expected
        self.actual = actual
