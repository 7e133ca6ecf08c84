"""Plain (EOA) EIP-1559 transactions signed by any digest signer: a keystore key or an HSM.

    signing_hash(tx)              keccak of the unsigned typed transaction (what is signed)
    sign_transaction(tx, signer)  -> SignedTx(raw, tx_hash, sender)
    decode_raw(raw)               -> (fields, sender): checks a signed transaction off chain

``DigestSigner`` (coincurve) and ``custody.hsm.HsmSigner`` both implement ``DigestSigning``: a
key that only ever signs 32-byte digests, so the same code path serves keys that cannot leave
their HSM. Amounts in wei; ``tx`` is the dict web3 builds (``chainId``, ``nonce``, ``to``,
``value``, ``data``, ``gas``, ``maxFeePerGas``, ``maxPriorityFeePerGas``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from eth_abi.abi import encode as abi_encode
from eth_account import Account

# eth-account's own serialisers: the public API only signs with a raw key in hand.
from eth_account._utils.legacy_transactions import (
    encode_transaction,
    serializable_unsigned_transaction_from_dict,
)
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from tradewind.chain.eip712 import Signature
from tradewind.custody.errors import CustodyError

__all__ = [
    "DigestSigning",
    "SignedTx",
    "decode_raw",
    "erc20_transfer_data",
    "sign_transaction",
    "signing_hash",
]

_REQUIRED = ("chainId", "nonce", "to", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas")


class DigestSigning(Protocol):
    """A secp256k1 key that signs 32-byte digests (low ``s``, ``v`` in {27, 28})."""

    @property
    def address(self) -> str: ...

    def sign(self, digest: bytes) -> Signature: ...


@dataclass(frozen=True, slots=True)
class SignedTx:
    """A signed raw transaction ready to broadcast, its hash and its sender."""

    raw: bytes
    tx_hash: str
    sender: str


def _unsigned(tx: Mapping[str, Any]) -> Any:
    missing = [key for key in _REQUIRED if key not in tx]
    if missing:
        raise CustodyError(f"transaction lacks {', '.join(missing)}")
    fields = {key: tx[key] for key in (*_REQUIRED, "data", "accessList") if key in tx}
    fields.setdefault("data", b"")
    fields["type"] = 2
    try:
        return serializable_unsigned_transaction_from_dict(fields)
    except Exception as exc:
        raise CustodyError(f"transaction is malformed: {exc}") from None


def signing_hash(tx: Mapping[str, Any]) -> bytes:
    """The 32-byte digest an EIP-1559 transaction's sender signs."""
    return bytes(_unsigned(tx).hash())


def sign_transaction(tx: Mapping[str, Any], signer: DigestSigning) -> SignedTx:
    """Sign ``tx`` with ``signer``; checks the signature recovers to the signer's address."""
    unsigned = _unsigned(tx)
    signature = signer.sign(bytes(unsigned.hash()))
    raw = bytes(encode_transaction(unsigned, vrs=(signature.v - 27, signature.r, signature.s)))
    sender = Account.recover_transaction(raw)
    if sender != signer.address:
        raise CustodyError(f"signature recovers to {sender}, not the signer {signer.address}")
    return SignedTx(raw=raw, tx_hash="0x" + keccak(raw).hex(), sender=sender)


def decode_raw(raw: bytes) -> tuple[dict[str, Any], str]:
    """The fields and the recovered sender of a signed EIP-1559 transaction."""
    try:
        typed = TypedTransaction.from_bytes(HexBytes(raw))
        sender = Account.recover_transaction(raw)
    except Exception:
        raise CustodyError("not a signed EIP-1559 transaction") from None
    fields = dict(typed.as_dict())
    fields["to"] = to_checksum_address(bytes(fields["to"]))
    fields["data"] = bytes(fields["data"])
    return fields, str(sender)


def erc20_transfer_data(to: str, amount: int) -> bytes:
    """Calldata of ERC-20 ``transfer(to, amount)`` (amount in base units)."""
    if amount < 0:
        raise CustodyError(f"a transfer amount must not be negative, got {amount}")
    return bytes.fromhex("a9059cbb") + abi_encode(["address", "uint256"], [to, amount])
