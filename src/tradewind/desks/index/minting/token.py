"""The index token as application calls: mint/burn requests, views, event filters.

    IndexTokenContract(w3, address)
      mint(to, units, invoice_hash) / burn(holder, units, redemption_id) / transfer(to, units)
                                    -> TxRequest for a TransactionManager
      balance_of(), invoice_minted(), redemption_burned()              views
      find_minted(invoice_hash), find_burned(redemption_id)             -> OnChainRecord | None
      transfer_filter() / minted_filter() / burned_filter()             EventFilter

Amounts are token base units (int, 18 decimals); references are 32 bytes; addresses checksummed.
Only the desk's key (MINTER_ROLE) can mint and burn; the contract refuses a second mint of one
invoice hash and a second burn of one redemption id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.events import EventFilter
from tradewind.chain.tx import TxRequest
from tradewind.desks.index.minting.errors import InvalidInvoiceReferenceError

__all__ = ["IndexTokenContract", "OnChainRecord"]


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def _reference(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise InvalidInvoiceReferenceError(f"an on-chain reference is 32 bytes, got {value!r}")
    return bytes(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class OnChainRecord:
    """Where a Minted/Burned event of one reference is: its transaction (0x-hex) and block."""

    tx_hash: str
    block_number: int
    amount_units: int
    account: str


class IndexTokenContract:
    """One deployed ``IndexToken`` (18 decimals)."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        artifact = load_artifact("IndexToken")
        self.address = to_checksum_address(address)
        self._w3 = w3
        self._contract = w3.eth.contract(address=self.address, abi=artifact.abi_list())
        self._errors = tuple(entry for entry in artifact.abi if entry.get("type") == "error")

    def _request(self, function: str, *args: Any) -> TxRequest:
        data = self._contract.encode_abi(function, list(args))
        return TxRequest(to=self.address, data=data, error_abi=self._errors)

    # -- calls ---------------------------------------------------------------------------------

    def mint(self, to: str, amount_units: int, invoice_hash: bytes) -> TxRequest:
        """Mint ``amount_units`` to ``to`` for ``invoice_hash`` (once per hash)."""
        return self._request(
            "mint", to_checksum_address(to), amount_units, _reference(invoice_hash)
        )

    def burn(self, holder: str, amount_units: int, redemption_id: bytes) -> TxRequest:
        """Burn ``amount_units`` of ``holder`` for ``redemption_id`` (once per id); burning
        another holder's tokens spends that holder's allowance to the sender."""
        return self._request(
            "burn", to_checksum_address(holder), amount_units, _reference(redemption_id)
        )

    def transfer(self, to: str, amount_units: int) -> TxRequest:
        return self._request("transfer", to_checksum_address(to), amount_units)

    # -- views ---------------------------------------------------------------------------------

    async def balance_of(self, owner: str) -> int:
        return int(await self._contract.functions.balanceOf(to_checksum_address(owner)).call())

    async def invoice_minted(self, invoice_hash: bytes) -> bool:
        return bool(await self._contract.functions.invoiceMinted(_reference(invoice_hash)).call())

    async def redemption_burned(self, redemption_id: bytes) -> bool:
        return bool(
            await self._contract.functions.redemptionBurned(_reference(redemption_id)).call()
        )

    async def symbol(self) -> str:
        return str(await self._contract.functions.symbol().call())

    async def find_minted(self, invoice_hash: bytes, from_block: int = 0) -> OnChainRecord | None:
        """The ``Minted`` event of ``invoice_hash`` (a mint made by an earlier run whose intent
        store is gone), or None."""
        return await self._find("Minted", "to", _reference(invoice_hash), from_block)

    async def find_burned(self, redemption_id: bytes, from_block: int = 0) -> OnChainRecord | None:
        """The ``Burned`` event of ``redemption_id``, or None."""
        return await self._find("Burned", "from", _reference(redemption_id), from_block)

    async def _find(
        self, event: str, account_arg: str, reference: bytes, from_block: int
    ) -> OnChainRecord | None:
        abi = event_abi("IndexToken", event)
        topic0 = "0x" + event_abi_to_log_topic(dict(abi)).hex()  # type: ignore[arg-type]
        logs = await self._w3.eth.get_logs(
            {
                "address": self.address,
                "fromBlock": from_block,
                "toBlock": "latest",
                # (event, account, reference): the reference is the second indexed argument
                "topics": [topic0, None, "0x" + reference.hex()],
            }
        )
        for log in logs:
            decoded = self._contract.events[event]().process_log(log)
            return OnChainRecord(
                tx_hash=_hex(log["transactionHash"]),
                block_number=int(log["blockNumber"]),
                amount_units=int(decoded["args"]["amount"]),
                account=to_checksum_address(decoded["args"][account_arg]),
            )
        return None

    # -- events --------------------------------------------------------------------------------

    def transfer_filter(self, name: str) -> EventFilter:
        return EventFilter(self.address, event_abi("IndexToken", "Transfer"), name)

    def minted_filter(self, name: str = "index:Minted") -> EventFilter:
        return EventFilter(self.address, event_abi("IndexToken", "Minted"), name)

    def burned_filter(self, name: str = "index:Burned") -> EventFilter:
        return EventFilter(self.address, event_abi("IndexToken", "Burned"), name)
