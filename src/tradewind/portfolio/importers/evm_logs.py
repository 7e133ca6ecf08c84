"""Decoding what an EVM node returns into wallet transfers: ERC-20 Transfer logs and native txs.

An ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` log has exactly
three topics (the event signature hash, from, to; addresses left-padded to 32 bytes) and the
value as one 32-byte ABI word of data. Anything else under the Transfer signature (an ERC-721
transfer has the token id as a fourth topic and no data) is rejected, naming the log.
Token amounts are exact: value × 10^-decimals as a Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils.crypto import keccak

from tradewind.portfolio.importers.errors import SourcePayloadError

__all__ = [
    "TRANSFER_TOPIC",
    "NativeTransfer",
    "TokenInfo",
    "TokenTransfer",
    "address_topic",
    "decode_transfer_log",
    "hex_of",
    "native_transfer",
    "normalise_address",
]

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
_ZERO_PAD = bytes(12)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An ERC-20 token the wallet holds: contract address (any case), ledger symbol, decimals."""

    address: str
    symbol: str
    decimals: int

    def __post_init__(self) -> None:
        if not _is_address(self.address):
            raise ValueError(f"token address {self.address!r} is not a 20-byte hex address")
        if not 0 <= self.decimals <= 77:
            raise ValueError(
                f"token {self.symbol}: decimals must be in [0, 77], got {self.decimals}"
            )
        object.__setattr__(self, "address", self.address.lower())


@dataclass(frozen=True, slots=True)
class TokenTransfer:
    """One decoded ERC-20 transfer; `value` in the token's smallest unit, `amount` in tokens."""

    token: TokenInfo
    sender: str  # lower-case 0x address
    recipient: str
    value: int
    block_number: int
    tx_hash: str  # lower-case 0x hex
    log_index: int

    @property
    def amount(self) -> Decimal:
        """value × 10^-decimals, exact."""
        return Decimal(self.value).scaleb(-self.token.decimals)


@dataclass(frozen=True, slots=True)
class NativeTransfer:
    """A transaction's native value (wei) from sender to recipient; `gas_fee_wei` paid by sender."""

    sender: str
    recipient: str | None  # None: contract creation
    value_wei: int
    block_number: int
    tx_hash: str
    succeeded: bool
    gas_fee_wei: int


def _is_address(text: str) -> bool:
    if not isinstance(text, str) or len(text) != 42 or not text.lower().startswith("0x"):
        return False
    try:
        bytes.fromhex(text[2:])
    except ValueError:
        return False
    return True


def normalise_address(text: str) -> str:
    """The lower-case form of a 0x-prefixed 20-byte hex address; ValueError otherwise."""
    if not _is_address(text):
        raise ValueError(f"{text!r} is not a 20-byte hex address")
    return text.lower()


def hex_of(value: Any) -> str:
    """Lower-case 0x hex of bytes/HexBytes or a hex string."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        text = value.lower()
        return text if text.startswith("0x") else "0x" + text
    raise TypeError(f"expected bytes or a hex string, got {type(value).__name__}")


def _bytes_of(value: Any, what: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        try:
            return bytes.fromhex(value[2:] if value.lower().startswith("0x") else value)
        except ValueError:
            raise SourcePayloadError(f"{what} is not hex: {value[:70]!r}") from None
    raise SourcePayloadError(f"{what} is not bytes or hex ({type(value).__name__})")


def address_topic(address: str) -> str:
    """The 32-byte topic of an indexed address (for log filters)."""
    return "0x" + "00" * 12 + normalise_address(address)[2:]


def decode_transfer_log(log: Mapping[str, Any], tokens: Mapping[str, TokenInfo]) -> TokenTransfer:
    """The ERC-20 transfer in `log` (a web3 log dict); `tokens` by lower-case contract address."""
    tx_hash = hex_of(log.get("transactionHash", b""))
    where = f"log {log.get('logIndex')} of tx {tx_hash}"
    address = str(log.get("address", "")).lower()
    token = tokens.get(address)
    if token is None:
        raise SourcePayloadError(f"{where}: contract {address} is not a configured token")
    topics = [_bytes_of(t, f"{where}: topic") for t in log.get("topics") or []]
    if not topics or "0x" + topics[0].hex() != TRANSFER_TOPIC:
        raise SourcePayloadError(f"{where}: not a Transfer event")
    if len(topics) != 3:
        raise SourcePayloadError(
            f"{where}: Transfer with {len(topics)} topics is not ERC-20 (ERC-721 has 4)"
        )
    parties = []
    for topic in topics[1:]:
        if len(topic) != 32 or topic[:12] != _ZERO_PAD:
            raise SourcePayloadError(f"{where}: topic {topic.hex()} is not a padded address")
        parties.append("0x" + topic[12:].hex())
    data = _bytes_of(log.get("data", b""), f"{where}: data")
    if len(data) != 32:
        raise SourcePayloadError(f"{where}: data of {len(data)} bytes, an ERC-20 value is 32")
    block, index = log.get("blockNumber"), log.get("logIndex")
    if not isinstance(block, int) or not isinstance(index, int):
        raise SourcePayloadError(f"{where}: blockNumber and logIndex must be integers")
    return TokenTransfer(
        token=token,
        sender=parties[0],
        recipient=parties[1],
        value=int.from_bytes(data, "big"),
        block_number=block,
        tx_hash=tx_hash,
        log_index=index,
    )


def native_transfer(tx: Mapping[str, Any], receipt: Mapping[str, Any]) -> NativeTransfer:
    """The native value and gas fee of a transaction, from it and its receipt.

    Gas fee = gasUsed × effectiveGasPrice, plus `l1Fee` where an L2 receipt reports one.
    """
    tx_hash = hex_of(tx.get("hash", b""))
    try:
        gas_used = int(receipt["gasUsed"])
        price = int(receipt.get("effectiveGasPrice", tx.get("gasPrice", 0)))
        l1_fee = receipt.get("l1Fee")
        fee = gas_used * price + (int(l1_fee, 16) if isinstance(l1_fee, str) else int(l1_fee or 0))
        value = int(tx["value"])
        block = int(tx["blockNumber"])
        status = int(receipt.get("status", 1))
    except (KeyError, TypeError, ValueError) as exc:
        raise SourcePayloadError(
            f"tx {tx_hash}: incomplete transaction or receipt ({exc})"
        ) from None
    recipient = tx.get("to")
    return NativeTransfer(
        sender=str(tx.get("from", "")).lower(),
        recipient=None if recipient is None else str(recipient).lower(),
        value_wei=value,
        block_number=block,
        tx_hash=tx_hash,
        succeeded=status == 1,
        gas_fee_wei=fee,
    )
