"""Across's SpokePool (the published ``Ethereum_SpokePool``, behind ``ERC1967Proxy``) and an
ERC-20 token as application calls (requests and views).

    RelayData                 a deposit as a fill must repeat it (from a ``FundsDeposited`` event)
    SpokePoolContract(w3, a)  deposit_v3() / fill() / relay_root_bundle() /
                              execute_refund_leaf() -> TxRequest, relay_filled(), event filters
    Erc20Contract(w3, a)      transfer() / approve() -> TxRequest, balance_of(), allowance()

The contract speaks addresses as ``bytes32`` (left-padded) in its events and ``fillRelay``; this
module converts at the edge, so the rest of the desk sees checksummed addresses. Relayer
repayment is Across's: the hub (here the desk's owner key, see ``chain.bridge.hub``) relays a
root bundle whose refund leaves pay the relayer on the origin chain, proven by Merkle proofs.
Requests are handed to a ``TransactionManager`` (``chain.tx``), which signs and sends them once
per intent. Amounts are token base units (int); times unix seconds; addresses checksummed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.bridge.merkle import RelayerRefundLeaf
from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.events import ChainEvent, EventFilter
from tradewind.chain.tx import TxRequest

__all__ = [
    "ZERO_ADDRESS",
    "Erc20Contract",
    "FillStatus",
    "MalformedRelayError",
    "RelayData",
    "SpokePoolContract",
    "from_bytes32",
    "to_bytes32",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = 2**256 - 1


class MalformedRelayError(ValueError):
    """A V3FundsDeposited event lacks a field or carries a value of the wrong type."""


class FillStatus(enum.IntEnum):
    """A relay's state on its destination spoke pool (the contract's ``FillStatus``)."""

    UNFILLED = 0
    REQUESTED_SLOW_FILL = 1
    FILLED = 2


def to_bytes32(address: str) -> bytes:
    """An EVM address as Across's ``bytes32`` (left-padded with zeros)."""
    return bytes(12) + bytes.fromhex(to_checksum_address(address)[2:])


def from_bytes32(word: bytes) -> str:
    """Across's ``bytes32`` back to a checksummed EVM address (upper 12 bytes must be zero)."""
    raw = bytes(word)
    if len(raw) != 32 or any(raw[:12]):
        raise ValueError(f"not an EVM address in bytes32: 0x{raw.hex()}")
    return to_checksum_address("0x" + raw[12:].hex())


def _errors(abi: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    return tuple(entry for entry in abi if entry.get("type") == "error")


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayData:
    """One V3 deposit: who locked what on ``origin_chain_id`` and what the recipient must get on
    ``destination_chain_id``. Amounts in token base units; deadlines unix seconds."""

    depositor: str
    recipient: str
    exclusive_relayer: str
    input_token: str
    output_token: str
    input_amount: int
    output_amount: int
    origin_chain_id: int
    destination_chain_id: int
    deposit_id: int
    quote_timestamp: int
    fill_deadline: int
    exclusivity_deadline: int
    message: bytes = b""

    @property
    def relayer_fee(self) -> int:
        """What the relayer keeps: input minus output, in token base units."""
        return self.input_amount - self.output_amount

    def as_abi_tuple(self) -> tuple[Any, ...]:
        """The ``V3RelayData`` struct (bytes32 addresses) in ABI field order."""
        return (
            to_bytes32(self.depositor),
            to_bytes32(self.recipient),
            to_bytes32(self.exclusive_relayer),
            to_bytes32(self.input_token),
            to_bytes32(self.output_token),
            self.input_amount,
            self.output_amount,
            self.origin_chain_id,
            self.deposit_id,
            self.fill_deadline,
            self.exclusivity_deadline,
            self.message,
        )

    @classmethod
    def from_deposit_event(cls, event: ChainEvent) -> RelayData:
        """The relay of a ``FundsDeposited`` event seen on its origin chain."""
        args: Mapping[str, Any] = event.args
        try:
            message = args["message"]
            relay = cls(
                depositor=from_bytes32(args["depositor"]),
                recipient=from_bytes32(args["recipient"]),
                exclusive_relayer=from_bytes32(args["exclusiveRelayer"]),
                input_token=from_bytes32(args["inputToken"]),
                output_token=from_bytes32(args["outputToken"]),
                input_amount=int(args["inputAmount"]),
                output_amount=int(args["outputAmount"]),
                origin_chain_id=event.chain_id,
                destination_chain_id=int(args["destinationChainId"]),
                deposit_id=int(args["depositId"]),
                quote_timestamp=int(args["quoteTimestamp"]),
                fill_deadline=int(args["fillDeadline"]),
                exclusivity_deadline=int(args["exclusivityDeadline"]),
                message=bytes(message),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedRelayError(f"FundsDeposited {event.tx_hash}: {exc}") from None
        return relay


class SpokePoolContract:
    """One deployed Across ``SpokePool`` (its proxy): calls as ``TxRequest`` s, views as
    coroutines."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        artifact = load_artifact("SpokePool")
        self.address = to_checksum_address(address)
        self._contract = w3.eth.contract(address=self.address, abi=artifact.abi_list())
        self._errors = _errors(artifact.abi)

    def _request(self, function: str, *args: Any) -> TxRequest:
        data = self._contract.encode_abi(function, list(args))
        return TxRequest(to=self.address, data=data, error_abi=self._errors)

    def deposit_v3(
        self,
        *,
        depositor: str,
        recipient: str,
        input_token: str,
        output_token: str,
        input_amount: int,
        output_amount: int,
        destination_chain_id: int,
        quote_timestamp: int,
        fill_deadline: int,
        exclusive_relayer: str = ZERO_ADDRESS,
        exclusivity_deadline: int = 0,
        message: bytes = b"",
    ) -> TxRequest:
        return self._request(
            "depositV3",
            depositor,
            recipient,
            input_token,
            output_token,
            input_amount,
            output_amount,
            destination_chain_id,
            exclusive_relayer,
            quote_timestamp,
            fill_deadline,
            exclusivity_deadline,
            message,
        )

    def fill(self, relay: RelayData, repayment_chain_id: int, repayment_address: str) -> TxRequest:
        """``fillRelay``: pay the recipient from the caller's funds, to be repaid to
        ``repayment_address`` on ``repayment_chain_id`` through a root bundle."""
        return self._request(
            "fillRelay", relay.as_abi_tuple(), repayment_chain_id, to_bytes32(repayment_address)
        )

    def relay_root_bundle(self, relayer_refund_root: bytes, slow_relay_root: bytes) -> TxRequest:
        """The hub's (owner's) commitment to a bundle of refunds and slow fills."""
        return self._request("relayRootBundle", relayer_refund_root, slow_relay_root)

    def execute_refund_leaf(
        self, root_bundle_id: int, leaf: RelayerRefundLeaf, proof: list[bytes]
    ) -> TxRequest:
        """Pay a refund leaf of a relayed bundle (anyone may send it; funds go to the leaf's
        addresses)."""
        return self._request("executeRelayerRefundLeaf", root_bundle_id, leaf.as_abi_tuple(), proof)

    async def fill_status(self, relay: RelayData) -> FillStatus:
        relay_hash = await self._contract.functions.getV3RelayHash(relay.as_abi_tuple()).call()
        return FillStatus(int(await self._contract.functions.fillStatuses(relay_hash).call()))

    async def relay_filled(self, relay: RelayData) -> bool:
        """Whether ``relay`` was filled on this (destination) pool."""
        return await self.fill_status(relay) is FillStatus.FILLED

    def deposited_filter(self, name: str = "spoke:FundsDeposited") -> EventFilter:
        return EventFilter(self.address, event_abi("SpokePool", "FundsDeposited"), name)

    def filled_filter(self, name: str = "spoke:FilledRelay") -> EventFilter:
        return EventFilter(self.address, event_abi("SpokePool", "FilledRelay"), name)

    def bundle_filter(self, name: str = "spoke:RelayedRootBundle") -> EventFilter:
        return EventFilter(self.address, event_abi("SpokePool", "RelayedRootBundle"), name)


class Erc20Contract:
    """One ERC-20 token (the desk's MockUSDC ABI): transfers and approvals as ``TxRequest`` s."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        artifact = load_artifact("MockUSDC")
        self.address = to_checksum_address(address)
        self._contract = w3.eth.contract(address=self.address, abi=artifact.abi_list())
        self._errors = _errors(artifact.abi)

    def _request(self, function: str, *args: Any) -> TxRequest:
        data = self._contract.encode_abi(function, list(args))
        return TxRequest(to=self.address, data=data, error_abi=self._errors)

    def transfer(self, to: str, amount: int) -> TxRequest:
        return self._request("transfer", to_checksum_address(to), amount)

    def approve(self, spender: str, amount: int = MAX_UINT256) -> TxRequest:
        return self._request("approve", to_checksum_address(spender), amount)

    def faucet(self, to: str, amount: int) -> TxRequest:
        """MockUSDC only (local chains): mint ``amount`` to ``to``."""
        return self._request("faucet", to_checksum_address(to), amount)

    async def balance_of(self, owner: str) -> int:
        return int(await self._contract.functions.balanceOf(to_checksum_address(owner)).call())

    async def allowance(self, owner: str, spender: str) -> int:
        return int(
            await self._contract.functions.allowance(
                to_checksum_address(owner), to_checksum_address(spender)
            ).call()
        )

    async def decimals(self) -> int:
        return int(await self._contract.functions.decimals().call())
