"""OTC escrow deals in a 2-of-3 Safe of desk, counterparty and arbiter.

    propose   a Safe owned by (desk, counterparty, arbiter), threshold 2, salted by the deal id
    fund      each party transfers its leg (ERC-20 ``transfer`` or native value) to the Safe
    status    the Safe's balance of each leg, the deadline, the state
    settle    before the deadline and only with BOTH legs fully funded: one MultiSend that pays
              the desk's leg to the counterparty and the counterparty's leg to the desk
    refund    after the deadline: one MultiSend that returns whatever each side funded

Settlement and refund are each one Safe transaction over ``MultiSendCallOnly`` (delegatecall):
if either transfer fails the whole transaction reverts, so a deal never ends with one leg paid.
Any two owners sign (desk + counterparty normally; the arbiter breaks a deadlock). The deadline
is chain time (the latest block's timestamp, seconds). Amounts are base units (int); a leg's
``asset`` is an ERC-20 address or ``"native"``. The deal lives in a JSON file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils.address import is_hex_address, to_checksum_address
from web3 import Web3

from tradewind.chain.safe_contracts import SafeStack, create_safe
from tradewind.common.logging import get_logger
from tradewind.custody.errors import OtcError
from tradewind.custody.safe import (
    DELEGATE_CALL,
    SafeClient,
    SafeTx,
    pack_signatures,
    safe_tx_hash,
    verify_signatures,
)
from tradewind.custody.transactions import DigestSigning, erc20_transfer_data

__all__ = ["NATIVE", "DealState", "Leg", "OtcDeal", "OtcEscrow", "multisend_payload"]

_log = get_logger("custody.otc")

NATIVE = "native"
_ERC20_ABI = [
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "transfer",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
]


class DealState(StrEnum):
    """Where a deal stands (derived from the chain, except settled/refunded which are final)."""

    PROPOSED = "proposed"
    PARTLY_FUNDED = "partly_funded"
    FUNDED = "funded"
    SETTLED = "settled"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class Leg:
    """What one party puts in: ``amount`` base units of ``asset`` (ERC-20 address or native)."""

    party: str
    asset: str
    amount: int

    def __post_init__(self) -> None:
        if not is_hex_address(self.party):
            raise OtcError(f"party {self.party!r} is not an address")
        if self.asset != NATIVE and not is_hex_address(self.asset):
            raise OtcError(f"asset {self.asset!r} is neither an address nor 'native'")
        if self.amount <= 0:
            raise OtcError(f"a leg's amount must be > 0, got {self.amount}")
        object.__setattr__(self, "party", to_checksum_address(self.party))
        if self.asset != NATIVE:
            object.__setattr__(self, "asset", to_checksum_address(self.asset))


@dataclass(frozen=True, slots=True)
class OtcDeal:
    """A two-leg escrow deal: desk leg, counterparty leg, arbiter, deadline (chain seconds)."""

    deal_id: str
    chain_id: int
    desk: Leg
    counterparty: Leg
    arbiter: str
    deadline_s: int
    escrow: str = ""
    state: DealState = DealState.PROPOSED
    closing_tx: str = ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["state"] = self.state.value
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> OtcDeal:
        try:
            return cls(
                deal_id=str(doc["deal_id"]),
                chain_id=int(doc["chain_id"]),
                desk=Leg(**doc["desk"]),
                counterparty=Leg(**doc["counterparty"]),
                arbiter=to_checksum_address(doc["arbiter"]),
                deadline_s=int(doc["deadline_s"]),
                escrow=str(doc.get("escrow", "")),
                state=DealState(doc.get("state", "proposed")),
                closing_tx=str(doc.get("closing_tx", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise OtcError(f"deal file is malformed: {exc}") from None

    def save(self, path: Path) -> None:
        temp = path.with_name(f".{path.name}.tmp")
        temp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        temp.replace(path)

    @classmethod
    def load(cls, path: Path) -> OtcDeal:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise OtcError(f"deal file {path} does not exist") from None
        except json.JSONDecodeError as exc:
            raise OtcError(f"deal file {path} is not JSON ({exc.msg})") from None


def _transfer_call(asset: str, to: str, amount: int) -> tuple[str, int, bytes]:
    if asset == NATIVE:
        return to, amount, b""
    return asset, 0, erc20_transfer_data(to, amount)


def multisend_payload(calls: Sequence[tuple[str, int, bytes]]) -> bytes:
    """``multiSend(bytes)`` calldata: each call packed as op(0) ‖ to ‖ value ‖ len ‖ data."""
    packed = b"".join(
        b"\x00"
        + bytes.fromhex(to_checksum_address(to)[2:])
        + value.to_bytes(32, "big")
        + len(data).to_bytes(32, "big")
        + data
        for to, value, data in calls
    )
    return bytes.fromhex("8d80ff0a") + abi_encode(["bytes"], [packed])


class OtcEscrow:
    """Runs deals on one chain with the Safe stack deployed there."""

    def __init__(self, w3: Web3, stack: SafeStack) -> None:
        self.w3 = w3
        self.stack = stack

    def chain_time_s(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def propose(
        self,
        deal_id: str,
        desk: Leg,
        counterparty: Leg,
        arbiter: str,
        deadline_s: int,
        sender: LocalAccount,
    ) -> OtcDeal:
        """Create the escrow Safe (owners desk, counterparty, arbiter; threshold 2)."""
        owners = [desk.party, counterparty.party, to_checksum_address(arbiter)]
        if len(set(owners)) != 3:
            raise OtcError("desk, counterparty and arbiter must be three different addresses")
        if deadline_s <= self.chain_time_s():
            raise OtcError(f"deadline {deadline_s} is not in the future of the chain")
        salt = int.from_bytes(keccak(deal_id.encode()), "big")
        escrow = create_safe(self.w3, self.stack, sender, owners, 2, salt)
        deal = OtcDeal(
            deal_id, int(self.w3.eth.chain_id), desk, counterparty, owners[2], deadline_s, escrow
        )
        _log.info("custody.otc_proposed", deal=deal_id, escrow=escrow, deadline_s=deadline_s)
        return deal

    def balance(self, asset: str, holder: str) -> int:
        if asset == NATIVE:
            return int(self.w3.eth.get_balance(to_checksum_address(holder)))
        token = self.w3.eth.contract(address=to_checksum_address(asset), abi=_ERC20_ABI)
        return int(token.functions.balanceOf(holder).call())

    def funded(self, deal: OtcDeal) -> tuple[bool, bool]:
        """Whether the escrow holds each leg in full (desk, counterparty)."""
        if deal.desk.asset == deal.counterparty.asset:
            # One asset on both sides cannot be told apart by balance: it needs both in full.
            both = self.balance(deal.desk.asset, deal.escrow) >= deal.desk.amount + (
                deal.counterparty.amount
            )
            return both, both
        return (
            self.balance(deal.desk.asset, deal.escrow) >= deal.desk.amount,
            self.balance(deal.counterparty.asset, deal.escrow) >= deal.counterparty.amount,
        )

    def status(self, deal: OtcDeal) -> DealState:
        if deal.state in (DealState.SETTLED, DealState.REFUNDED):
            return deal.state
        desk, counterparty = self.funded(deal)
        if desk and counterparty:
            return DealState.FUNDED
        if self.balance(deal.desk.asset, deal.escrow) or self.balance(
            deal.counterparty.asset, deal.escrow
        ):
            return DealState.PARTLY_FUNDED
        return DealState.PROPOSED

    def fund(self, deal: OtcDeal, payer: LocalAccount) -> str:
        """The payer (desk or counterparty) sends its leg to the escrow; returns the tx hash."""
        self._open(deal)
        if payer.address == deal.desk.party:
            leg = deal.desk
        elif payer.address == deal.counterparty.party:
            leg = deal.counterparty
        else:
            raise OtcError(f"{payer.address} is not a party of deal {deal.deal_id}")
        if deal.deadline_s <= self.chain_time_s():
            raise OtcError(f"deal {deal.deal_id} is past its deadline: funding closed")
        to, value, data = _transfer_call(leg.asset, deal.escrow, leg.amount)
        tx: dict[str, Any] = {
            "from": payer.address,
            "to": to,
            "value": value,
            "data": data,
            "nonce": self.w3.eth.get_transaction_count(payer.address, "pending"),
            "chainId": deal.chain_id,
            "gas": 120_000,
            "maxFeePerGas": 2 * int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
            + int(self.w3.eth.max_priority_fee),
            "maxPriorityFeePerGas": int(self.w3.eth.max_priority_fee),
        }
        signed = payer.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
        if receipt["status"] != 1:
            raise OtcError(f"funding transfer reverted: {tx_hash.hex()}")
        _log.info("custody.otc_funded", deal=deal.deal_id, party=payer.address)
        return "0x" + bytes(tx_hash).hex()

    def _open(self, deal: OtcDeal) -> None:
        if deal.state in (DealState.SETTLED, DealState.REFUNDED):
            raise OtcError(f"deal {deal.deal_id} is already {deal.state.value}")
        if int(self.w3.eth.chain_id) != deal.chain_id:
            raise OtcError(f"deal {deal.deal_id} is on chain id {deal.chain_id}")

    def settlement_tx(self, deal: OtcDeal) -> SafeTx:
        """Both legs swap hands in one MultiSend; refused unless both are funded in time."""
        self._open(deal)
        if self.chain_time_s() >= deal.deadline_s:
            raise OtcError(f"deal {deal.deal_id} is past its deadline: only a refund is possible")
        desk_funded, counterparty_funded = self.funded(deal)
        if not (desk_funded and counterparty_funded):
            raise OtcError(
                f"deal {deal.deal_id} is not fully funded (desk {desk_funded}, "
                f"counterparty {counterparty_funded}): settlement would pay one leg only"
            )
        calls = [
            _transfer_call(deal.desk.asset, deal.counterparty.party, deal.desk.amount),
            _transfer_call(deal.counterparty.asset, deal.desk.party, deal.counterparty.amount),
        ]
        return self._multisend(deal, calls)

    def refund_tx(self, deal: OtcDeal) -> SafeTx:
        """After the deadline: return each party what the escrow holds of its leg."""
        self._open(deal)
        if self.chain_time_s() < deal.deadline_s:
            raise OtcError(f"deal {deal.deal_id} cannot be refunded before its deadline")
        calls = []
        if deal.desk.asset == deal.counterparty.asset:
            held = self.balance(deal.desk.asset, deal.escrow)
            first = min(held, deal.desk.amount)
            if first:
                calls.append(_transfer_call(deal.desk.asset, deal.desk.party, first))
            if held - first:
                calls.append(_transfer_call(deal.desk.asset, deal.counterparty.party, held - first))
        else:
            for leg in (deal.desk, deal.counterparty):
                held = min(self.balance(leg.asset, deal.escrow), leg.amount)
                if held:
                    calls.append(_transfer_call(leg.asset, leg.party, held))
        if not calls:
            raise OtcError(f"deal {deal.deal_id}: the escrow holds nothing to refund")
        return self._multisend(deal, calls)

    def _multisend(self, deal: OtcDeal, calls: Sequence[tuple[str, int, bytes]]) -> SafeTx:
        nonce = SafeClient(self.w3, deal.escrow).nonce()
        return SafeTx(
            to=self.stack.multi_send_call_only,
            value=0,
            data=multisend_payload(calls),
            operation=DELEGATE_CALL,
            nonce=nonce,
        )

    def close(
        self,
        deal: OtcDeal,
        tx: SafeTx,
        signers: Sequence[DigestSigning],
        executor: LocalAccount,
        outcome: DealState,
    ) -> OtcDeal:
        """Execute a settlement or refund SafeTx signed by two owners; returns the final deal."""
        safe = SafeClient(self.w3, deal.escrow)
        digest = safe_tx_hash(tx, deal.chain_id, deal.escrow)
        signatures = [signer.sign(digest) for signer in signers]
        by_owner = verify_signatures(digest, signatures, safe.owners(), safe.threshold())
        tx_hash = safe.execute(tx, pack_signatures(by_owner), executor)
        _log.info("custody.otc_closed", deal=deal.deal_id, outcome=outcome.value, tx=tx_hash)
        return replace(deal, state=outcome, closing_tx=tx_hash)


def safe_stack_from(w3: Web3, addresses: dict[str, str]) -> SafeStack:
    """A ``SafeStack`` from a JSON mapping (as ``tradewind otc`` keeps it next to deals)."""
    try:
        return SafeStack(chain_id=int(w3.eth.chain_id), **addresses)
    except TypeError as exc:
        raise OtcError(f"Safe stack addresses malformed: {exc}") from None
