"""A simulated Across relayer: fills bridge deposits on the destination chain from its own funds,
then is repaid on the origin chain through a refund root bundle (Across's own SpokePool).

    Relayer(origin=RelayerLeg(...), destinations=[RelayerLeg(...)], allowed_output_tokens=...)
      run(stop) / start() / stop()      follow the origin spoke pool until stopped
      step()                            one poll: handle confirmed deposits, retry the backlog

Per ``FundsDeposited`` confirmed ``confirmations`` deep on the origin pool (EventFollower; a
deposit whose block is dropped before that depth is never filled):
  1. checks    destination served, output token allowed there, fee >= policy, deadline ahead,
               not exclusive to another relayer; a refusal is logged and final
  2. approve   the destination pool may pull the relayer's output token (once per token)
  3. fill      ``fillRelay`` on the destination pool, repayment on the origin chain to the
               relayer                                       intent ``relay:fill:<origin>:<id>``
  4. repay     the hub (``RefundHub``, the spoke pools' owner key) relays a root bundle with a
               refund leaf for the relayer; the relayer executes the leaf with its Merkle proof
                                                             intents ``hub:bundle:…``,
                                                             ``relay:repay:<origin>:<id>``
Every transaction is a ``TransactionManager`` intent keyed by the deposit, so a restarted relayer
(same intent store) resumes a deposit and never fills it twice. The follower's place is committed
only when no deposit waits for a retry, so a restart re-reads whatever was not finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from eth_utils import to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import Web3Exception

from tradewind.chain.bridge.hub import RefundHub, repay_intent
from tradewind.chain.bridge.spoke_pool import (
    ZERO_ADDRESS,
    Erc20Contract,
    MalformedRelayError,
    RelayData,
    SpokePoolContract,
)
from tradewind.chain.events import (
    ChainEventConfirmed,
    EventFollower,
    FollowerRpcError,
    FollowerStore,
)
from tradewind.chain.tx import (
    NonceConsumedError,
    SentTransaction,
    TransactionManager,
    TransactionReverted,
    TransactionWouldRevert,
    TxBuilder,
    TxRequest,
)
from tradewind.common.logging import get_logger

__all__ = [
    "InvalidRelayerConfigError",
    "RelayOutcome",
    "RelayStatus",
    "Relayer",
    "RelayerLeg",
    "RelayerPolicy",
    "fill_intent",
    "repay_intent",
]

log = get_logger("chain.relayer")

_TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError, FollowerRpcError, Web3Exception)
_BPS = 10_000


class InvalidRelayerConfigError(ValueError):
    """The relayer was given chains, tokens or a policy it cannot work with."""


def fill_intent(relay: RelayData) -> str:
    return f"relay:fill:{relay.origin_chain_id}:{relay.deposit_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayerLeg:
    """The relayer on one chain: a web3 client, that chain's spoke pool and a transaction
    manager signing with the relayer's key there."""

    name: str
    w3: AsyncWeb3[Any]
    spoke_pool: str
    tx: TransactionManager

    @property
    def chain_id(self) -> int:
        return self.tx.chain_id


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayerPolicy:
    """What the relayer accepts: ``min_fee_bps`` of the input amount (0 = any non-negative
    fee), and ``min_deadline_margin_s`` seconds left before the fill deadline."""

    min_fee_bps: int = 0
    min_deadline_margin_s: int = 5

    def __post_init__(self) -> None:
        if not 0 <= self.min_fee_bps <= _BPS:
            raise InvalidRelayerConfigError(f"min_fee_bps must be 0..10000, got {self.min_fee_bps}")
        if self.min_deadline_margin_s < 0:
            raise InvalidRelayerConfigError("min_deadline_margin_s must be >= 0")


class RelayStatus(enum.StrEnum):
    """How handling one deposit ended."""

    FILLED = "filled"  # filled by us and repaid on the origin chain
    REFUSED = "refused"  # final: not ours to fill (wrong token, fee, deadline, filled already)
    RETRY = "retry"  # not now (funds, node trouble): tried again on the next step


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayOutcome:
    """The end of one deposit's handling; transactions carry their gas and fee paid (wei)."""

    relay: RelayData
    status: RelayStatus
    reason: str = ""
    fill: SentTransaction | None = None
    repay: SentTransaction | None = None


@dataclass(slots=True)
class _Backlog:
    relays: dict[tuple[int, int], RelayData] = field(default_factory=dict)


class Relayer:
    """Fills the deposits of one origin spoke pool on its destination chains."""

    def __init__(
        self,
        *,
        origin: RelayerLeg,
        destinations: Sequence[RelayerLeg],
        hub: RefundHub,
        allowed_output_tokens: Mapping[int, Collection[str]],
        confirmations: int = 2,
        policy: RelayerPolicy | None = None,
        follower_store: FollowerStore | None = None,
        start_block: int | None = None,
        poll_interval_s: float = 0.5,
    ) -> None:
        if not destinations:
            raise InvalidRelayerConfigError("a relayer needs at least one destination chain")
        by_id = {leg.chain_id: leg for leg in destinations}
        if len(by_id) != len(destinations) or origin.chain_id in by_id:
            raise InvalidRelayerConfigError("destination chains must be distinct from the origin")
        addresses = {origin.tx.address, *(leg.tx.address for leg in destinations)}
        if len(addresses) != 1:
            raise InvalidRelayerConfigError("every leg must sign with the same relayer key")
        if hub.spoke_pool.address != to_checksum_address(origin.spoke_pool):
            raise InvalidRelayerConfigError("the hub must serve the origin spoke pool")
        self._origin = origin
        self._hub = hub
        self._destinations = by_id
        self._tokens = {
            chain_id: frozenset(to_checksum_address(t) for t in tokens)
            for chain_id, tokens in allowed_output_tokens.items()
        }
        self._policy = policy or RelayerPolicy()
        self._origin_pool = SpokePoolContract(origin.w3, origin.spoke_pool)
        self._pools = {cid: SpokePoolContract(leg.w3, leg.spoke_pool) for cid, leg in by_id.items()}
        self._follower = EventFollower(
            origin.w3,
            chain_id=origin.chain_id,
            filters=[self._origin_pool.deposited_filter()],
            confirmations=confirmations,
            poll_interval=poll_interval_s,
            start_block=start_block,
            cursor_store=follower_store,
            stream_id=f"relayer:{origin.chain_id}:{self._origin_pool.address}",
        )
        self._poll_s = poll_interval_s
        self._backlog = _Backlog()
        self._approved: set[tuple[int, str]] = set()
        # Output tokens promised to fills being sent, per (chain, token): concurrent fills must
        # not each count the same balance.
        self._reserved: dict[tuple[int, str], int] = {}
        self._funds_lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        return self._origin.tx.address

    @property
    def origin(self) -> RelayerLeg:
        return self._origin

    @property
    def backlog(self) -> list[RelayData]:
        """Deposits waiting for a retry (funds missing, node trouble)."""
        return list(self._backlog.relays.values())

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Run in the background on the current loop (tests, in-process demos)."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """Poll until ``stop()``; node errors are logged and retried, never fatal."""
        log.info(
            "chain.relayer_started",
            relayer=self.address,
            origin=self._origin.name,
            destinations=",".join(leg.name for leg in self._destinations.values()),
        )
        while not self._stop.is_set():
            try:
                await self.step()
            except _TRANSIENT as exc:
                log.warning("chain.relayer_rpc_error", error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._poll_s)

    async def step(self) -> list[RelayOutcome]:
        """One poll of the origin pool; returns how each handled deposit ended (backlog first,
        then new deposits in chain order). Deposits are handled concurrently: the transaction
        managers keep nonces in order and funds are reserved per fill."""
        relays = list(self._backlog.relays.values())
        for event in await self._follower.poll():
            if not isinstance(event, ChainEventConfirmed):
                continue
            try:
                relays.append(RelayData.from_deposit_event(event))
            except MalformedRelayError as exc:
                log.warning("chain.event_ignored", reason="malformed_relay", error=str(exc))
        outcomes = list(await asyncio.gather(*(self._handle(relay) for relay in relays)))
        if not self._backlog.relays:
            await self._follower.commit()
        return outcomes

    # -- one deposit ---------------------------------------------------------------------------

    async def _handle(self, relay: RelayData) -> RelayOutcome:
        key = (relay.origin_chain_id, relay.deposit_id)
        try:
            outcome = await self.relay(relay)
        except _TRANSIENT as exc:
            outcome = RelayOutcome(
                relay=relay, status=RelayStatus.RETRY, reason=f"{type(exc).__name__}: {exc}"
            )
        if outcome.status is RelayStatus.RETRY:
            if key not in self._backlog.relays:
                log.warning(
                    "chain.relay_deferred",
                    origin_chain_id=relay.origin_chain_id,
                    deposit_id=relay.deposit_id,
                    reason=outcome.reason,
                )
            self._backlog.relays[key] = relay
        else:
            self._backlog.relays.pop(key, None)
        return outcome

    def _refuse(self, relay: RelayData, reason: str) -> RelayOutcome:
        log.warning(
            "chain.relay_refused",
            origin_chain_id=relay.origin_chain_id,
            deposit_id=relay.deposit_id,
            destination_chain_id=relay.destination_chain_id,
            reason=reason,
        )
        return RelayOutcome(relay=relay, status=RelayStatus.REFUSED, reason=reason)

    async def relay(self, relay: RelayData) -> RelayOutcome:
        """Fill ``relay`` and get repaid (idempotent per deposit); see the module docstring."""
        leg = self._destinations.get(relay.destination_chain_id)
        if leg is None:
            return self._refuse(relay, f"destination chain {relay.destination_chain_id} not served")
        if relay.output_token not in self._tokens.get(leg.chain_id, frozenset()):
            return self._refuse(relay, f"output token {relay.output_token} not allowed")
        if relay.relayer_fee < 0 or relay.relayer_fee * _BPS < (
            relay.input_amount * self._policy.min_fee_bps
        ):
            return self._refuse(relay, f"fee {relay.relayer_fee} below policy")
        if relay.recipient == ZERO_ADDRESS or relay.output_amount <= 0:
            return self._refuse(relay, "no recipient or nothing to pay")
        pool = self._pools[leg.chain_id]
        fill_id = fill_intent(relay)
        reserved: tuple[int, str] | None = None
        if await leg.tx.get(fill_id) is None:
            refusal = await self._precheck(relay, leg, pool)
            if refusal is not None:
                return refusal
            funds = await self._reserve_funds(relay, leg)
            if isinstance(funds, RelayOutcome):
                return funds
            reserved = funds
        try:
            request = pool.fill(relay, self._origin.chain_id, self.address)
            fill = await leg.tx.send(fill_id, self._builder(request))
        except (TransactionWouldRevert, TransactionReverted, NonceConsumedError) as exc:
            return self._refuse(relay, f"fill failed: {exc}")
        finally:
            if reserved is not None:
                self._reserved[reserved] -= relay.output_amount
        log.info(
            "chain.relay_filled",
            origin_chain_id=relay.origin_chain_id,
            deposit_id=relay.deposit_id,
            tx_hash=fill.tx_hash,
            output_amount=relay.output_amount,
            fee=relay.relayer_fee,
        )
        try:
            paid = await self._hub.refund(relay, self.address, self._origin.tx)
        except (TransactionWouldRevert, TransactionReverted, NonceConsumedError) as exc:
            return RelayOutcome(
                relay=relay, status=RelayStatus.REFUSED, reason=f"repay failed: {exc}", fill=fill
            )
        repay = paid.execution
        log.info(
            "chain.relay_repaid",
            origin_chain_id=relay.origin_chain_id,
            deposit_id=relay.deposit_id,
            tx_hash=repay.tx_hash,
            input_amount=relay.input_amount,
        )
        return RelayOutcome(relay=relay, status=RelayStatus.FILLED, fill=fill, repay=repay)

    async def _precheck(
        self, relay: RelayData, leg: RelayerLeg, pool: SpokePoolContract
    ) -> RelayOutcome | None:
        if await pool.relay_filled(relay):
            return self._refuse(relay, "already filled by another relayer")
        block = await leg.w3.eth.get_block("latest")
        # The fill lands in a later block: not before the latest one, nor before the wall clock
        # (an idle chain's latest block can be minutes old).
        now = max(int(block["timestamp"]), int(time.time()))
        if now + self._policy.min_deadline_margin_s >= relay.fill_deadline:
            return self._refuse(relay, f"fill deadline {relay.fill_deadline} too close (now {now})")
        exclusive = relay.exclusive_relayer
        if exclusive not in (ZERO_ADDRESS, self.address) and now <= relay.exclusivity_deadline:
            return self._refuse(relay, f"exclusive to {exclusive}")
        return None

    async def _reserve_funds(
        self, relay: RelayData, leg: RelayerLeg
    ) -> tuple[int, str] | RelayOutcome:
        """Reserve the fill's output against the relayer's balance (and approve the pool once);
        the reservation key, or a RETRY outcome when the balance is short."""
        token = Erc20Contract(leg.w3, relay.output_token)
        key = (leg.chain_id, token.address)
        async with self._funds_lock:
            balance = await token.balance_of(self.address)
            free = balance - self._reserved.get(key, 0)
            if free < relay.output_amount:
                return RelayOutcome(
                    relay=relay,
                    status=RelayStatus.RETRY,
                    reason=f"free balance {free} < output {relay.output_amount}",
                )
            self._reserved[key] = self._reserved.get(key, 0) + relay.output_amount
            if key not in self._approved:
                if await token.allowance(self.address, leg.spoke_pool) < relay.output_amount:
                    # One unlimited approval per (chain, token, pool): the pool only pulls what
                    # a fill names, and one intent id keeps a restart from approving again.
                    intent = f"relay:approve:{leg.chain_id}:{token.address}:{leg.spoke_pool}"
                    try:
                        await leg.tx.send(intent, self._builder(token.approve(leg.spoke_pool)))
                    except BaseException:
                        self._reserved[key] -= relay.output_amount
                        raise
                self._approved.add(key)
        return key

    @staticmethod
    def _builder(request: TxRequest) -> TxBuilder:
        async def build() -> TxRequest:
            return request

        return build
