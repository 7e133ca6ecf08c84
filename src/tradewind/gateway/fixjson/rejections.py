"""Why the gateway refuses a client message: a machine code the NAK carries, and a text.

MessageRejected(ValueError)   reason (RejectReason) + text, raised by parsing and session checks
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MessageRejected", "RejectReason"]

_MAX_TEXT = 240


class RejectReason(StrEnum):
    """The machine code of a NAK, in the order the gateway checks a message."""

    TOO_LARGE = "too_large"
    MALFORMED_JSON = "malformed_json"
    UNKNOWN_MSG_TYPE = "unknown_msg_type"
    SCHEMA = "schema"
    BAD_CHAIN_ID = "bad_chain_id"
    BAD_ADDRESS = "bad_address"
    BAD_AMOUNT = "bad_amount"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad_signature"
    SIGNER_MISMATCH = "signer_mismatch"
    WRONG_TARGET = "wrong_target"
    STALE_TIMESTAMP = "stale_timestamp"
    SEQ_NOT_INCREASING = "seq_not_increasing"
    REPLAYED = "replayed"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"


class MessageRejected(ValueError):
    """A client message the gateway refuses; ``reason`` is the NAK code, ``text`` says why in
    words (never echoes more than a short excerpt of the input)."""

    def __init__(self, reason: RejectReason, text: str) -> None:
        self.reason = reason
        self.text = text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."
        super().__init__(f"{reason.value}: {self.text}")
