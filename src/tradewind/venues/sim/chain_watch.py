"""The simulated exchange watches an EVM node for token transfers to its deposit addresses.

    ChainDepositWatcher(exchange, "BASE", SimChainConfig(rpc_url, token, coin, confirmations))
      start() / stop()   a background task on the sim's event loop (all I/O async)

Every poll an ``EventFollower`` (tradewind.chain.events) reads the token's ``Transfer`` logs:

    seen        ``to`` is an account's deposit address on the network: a pending deposit
                (hisrec status 0, confirmTimes "k/N"), k following the chain head each poll
    confirmed   N blocks deep: credited once per (tx hash, log index), status 1; the balance
                change reaches the account's user data stream as every credit does
    retracted   its block left the chain before N: the pending deposit is forgotten, never
                credited

The sim never spends from a deposit address: it only reads the chain. With a sim database the
follower's cursor is kept beside it (``<db stem>-chain.sqlite``), so a restart resumes where it
stopped; credits are deduplicated by the deposit book in any case.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import Web3Exception

from tradewind.chain.events import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    EventFilter,
    EventFollower,
    FollowerRpcError,
    FollowerStore,
    InMemoryFollowerStore,
    SqliteFollowerStore,
)
from tradewind.common.logging import get_logger
from tradewind.common.sim_chain_config import SimChainConfig
from tradewind.venues.sim.deposits import STATUS_SUCCESS, deposit_address
from tradewind.venues.sim.engine import SimError

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

__all__ = ["ERC20_TRANSFER_ABI", "ChainDepositWatcher", "chain_store_path"]

log = get_logger("sim.chain_watch")

ERC20_TRANSFER_ABI: dict[str, Any] = {
    "type": "event",
    "name": "Transfer",
    "anonymous": False,
    "inputs": [
        {"indexed": True, "name": "from", "type": "address"},
        {"indexed": True, "name": "to", "type": "address"},
        {"indexed": False, "name": "value", "type": "uint256"},
    ],
}
_DECIMALS_SELECTOR = "0x313ce567"  # decimals()
_TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError, FollowerRpcError, Web3Exception)


def chain_store_path(database: Path) -> Path:
    """Where the watchers of a sim with ``database`` keep their follower cursors."""
    return database.with_name(f"{database.stem}-chain.sqlite")


class ChainDepositWatcher:
    """Credits ``config.coin`` sent to the exchange's deposit addresses on ``network``.

    Amounts: the token's base units scaled by its ``decimals()``; depth in blocks.
    """

    def __init__(self, exchange: SimExchange, network: str, config: SimChainConfig) -> None:
        self._exchange = exchange
        self._network = network
        self._config = config
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._w3: AsyncWeb3[Any] | None = None
        self._follower: EventFollower | None = None
        self._store: FollowerStore | None = None
        self._decimals: int | None = None
        self._accounts_seen = -1
        self._by_address: dict[str, str] = {}

    @property
    def network(self) -> str:
        return self._network

    def start(self) -> None:
        """Start following on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._w3 is not None:
            with contextlib.suppress(Exception):
                await self._w3.provider.disconnect()
        if isinstance(self._store, SqliteFollowerStore):
            await self._store.close()

    # -- the loop ------------------------------------------------------------------------------

    async def _run(self) -> None:
        interval = self._config.poll_interval_ms / 1000
        while not self._stop.is_set():
            try:
                await self.step()
            except _TRANSIENT as exc:
                log.warning(
                    "chain_watch_rpc_error",
                    network=self._network,
                    error=f"{type(exc).__name__}: {exc}",
                )
            except Exception:
                # A bad node or state must not take the exchange down: log and try again.
                log.exception("chain_watch_failed", network=self._network)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval)

    async def step(self) -> None:
        """One poll: handle what the follower reports, refresh pending depths, then commit."""
        follower = await self._connect()
        for event in await follower.poll():
            await self._handle(event)
        await self._refresh_pending(follower)
        await follower.commit()

    async def _connect(self) -> EventFollower:
        if self._follower is not None:
            return self._follower
        config = self._config
        if self._w3 is None:
            self._w3 = AsyncWeb3(AsyncHTTPProvider(config.rpc_url))
        chain_id = int(await self._w3.eth.chain_id)
        call: Any = {"to": config.token, "data": _DECIMALS_SELECTOR}
        raw = await self._w3.eth.call(call)
        self._decimals = int.from_bytes(bytes(raw), "big") if raw else 0
        if self._store is None:
            database = self._exchange.settings.database
            self._store = (
                await SqliteFollowerStore.open(chain_store_path(database))
                if database is not None
                else InMemoryFollowerStore()
            )
        self._follower = EventFollower(
            self._w3,
            chain_id=chain_id,
            filters=[
                EventFilter(
                    config.token, ERC20_TRANSFER_ABI, f"deposit:{self._network}:{config.coin}"
                )
            ],
            confirmations=config.confirmations,
            poll_interval=config.poll_interval_ms / 1000,
            start_block=config.start_block,
            cursor_store=self._store,
            stream_id=f"sim-deposits:{self._network}:{chain_id}:{config.token}",
        )
        log.info(
            "chain_watch_started",
            network=self._network,
            chain_id=chain_id,
            token=config.token,
            decimals=self._decimals,
            confirmations=config.confirmations,
        )
        return self._follower

    # -- events --------------------------------------------------------------------------------

    def _account_for(self, address: str) -> str | None:
        key = address.lower()
        account = self._by_address.get(key)
        if account is not None:
            return account
        accounts = self._exchange.account_ids()
        if len(accounts) != self._accounts_seen:  # accounts only ever get added
            self._accounts_seen = len(accounts)
            self._by_address = {
                deposit_address(a, self._config.coin, self._network).lower(): a for a in accounts
            }
        return self._by_address.get(key)

    def _deposit_of(self, event: ChainEvent) -> tuple[str, Decimal] | None:
        to = event.args.get("to")
        value = event.args.get("value")
        if not isinstance(to, str) or not isinstance(value, int) or value <= 0:
            return None
        account = self._account_for(to)
        if account is None:
            return None
        assert self._decimals is not None
        return account, Decimal(value).scaleb(-self._decimals)

    async def _handle(self, event: ChainEvent) -> None:
        if isinstance(event, ChainEventRetracted):
            if await self._exchange.drop_pending_deposit(event.tx_hash, event.log_index):
                log.warning(
                    "chain_deposit_retracted",
                    network=self._network,
                    tx_hash=event.tx_hash,
                    log_index=event.log_index,
                    block_number=event.block_number,
                )
            return
        deposit = self._deposit_of(event)
        if deposit is None:
            return
        account, amount = deposit
        required = self._config.confirmations
        if isinstance(event, ChainEventConfirmed):
            depth = required
        elif isinstance(event, ChainEventSeen):
            # Seen: at least its own block; crediting is left to the confirmation.
            depth = min(1, required - 1)
        else:
            return
        await self._record(account, amount, event, depth)

    async def _record(self, account: str, amount: Decimal, event: ChainEvent, depth: int) -> None:
        try:
            record, credited = await self._exchange.credit_deposit(
                account,
                self._config.coin,
                self._network,
                amount,
                event.tx_hash,
                confirmations=depth,
                required_confirmations=self._config.confirmations,
                log_index=event.log_index,
            )
        except (SimError, KeyError) as exc:
            log.error(
                "chain_deposit_refused",
                network=self._network,
                account_id=account,
                tx_hash=event.tx_hash,
                log_index=event.log_index,
                amount=str(amount),
                error=str(exc),
            )
            return
        if credited:
            log.info(
                "chain_deposit_credited",
                network=self._network,
                account_id=account,
                coin=record.coin,
                amount=str(amount),
                tx_hash=event.tx_hash,
                log_index=event.log_index,
                block_number=event.block_number,
            )

    async def _refresh_pending(self, follower: EventFollower) -> None:
        pending = follower.pending
        if not pending:
            return
        assert self._w3 is not None
        head = int(await self._w3.eth.block_number)
        required = self._config.confirmations
        for seen in pending:
            record = self._exchange.deposits.get(seen.tx_hash, seen.log_index)
            if record is None or record.status == STATUS_SUCCESS:
                continue
            # Never N here: only the follower's confirmation (canonical, N deep) credits.
            depth = max(0, min(head - seen.block_number + 1, required - 1))
            if depth != record.confirmations:
                deposit = self._deposit_of(seen)
                if deposit is not None:
                    await self._record(deposit[0], deposit[1], seen, depth)
