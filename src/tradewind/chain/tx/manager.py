"""The desk's transactions on one chain from one key: one nonce per intent, sent until confirmed.

``send(intent_id, build)`` is idempotent per intent id:
  new intent      build the request, estimate gas (+ margin), price it from ``eth_feeHistory``,
                  take the next nonce under a lock, sign, store (write-ahead), broadcast
  known intent    never built again: its stored attempts are followed (re-broadcast after a
                  restart, replaced at the same nonce when stuck) to the same end
Following an intent: poll for a receipt of any of its attempts; when none lands within
``resubmit_after_s`` (measured on ``clock``) re-sign at the same nonce with both fee fields raised
by >= 12.5 %; once mined, wait for ``confirmations`` blocks and check the block is still
canonical (a reorged-out transaction is re-broadcast). Status 0 raises TransactionReverted with
the decoded reason. Every intent's attempts share one nonce, so at most one of them can land.
"""

from __future__ import annotations

import asyncio
import enum
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

import aiohttp
from eth_typing import ChecksumAddress, HexStr
from eth_utils import to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import TxParams

from tradewind.chain.keys import HotKey
from tradewind.chain.tx.errors import (
    ChainIdMismatchError,
    FeeCapExceededError,
    InvalidTxRequestError,
    NonceConsumedError,
    TransactionRejected,
    TransactionReverted,
    TransactionWouldRevert,
)
from tradewind.chain.tx.fees import FeeHistory, FeePolicy, Fees, bumped, fees_from_history
from tradewind.chain.tx.metrics import TxMetrics
from tradewind.chain.tx.model import (
    IntentRecord,
    IntentStatus,
    SentTransaction,
    TxAttempt,
    TxRequest,
    validate_intent_id,
)
from tradewind.chain.tx.reverts import revert_reason_of
from tradewind.chain.tx.store import InMemoryIntentStore, IntentStore
from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock, LiveClock

__all__ = ["TransactionManager", "TxBuilder"]

TxBuilder = Callable[[], Awaitable[TxRequest]]
"""Builds the request of a new intent; called at most once per intent id."""

_log = get_logger("chain.tx")
_NS = 1_000_000_000
_CONSUMED_AFTER_POLLS = 3
"""Polls in a row our nonce must look taken by another transaction before the intent fails."""
_FIRST_BROADCAST_TRIES = 3


class _Outcome(enum.Enum):
    ACCEPTED = "accepted"
    NONCE_TOO_LOW = "nonce_too_low"
    UNDERPRICED = "underpriced"
    REFUSED = "refused"
    UNKNOWN = "unknown"  # the node did not answer: the tx may or may not be in its pool


_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")
_UNDERPRICED = ("underpriced", "less than block base fee", "fee too low", "feecap")


def _classify(message: str) -> _Outcome:
    text = message.lower()
    if any(marker in text for marker in _KNOWN):
        return _Outcome.ACCEPTED
    if "nonce too low" in text or "nonce has already been used" in text:
        return _Outcome.NONCE_TOO_LOW
    if any(marker in text for marker in _UNDERPRICED):
        return _Outcome.UNDERPRICED
    return _Outcome.REFUSED


def _rpc_message(error: Web3RPCError) -> str:
    response = error.rpc_response
    if isinstance(response, Mapping):
        detail = response.get("error")
        if isinstance(detail, Mapping) and isinstance(detail.get("message"), str):
            return str(detail["message"])
    return str(error.message)


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


class TransactionManager:
    """Sends, replaces and confirms the transactions of one key on one chain.

    Fees in wei per gas, values in wei, ``confirmations`` in blocks (1 = included),
    ``poll_interval_s`` and ``resubmit_after_s`` in seconds (the latter measured on ``clock``,
    so a simulated clock decides when a stuck transaction is replaced).
    """

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        key: HotKey,
        *,
        chain_id: int,
        confirmations: int = 1,
        fee_policy: FeePolicy | None = None,
        clock: Clock | None = None,
        store: IntentStore | None = None,
        poll_interval_s: float = 0.25,
        resubmit_after_s: float = 30.0,
        metrics: TxMetrics | None = None,
    ) -> None:
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
            raise InvalidTxRequestError(f"chain_id must be a positive int, got {chain_id!r}")
        if (
            isinstance(confirmations, bool)
            or not isinstance(confirmations, int)
            or confirmations < 1
        ):
            raise InvalidTxRequestError(f"confirmations must be an int >= 1, got {confirmations!r}")
        if not poll_interval_s > 0 or not resubmit_after_s > 0:
            raise InvalidTxRequestError("poll_interval_s and resubmit_after_s must be > 0")
        self._w3 = w3
        self._key = key
        self._chain_id = chain_id
        self._confirmations = confirmations
        self._policy = fee_policy or FeePolicy()
        self._clock: Clock = clock or LiveClock()
        self._store: IntentStore = store if store is not None else InMemoryIntentStore()
        self._poll_s = poll_interval_s
        self._resubmit_ns = int(resubmit_after_s * _NS)
        self._nonce_lock = asyncio.Lock()
        self._next_nonce: int | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._intent_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._error_abis: dict[str, Sequence[Mapping[str, Any]]] = {}
        self._metrics = metrics

    @property
    def address(self) -> ChecksumAddress:
        return to_checksum_address(self._key.address)

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def confirmations(self) -> int:
        return self._confirmations

    # -- public API -------------------------------------------------------------------------

    async def send(self, intent_id: str, build: TxBuilder) -> SentTransaction:
        """Send the intent's transaction (built once) and return it once confirmed.

        Calling again with the same ``intent_id`` — concurrently, later, or from a new manager
        on the same store — never signs at another nonce: it returns the confirmed result,
        re-raises the revert, or resumes following the stored attempts.
        """
        validate_intent_id(intent_id)
        await self._start()
        async with self._lock_for(intent_id):
            record = await self._store.get(self._chain_id, intent_id)
            if record is not None and record.sender != self.address:
                raise InvalidTxRequestError(
                    f"intent {intent_id!r} belongs to {record.sender}, not {self.address}"
                )
            if record is None or record.status is IntentStatus.REJECTED:
                request = await build()
                if not isinstance(request, TxRequest):
                    raise InvalidTxRequestError(
                        f"a tx builder must return a TxRequest, got {type(request).__name__}"
                    )
                if request.error_abi:
                    self._error_abis[intent_id] = request.error_abi
                # Shielded: once a nonce is taken the transaction must reach the node even if
                # the caller is cancelled, or every later nonce would wait behind a gap.
                record = await asyncio.shield(self._submit_new(intent_id, request))
                return await self._follow(record, just_sent=True)
            return await self._follow(record)

    async def resume(self, intent_id: str) -> SentTransaction:
        """Follow a stored intent to its end without building anything (after ``recover``)."""
        validate_intent_id(intent_id)

        async def refuse() -> TxRequest:
            raise InvalidTxRequestError(f"intent {intent_id!r} has nothing stored to resume")

        return await self.send(intent_id, refuse)

    async def recover(self) -> list[str]:
        """Re-broadcast the latest attempt of every open intent of this key (replacing it when
        the base fee outgrew it) and put the nonce cursor past them; returns their ids, for
        ``resume``. Done once by itself before the first send; ``resume`` follows an intent to
        its end (fee bumps included)."""
        if not self._started:
            return await self._start()
        return await self._recover()

    async def _recover(self) -> list[str]:
        records = await self._store.unfinished(self._chain_id, self.address)
        async with self._nonce_lock:
            await self._sync_nonce()
        for record in records:
            async with self._lock_for(record.intent_id):
                current = await self._store.get(self._chain_id, record.intent_id)
                if current is not None and not current.finished:
                    await self._rebroadcast(current)
        _log.info("chain.tx_recovered", chain_id=self._chain_id, intents=len(records))
        return [record.intent_id for record in records]

    async def get(self, intent_id: str) -> IntentRecord | None:
        """The stored state of an intent, if any."""
        return await self._store.get(self._chain_id, validate_intent_id(intent_id))

    # -- new intents ------------------------------------------------------------------------

    def _lock_for(self, intent_id: str) -> asyncio.Lock:
        lock = self._intent_locks.get(intent_id)
        if lock is None:
            lock = asyncio.Lock()
            self._intent_locks[intent_id] = lock
        return lock

    async def _start(self) -> list[str]:
        """Check the node's chain id, then recover open intents; once per manager."""
        async with self._start_lock:
            if self._started:
                return []
            actual = int(await self._w3.eth.chain_id)
            if actual != self._chain_id:
                raise ChainIdMismatchError(self._chain_id, actual)
            recovered = await self._recover()
            self._started = True
            return recovered

    async def _sync_nonce(self) -> None:
        pending = int(await self._w3.eth.get_transaction_count(self.address, "pending"))
        held = await self._store.unfinished(self._chain_id, self.address)
        highest = max((record.nonce for record in held), default=-1)
        self._next_nonce = max(pending, highest + 1)

    async def _estimate_gas(self, intent_id: str, request: TxRequest) -> int:
        try:
            estimate = int(
                await self._w3.eth.estimate_gas(cast(TxParams, request.call_params(self.address)))
            )
        except ContractLogicError as exc:
            reason = revert_reason_of(exc, request.error_abi)
            raise TransactionWouldRevert(intent_id, reason) from exc
        except Web3RPCError as exc:
            raise TransactionRejected(intent_id, _rpc_message(exc)) from exc
        return self._policy.gas_limit(estimate)

    async def _current_fees(self) -> Fees:
        history = await self._w3.eth.fee_history(
            self._policy.history_blocks, "latest", [self._policy.reward_percentile]
        )
        rewards = [int(block[0]) for block in history.get("reward") or () if block]
        base_fees = [int(fee) for fee in history.get("baseFeePerGas") or ()]
        return fees_from_history(FeeHistory(base_fees=base_fees, rewards=rewards), self._policy)

    def _sign(self, request: TxRequest, nonce: int, gas_limit: int, fees: Fees) -> TxAttempt:
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self._chain_id,
            "nonce": nonce,
            "value": request.value,
            "data": request.data,
            "gas": gas_limit,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }
        if request.to is not None:
            tx["to"] = request.to
        signed = self._key.sign_transaction(tx)
        return TxAttempt(
            tx_hash=_hex(signed.hash),
            raw_tx=_hex(signed.raw_transaction),
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            signed_ns=self._clock.now_ns(),
        )

    async def _broadcast(self, attempt: TxAttempt) -> tuple[_Outcome, str]:
        try:
            await self._w3.eth.send_raw_transaction(HexStr(attempt.raw_tx))
        except Web3RPCError as exc:
            message = _rpc_message(exc)
            return _classify(message), message
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return _Outcome.UNKNOWN, f"{type(exc).__name__}: {exc}"
        return _Outcome.ACCEPTED, ""

    async def _submit_new(self, intent_id: str, request: TxRequest) -> IntentRecord:
        gas_limit = request.gas_limit or await self._estimate_gas(intent_id, request)
        fees = await self._current_fees()
        async with self._nonce_lock:
            if self._next_nonce is None:
                await self._sync_nonce()
            created = self._clock.now_ns()
            message = ""
            for _ in range(_FIRST_BROADCAST_TRIES):
                assert self._next_nonce is not None
                nonce = self._next_nonce
                attempt = self._sign(request, nonce, gas_limit, fees)
                record = IntentRecord(
                    chain_id=self._chain_id,
                    intent_id=intent_id,
                    sender=self.address,
                    nonce=nonce,
                    gas_limit=gas_limit,
                    request=request,
                    status=IntentStatus.SIGNED,
                    attempts=(attempt,),
                    created_ns=created,
                    updated_ns=self._clock.now_ns(),
                )
                await self._store.put(record)  # before the bytes leave the process
                self._next_nonce = nonce + 1
                outcome, message = await self._broadcast(attempt)
                if outcome in (_Outcome.ACCEPTED, _Outcome.UNKNOWN):
                    now = self._clock.now_ns()
                    status = (
                        IntentStatus.BROADCAST
                        if outcome is _Outcome.ACCEPTED
                        else IntentStatus.SIGNED
                    )
                    record = record.with_changes(
                        status=status, last_broadcast_ns=now, updated_ns=now
                    )
                    await self._store.put(record)
                    if self._metrics is not None:
                        self._metrics.sent(self._chain_id, fees.max_fee_per_gas)
                    _log.info(
                        "chain.tx_sent",
                        chain_id=self._chain_id,
                        intent_id=intent_id,
                        nonce=nonce,
                        tx_hash=attempt.tx_hash,
                        gas_limit=gas_limit,
                        max_fee_per_gas=fees.max_fee_per_gas,
                        max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                        node_answer=message or "accepted",
                    )
                    return record
                # The attempt never entered a mempool, so no transaction of this intent exists
                # yet: signing again (fresh nonce or fresh fees) cannot produce a second one.
                if outcome is _Outcome.NONCE_TOO_LOW:
                    await self._sync_nonce()
                    _log.warning(
                        "chain.nonce_resynced",
                        chain_id=self._chain_id,
                        address=self.address,
                        intent_id=intent_id,
                        stale_nonce=nonce,
                        next_nonce=self._next_nonce,
                    )
                    continue
                self._next_nonce = nonce  # give the nonce back before anyone else takes one
                if outcome is _Outcome.UNDERPRICED:
                    fees = await self._current_fees()
                    continue
                break
            record = record.with_changes(
                status=IntentStatus.REJECTED, error=message, updated_ns=self._clock.now_ns()
            )
            await self._store.put(record)
        if self._metrics is not None:
            self._metrics.failed(self._chain_id, "rejected")
        _log.warning(
            "chain.tx_rejected", chain_id=self._chain_id, intent_id=intent_id, reason=message
        )
        raise TransactionRejected(intent_id, message)

    # -- following an intent to its end -----------------------------------------------------

    @staticmethod
    def _finished_result(record: IntentRecord) -> SentTransaction:
        if record.status is IntentStatus.CONFIRMED:
            return SentTransaction.from_record(record)
        if record.status is IntentStatus.REVERTED:
            assert record.tx_hash is not None and record.block_number is not None
            raise TransactionReverted(
                record.intent_id, record.tx_hash, record.block_number, record.error
            )
        raise NonceConsumedError(record.intent_id, record.nonce)

    async def _find_receipt(self, record: IntentRecord) -> Mapping[str, Any] | None:
        for attempt in reversed(record.attempts):
            try:
                receipt: Mapping[str, Any] = await self._w3.eth.get_transaction_receipt(
                    attempt.tx_hash  # type: ignore[arg-type]
                )
            except TransactionNotFound:
                continue
            if receipt.get("blockNumber") is not None:
                return receipt
        return None

    async def _follow(self, record: IntentRecord, *, just_sent: bool = False) -> SentTransaction:
        if record.finished:
            return self._finished_result(record)
        # A known intent may have left the mempool (restart, node restart): send it again once.
        rebroadcast_due = not just_sent
        # polls in a row that saw our nonce used with no receipt of ours: a node can count a
        # mined transaction before it serves its receipt, so one sighting is not proof
        unexplained = 0
        while True:
            receipt = await self._find_receipt(record)
            if receipt is not None:
                record, result = await self._on_receipt(record, receipt)
                if result is not None:
                    return result
                await asyncio.sleep(self._poll_s)
                continue
            if record.status is IntentStatus.MINED:
                _log.warning(
                    "chain.tx_reorged",
                    chain_id=self._chain_id,
                    intent_id=record.intent_id,
                    tx_hash=record.tx_hash,
                    block_number=record.block_number,
                )
                record = record.with_changes(
                    status=IntentStatus.BROADCAST,
                    tx_hash=None,
                    block_number=None,
                    block_hash=None,
                    gas_used=None,
                    effective_gas_price=None,
                    contract_address=None,
                    updated_ns=self._clock.now_ns(),
                )
                await self._store.put(record)
                rebroadcast_due = True
            unexplained = unexplained + 1 if await self._nonce_taken_elsewhere(record) else 0
            if unexplained >= _CONSUMED_AFTER_POLLS:
                record = record.with_changes(
                    status=IntentStatus.FAILED,
                    updated_ns=self._clock.now_ns(),
                    error=f"nonce {record.nonce} consumed by another transaction",
                )
                await self._store.put(record)
                if self._metrics is not None:
                    self._metrics.failed(self._chain_id, "nonce_consumed")
                _log.error(
                    "chain.tx_nonce_consumed",
                    chain_id=self._chain_id,
                    intent_id=record.intent_id,
                    nonce=record.nonce,
                )
                raise NonceConsumedError(record.intent_id, record.nonce)
            last = record.last_broadcast_ns if record.last_broadcast_ns is not None else 0
            if self._clock.now_ns() - last >= self._resubmit_ns:
                record = await self._replace(record)
            elif rebroadcast_due:
                record = await self._rebroadcast(record)
            rebroadcast_due = False
            await asyncio.sleep(self._poll_s)

    async def _nonce_taken_elsewhere(self, record: IntentRecord) -> bool:
        mined_count = int(await self._w3.eth.get_transaction_count(self.address, "latest"))
        if mined_count <= record.nonce:
            return False
        # The nonce is used: by one of our attempts mined since the receipt check, or not.
        return await self._find_receipt(record) is None

    async def _on_receipt(
        self, record: IntentRecord, receipt: Mapping[str, Any]
    ) -> tuple[IntentRecord, SentTransaction | None]:
        block_number = int(receipt["blockNumber"])
        block_hash = _hex(receipt["blockHash"])
        tx_hash = _hex(receipt["transactionHash"])
        contract = receipt.get("contractAddress")
        if record.status is not IntentStatus.MINED or record.block_hash != block_hash:
            record = record.with_changes(
                status=IntentStatus.MINED,
                tx_hash=tx_hash,
                block_number=block_number,
                block_hash=block_hash,
                gas_used=int(receipt["gasUsed"]),
                effective_gas_price=int(receipt["effectiveGasPrice"]),
                contract_address=to_checksum_address(contract) if contract else None,
                updated_ns=self._clock.now_ns(),
            )
            await self._store.put(record)
            _log.info(
                "chain.tx_mined",
                chain_id=self._chain_id,
                intent_id=record.intent_id,
                tx_hash=tx_hash,
                nonce=record.nonce,
                block_number=block_number,
                status=int(receipt["status"]),
                attempts=len(record.attempts),
            )
        head = int(await self._w3.eth.block_number)
        if head - block_number + 1 < self._confirmations:
            return record, None
        canonical = await self._w3.eth.get_block(block_number)
        if _hex(canonical["hash"]) != block_hash:
            return record, None  # reorged while we looked; the next receipt lookup decides
        if int(receipt["status"]) == 0:
            reason = await self._revert_reason(record, block_number)
            record = record.with_changes(
                status=IntentStatus.REVERTED, error=reason, updated_ns=self._clock.now_ns()
            )
            await self._store.put(record)
            if self._metrics is not None:
                self._metrics.failed(self._chain_id, "reverted")
            _log.warning(
                "chain.tx_reverted",
                chain_id=self._chain_id,
                intent_id=record.intent_id,
                tx_hash=tx_hash,
                block_number=block_number,
                reason=reason,
            )
            raise TransactionReverted(record.intent_id, tx_hash, block_number, reason)
        record = record.with_changes(status=IntentStatus.CONFIRMED, updated_ns=self._clock.now_ns())
        await self._store.put(record)
        result = SentTransaction.from_record(record)
        self._error_abis.pop(record.intent_id, None)
        if self._metrics is not None:
            self._metrics.confirmed(self._chain_id)
        _log.info(
            "chain.tx_confirmed",
            chain_id=self._chain_id,
            intent_id=record.intent_id,
            tx_hash=tx_hash,
            block_number=block_number,
            confirmations=self._confirmations,
            gas_used=result.gas_used,
            fee_paid_wei=result.fee_paid_wei,
        )
        return record, result

    async def _revert_reason(self, record: IntentRecord, block_number: int) -> str | None:
        # Receipts carry no reason: replay the call on the parent block's state.
        params = record.request.call_params(self.address)
        params["gas"] = record.gas_limit
        error_abi = self._error_abis.pop(record.intent_id, ())
        try:
            await self._w3.eth.call(params, max(block_number - 1, 0))  # type: ignore[arg-type]
        except ContractLogicError as exc:
            return revert_reason_of(exc, error_abi)
        except (Web3RPCError, aiohttp.ClientError, TimeoutError, OSError):
            return None
        return None

    async def _rebroadcast(self, record: IntentRecord) -> IntentRecord:
        outcome, message = await self._broadcast(record.latest)
        if outcome is _Outcome.UNDERPRICED:
            # The base fee rose past the attempt's max fee: it cannot land, replace it now.
            return await self._replace(record)
        if outcome is _Outcome.ACCEPTED and record.status is IntentStatus.SIGNED:
            record = record.with_changes(
                status=IntentStatus.BROADCAST,
                updated_ns=self._clock.now_ns(),
                last_broadcast_ns=record.last_broadcast_ns or self._clock.now_ns(),
            )
            await self._store.put(record)
        _log.info(
            "chain.tx_rebroadcast",
            chain_id=self._chain_id,
            intent_id=record.intent_id,
            tx_hash=record.latest.tx_hash,
            nonce=record.nonce,
            node_answer=message or outcome.value,
        )
        return record

    async def _replace(self, record: IntentRecord) -> IntentRecord:
        previous = Fees(record.latest.max_fee_per_gas, record.latest.max_priority_fee_per_gas)
        try:
            fresh = await self._current_fees()
        except FeeCapExceededError:
            fresh = previous
        fees = bumped(previous, fresh, self._policy)
        now = self._clock.now_ns()
        if fees is None:
            _log.warning(
                "chain.tx_fee_cap_reached",
                chain_id=self._chain_id,
                intent_id=record.intent_id,
                max_fee_per_gas=previous.max_fee_per_gas,
                cap=self._policy.max_fee_cap_wei,
            )
            record = record.with_changes(last_broadcast_ns=now, updated_ns=now)
            await self._store.put(record)
            await self._broadcast(record.latest)
            return record
        attempt = self._sign(record.request, record.nonce, record.gas_limit, fees)
        record = record.with_changes(attempts=(*record.attempts, attempt), updated_ns=now)
        await self._store.put(record)  # the new hash is known before the bytes leave
        outcome, message = await self._broadcast(attempt)
        if outcome in (_Outcome.ACCEPTED, _Outcome.UNKNOWN):
            record = record.with_changes(
                status=IntentStatus.BROADCAST
                if record.status is IntentStatus.SIGNED
                else record.status,
                last_broadcast_ns=now,
            )
            await self._store.put(record)
        _log.info(
            "chain.tx_replaced",
            chain_id=self._chain_id,
            intent_id=record.intent_id,
            nonce=record.nonce,
            old_tx_hash=record.attempts[-2].tx_hash,
            tx_hash=attempt.tx_hash,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            attempt=len(record.attempts),
            node_answer=message or outcome.value,
        )
        return record
