"""The collateral vault as application calls: its deposit events and the desk's sweep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.events import ChainEvent, EventFilter
from tradewind.chain.tx import TxRequest

__all__ = ["CollateralVaultContract", "MalformedVaultDepositError", "VaultDeposit"]


class MalformedVaultDepositError(ValueError):
    """A CollateralDeposited event lacks a field or carries a value of the wrong type."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VaultDeposit:
    """A user's vault deposit: ``amount`` base units of ``token`` for index ``index_symbol``."""

    chain_id: int
    vault: str
    deposit_id: int
    user: str
    token: str
    amount: int
    index_symbol: str
    tx_hash: str
    block_number: int

    @classmethod
    def from_event(cls, event: ChainEvent) -> VaultDeposit:
        args: Mapping[str, Any] = event.args
        try:
            return cls(
                chain_id=event.chain_id,
                vault=event.address,
                deposit_id=int(args["depositId"]),
                user=to_checksum_address(args["user"]),
                token=to_checksum_address(args["token"]),
                amount=int(args["amount"]),
                index_symbol=str(args["indexSymbol"]),
                tx_hash=event.tx_hash,
                block_number=event.block_number,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedVaultDepositError(
                f"CollateralDeposited {event.tx_hash}: {exc}"
            ) from None


class CollateralVaultContract:
    """One deployed ``CollateralVault``."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        artifact = load_artifact("CollateralVault")
        self.address = to_checksum_address(address)
        self._contract = w3.eth.contract(address=self.address, abi=artifact.abi_list())
        self._errors = tuple(entry for entry in artifact.abi if entry.get("type") == "error")

    def sweep(self, token: str, to: str, amount: int) -> TxRequest:
        """Move ``amount`` of ``token`` from the vault to ``to`` (the desk's OPERATOR_ROLE)."""
        data = self._contract.encode_abi(
            "sweep", [to_checksum_address(token), to_checksum_address(to), amount]
        )
        return TxRequest(to=self.address, data=data, error_abi=self._errors)

    def deposited_filter(self, name: str = "vault:CollateralDeposited") -> EventFilter:
        return EventFilter(self.address, event_abi("CollateralVault", "CollateralDeposited"), name)
