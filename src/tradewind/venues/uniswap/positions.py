"""v3 liquidity positions through the NonfungiblePositionManager: mint, increase, decrease,
collect, read — a capability of the DEX venue, not part of the order interface.

    Positions(w3, tx, chain)
      approve(token)                                  lets the manager pull a token (once)
      mint(pool, tick_lower, tick_upper, amount0, amount1) -> PositionChange (token id, liquidity)
      increase(token_id, amount0, amount1) / decrease(token_id, liquidity) -> PositionChange
      collect(token_id) -> PositionChange              owed tokens (fees + decreased) to the owner
      position(token_id) -> Position

Amounts are token base units; ticks must be multiples of the pool's spacing with lower < upper
(``InvalidPositionError`` otherwise, nothing sent). Each call is one ``TransactionManager``
intent, so a retried call never acts twice; ``intent`` names it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3
from web3.logs import DISCARD

from tradewind.chain.contracts import load_artifact
from tradewind.chain.registry import ChainDeployment
from tradewind.chain.tx import TransactionManager, TxRequest
from tradewind.chain.uniswap.v3_math import MAX_TICK, MIN_TICK
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind

__all__ = ["InvalidPositionError", "Position", "PositionChange", "Positions"]

_MAX_UINT128 = 2**128 - 1
_MAX_UINT256 = 2**256 - 1
_DEADLINE_S = 300


class InvalidPositionError(ValueError):
    """A position request the manager would refuse (bad range, amounts, pool kind)."""


@dataclass(frozen=True, slots=True)
class PositionChange:
    """What one call did: token id, liquidity added/removed, token0/token1 base units, tx."""

    token_id: int
    liquidity: int
    amount0: int
    amount1: int
    tx_hash: str


@dataclass(frozen=True, slots=True)
class Position:
    """A position as the manager stores it (``tokens_owed*`` not yet collected)."""

    token_id: int
    token0: str
    token1: str
    fee_pips: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    tokens_owed0: int
    tokens_owed1: int


class Positions:
    """v3 positions of the ``TransactionManager``'s key."""

    def __init__(self, w3: AsyncWeb3[Any], tx: TransactionManager, chain: ChainDeployment) -> None:
        self._w3 = w3
        self._tx = tx
        self._manager = w3.eth.contract(
            address=to_checksum_address(chain.address("NonfungiblePositionManager")),
            abi=load_artifact("NonfungiblePositionManager").abi_list(),
        )
        self._erc20_abi = load_artifact("MockERC20").abi_list()

    async def approve(self, token: str, *, intent: str) -> None:
        erc20 = self._w3.eth.contract(address=to_checksum_address(token), abi=self._erc20_abi)
        data = erc20.encode_abi("approve", [self._manager.address, _MAX_UINT256])
        await self._send(intent, TxRequest(to=erc20.address, data=data))

    async def mint(
        self,
        pool: PoolInfo,
        tick_lower: int,
        tick_upper: int,
        amount0: int,
        amount1: int,
        *,
        intent: str,
    ) -> PositionChange:
        if pool.kind is not PoolKind.V3:
            raise InvalidPositionError(f"{pool.symbol}: positions exist on v3 pools only")
        _check_range(pool, tick_lower, tick_upper)
        _check_amounts(amount0, amount1)
        params = (
            pool.token0.address,
            pool.token1.address,
            pool.fee_pips,
            tick_lower,
            tick_upper,
            amount0,
            amount1,
            0,
            0,
            self._tx.address,
            int(time.time()) + _DEADLINE_S,
        )
        data = self._manager.encode_abi("mint", [params])
        return await self._change(intent, data, "IncreaseLiquidity")

    async def increase(
        self, token_id: int, amount0: int, amount1: int, *, intent: str
    ) -> PositionChange:
        _check_amounts(amount0, amount1)
        params = (token_id, amount0, amount1, 0, 0, int(time.time()) + _DEADLINE_S)
        data = self._manager.encode_abi("increaseLiquidity", [params])
        return await self._change(intent, data, "IncreaseLiquidity")

    async def decrease(self, token_id: int, liquidity: int, *, intent: str) -> PositionChange:
        if liquidity <= 0:
            raise InvalidPositionError(f"liquidity to remove must be > 0, got {liquidity}")
        held = await self.position(token_id)
        if liquidity > held.liquidity:
            raise InvalidPositionError(
                f"position {token_id} holds {held.liquidity} liquidity, not {liquidity}"
            )
        params = (token_id, liquidity, 0, 0, int(time.time()) + _DEADLINE_S)
        data = self._manager.encode_abi("decreaseLiquidity", [params])
        return await self._change(intent, data, "DecreaseLiquidity")

    async def collect(self, token_id: int, *, intent: str) -> PositionChange:
        params = (token_id, self._tx.address, _MAX_UINT128, _MAX_UINT128)
        data = self._manager.encode_abi("collect", [params])
        return await self._change(intent, data, "Collect")

    async def position(self, token_id: int) -> Position:
        raw = await self._manager.functions.positions(token_id).call()
        return Position(
            token_id=token_id,
            token0=to_checksum_address(raw[2]),
            token1=to_checksum_address(raw[3]),
            fee_pips=int(raw[4]),
            tick_lower=int(raw[5]),
            tick_upper=int(raw[6]),
            liquidity=int(raw[7]),
            tokens_owed0=int(raw[10]),
            tokens_owed1=int(raw[11]),
        )

    async def _send(self, intent: str, request: TxRequest) -> str:
        async def build() -> TxRequest:
            return request

        sent = await self._tx.send(intent, build)
        return sent.tx_hash

    async def _change(self, intent: str, data: str, event: str) -> PositionChange:
        tx_hash = await self._send(intent, TxRequest(to=self._manager.address, data=data))
        receipt = await self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        (log,) = self._manager.events[event]().process_receipt(receipt, errors=DISCARD)
        args = log["args"]
        return PositionChange(
            token_id=int(args["tokenId"]),
            liquidity=int(args.get("liquidity", 0)),
            amount0=int(args["amount0"]),
            amount1=int(args["amount1"]),
            tx_hash=tx_hash,
        )


def _check_range(pool: PoolInfo, lower: int, upper: int) -> None:
    spacing = pool.tick_spacing
    if not MIN_TICK <= lower < upper <= MAX_TICK:
        raise InvalidPositionError(f"tick range [{lower}, {upper}) is empty or out of bounds")
    if lower % spacing or upper % spacing:
        raise InvalidPositionError(f"ticks must be multiples of {spacing} on {pool.symbol}")


def _check_amounts(amount0: int, amount1: int) -> None:
    if amount0 < 0 or amount1 < 0 or amount0 + amount1 == 0:
        raise InvalidPositionError("amounts must be >= 0 and not both 0")
