"""Swaps through the Uniswap routers: quoted locally, bounded, gas-estimated, booked as fills.

    UniswapExecutor(w3, tx, book, chain)
      swap(SwapRequest) -> SwapFilled | SwapRejected

A swap:
  1. checks   the pool is known, the amount positive, slippage and deadline sane (else a
              ``InvalidSwapError``, nothing sent)
  2. quotes   from the pool book's current state (``quotes.quote``)
  3. bounds   exact in: ``amountOutMinimum`` = quote out x (1 - slippage); exact out:
              ``amountInMaximum`` = quote in x (1 + slippage); v3 also takes an optional
              ``sqrtPriceLimitX96``; deadline = the latest block's time + ``deadline_s`` (the
              router compares it with block time, so the local clock's skew does not count)
  4. gas      ``eth_estimateGas`` before sending; a revert there is a rejection with its reason
  5. sends    through the ``TransactionManager`` (intent ``dex:swap:<client id>``, so a retry never
              swaps twice); an on-chain revert is a rejection with the reason and the tx hash
  6. books    the pool's Swap log as a ``Fill``: ``venue_order_id`` and ``trade_id`` carry the tx
              hash (``<tx>:<log index>``), price quote per base, qty base units, fee in the input
              token, gas estimated / used / paid reported beside it
A rejection never carries a fill. Amounts are token base units; slippage in bps (Decimal).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Literal

from eth_utils.address import to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError, MismatchedABI, Web3RPCError

from tradewind.chain.contracts import load_artifact
from tradewind.chain.registry import ChainDeployment
from tradewind.chain.tx import (
    TransactionManager,
    TransactionReverted,
    TransactionWouldRevert,
    TxRequest,
)
from tradewind.chain.tx.reverts import revert_reason_of
from tradewind.common.logging import get_logger
from tradewind.core.enums import LiquiditySide, OrderSide
from tradewind.core.fills import Fill
from tradewind.venues.uniswap.book import PoolBook
from tradewind.venues.uniswap.pools import PoolInfo, PoolKind, TokenInfo
from tradewind.venues.uniswap.quotes import DexQuote, quote

__all__ = [
    "InvalidSwapError",
    "SwapFilled",
    "SwapRejected",
    "SwapRequest",
    "UniswapExecutor",
]

_log = get_logger("venues.uniswap.execution")
_BPS = Decimal(10_000)
_MAX_UINT256 = 2**256 - 1
_GAS_MARGIN = Decimal("1.25")
_UNSIMULATED_GAS = 600_000


class InvalidSwapError(ValueError):
    """A swap request that cannot be sent as it is (nothing was sent)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapRequest:
    """Swap ``amount`` base units of ``token_in`` (exact in) or for ``amount`` base units of
    the other token (exact out) on pool ``pool`` (instrument symbol, e.g. "WETH/USDC@3000").

    ``max_slippage_bps``: how much worse than the local quote the result may be;
    ``deadline_s``: seconds the transaction stays valid; ``sqrt_price_limit_x96``: v3 only,
    0 = none; ``simulate``: estimate gas first (False sends blind with a fixed gas limit).
    """

    client_order_id: str
    pool: str
    token_in: str
    amount: int
    exact: Literal["in", "out"] = "in"
    max_slippage_bps: Decimal = Decimal(50)
    deadline_s: int = 120
    sqrt_price_limit_x96: int = 0
    simulate: bool = True

    def __post_init__(self) -> None:
        if not self.client_order_id or len(self.client_order_id) > 64:
            raise InvalidSwapError("client_order_id must be 1..64 characters")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise InvalidSwapError(f"amount must be a positive integer, got {self.amount!r}")
        if self.exact not in ("in", "out"):
            raise InvalidSwapError(f"exact must be 'in' or 'out', got {self.exact!r}")
        slip = self.max_slippage_bps
        if not isinstance(slip, Decimal) or not slip.is_finite() or not 0 <= slip < _BPS:
            raise InvalidSwapError(f"max_slippage_bps must be in [0, 10000), got {slip!r}")
        if self.deadline_s <= 0:
            raise InvalidSwapError(f"deadline_s must be > 0, got {self.deadline_s}")
        if self.sqrt_price_limit_x96 < 0:
            raise InvalidSwapError("sqrt_price_limit_x96 must be >= 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapFilled:
    """A mined swap: the domain fill, the quote it was sent on and its gas (units / wei)."""

    fill: Fill
    tx_hash: str
    quote: DexQuote
    amount_in: int
    amount_out: int
    gas_estimate: int | None
    gas_used: int
    fee_paid_wei: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapRejected:
    """A swap that did not happen: why, and the tx hash when it reverted on chain."""

    client_order_id: str
    pool: str
    reason: str
    tx_hash: str | None = None
    gas_estimate: int | None = None


class UniswapExecutor:
    """Sends swaps for one key (the ``TransactionManager``'s) on the DEX chain."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        tx: TransactionManager,
        book: PoolBook,
        chain: ChainDeployment,
        *,
        venue: str = "uniswap",
    ) -> None:
        self._w3 = w3
        self._tx = tx
        self._book = book
        self._venue = venue
        self._v3_router = w3.eth.contract(
            address=to_checksum_address(chain.address("SwapRouter")),
            abi=load_artifact("SwapRouter").abi_list(),
        )
        self._v2_router = w3.eth.contract(
            address=to_checksum_address(chain.address("UniswapV2Router02")),
            abi=load_artifact("UniswapV2Router02").abi_list(),
        )
        self._v3_pool_abi = load_artifact("UniswapV3Pool").abi_list()
        self._v2_pair_abi = load_artifact("UniswapV2Pair").abi_list()

    async def swap(self, request: SwapRequest) -> SwapFilled | SwapRejected:
        """Quote, bound, estimate, send and book one swap (see the module doc)."""
        pool = self._book.pool(request.pool)
        state = self._book.state(request.pool)
        local = quote(
            pool, state, token_in=request.token_in, amount=request.amount, exact=request.exact
        )
        if pool.kind is PoolKind.V2 and request.sqrt_price_limit_x96:
            raise InvalidSwapError("sqrt_price_limit_x96 applies to v3 pools only")
        token_in, token_out = pool.token(local.token_in), pool.token(local.token_out)
        latest = await self._w3.eth.get_block("latest")
        deadline = int(latest["timestamp"]) + request.deadline_s
        data, router = self._calldata(pool, request, local, token_in, token_out, deadline)
        gas_estimate: int | None = None
        if request.simulate:
            try:
                gas_estimate = int(
                    await self._w3.eth.estimate_gas(
                        {"from": self._tx.address, "to": router, "data": data}  # type: ignore[typeddict-item]
                    )
                )
            except ContractLogicError as exc:
                return self._rejected(request, revert_reason_of(exc, ()) or str(exc))
            except Web3RPCError as exc:
                return self._rejected(request, str(exc))
            gas_limit = int(Decimal(gas_estimate) * _GAS_MARGIN)
        else:
            gas_limit = _UNSIMULATED_GAS

        async def build() -> TxRequest:
            return TxRequest(to=router, data=data, gas_limit=gas_limit)

        try:
            sent = await self._tx.send(f"dex:swap:{request.client_order_id}", build)
        except TransactionReverted as exc:
            return self._rejected(
                request, exc.reason or "reverted", tx_hash=exc.tx_hash, gas_estimate=gas_estimate
            )
        except TransactionWouldRevert as exc:
            return self._rejected(request, exc.reason or "would revert", gas_estimate=gas_estimate)
        receipt = await self._w3.eth.get_transaction_receipt(sent.tx_hash)  # type: ignore[arg-type]
        amount_in, amount_out, log_index = self._swap_amounts(pool, receipt, local.token_in)
        fill = self._fill(request, pool, sent.tx_hash, log_index, amount_in, amount_out, local)
        _log.info(
            "dex.swap_filled",
            pool=pool.symbol,
            client_order_id=request.client_order_id,
            tx_hash=sent.tx_hash,
            amount_in=amount_in,
            amount_out=amount_out,
            gas_estimate=gas_estimate,
            gas_used=sent.gas_used,
        )
        return SwapFilled(
            fill=fill,
            tx_hash=sent.tx_hash,
            quote=local,
            amount_in=amount_in,
            amount_out=amount_out,
            gas_estimate=gas_estimate,
            gas_used=sent.gas_used,
            fee_paid_wei=sent.fee_paid_wei,
        )

    def _rejected(
        self,
        request: SwapRequest,
        reason: str,
        *,
        tx_hash: str | None = None,
        gas_estimate: int | None = None,
    ) -> SwapRejected:
        _log.warning(
            "dex.swap_rejected",
            pool=request.pool,
            client_order_id=request.client_order_id,
            reason=reason,
            tx_hash=tx_hash,
        )
        return SwapRejected(
            client_order_id=request.client_order_id,
            pool=request.pool,
            reason=reason,
            tx_hash=tx_hash,
            gas_estimate=gas_estimate,
        )

    def _calldata(
        self,
        pool: PoolInfo,
        request: SwapRequest,
        local: DexQuote,
        token_in: TokenInfo,
        token_out: TokenInfo,
        deadline: int,
    ) -> tuple[str, str]:
        slip = request.max_slippage_bps / _BPS
        min_out = int((Decimal(local.amount_out) * (1 - slip)).to_integral_value(ROUND_FLOOR))
        max_in = int((Decimal(local.amount_in) * (1 + slip)).to_integral_value(ROUND_CEILING))
        me = self._tx.address
        if pool.kind is PoolKind.V3:
            if request.exact == "in":
                params: tuple[Any, ...] = (
                    token_in.address,
                    token_out.address,
                    pool.fee_pips,
                    me,
                    deadline,
                    request.amount,
                    min_out,
                    request.sqrt_price_limit_x96,
                )
                data = self._v3_router.encode_abi("exactInputSingle", [params])
            else:
                params = (
                    token_in.address,
                    token_out.address,
                    pool.fee_pips,
                    me,
                    deadline,
                    request.amount,
                    max_in,
                    request.sqrt_price_limit_x96,
                )
                data = self._v3_router.encode_abi("exactOutputSingle", [params])
            return data, self._v3_router.address
        path = [token_in.address, token_out.address]
        if request.exact == "in":
            args: list[Any] = [request.amount, min_out, path, me, deadline]
            data = self._v2_router.encode_abi("swapExactTokensForTokens", args)
        else:
            args = [request.amount, max_in, path, me, deadline]
            data = self._v2_router.encode_abi("swapTokensForExactTokens", args)
        return data, self._v2_router.address

    def _swap_amounts(self, pool: PoolInfo, receipt: Any, token_in: str) -> tuple[int, int, int]:
        zero_for_one = token_in == pool.token0.symbol
        for entry in receipt["logs"]:
            if to_checksum_address(entry["address"]) != pool.address:
                continue
            if pool.kind is PoolKind.V3:
                contract = self._w3.eth.contract(
                    address=to_checksum_address(pool.address), abi=self._v3_pool_abi
                )
                try:
                    args = contract.events.Swap().process_log(entry)["args"]
                except MismatchedABI:  # another event of the pool (Mint, Collect, ...)
                    continue
                a0, a1 = int(args["amount0"]), int(args["amount1"])
                paid, got = (a0, -a1) if zero_for_one else (a1, -a0)
                return paid, got, int(entry["logIndex"])
            contract = self._w3.eth.contract(
                address=to_checksum_address(pool.address), abi=self._v2_pair_abi
            )
            try:
                args = contract.events.Swap().process_log(entry)["args"]
            except MismatchedABI:  # the pair's Sync and Transfer logs
                continue
            if zero_for_one:
                return int(args["amount0In"]), int(args["amount1Out"]), int(entry["logIndex"])
            return int(args["amount1In"]), int(args["amount0Out"]), int(entry["logIndex"])
        raise RuntimeError(f"{pool.symbol}: mined swap without a Swap log")

    def _fill(
        self,
        request: SwapRequest,
        pool: PoolInfo,
        tx_hash: str,
        log_index: int,
        amount_in: int,
        amount_out: int,
        local: DexQuote,
    ) -> Fill:
        buying_base = local.token_out == pool.base.symbol
        base_amount, quote_amount = (
            (amount_out, amount_in) if buying_base else (amount_in, amount_out)
        )
        qty = Decimal(base_amount).scaleb(-pool.base.decimals)
        notional = Decimal(quote_amount).scaleb(-pool.quote.decimals)
        token_in = pool.token(local.token_in)
        fee_share = Decimal(pool.fee_pips) / Decimal(1_000_000)
        fee = (Decimal(amount_in) * fee_share).scaleb(-token_in.decimals)
        return Fill(
            venue=self._venue,
            symbol=pool.symbol,
            trade_id=f"{tx_hash}:{log_index}",
            venue_order_id=tx_hash,
            client_order_id=request.client_order_id,
            side=OrderSide.BUY if buying_base else OrderSide.SELL,
            price=notional / qty,
            qty=qty,
            fee=fee,
            fee_asset=token_in.symbol,
            liquidity_side=LiquiditySide.TAKER,
            ts_event=time.time_ns(),
        )
