"""One EVM wallet's deposits and withdrawals through web3.py (async): ERC-20 and native transfers.

    EvmWalletImporter(w3, chain_id, address, tokens).fetch(from_block, to_block)

ERC-20: Transfer logs of the configured token contracts with the wallet as `from` (topic 1) or
`to` (topic 2), queried in block chunks. Native: every transaction of each block in the range
whose sender or recipient is the wallet (a block scan; value moved by contracts internally needs
a tracing node and is not seen). Each transfer becomes a DEPOSIT (+) or WITHDRAWAL (-) of the
account "evm:<chain id>:<address>" with its tx hash, timestamped by its block. The gas a wallet
pays for a transaction it sent is a fee of that transaction's first withdrawal, or a FEE of its
own when the transaction moved nothing out (a failed transfer, an approval). A transfer from the
wallet to itself moves nothing and only its gas is recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from web3 import AsyncWeb3, Web3

from tradewind.common.logging import get_logger
from tradewind.portfolio.importers.coalesce import coalesce_same_key
from tradewind.portfolio.importers.errors import ImportInputError, SourcePayloadError
from tradewind.portfolio.importers.evm_logs import (
    TRANSFER_TOPIC,
    NativeTransfer,
    TokenInfo,
    TokenTransfer,
    address_topic,
    decode_transfer_log,
    native_transfer,
    normalise_address,
)
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["EVM_SOURCE", "EvmWalletImporter"]

EVM_SOURCE = "evm"
_log = get_logger("portfolio.import.evm")


@dataclass(frozen=True, slots=True)
class _Move:
    """One wallet-side change inside a transaction, in the order it should be recorded."""

    block: int
    order: int  # -1 for the native value, else the log index
    tx_hash: str
    asset: str
    amount: Decimal  # signed, asset units


class EvmWalletImporter:
    """Deposits and withdrawals of one address on one EVM chain; amounts in token units."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        chain_id: int,
        address: str,
        tokens: Iterable[TokenInfo],
        *,
        native_asset: str = "ETH",
        native_decimals: int = 18,
        chunk_blocks: int = 2_000,
    ) -> None:
        if chunk_blocks < 1:
            raise ImportInputError("chunk_blocks must be positive")
        self._w3 = w3
        self.chain_id = chain_id
        self.address = normalise_address(address)
        self._tokens = {t.address: t for t in tokens}
        self.native_asset = native_asset
        self._native_decimals = native_decimals
        self._chunk = chunk_blocks
        self._timestamps: dict[int, int] = {}
        self._chain_checked = False

    @property
    def account(self) -> str:
        """The ledger account of this wallet: "evm:<chain id>:<lower-case address>"."""
        return f"evm:{self.chain_id}:{self.address}"

    # -- fetching -----------------------------------------------------------------------------
    async def fetch(
        self, from_block: int, to_block: int, *, native: bool = True
    ) -> list[Transaction]:
        """Transactions of the wallet in blocks [from_block, to_block] (inclusive)."""
        if not 0 <= from_block <= to_block:
            raise ImportInputError(f"block range [{from_block}, {to_block}] is empty or negative")
        await self._check_chain()
        tokens = await self.fetch_token_transfers(from_block, to_block)
        natives = await self.fetch_native_transfers(from_block, to_block) if native else []
        fees = {n.tx_hash: n.gas_fee_wei for n in natives if n.sender == self.address}
        for tx_hash in sorted(
            {t.tx_hash for t in tokens if t.sender == self.address} - fees.keys()
        ):
            fee = await self._gas_paid_by_wallet(tx_hash)
            if fee is not None:
                fees[tx_hash] = fee
        moves = self._moves(tokens, natives)
        block_of = {t.tx_hash: t.block_number for t in tokens}
        block_of.update({n.tx_hash: n.block_number for n in natives})
        for block in sorted(set(block_of.values())):
            await self._block_time(block)
        transactions = self._transactions(moves, fees, block_of)
        _log.info(
            "evm_fetch",
            account=self.account,
            blocks=f"{from_block}-{to_block}",
            token_transfers=len(tokens),
            native_transfers=len(natives),
            transactions=len(transactions),
        )
        return transactions

    async def fetch_token_transfers(self, from_block: int, to_block: int) -> list[TokenTransfer]:
        """Decoded ERC-20 transfers into or out of the wallet, by block then log index."""
        if not self._tokens:
            return []
        contracts = [Web3.to_checksum_address(a) for a in self._tokens]
        me = address_topic(self.address)
        found: dict[tuple[str, int], TokenTransfer] = {}
        for start in range(from_block, to_block + 1, self._chunk):
            end = min(start + self._chunk - 1, to_block)
            for topics in ([TRANSFER_TOPIC, me], [TRANSFER_TOPIC, None, me]):
                logs = await self._w3.eth.get_logs(
                    {"fromBlock": start, "toBlock": end, "address": contracts, "topics": topics}
                )
                for log in logs:
                    if log.get("removed"):
                        continue  # retracted by a reorg: it never happened on the canonical chain
                    transfer = decode_transfer_log(log, self._tokens)
                    found[(transfer.tx_hash, transfer.log_index)] = transfer
        return sorted(found.values(), key=lambda t: (t.block_number, t.log_index))

    async def fetch_native_transfers(self, from_block: int, to_block: int) -> list[NativeTransfer]:
        """Transactions sent by the wallet, and those paying it native value, by block scan."""
        result: list[NativeTransfer] = []
        for number in range(from_block, to_block + 1):
            block = await self._w3.eth.get_block(number, full_transactions=True)
            self._timestamps[number] = int(block["timestamp"]) * 1000
            for raw in block["transactions"]:
                if isinstance(raw, bytes | str):
                    raise SourcePayloadError(f"block {number}: transactions are not full objects")
                tx = cast(Mapping[str, Any], raw)
                sender = str(tx.get("from", "")).lower()
                recipient = str(tx.get("to") or "").lower()
                if sender != self.address and not (
                    recipient == self.address and int(tx["value"]) > 0
                ):
                    continue
                receipt = await self._w3.eth.get_transaction_receipt(tx["hash"])
                result.append(native_transfer(tx, receipt))
        return result

    # -- building -----------------------------------------------------------------------------
    def _moves(self, tokens: list[TokenTransfer], natives: list[NativeTransfer]) -> list[_Move]:
        moves = []
        unit = Decimal(1).scaleb(-self._native_decimals)
        for n in natives:
            if not n.succeeded or n.value_wei == 0 or n.sender == n.recipient:
                continue
            sign = -1 if n.sender == self.address else 1
            moves.append(
                _Move(n.block_number, -1, n.tx_hash, self.native_asset, sign * n.value_wei * unit)
            )
        for t in tokens:
            if t.sender == t.recipient or t.value == 0:
                continue
            sign = -1 if t.sender == self.address else 1
            moves.append(
                _Move(t.block_number, t.log_index, t.tx_hash, t.token.symbol, sign * t.amount)
            )
        return sorted(moves, key=lambda m: (m.block, m.tx_hash, m.order))

    def _transactions(
        self, moves: list[_Move], fees: dict[str, int], block_of: dict[str, int]
    ) -> list[Transaction]:
        account = self.account
        unit = Decimal(1).scaleb(-self._native_decimals)
        by_hash: dict[str, list[_Move]] = defaultdict(list)
        for move in moves:
            by_hash[move.tx_hash].append(move)
        built: list[tuple[int, str, int, Transaction]] = []
        for tx_hash in set(by_hash) | set(fees):
            fee_wei = fees.get(tx_hash, 0)
            fee = (Movement(account, self.native_asset, -fee_wei * unit),) if fee_wei else ()
            block = block_of[tx_hash]
            when = self._timestamps[block]
            fee_placed = False
            for move in by_hash.get(tx_hash, []):
                outgoing = move.amount < 0
                attach = outgoing and fee and not fee_placed
                fee_placed = fee_placed or bool(attach)
                tx = Transaction(
                    kind=EntryKind.WITHDRAWAL if outgoing else EntryKind.DEPOSIT,
                    timestamp_ms=when,
                    movements=(Movement(account, move.asset, move.amount),),
                    fees=fee if attach else (),
                    source=EVM_SOURCE,
                    external_id=f"{tx_hash}:{'native' if move.order < 0 else move.order}",
                    tx_hash=tx_hash,
                )
                built.append((block, tx_hash, move.order, tx))
            if fee and not fee_placed:
                tx = Transaction(
                    kind=EntryKind.FEE,
                    timestamp_ms=when,
                    movements=(),
                    fees=fee,
                    source=EVM_SOURCE,
                    external_id=f"{tx_hash}:gas",
                    tx_hash=tx_hash,
                    note="gas of a transaction that moved nothing out",
                )
                built.append((block, tx_hash, 1 << 62, tx))
        built.sort(key=lambda item: item[:3])
        return coalesce_same_key(tx for *_key, tx in built)

    # -- node access --------------------------------------------------------------------------
    async def _check_chain(self) -> None:
        if self._chain_checked:
            return
        actual = int(await self._w3.eth.chain_id)
        if actual != self.chain_id:
            raise ImportInputError(
                f"node serves chain {actual}, importer is for chain {self.chain_id}"
            )
        self._chain_checked = True

    async def _block_time(self, number: int) -> int:
        if number not in self._timestamps:
            block = await self._w3.eth.get_block(number)
            self._timestamps[number] = int(block["timestamp"]) * 1000
        return self._timestamps[number]

    async def _gas_paid_by_wallet(self, tx_hash: str) -> int | None:
        receipt: Any = await self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        if str(receipt.get("from", "")).lower() != self.address:
            return None  # moved by a spender (transferFrom): someone else paid the gas
        tx = {
            "hash": tx_hash,
            "value": 0,
            "blockNumber": receipt.get("blockNumber"),
            "from": self.address,
        }
        return native_transfer(tx, receipt).gas_fee_wei
