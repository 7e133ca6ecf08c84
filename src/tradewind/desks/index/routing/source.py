"""The index desk's collateral from the chain: vault deposits, routed to the exchange, delivered.

    ChainCollateralSource(router)     a ``CollateralSource`` (tradewind.desks.index)
      start(sink) / stop()            follow the vault and route in the background
      step()                          one poll of the vault (tests): the new routing records

The vault's ``CollateralDeposited`` events are followed ``vault_confirmations`` deep
(``EventFollower``): a deposit whose block is dropped before that depth is retracted by the
follower and never routed. Events of another contract or chain never reach here (the follower
drops them with ``chain.event_ignored``); a deposit of a token other than the route's is ignored
the same way. Each confirmed deposit becomes a stored ``RoutingRecord`` (once per deposit id)
before the follower's place is committed, and is routed in its own task; ``start`` also resumes
every unfinished record of the store.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from web3.exceptions import Web3Exception

from tradewind.chain.events import (
    ChainEventConfirmed,
    ChainEventRetracted,
    ChainEventSeen,
    EventFollower,
    FollowerRpcError,
    FollowerStore,
)
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.desks.index.collateral_source import DepositSink
from tradewind.desks.index.routing.record import RouteStage, RoutingRecord
from tradewind.desks.index.routing.router import CollateralRouter
from tradewind.desks.index.routing.vault import MalformedVaultDepositError, VaultDeposit

__all__ = ["ChainCollateralSource"]

log = get_logger("chain.routing")

_TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError, FollowerRpcError, Web3Exception)


class ChainCollateralSource:
    """Delivers routed vault deposits to the desk (amounts as in ``CollateralRouter``)."""

    def __init__(
        self,
        router: CollateralRouter,
        *,
        follower_store: FollowerStore | None = None,
        start_block: int | None = 0,
        clock: TimerClock | None = None,
    ) -> None:
        self._router = router
        self._clock: TimerClock = clock or LiveClock()
        settings = router.settings
        self._follower = EventFollower(
            router.origin.w3,
            chain_id=router.origin.chain_id,
            filters=[router.vault.deposited_filter()],
            confirmations=settings.vault_confirmations,
            poll_interval=settings.poll_interval_s,
            start_block=start_block,
            cursor_store=follower_store,
            stream_id=f"routing:{router.origin.chain_id}:{router.vault.address}",
        )
        self._decimals: int | None = None
        self._sink: DepositSink | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._routes: dict[str, asyncio.Task[RoutingRecord]] = {}
        self._stop = asyncio.Event()

    @property
    def router(self) -> CollateralRouter:
        return self._router

    @property
    def active_routes(self) -> list[str]:
        """Deposit ids being routed now."""
        return [key for key, task in self._routes.items() if not task.done()]

    async def start(self, sink: DepositSink) -> None:
        """Resume unfinished routes, then follow the vault in the background; returns at once."""
        self._sink = sink
        self._stop.clear()
        for record in await self._router.store.unfinished():
            self._spawn(record)
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        tasks = [t for t in (self._loop_task, *self._routes.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = None
        self._routes.clear()
        self._sink = None

    async def wait_routed(self, deposit_id: str) -> RoutingRecord:
        """Wait for the route of ``deposit_id`` (started by this source) to finish."""
        return await self._routes[deposit_id]

    # -- the vault -----------------------------------------------------------------------------

    async def _run(self) -> None:
        interval = self._router.settings.poll_interval_s
        while not self._stop.is_set():
            try:
                for record in await self.step():
                    self._spawn(record)
            except _TRANSIENT as exc:
                log.warning("chain.routing_rpc_error", error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await self._clock.wait_for(self._stop.wait(), seconds_to_ns(interval))

    async def step(self) -> list[RoutingRecord]:
        """One poll of the vault: store a record per newly confirmed deposit, then commit."""
        created: list[RoutingRecord] = []
        for event in await self._follower.poll():
            if isinstance(event, ChainEventSeen):
                log.info(
                    "chain.vault_deposit_seen",
                    tx_hash=event.tx_hash,
                    block_number=event.block_number,
                    deposit_id=event.args.get("depositId"),
                )
            elif isinstance(event, ChainEventRetracted):
                log.warning(
                    "chain.vault_deposit_retracted",
                    tx_hash=event.tx_hash,
                    block_number=event.block_number,
                    deposit_id=event.args.get("depositId"),
                )
            elif isinstance(event, ChainEventConfirmed):
                record = await self._record_for(event)
                if record is not None:
                    created.append(record)
        await self._follower.commit()
        return created

    async def _record_for(self, event: ChainEventConfirmed) -> RoutingRecord | None:
        try:
            deposit = VaultDeposit.from_event(event)
        except MalformedVaultDepositError as exc:
            log.warning("chain.event_ignored", reason="malformed_vault_deposit", error=str(exc))
            return None
        router = self._router
        if deposit.token != router.contracts.origin_token or deposit.amount <= 0:
            log.warning(
                "chain.event_ignored",
                reason="unsupported_deposit",
                chain_id=deposit.chain_id,
                tx_hash=deposit.tx_hash,
                token=deposit.token,
                amount=deposit.amount,
                deposit_id=deposit.deposit_id,
            )
            return None
        key = f"{deposit.chain_id}:{deposit.deposit_id}"
        if await router.store.get(key) is not None:
            return None  # already routed or on its way (a restart re-reads committed batches)
        if self._decimals is None:
            self._decimals = await self._token_decimals()
        now = self._clock.now_ns()
        record = RoutingRecord(
            deposit_id=key,
            chain_id=deposit.chain_id,
            vault_deposit_id=deposit.deposit_id,
            user=deposit.user,
            token=deposit.token,
            index_symbol=deposit.index_symbol,
            amount_units=deposit.amount,
            decimals=self._decimals,
            deposit_tx_hash=deposit.tx_hash,
            deposit_block=deposit.block_number,
            stage=RouteStage.DETECTED,
            created_ns=now,
            updated_ns=now,
        )
        await router.store.put(record)
        log.info(
            "chain.vault_deposit_confirmed",
            deposit_id=key,
            user=deposit.user,
            amount_units=deposit.amount,
            index_symbol=deposit.index_symbol,
            tx_hash=deposit.tx_hash,
            block_number=deposit.block_number,
        )
        return record

    async def _token_decimals(self) -> int:
        from tradewind.chain.bridge.spoke_pool import Erc20Contract

        router = self._router
        origin = await Erc20Contract(router.origin.w3, router.contracts.origin_token).decimals()
        target = await Erc20Contract(
            router.destination.w3, router.contracts.destination_token
        ).decimals()
        if origin != target:
            raise ValueError(f"route tokens differ in decimals: {origin} vs {target}")
        return origin

    def _spawn(self, record: RoutingRecord) -> None:
        sink = self._sink
        if sink is None or record.finished:
            return
        current = self._routes.get(record.deposit_id)
        if current is not None and not current.done():
            return
        task: asyncio.Task[RoutingRecord] = asyncio.get_running_loop().create_task(
            self._router.route(record, sink)
        )
        self._routes[record.deposit_id] = task
