"""A hot wallet that executes governance-approved moves on chain (``Governance.execute``'s send).

    wallet = HotWallet(w3, account, policy, tokens={"USDC": "0x…", "ETH": "native"})
    governance.execute(move_id, now_ms, wallet.send)

``send`` turns the move's Decimal amount into base units with the asset's policy decimals
(refusing finer amounts), signs an EIP-1559 transfer with the hot key and waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from tradewind.chain.safe_contracts import send_and_wait
from tradewind.custody.errors import CustodyError
from tradewind.custody.governance import CapitalMove
from tradewind.custody.policy import Policy

__all__ = ["NATIVE", "HotWallet"]

NATIVE = "native"
_TRANSFER_ABI = [
    {
        "name": "transfer",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    }
]


class HotWallet:
    """Sends approved moves from one hot account; ``tokens`` maps asset -> ERC-20 or native."""

    def __init__(
        self, w3: Web3, account: LocalAccount, policy: Policy, tokens: Mapping[str, str]
    ) -> None:
        self._w3 = w3
        self._account = account
        self._policy = policy
        self._tokens = dict(tokens)

    @property
    def address(self) -> str:
        return str(self._account.address)

    def send(self, move: CapitalMove) -> str:
        """Transfer the move's amount to its destination; returns the tx hash."""
        token = self._tokens.get(move.asset)
        if token is None:
            raise CustodyError(f"the hot wallet has no token address for {move.asset}")
        amount = self._policy.rule(move.asset).to_base_units(move.amount)
        if token == NATIVE:
            tx: dict[str, Any] = {
                "from": self.address,
                "to": move.destination,
                "value": amount,
                "nonce": self._w3.eth.get_transaction_count(self._account.address, "pending"),
                "chainId": self._w3.eth.chain_id,
                "gas": 21_000,
                "maxFeePerGas": 2 * int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0))
                + int(self._w3.eth.max_priority_fee),
                "maxPriorityFeePerGas": int(self._w3.eth.max_priority_fee),
            }
            raw = self._account.sign_transaction(tx).raw_transaction
            tx_hash = self._w3.eth.send_raw_transaction(raw)
            self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
            return "0x" + bytes(tx_hash).hex()
        contract = self._w3.eth.contract(address=Web3.to_checksum_address(token), abi=_TRANSFER_ABI)
        receipt = send_and_wait(
            self._w3,
            self._account,
            contract.functions.transfer(move.destination, amount),
            f"{move.asset} transfer",
        )
        return "0x" + bytes(receipt["transactionHash"]).hex()
