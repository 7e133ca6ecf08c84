"""Offline signing round trip: prepare (online) -> sign (offline) -> submit (online).

Prepared file (JSON, ``format: tradewind.custody.prepared/1``), one of two kinds:

    kind "safe_tx"  chain_id, safe, owners, threshold, safe_tx (SafeTx fields), safe_tx_hash
    kind "tx"       chain_id, sender, tx (EIP-1559 fields: nonce, fees, gas, to, value, data)

plus ``summary`` (the call decoded for a human: native transfer, ERC-20 transfer/approve,
MultiSend, or a raw selector), ``prepared_at_ms`` and ``content_hash``: keccak256 of the
canonical JSON (sorted keys, no spaces) of every other field. ``sign`` recomputes the content
hash and the SafeTx hash from the fields before signing: an edited byte is ``TamperedFileError``
and nothing is signed. The signature file (``format: tradewind.custody.signature/1``) names the
prepared file's content hash, the signer and its signature (or the raw signed transaction).
``submit`` re-checks everything against the chain: chain id (``ChainIdMismatchError``), nonce
not yet used (``NonceReusedError``), signers are owners and distinct
(``NotAnOwnerError``/``DuplicateOwnerSignatureError``), enough of them; only then it sends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from web3 import Web3

from tradewind.chain.eip712 import EIP712Error, Signature
from tradewind.common.logging import get_logger
from tradewind.custody.errors import (
    ChainIdMismatchError,
    CustodyError,
    NonceReusedError,
    TamperedFileError,
)
from tradewind.custody.safe import SafeClient, SafeTx, pack_signatures, safe_tx_hash
from tradewind.custody.safe import verify_signatures as verify_safe_signatures
from tradewind.custody.transactions import DigestSigning, decode_raw, sign_transaction

__all__ = [
    "PREPARED_FORMAT",
    "SIGNATURE_FORMAT",
    "content_hash",
    "describe_call",
    "load_prepared",
    "load_signature",
    "prepare_safe_tx",
    "prepare_tx",
    "sign_prepared",
    "submit",
    "write_document",
]

_log = get_logger("custody.offline")

PREPARED_FORMAT = "tradewind.custody.prepared/1"
SIGNATURE_FORMAT = "tradewind.custody.signature/1"
_SELECTORS: dict[bytes, tuple[str, list[str]]] = {
    bytes.fromhex("a9059cbb"): ("ERC-20 transfer", ["address", "uint256"]),
    bytes.fromhex("095ea7b3"): ("ERC-20 approve", ["address", "uint256"]),
    bytes.fromhex("8d80ff0a"): ("MultiSend", ["bytes"]),
}


def describe_call(to: str, value: int, data: bytes) -> dict[str, Any]:
    """A human-readable summary of a call (amounts in base units, as strings)."""
    summary: dict[str, Any] = {"to": to_checksum_address(to), "value_wei": str(value)}
    if not data:
        summary["action"] = "native transfer"
        return summary
    known = _SELECTORS.get(data[:4])
    if known is None:
        summary.update(action="contract call", selector="0x" + data[:4].hex())
        return summary
    name, kinds = known
    try:
        args = abi_decode(kinds, data[4:])
    except Exception:
        summary.update(
            action="contract call (undecodable arguments)", selector="0x" + data[:4].hex()
        )
        return summary
    if name == "MultiSend":
        summary.update(action=name, calls=len(_multisend_calls(bytes(args[0]))))
    else:
        summary.update(
            action=name,
            token=summary["to"],
            recipient=to_checksum_address(args[0]),
            amount=str(args[1]),
        )
    return summary


def _multisend_calls(packed: bytes) -> list[dict[str, Any]]:
    calls, offset = [], 0
    while offset < len(packed):
        length = int.from_bytes(packed[offset + 53 : offset + 85], "big")
        calls.append(
            describe_call(
                "0x" + packed[offset + 1 : offset + 21].hex(),
                int.from_bytes(packed[offset + 21 : offset + 53], "big"),
                packed[offset + 85 : offset + 85 + length],
            )
        )
        offset += 85 + length
    return calls


def _canonical(document: Mapping[str, Any]) -> bytes:
    body = {key: value for key, value in document.items() if key != "content_hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def content_hash(document: Mapping[str, Any]) -> str:
    """keccak256 (0x-hex) of the canonical JSON of every field but ``content_hash``."""
    return "0x" + keccak(_canonical(document)).hex()


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a prepared or signature file (sealed with its content hash), atomically."""
    sealed = {**document, "content_hash": content_hash(document)}
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(sealed, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, path)


def _read(path: Path, expected_format: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CustodyError(f"{path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise TamperedFileError(f"{path} is not JSON ({exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise TamperedFileError(f"{path} is not a {expected_format} file")
    if document.get("content_hash") != content_hash(document):
        raise TamperedFileError(f"{path} was modified after it was written (content hash differs)")
    return document


def load_prepared(path: Path) -> dict[str, Any]:
    """A prepared file whose content hash and (SafeTx) hash both check out."""
    document = _read(path, PREPARED_FORMAT)
    if document.get("kind") == "safe_tx":
        tx = SafeTx.from_json(document["safe_tx"])
        digest = safe_tx_hash(tx, int(document["chain_id"]), document["safe"])
        if "0x" + digest.hex() != document.get("safe_tx_hash"):
            raise TamperedFileError(f"{path}: safe_tx_hash does not match the SafeTx fields")
    elif document.get("kind") != "tx":
        raise TamperedFileError(f"{path}: unknown kind {document.get('kind')!r}")
    return document


def load_signature(path: Path) -> dict[str, Any]:
    return _read(path, SIGNATURE_FORMAT)


def prepare_safe_tx(
    w3: Web3, safe: str, to: str, value: int, data: bytes, now_ms: int, *, operation: int = 0
) -> dict[str, Any]:
    """Read the Safe's nonce, owners and threshold and describe a SafeTx for offline signing."""
    client = SafeClient(w3, safe)
    tx = SafeTx(
        to=to_checksum_address(to),
        value=value,
        data=data,
        operation=operation,
        nonce=client.nonce(),
    )
    chain_id = client.chain_id
    return {
        "format": PREPARED_FORMAT,
        "kind": "safe_tx",
        "chain_id": chain_id,
        "safe": client.address,
        "owners": client.owners(),
        "threshold": client.threshold(),
        "safe_tx": tx.to_json(),
        "safe_tx_hash": "0x" + safe_tx_hash(tx, chain_id, client.address).hex(),
        "summary": describe_call(to, value, data),
        "prepared_at_ms": now_ms,
    }


def prepare_tx(
    w3: Web3, sender: str, to: str, value: int, data: bytes, now_ms: int, *, gas: int | None = None
) -> dict[str, Any]:
    """Fill nonce, fees and gas of a plain transaction from ``sender`` for offline signing."""
    sender = to_checksum_address(sender)
    latest = w3.eth.get_block("latest")
    priority = int(w3.eth.max_priority_fee)
    call = {"from": sender, "to": to_checksum_address(to), "value": value, "data": data}
    tx = {
        "chainId": int(w3.eth.chain_id),
        "nonce": int(w3.eth.get_transaction_count(sender, "pending")),
        "to": to_checksum_address(to),
        "value": value,
        "data": "0x" + data.hex(),
        "gas": gas if gas is not None else int(w3.eth.estimate_gas(call)),  # type: ignore[arg-type]
        "maxFeePerGas": 2 * int(latest.get("baseFeePerGas", 0)) + priority,
        "maxPriorityFeePerGas": priority,
    }
    return {
        "format": PREPARED_FORMAT,
        "kind": "tx",
        "chain_id": tx["chainId"],
        "sender": sender,
        "tx": {k: str(v) if isinstance(v, int) else v for k, v in tx.items()},
        "summary": describe_call(to, value, data),
        "prepared_at_ms": now_ms,
    }


def _tx_fields(prepared: Mapping[str, Any]) -> dict[str, Any]:
    raw = prepared["tx"]
    fields: dict[str, Any] = {k: int(v) for k, v in raw.items() if k not in {"to", "data"}}
    fields["to"] = to_checksum_address(raw["to"])
    fields["data"] = bytes.fromhex(raw["data"][2:])
    return fields


def sign_prepared(prepared: Mapping[str, Any], signer: DigestSigning) -> dict[str, Any]:
    """Sign a checked prepared document; needs no network. Returns the signature document."""
    out: dict[str, Any] = {
        "format": SIGNATURE_FORMAT,
        "prepared_content_hash": prepared["content_hash"],
        "signer": signer.address,
    }
    if prepared["kind"] == "safe_tx":
        if signer.address not in prepared["owners"]:
            raise CustodyError(f"{signer.address} is not an owner of Safe {prepared['safe']}")
        signature = signer.sign(bytes.fromhex(prepared["safe_tx_hash"][2:]))
        out["signature"] = signature.to_hex()
    else:
        if signer.address != prepared["sender"]:
            raise CustodyError(f"the file is for sender {prepared['sender']}, not {signer.address}")
        signed = sign_transaction(_tx_fields(prepared), signer)
        out.update(raw_transaction="0x" + signed.raw.hex(), tx_hash=signed.tx_hash)
    _log.info("custody.signed", kind=prepared["kind"], signer=signer.address)
    return out


def _check_chain(w3: Web3, prepared: Mapping[str, Any]) -> None:
    chain_id = int(w3.eth.chain_id)
    if chain_id != int(prepared["chain_id"]):
        raise ChainIdMismatchError(
            f"prepared for chain id {prepared['chain_id']}, the node is chain id {chain_id}"
        )


def submit(
    w3: Web3,
    prepared: Mapping[str, Any],
    signatures: Sequence[Mapping[str, Any]],
    executor: LocalAccount | None = None,
) -> str:
    """Verify the signatures against the prepared file and the chain, then broadcast.

    ``executor`` pays the gas of a Safe ``execTransaction`` (any funded account). Returns the
    chain transaction hash. Every refusal raises before anything is sent."""
    for signature in signatures:
        if signature.get("prepared_content_hash") != prepared["content_hash"]:
            raise TamperedFileError(
                f"signature by {signature.get('signer')} is for another prepared file"
            )
    _check_chain(w3, prepared)
    if prepared["kind"] == "safe_tx":
        return _submit_safe_tx(w3, prepared, signatures, executor)
    return _submit_tx(w3, prepared, signatures)


def _submit_safe_tx(
    w3: Web3,
    prepared: Mapping[str, Any],
    signatures: Sequence[Mapping[str, Any]],
    executor: LocalAccount | None,
) -> str:
    if executor is None:
        raise CustodyError("a Safe transaction needs an executor account to pay its gas")
    tx = SafeTx.from_json(prepared["safe_tx"])
    safe = SafeClient(w3, prepared["safe"])
    on_chain_nonce = safe.nonce()
    if on_chain_nonce > tx.nonce:
        raise NonceReusedError(
            f"Safe nonce {tx.nonce} is already used (Safe is at {on_chain_nonce})"
        )
    if on_chain_nonce < tx.nonce:
        raise NonceReusedError(f"Safe nonce {tx.nonce} is ahead of the Safe ({on_chain_nonce})")
    digest = bytes.fromhex(prepared["safe_tx_hash"][2:])
    try:
        parsed = [Signature.from_bytes(bytes.fromhex(s["signature"][2:])) for s in signatures]
    except (KeyError, ValueError, EIP712Error) as exc:
        raise TamperedFileError(f"a signature file is malformed: {exc}") from None
    # The chain's owners and threshold, not the file's: the file is only what was shown.
    by_owner = verify_safe_signatures(digest, parsed, safe.owners(), safe.threshold())
    return safe.execute(tx, pack_signatures(by_owner), executor)


def _submit_tx(
    w3: Web3, prepared: Mapping[str, Any], signatures: Sequence[Mapping[str, Any]]
) -> str:
    if len(signatures) != 1:
        raise CustodyError(f"a plain transaction takes one signature file, got {len(signatures)}")
    raw = bytes.fromhex(str(signatures[0].get("raw_transaction", "0x"))[2:])
    fields, sender = decode_raw(raw)
    expected = _tx_fields(prepared)
    for key, value in expected.items():
        if fields.get(key) != value:
            raise TamperedFileError(f"signed transaction differs from the prepared one in {key}")
    if sender != prepared["sender"]:
        raise CustodyError(f"signed by {sender}, the file is for sender {prepared['sender']}")
    used = int(w3.eth.get_transaction_count(to_checksum_address(sender), "latest"))
    if used > expected["nonce"]:
        raise NonceReusedError(f"nonce {expected['nonce']} of {sender} is already used")
    tx_hash = w3.eth.send_raw_transaction(raw)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
    if receipt["status"] != 1:
        raise CustodyError(f"transaction {tx_hash.hex()} reverted")
    _log.info("custody.submitted", kind="tx", sender=sender, tx="0x" + bytes(tx_hash).hex())
    return "0x" + bytes(tx_hash).hex()
