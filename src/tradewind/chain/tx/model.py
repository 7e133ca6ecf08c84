"""What the transaction manager is asked to send, what it keeps per intent, and what it returns.

TxRequest        a call to make (to, data, value, optional gas limit): built once per intent
IntentRecord     the persisted state of one intent: its nonce, every signed attempt, the outcome
  └─ TxAttempt   one signed transaction at the intent's nonce (first send or a fee bump)
SentTransaction  the confirmed result handed back to the caller

Amounts are wei (int); fees are wei per gas; timestamps are ns since the epoch.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_utils import is_address, is_hex, to_checksum_address

from tradewind.chain.tx.errors import InvalidTxRequestError

__all__ = [
    "OPEN",
    "TERMINAL",
    "IntentRecord",
    "IntentStatus",
    "SentTransaction",
    "TxAttempt",
    "TxRequest",
    "validate_intent_id",
]

_MAX_INTENT_ID = 200


def validate_intent_id(intent_id: object) -> str:
    """The intent id if it is 1-200 printable characters without surrounding spaces."""
    if (
        not isinstance(intent_id, str)
        or not intent_id
        or len(intent_id) > _MAX_INTENT_ID
        or intent_id != intent_id.strip()
        or not intent_id.isprintable()
    ):
        raise InvalidTxRequestError(
            f"an intent id is 1-{_MAX_INTENT_ID} printable characters, got {intent_id!r}"
        )
    return intent_id


def _hex_data(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and (value in ("", "0x") or (is_hex(value) and len(value) % 2 == 0)):
        return "0x" + value.removeprefix("0x").lower()
    raise InvalidTxRequestError(f"TxRequest.data must be bytes or even-length hex, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TxRequest:
    """One call to send: ``to`` (checksummed; None deploys ``data`` as a contract), calldata as
    0x-hex, ``value`` in wei, ``gas_limit`` (None: estimated by the node plus the margin).

    ``error_abi``: ABI entries of the target's custom errors, to name a revert reason.
    """

    to: str | None
    data: str = "0x"
    value: int = 0
    gas_limit: int | None = None
    error_abi: Sequence[Mapping[str, Any]] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.to is not None:
            if not isinstance(self.to, str) or not is_address(self.to):
                raise InvalidTxRequestError(f"TxRequest.to is not an address: {self.to!r}")
            object.__setattr__(self, "to", to_checksum_address(self.to))
        object.__setattr__(self, "data", _hex_data(self.data))
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise InvalidTxRequestError(f"TxRequest.value must be wei >= 0, got {self.value!r}")
        if self.gas_limit is not None and (
            isinstance(self.gas_limit, bool)
            or not isinstance(self.gas_limit, int)
            or self.gas_limit < 21_000
        ):
            raise InvalidTxRequestError(
                f"TxRequest.gas_limit must be an int >= 21000, got {self.gas_limit!r}"
            )
        if self.to is None and self.data == "0x":
            raise InvalidTxRequestError("a contract deployment (to=None) needs bytecode in data")

    def call_params(self, sender: str) -> dict[str, Any]:
        """The request as ``eth_call``/``eth_estimateGas`` parameters from ``sender``."""
        params: dict[str, Any] = {"from": sender, "data": self.data, "value": self.value}
        if self.to is not None:
            params["to"] = self.to
        return params


@dataclass(frozen=True, slots=True, kw_only=True)
class TxAttempt:
    """One signed transaction of an intent: hash, raw bytes (0x-hex), fees in wei per gas."""

    tx_hash: str
    raw_tx: str
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    signed_ns: int


class IntentStatus(enum.StrEnum):
    """Where an intent stands. Terminal: CONFIRMED, REVERTED, FAILED; REJECTED may start over."""

    SIGNED = "signed"  # stored, maybe not yet accepted by the node
    BROADCAST = "broadcast"  # the node accepted an attempt
    MINED = "mined"  # an attempt has a receipt, not yet deep enough
    CONFIRMED = "confirmed"
    REVERTED = "reverted"
    REJECTED = "rejected"  # the node refused the first broadcast: the nonce was given back
    FAILED = "failed"  # the nonce went to another transaction


TERMINAL = frozenset({IntentStatus.CONFIRMED, IntentStatus.REVERTED, IntentStatus.FAILED})
# Open: a transaction of the intent may be in a mempool or a block, holding its nonce.
OPEN = frozenset({IntentStatus.SIGNED, IntentStatus.BROADCAST, IntentStatus.MINED})


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentRecord:
    """The persisted state of one intent on one chain; every attempt shares ``nonce``.

    Outcome fields (``tx_hash`` of the mined attempt, block, gas used, effective gas price in
    wei per gas) are set once mined; ``error`` carries the revert reason or the node's refusal.
    """

    chain_id: int
    intent_id: str
    sender: str
    nonce: int
    gas_limit: int
    request: TxRequest
    status: IntentStatus
    attempts: tuple[TxAttempt, ...]
    created_ns: int
    updated_ns: int
    last_broadcast_ns: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    block_hash: str | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    contract_address: str | None = None
    error: str | None = None

    @property
    def latest(self) -> TxAttempt:
        return self.attempts[-1]

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def with_changes(self, **changes: Any) -> IntentRecord:
        return replace(self, **changes)

    def to_json(self) -> str:
        """The record as JSON text (the request's error ABI is not persisted)."""
        body: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "chain_id",
                "intent_id",
                "sender",
                "nonce",
                "gas_limit",
                "created_ns",
                "updated_ns",
                "last_broadcast_ns",
                "tx_hash",
                "block_number",
                "block_hash",
                "gas_used",
                "effective_gas_price",
                "contract_address",
                "error",
            )
        }
        body["status"] = self.status.value
        body["request"] = {
            "to": self.request.to,
            "data": self.request.data,
            "value": str(self.request.value),
            "gas_limit": self.request.gas_limit,
        }
        body["attempts"] = [
            {
                "tx_hash": a.tx_hash,
                "raw_tx": a.raw_tx,
                "max_fee_per_gas": str(a.max_fee_per_gas),
                "max_priority_fee_per_gas": str(a.max_priority_fee_per_gas),
                "signed_ns": a.signed_ns,
            }
            for a in self.attempts
        ]
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IntentRecord:
        body = json.loads(text)
        request = body.pop("request")
        attempts = body.pop("attempts")
        return cls(
            **{**body, "status": IntentStatus(body["status"])},
            request=TxRequest(
                to=request["to"],
                data=request["data"],
                value=int(request["value"]),
                gas_limit=request["gas_limit"],
            ),
            attempts=tuple(
                TxAttempt(
                    tx_hash=a["tx_hash"],
                    raw_tx=a["raw_tx"],
                    max_fee_per_gas=int(a["max_fee_per_gas"]),
                    max_priority_fee_per_gas=int(a["max_priority_fee_per_gas"]),
                    signed_ns=a["signed_ns"],
                )
                for a in attempts
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SentTransaction:
    """A confirmed transaction of an intent: the mined attempt and what it cost.

    ``effective_gas_price`` in wei per gas; ``fee_paid_wei`` = gas used * effective price (the
    execution fee; an L2's L1 data fee, when a real rollup charges one, is not included).
    ``attempts``: how many signed transactions the intent needed (1 + fee bumps).
    """

    intent_id: str
    chain_id: int
    sender: str
    tx_hash: str
    nonce: int
    block_number: int
    block_hash: str
    gas_used: int
    effective_gas_price: int
    fee_paid_wei: int
    attempts: int
    contract_address: str | None = None

    @classmethod
    def from_record(cls, record: IntentRecord) -> SentTransaction:
        if (
            record.tx_hash is None
            or record.block_number is None
            or record.block_hash is None
            or record.gas_used is None
            or record.effective_gas_price is None
        ):
            raise InvalidTxRequestError(f"intent {record.intent_id!r} has no mined transaction")
        return cls(
            intent_id=record.intent_id,
            chain_id=record.chain_id,
            sender=record.sender,
            tx_hash=record.tx_hash,
            nonce=record.nonce,
            block_number=record.block_number,
            block_hash=record.block_hash,
            gas_used=record.gas_used,
            effective_gas_price=record.effective_gas_price,
            fee_paid_wei=record.gas_used * record.effective_gas_price,
            attempts=len(record.attempts),
            contract_address=record.contract_address,
        )
