"""Chainlink-style price feeds: read one (``FeedReader``), or drive a local ``MockV3Aggregator``
after a price source with configurable lag and faults (``FeedFeeder``).

    FeedReader(w3, address).latest() -> FeedRound(value, updated_at_ns, round_id)
    FeedFeeder(w3, tx, address, source=async () -> Decimal, lag_s=…, decimals=8)
      step(now_s) publishes the price of ``lag_s`` ago (what a real feed's heartbeat and
      deviation threshold make it look like), shaped by the current ``FeedFault``:
        NONE      the price as it was
        STALE     nothing is published: ``updatedAt`` ages
        FROZEN    the last answer is re-published with a fresh timestamp (a stuck feed that
                  still looks alive)
        OUTLIER   the price times ``outlier_factor``

Values are Decimals in the feed's quote currency; the on-chain answer is an int with
``decimals`` decimals (8 for USD feeds). Times: the feed's ``updatedAt`` is unix seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.contracts import load_artifact
from tradewind.chain.tx import TransactionManager, TxRequest
from tradewind.common.logging import get_logger

__all__ = ["FeedFault", "FeedFeeder", "FeedReader", "FeedRound", "InvalidFeedError"]

_log = get_logger("chain.feeds")
_NS = 1_000_000_000


class InvalidFeedError(ValueError):
    """A feed answered something no price can be (<= 0, no timestamp) or a bad feeder setting."""


class FeedFault(StrEnum):
    NONE = "none"
    STALE = "stale"
    FROZEN = "frozen"
    OUTLIER = "outlier"


@dataclass(frozen=True, slots=True)
class FeedRound:
    """The latest round: ``value`` (Decimal), ``updated_at_ns`` (unix ns), ``round_id``."""

    value: Decimal
    updated_at_ns: int
    round_id: int


class FeedReader:
    """Reads an AggregatorV3Interface (the MockV3Aggregator ABI) at ``address``."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        self._contract = w3.eth.contract(
            address=to_checksum_address(address), abi=load_artifact("MockV3Aggregator").abi_list()
        )
        self._decimals: int | None = None

    async def latest(self) -> FeedRound:
        if self._decimals is None:
            self._decimals = int(await self._contract.functions.decimals().call())
        round_id, answer, _, updated_at, _ = await self._contract.functions.latestRoundData().call()
        if int(answer) <= 0 or int(updated_at) <= 0:
            raise InvalidFeedError(
                f"feed {self._contract.address}: answer {answer} at {updated_at}"
            )
        return FeedRound(
            value=Decimal(int(answer)).scaleb(-self._decimals),
            updated_at_ns=int(updated_at) * _NS,
            round_id=int(round_id),
        )


class FeedFeeder:
    """Publishes a price source to a MockV3Aggregator, ``lag_s`` late, with injectable faults."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        tx: TransactionManager,
        address: str,
        *,
        source: Callable[[], Awaitable[Decimal]],
        lag_s: int = 0,
        decimals: int = 8,
        outlier_factor: Decimal = Decimal("1.2"),
        name: str = "feed",
    ) -> None:
        if lag_s < 0:
            raise InvalidFeedError("lag_s must be >= 0")
        if not outlier_factor.is_finite() or outlier_factor <= 0:
            raise InvalidFeedError("outlier_factor must be > 0")
        self._contract = w3.eth.contract(
            address=to_checksum_address(address), abi=load_artifact("MockV3Aggregator").abi_list()
        )
        self._tx = tx
        self._source = source
        self._lag_s = lag_s
        self._decimals = decimals
        self._outlier = outlier_factor
        self._name = name
        self._history: deque[tuple[int, Decimal]] = deque()
        self._last_answer: int | None = None
        self._round = 0
        self.fault = FeedFault.NONE

    async def step(self, now_s: int) -> int | None:
        """Sample the source, publish per the fault mode; returns the answer sent, if any."""
        self._history.append((now_s, await self._source()))
        while len(self._history) > 1 and self._history[1][0] <= now_s - self._lag_s:
            self._history.popleft()
        _, lagged = self._history[0]
        if self.fault is FeedFault.STALE:
            return None
        if self.fault is FeedFault.FROZEN and self._last_answer is not None:
            answer = self._last_answer
        else:
            value = lagged * self._outlier if self.fault is FeedFault.OUTLIER else lagged
            answer = int(value.scaleb(self._decimals).to_integral_value())
        self._round += 1
        data = self._contract.encode_abi("updateRoundData", [self._round, answer, now_s, now_s])
        request = TxRequest(to=self._contract.address, data=data)

        async def build() -> TxRequest:
            return request

        await self._tx.send(f"feed:{self._name}:{now_s}:{self._round}", build)
        self._last_answer = answer
        _log.debug("chain.feed_updated", feed=self._name, answer=answer, fault=self.fault.value)
        return answer
