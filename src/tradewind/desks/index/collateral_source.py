"""Where the index desk's collateral comes from: a CollateralSource hands deposits to the desk.

The desk credits each deposit once (its journal keys deposits by ``deposit_id``), so a source may
deliver the same deposit again after a restart or a reconnect. ``LocalCollateralSource`` is the
source of tests and the demo: deposits are announced in process (or through the desk's local
admin route); the chain source (tradewind.chain) watches vault deposits and routes them to the
exchange before it delivers them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from eth_utils import is_checksum_address

from tradewind.common.logging import get_logger

__all__ = [
    "CollateralDeposit",
    "CollateralSource",
    "DepositSink",
    "InvalidDeposit",
    "LocalCollateralSource",
]

log = get_logger("desks.index.collateral")


class InvalidDeposit(ValueError):
    """A deposit with a bad field (non-positive amount, bad address, ...); nothing is credited."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CollateralDeposit:
    """Collateral ready for the solver: ``amount`` of ``asset`` for the account (chain, address).

    ``routing_fees`` (quote units) is what moving it to the exchange cost (bridge fee, gas), to
    be charged on the account's next mint invoice; zero for a local deposit.
    """

    deposit_id: str
    chain_id: int
    address: str
    asset: str
    amount: Decimal
    ts_ns: int
    routing_fees: Decimal = field(default=Decimal(0))

    def __post_init__(self) -> None:
        if not self.deposit_id or len(self.deposit_id) > 128:
            raise InvalidDeposit("deposit_id must be 1-128 characters")
        if self.chain_id <= 0:
            raise InvalidDeposit(f"chain_id must be positive, got {self.chain_id}")
        if not is_checksum_address(self.address):
            raise InvalidDeposit(f"address {self.address!r} is not an EIP-55 checksummed address")
        if not self.amount.is_finite() or self.amount <= 0:
            raise InvalidDeposit(f"amount must be positive, got {self.amount}")
        if not self.routing_fees.is_finite() or not 0 <= self.routing_fees <= self.amount:
            raise InvalidDeposit(
                f"routing_fees must be within [0, amount], got {self.routing_fees}"
            )


DepositSink = Callable[[CollateralDeposit], Awaitable[None]]


class CollateralSource(Protocol):
    """Delivers deposits to the desk's sink until stopped."""

    async def start(self, sink: DepositSink) -> None: ...

    async def stop(self) -> None: ...


class LocalCollateralSource:
    """Deposits announced in process; each is delivered to the sink once the source started."""

    def __init__(self) -> None:
        self._sink: DepositSink | None = None
        self._backlog: list[CollateralDeposit] = []
        self._lock = asyncio.Lock()

    async def start(self, sink: DepositSink) -> None:
        async with self._lock:
            self._sink = sink
            backlog, self._backlog = self._backlog, []
        for deposit in backlog:
            await sink(deposit)

    async def stop(self) -> None:
        self._sink = None

    async def deposit(self, deposit: CollateralDeposit) -> None:
        """Announce a deposit; delivered now, or at start if the desk is not running yet."""
        log.info(
            "collateral_deposit_announced",
            deposit_id=deposit.deposit_id,
            chain_id=deposit.chain_id,
            address=deposit.address,
            amount=str(deposit.amount),
        )
        async with self._lock:
            sink = self._sink
            if sink is None:
                self._backlog.append(deposit)
                return
        await sink(deposit)
