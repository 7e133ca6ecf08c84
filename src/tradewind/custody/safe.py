"""Safe transactions: build, hash (EIP-712 via ``tradewind.chain.eip712``), sign, pack, execute.

    SafeTx(to, value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token,
           refund_receiver, nonce)          amounts in wei / token base units (int)
    safe_tx_hash(tx, chain_id, safe)       EIP-712 digest under {chainId, verifyingContract}
    pack_signatures({owner: Signature})    65-byte r‖s‖v each, sorted by owner address (the
                                           order Safe's checkNSignatures requires)
    SafeClient(w3, address)                owners, threshold, nonce; execute(tx, signatures)

Safe checks the signatures on chain; ``verify_signatures`` checks them first off chain so a
refusal (non-owner, repeated owner, too few) is a specific error and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from tradewind.chain.eip712 import (
    EIP712Error,
    Signature,
    TypedData,
    hash_typed_data,
    recover_signer,
)
from tradewind.chain.safe_contracts import safe_contract, send_and_wait
from tradewind.common.logging import get_logger
from tradewind.custody.errors import (
    CustodyError,
    DuplicateOwnerSignatureError,
    NotAnOwnerError,
    NotEnoughSignaturesError,
    SafeRevertError,
)

__all__ = [
    "CALL",
    "DELEGATE_CALL",
    "SAFE_TX_TYPES",
    "SafeClient",
    "SafeTx",
    "pack_signatures",
    "safe_tx_hash",
    "verify_signatures",
]

_log = get_logger("custody.safe")

CALL = 0
DELEGATE_CALL = 1
ZERO_ADDRESS = "0x" + "00" * 20

SAFE_TX_TYPES = TypedData.from_types(
    {
        "SafeTx": [
            ("to", "address"),
            ("value", "uint256"),
            ("data", "bytes"),
            ("operation", "uint8"),
            ("safeTxGas", "uint256"),
            ("baseGas", "uint256"),
            ("gasPrice", "uint256"),
            ("gasToken", "address"),
            ("refundReceiver", "address"),
            ("nonce", "uint256"),
        ]
    }
)


@dataclass(frozen=True, slots=True)
class SafeTx:
    """One Safe transaction; ``value`` in wei, ``data`` raw calldata, ``operation`` 0 call /
    1 delegatecall; gas refund fields zero unless a relayer is paid from the Safe."""

    to: str
    value: int
    data: bytes
    operation: int
    nonce: int
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS

    def __post_init__(self) -> None:
        if self.operation not in (CALL, DELEGATE_CALL):
            raise CustodyError(
                f"operation must be 0 (call) or 1 (delegatecall), not {self.operation}"
            )
        if self.value < 0 or self.nonce < 0:
            raise CustodyError("value and nonce must not be negative")

    def message(self) -> dict[str, Any]:
        """The EIP-712 ``SafeTx`` message."""
        return {
            "to": self.to,
            "value": self.value,
            "data": self.data,
            "operation": self.operation,
            "safeTxGas": self.safe_tx_gas,
            "baseGas": self.base_gas,
            "gasPrice": self.gas_price,
            "gasToken": self.gas_token,
            "refundReceiver": self.refund_receiver,
            "nonce": self.nonce,
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-safe fields (integers as decimal strings, bytes as 0x-hex)."""
        out = asdict(self)
        out["data"] = "0x" + self.data.hex()
        for key in ("value", "nonce", "safe_tx_gas", "base_gas", "gas_price"):
            out[key] = str(out[key])
        return out

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> SafeTx:
        """Inverse of ``to_json``; a malformed field raises ``CustodyError`` naming it."""
        try:
            data = str(document["data"])
            return cls(
                to=to_checksum_address(str(document["to"])),
                value=int(document["value"]),
                data=bytes.fromhex(data[2:] if data.startswith("0x") else data),
                operation=int(document["operation"]),
                nonce=int(document["nonce"]),
                safe_tx_gas=int(document.get("safe_tx_gas", 0)),
                base_gas=int(document.get("base_gas", 0)),
                gas_price=int(document.get("gas_price", 0)),
                gas_token=to_checksum_address(str(document.get("gas_token", ZERO_ADDRESS))),
                refund_receiver=to_checksum_address(
                    str(document.get("refund_receiver", ZERO_ADDRESS))
                ),
            )
        except KeyError as exc:
            raise CustodyError(f"SafeTx: field {exc.args[0]} missing") from None
        except (TypeError, ValueError) as exc:
            raise CustodyError(f"SafeTx: malformed field ({exc})") from None


def safe_tx_hash(tx: SafeTx, chain_id: int, safe: str) -> bytes:
    """The digest owners sign (Safe ≥ 1.3: domain ``{chainId, verifyingContract}``)."""
    domain = {"chainId": chain_id, "verifyingContract": to_checksum_address(safe)}
    try:
        return hash_typed_data(SAFE_TX_TYPES, "SafeTx", domain, tx.message())
    except EIP712Error as exc:
        raise CustodyError(f"SafeTx cannot be hashed: {exc}") from None


def verify_signatures(
    digest: bytes,
    signatures: list[Signature],
    owners: list[str],
    threshold: int,
) -> dict[str, Signature]:
    """Recover each signer; refuse a non-owner, a repeated owner, or fewer than ``threshold``.

    Returns ``{owner: signature}`` ready for ``pack_signatures``.
    """
    known = {to_checksum_address(owner) for owner in owners}
    by_owner: dict[str, Signature] = {}
    for signature in signatures:
        try:
            signer = recover_signer(digest, signature)
        except EIP712Error as exc:
            raise NotAnOwnerError(f"a signature does not recover: {exc}") from None
        if signer not in known:
            raise NotAnOwnerError(f"{signer} signed but is not an owner of this Safe")
        if signer in by_owner:
            raise DuplicateOwnerSignatureError(f"owner {signer} signed more than once")
        by_owner[signer] = signature
    if len(by_owner) < threshold:
        raise NotEnoughSignaturesError(
            f"{len(by_owner)} distinct owner signature(s), the Safe needs {threshold}"
        )
    return by_owner


def pack_signatures(by_owner: Mapping[str, Signature]) -> bytes:
    """Concatenate 65-byte signatures sorted by owner address (ascending, as Safe checks)."""
    ordered = sorted(by_owner.items(), key=lambda item: int(item[0], 16))
    return b"".join(signature.to_bytes() for _, signature in ordered)


class SafeClient:
    """One deployed Safe on one chain: reads its state and executes signed transactions."""

    def __init__(self, w3: Web3, address: str) -> None:
        self._w3 = w3
        self.address = to_checksum_address(address)
        self._contract = safe_contract(w3, self.address)

    @property
    def chain_id(self) -> int:
        return int(self._w3.eth.chain_id)

    def owners(self) -> list[str]:
        return [to_checksum_address(owner) for owner in self._contract.functions.getOwners().call()]

    def threshold(self) -> int:
        return int(self._contract.functions.getThreshold().call())

    def nonce(self) -> int:
        return int(self._contract.functions.nonce().call())

    def tx_hash(self, tx: SafeTx) -> bytes:
        """The on-chain ``getTransactionHash`` (used by tests to cross-check ours)."""
        raw: bytes = self._contract.functions.getTransactionHash(
            tx.to,
            tx.value,
            tx.data,
            tx.operation,
            tx.safe_tx_gas,
            tx.base_gas,
            tx.gas_price,
            tx.gas_token,
            tx.refund_receiver,
            tx.nonce,
        ).call()
        return bytes(raw)

    def execute(self, tx: SafeTx, packed_signatures: bytes, executor: LocalAccount) -> str:
        """Send ``execTransaction``; returns the chain tx hash. A revert (e.g. ``GS020``,
        ``GS026``) raises ``SafeRevertError`` carrying Safe's error code; nothing is mined."""
        call = self._contract.functions.execTransaction(
            tx.to,
            tx.value,
            tx.data,
            tx.operation,
            tx.safe_tx_gas,
            tx.base_gas,
            tx.gas_price,
            tx.gas_token,
            tx.refund_receiver,
            packed_signatures,
        )
        try:
            call.call({"from": executor.address})
        except ContractLogicError as exc:
            raise SafeRevertError(_safe_code(exc)) from None
        receipt = send_and_wait(self._w3, executor, call, "Safe execTransaction")
        success = [
            event
            for event in self._contract.events.ExecutionSuccess().process_receipt(
                receipt, errors=DISCARD
            )
            if event["address"] == self.address
        ]
        if not success:
            raise SafeRevertError("ExecutionFailure: the inner call reverted")
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        _log.info("custody.safe_executed", safe=self.address, nonce=tx.nonce, tx=tx_hash)
        return tx_hash


def _safe_code(exc: ContractLogicError) -> str:
    # Safe reverts with short codes ("GS020"); web3 renders them as "execution reverted: GS020".
    text = str(exc.message or exc)
    return text.split(":", 1)[-1].strip() if "GS" in text else text
