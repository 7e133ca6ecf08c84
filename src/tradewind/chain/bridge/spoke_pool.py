"""The Across-style spoke pool and ERC-20 token as application calls (requests and views).

    RelayData                 a V3 deposit as a fill must repeat it (from a V3FundsDeposited event)
    SpokePoolContract(w3, a)  deposit_v3() / fill() / mark_filled() -> TxRequest,
                              relay_filled(), deposit_status(), event filters
    Erc20Contract(w3, a)      transfer() / approve() -> TxRequest, balance_of(), allowance()

Requests are handed to a ``TransactionManager`` (``chain.tx``), which signs and sends them once
per intent. Amounts are token base units (int); times unix seconds; addresses checksummed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.events import ChainEvent, EventFilter
from tradewind.chain.tx import TxRequest

__all__ = [
    "ZERO_ADDRESS",
    "DepositStatus",
    "Erc20Contract",
    "MalformedRelayError",
    "RelayData",
    "SpokePoolContract",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = 2**256 - 1


class MalformedRelayError(ValueError):
    """A V3FundsDeposited event lacks a field or carries a value of the wrong type."""


class DepositStatus(enum.IntEnum):
    """A deposit's state on its origin spoke pool (the contract's ``DepositStatus``)."""

    NONE = 0
    PENDING = 1
    FILLED = 2
    REFUNDED = 3


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
        """The ``V3RelayData`` struct in ABI field order."""
        return (
            self.depositor,
            self.recipient,
            self.exclusive_relayer,
            self.input_token,
            self.output_token,
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
        """The relay of a ``V3FundsDeposited`` event seen on its origin chain."""
        args: Mapping[str, Any] = event.args
        try:
            message = args["message"]
            relay = cls(
                depositor=to_checksum_address(args["depositor"]),
                recipient=to_checksum_address(args["recipient"]),
                exclusive_relayer=to_checksum_address(args["exclusiveRelayer"]),
                input_token=to_checksum_address(args["inputToken"]),
                output_token=to_checksum_address(args["outputToken"]),
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
            raise MalformedRelayError(f"V3FundsDeposited {event.tx_hash}: {exc}") from None
        return relay


class SpokePoolContract:
    """One deployed ``SpokePool``: calls as ``TxRequest`` s, views as coroutines."""

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

    def fill(self, relay: RelayData, repayment_chain_id: int) -> TxRequest:
        return self._request("fillV3Relay", relay.as_abi_tuple(), repayment_chain_id)

    def mark_filled(self, deposit_id: int) -> TxRequest:
        return self._request("markFilled", deposit_id)

    async def relay_filled(self, relay: RelayData) -> bool:
        """Whether ``relay`` was filled on this (destination) pool."""
        relay_hash = await self._contract.functions.getV3RelayHash(relay.as_abi_tuple()).call()
        return bool(await self._contract.functions.relayFilled(relay_hash).call())

    async def deposit_status(self, deposit_id: int) -> DepositStatus:
        """The origin-side state of deposit ``deposit_id`` on this pool."""
        record = await self._contract.functions.deposits(deposit_id).call()
        return DepositStatus(int(record[4]))

    def deposited_filter(self, name: str = "spoke:V3FundsDeposited") -> EventFilter:
        return EventFilter(self.address, event_abi("SpokePool", "V3FundsDeposited"), name)

    def filled_filter(self, name: str = "spoke:FilledV3Relay") -> EventFilter:
        return EventFilter(self.address, event_abi("SpokePool", "FilledV3Relay"), name)


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
