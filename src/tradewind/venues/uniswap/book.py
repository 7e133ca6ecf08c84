"""Pool states kept from the pools' logs through the reorg-safe event follower.

    PoolBook(pools)
      filters()            EventFilter per pool and event (v3: Initialize/Mint/Burn/Swap, v2: Sync)
      on_event(event)      ChainEventSeen -> applied tentatively; ChainEventConfirmed -> final;
                           ChainEventRetracted -> undone (the state is replayed without it)
      state(symbol)        the current state (confirmed + seen, in chain order)
      confirmed(symbol)    the state of confirmed logs only

Feed it with ``EventFollower(w3, chain_id=…, filters=book.filters(), start_block=0)``. A log the
state rejects (``MalformedPoolLogError``) is logged as ``dex.pool_log_rejected`` and changes
nothing; ``rejected`` counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradewind.chain.contracts import event_abi
from tradewind.chain.events import (
    ChainEvent,
    ChainEventConfirmed,
    ChainEventRetracted,
    EventFilter,
    EventKey,
)
from tradewind.common.logging import get_logger
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind
from tradewind.venues.uniswap.state import (
    MalformedPoolLogError,
    PoolState,
    V2PairState,
    V3PoolState,
)

__all__ = ["PoolBook", "UnknownPoolError"]

_log = get_logger("venues.uniswap.book")
_V3_EVENTS = ("Initialize", "Mint", "Burn", "Swap")
_V2_EVENTS = ("Sync",)


class UnknownPoolError(KeyError):
    """No pool with that instrument symbol or address is followed here."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True)
class _Log:
    block_number: int
    log_index: int
    event_name: str
    args: Mapping[str, Any]


def _empty(pool: PoolInfo) -> PoolState:
    if pool.kind is PoolKind.V2:
        return V2PairState()
    return V3PoolState(fee_pips=pool.fee_pips, tick_spacing=pool.tick_spacing)


class PoolBook:
    """Current state of every followed pool, from its logs, undoing reorged ones."""

    def __init__(self, pools: Sequence[PoolInfo]) -> None:
        self._pools = {pool.symbol: pool for pool in pools}
        self._by_address = {pool.address: pool for pool in pools}
        self._confirmed: dict[str, PoolState] = {p.symbol: _empty(p) for p in pools}
        self._current: dict[str, PoolState] = dict(self._confirmed)
        self._pending: dict[str, dict[EventKey, _Log]] = {p.symbol: {} for p in pools}
        self.updates = 0
        self.rejected = 0

    @property
    def pools(self) -> Mapping[str, PoolInfo]:
        return dict(self._pools)

    def pool(self, symbol: str) -> PoolInfo:
        try:
            return self._pools[symbol]
        except KeyError:
            known = ", ".join(sorted(self._pools)) or "none"
            raise UnknownPoolError(f"unknown pool {symbol!r} (known: {known})") from None

    def state(self, symbol: str) -> PoolState:
        self.pool(symbol)
        return self._current[symbol]

    def confirmed(self, symbol: str) -> PoolState:
        self.pool(symbol)
        return self._confirmed[symbol]

    def filters(self) -> list[EventFilter]:
        out: list[EventFilter] = []
        for pool in self._pools.values():
            contract = "UniswapV2Pair" if pool.kind is PoolKind.V2 else "UniswapV3Pool"
            names = _V2_EVENTS if pool.kind is PoolKind.V2 else _V3_EVENTS
            for name in names:
                out.append(
                    EventFilter(pool.address, event_abi(contract, name), f"{pool.symbol}:{name}")
                )
        return out

    def on_event(self, event: ChainEvent) -> None:
        """Apply one follower event (seen, confirmed or retracted)."""
        pool = self._by_address.get(event.address)
        if pool is None:
            return
        symbol = pool.symbol
        pending = self._pending[symbol]
        entry = _Log(event.block_number, event.log_index, event.event_name, event.args)
        if isinstance(event, ChainEventRetracted):
            if pending.pop(event.key, None) is not None:
                self._current[symbol] = self._replay(symbol)
                self.updates += 1
            return
        if isinstance(event, ChainEventConfirmed):
            was_pending = pending.pop(event.key, None) is not None
            try:
                self._confirmed[symbol] = self._confirmed[symbol].apply(
                    entry.event_name, entry.args
                )
            except MalformedPoolLogError as exc:
                self._reject(pool, event, exc)
                return
            if not was_pending:
                self._current[symbol] = self._replay(symbol)
                self.updates += 1
            return
        if event.key in pending:
            return
        try:
            state = self._current[symbol].apply(entry.event_name, entry.args)
        except MalformedPoolLogError as exc:
            self._reject(pool, event, exc)
            return
        pending[event.key] = entry
        self._current[symbol] = state
        self.updates += 1

    def _replay(self, symbol: str) -> PoolState:
        state = self._confirmed[symbol]
        for entry in sorted(
            self._pending[symbol].values(), key=lambda e: (e.block_number, e.log_index)
        ):
            state = state.apply(entry.event_name, entry.args)
        return state

    def _reject(self, pool: PoolInfo, event: ChainEvent, exc: MalformedPoolLogError) -> None:
        self.rejected += 1
        _log.warning(
            "dex.pool_log_rejected",
            pool=pool.symbol,
            log_event=event.event_name,
            tx_hash=event.tx_hash,
            log_index=event.log_index,
            error=str(exc),
        )
