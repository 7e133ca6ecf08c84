"""Index tokens a user sends back to the desk for redemption, handed to the desk once confirmed.

    TokenReturnWatcher(registry=…, clients={"base": w3, …}, sink=desk.on_tokens_returned)
      start() / stop()     follow every chain in the background
      run(stop)            the same loop, awaited
      step()               one poll of every chain (tests): the returns delivered by it

Per chain, one ``EventFollower`` (``confirmations`` deep, cursor in ``follower_store``) follows
``Transfer`` of every ``IndexToken:<SYMBOL>`` the registry lists there. A confirmed
``Transfer(from, to = desk, value)`` becomes

    IndexTokensReturned(return_id = "<chain_id>:<tx_hash>:<log_index>", chain_id,
                        address = from, symbol, quantity = value / 10**18 (exact), ts = block time)

handed to ``sink``. Not returns: mints (from the zero address), transfers to anyone else, the
desk's own transfers and zero-value transfers. A transfer whose block is dropped before its
depth is retracted by the follower and never delivered. A sink failure keeps the return in a
backlog retried on every step, and the follower's place on that chain is committed only once the
backlog is empty, so a restart delivers again what was not acknowledged (the desk keys returns
by ``return_id``, so a repeat is harmless; within a process none is repeated).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from eth_utils import is_address, to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import Web3Exception

from tradewind.chain.bridge.spoke_pool import ZERO_ADDRESS
from tradewind.chain.events import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    EventFollower,
    FollowerRpcError,
    FollowerStore,
)
from tradewind.chain.registry import DeploymentRegistry
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.desks.index.events import IndexTokensReturned, InvalidIndexEvent
from tradewind.desks.index.minting.amounts import units_to_tokens
from tradewind.desks.index.minting.errors import InvalidSettlementConfigError
from tradewind.desks.index.minting.token import IndexTokenContract

__all__ = ["ReturnSink", "TokenReturnWatcher", "return_id_of", "returned_tokens"]

log = get_logger("chain.minting")

ReturnSink = Callable[[IndexTokensReturned], Awaitable[None]]
"""Receives each confirmed return (the desk's ``on_tokens_returned``)."""

_TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError, FollowerRpcError, Web3Exception)
_INDEX_PREFIX = "IndexToken:"


def return_id_of(chain_id: int, tx_hash: str, log_index: int) -> str:
    """The id of one returning transfer: ``"<chain_id>:<tx_hash>:<log_index>"``."""
    return f"{chain_id}:{tx_hash.lower()}:{log_index}"


def returned_tokens(event: ChainEvent, symbol: str, desk: str) -> IndexTokensReturned | None:
    """The return a ``Transfer`` event of ``symbol``'s token is, or None when it is not one
    (not to ``desk``, a mint, the desk's own, zero value). Raises ``InvalidIndexEvent`` for a
    transfer whose fields cannot make a return."""
    sender, receiver, value = event.args.get("from"), event.args.get("to"), event.args.get("value")
    if not isinstance(sender, str) or not isinstance(receiver, str) or not isinstance(value, int):
        raise InvalidIndexEvent(f"Transfer {event.tx_hash}: missing from/to/value")
    if receiver != desk or sender in (ZERO_ADDRESS, desk) or value == 0:
        return None
    return IndexTokensReturned(
        return_id=return_id_of(event.chain_id, event.tx_hash, event.log_index),
        chain_id=event.chain_id,
        address=to_checksum_address(sender),
        symbol=symbol,
        quantity=units_to_tokens(value),
        ts=event.ts_event,
    )


@dataclass(slots=True)
class _ChainWatch:
    name: str
    chain_id: int
    follower: EventFollower
    symbols: dict[str, str]  # token address -> index symbol
    backlog: dict[str, IndexTokensReturned] = field(default_factory=dict)


class TokenReturnWatcher:
    """Turns confirmed index-token transfers to the desk into ``IndexTokensReturned``.

    ``clients``: a web3 client per chain name to watch (chains without index tokens are
    skipped). ``confirmations`` in blocks (1 = the transfer's own block); ``poll_interval_s``
    seconds; ``start_block``: where a chain with no stored cursor starts (None: its head).
    """

    def __init__(
        self,
        *,
        registry: DeploymentRegistry,
        clients: Mapping[str, AsyncWeb3[Any]],
        sink: ReturnSink,
        desk_address: str | None = None,
        confirmations: int = 2,
        poll_interval_s: float = 0.5,
        start_block: int | None = 0,
        follower_store: FollowerStore | None = None,
        clock: TimerClock | None = None,
    ) -> None:
        self._clock = clock or LiveClock()
        desk = desk_address if desk_address is not None else registry.desk_address
        if not isinstance(desk, str) or not is_address(desk):
            raise InvalidSettlementConfigError(f"desk_address is not an address: {desk!r}")
        self._desk = to_checksum_address(desk)
        self._sink = sink
        self._poll_s = poll_interval_s
        self._watches: list[_ChainWatch] = []
        for name, w3 in clients.items():
            try:
                chain = registry.chain(name)
            except ValueError:
                raise InvalidSettlementConfigError(
                    f"client for chain {name!r}, which the registry does not have"
                ) from None
            tokens = {
                address: key.removeprefix(_INDEX_PREFIX)
                for key, address in chain.contracts.items()
                if key.startswith(_INDEX_PREFIX)
            }
            if not tokens:
                continue
            filters = [
                IndexTokenContract(w3, address).transfer_filter(f"return:{symbol}")
                for address, symbol in sorted(tokens.items(), key=lambda item: item[1])
            ]
            follower = EventFollower(
                w3,
                chain_id=chain.chain_id,
                filters=filters,
                confirmations=confirmations,
                poll_interval=poll_interval_s,
                start_block=start_block,
                cursor_store=follower_store,
                stream_id=f"token-returns:{chain.chain_id}:{self._desk}",
            )
            self._watches.append(_ChainWatch(name, chain.chain_id, follower, tokens))
        if not self._watches:
            raise InvalidSettlementConfigError("no index token on any of the chains given")
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def desk_address(self) -> str:
        return self._desk

    @property
    def chains(self) -> list[str]:
        """Names of the chains watched."""
        return [watch.name for watch in self._watches]

    @property
    def backlog(self) -> list[IndexTokensReturned]:
        """Confirmed returns the sink has not accepted yet (retried on every step)."""
        return [ret for watch in self._watches for ret in watch.backlog.values()]

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Run in the background on the current loop."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self.run(), name="token-returns")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """Poll every chain until ``stop()``; node errors are logged and retried."""
        log.info("chain.token_returns_started", desk=self._desk, chains=",".join(self.chains))
        while not self._stop.is_set():
            await self.step()
            with contextlib.suppress(TimeoutError):
                await self._clock.wait_for(self._stop.wait(), seconds_to_ns(self._poll_s))

    async def step(self) -> list[IndexTokensReturned]:
        """One poll of every chain: the returns handed to the sink by this step, in order."""
        delivered: list[IndexTokensReturned] = []
        for watch in self._watches:
            try:
                events = await watch.follower.poll()
            except _TRANSIENT as exc:
                log.warning(
                    "chain.token_returns_rpc_error",
                    chain=watch.name,
                    error=f"{type(exc).__name__}: {exc}",
                )
                continue
            for event in events:
                self._take(watch, event)
            delivered += await self._deliver(watch)
            if not watch.backlog:
                await watch.follower.commit()
        return delivered

    # -- internals -----------------------------------------------------------------------------

    def _take(self, watch: _ChainWatch, event: ChainEvent) -> None:
        symbol = watch.symbols.get(event.address)
        if symbol is None:
            return  # the follower only reads the tokens' addresses; nothing else can arrive
        try:
            returned = returned_tokens(event, symbol, self._desk)
        except (InvalidIndexEvent, ValueError) as exc:
            log.warning(
                "chain.event_ignored",
                reason="malformed_token_return",
                chain_id=watch.chain_id,
                tx_hash=event.tx_hash,
                log_index=event.log_index,
                error=str(exc),
            )
            return
        if returned is None:
            return
        fields = {
            "return_id": returned.return_id,
            "chain_id": returned.chain_id,
            "address": returned.address,
            "symbol": symbol,
            "quantity": str(returned.quantity),
            "block_number": event.block_number,
        }
        if isinstance(event, ChainEventSeen):
            log.info("chain.token_return_seen", **fields)
        elif isinstance(event, ChainEventRetracted):
            log.warning("chain.token_return_retracted", **fields)
        elif isinstance(event, ChainEventConfirmed):
            log.info("chain.token_return_confirmed", **fields)
            watch.backlog[returned.return_id] = returned

    async def _deliver(self, watch: _ChainWatch) -> list[IndexTokensReturned]:
        delivered: list[IndexTokensReturned] = []
        for return_id, returned in list(watch.backlog.items()):
            try:
                await self._sink(returned)
            except Exception as exc:
                # Kept, in order, for the next step; the follower's place is not committed.
                log.warning(
                    "chain.token_return_deferred",
                    return_id=return_id,
                    error=f"{type(exc).__name__}: {exc}",
                )
                break
            del watch.backlog[return_id]
            delivered.append(returned)
        return delivered
