"""ConvertingCollateralSource: collateral that arrives in another asset than the indexes' quote
(USDC routed from chain, indexes quoted in USDT) is sold on the venue before the desk sees it.

    inner source ─▶ CollateralDeposit(USDC, amount, routing_fees)
                 ─▶ sell (amount - routing_fees) USDC on USDC/USDT, LIMIT IOC, client id from
                    the deposit id (so a redelivered deposit never sells twice)
                 ─▶ CollateralDeposit(USDT, amount at the achieved price, routing_fees + the
                    conversion's fee and slippage) ─▶ desk

The user's free collateral is exactly the USDT the sale brought in; the deposit's routing fees
(bridge fee and gas, in USDC) are valued at the price the sale achieved and shown on the next
mint invoice. Units: amounts in each asset's units.
"""

from __future__ import annotations

import asyncio
import hashlib
from decimal import ROUND_DOWN, Decimal

from tradewind.book.depth_sync import ReadyBook
from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.core.fills import Fill
from tradewind.desks.index.collateral_source import (
    CollateralDeposit,
    CollateralSource,
    DepositSink,
)
from tradewind.desks.index.legs import LegOrder, LegRunner
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService

__all__ = ["ConversionFailed", "ConvertingCollateralSource", "conversion_order_id"]

log = get_logger("desks.index.conversion")

_QUANTUM = Decimal("0.00000001")


def conversion_order_id(deposit_id: str, attempt: int) -> str:
    """The venue client id of a deposit's n-th conversion order: from the deposit and the
    attempt only (never the price or size, which differ after a restart), so a redelivered
    deposit finds its orders instead of selling again."""
    digest = hashlib.blake2b(
        f"{deposit_id}:{attempt}".encode(), digest_size=16, person=b"tradewind-conv"
    )
    return f"cv-{digest.hexdigest()}"


class ConversionFailed(RuntimeError):
    """The venue would not take the conversion (no book, nothing filled); retried later."""


class ConvertingCollateralSource:
    """Wraps ``inner``: deposits in ``from_asset`` are sold for ``to_asset`` on the venue first.

    ``slippage`` (a fraction) bounds the IOC price below the best bid; ``attempts`` how many
    IOC orders may be needed to sell it all (the book may be thin). ``account_chain_id``: the
    chain whose account is credited (routed collateral lands on the bridge's destination, so
    orders naming that chain spend it); None keeps the deposit's own chain.
    """

    def __init__(
        self,
        inner: CollateralSource,
        engine: ExecutionEngine,
        market_data: MarketDataService,
        *,
        from_asset: str = "USDC",
        to_asset: str = "USDT",
        slippage: Decimal = Decimal("0.005"),
        attempts: int = 5,
        account_chain_id: int | None = None,
    ) -> None:
        self._inner = inner
        self._engine = engine
        self._market_data = market_data
        self._from = from_asset
        self._to = to_asset
        self._symbol = f"{from_asset}/{to_asset}"
        self._slippage = slippage
        self._attempts = attempts
        self._account_chain_id = account_chain_id
        self._sink: DepositSink | None = None
        self._runner = LegRunner(engine, self._ignore_fill)
        self._lock = asyncio.Lock()

    async def start(self, sink: DepositSink) -> None:
        self._sink = sink
        await self._market_data.subscribe(self._engine.instrument(self._symbol))
        await self._market_data.wait_synced(self._symbol)
        await self._inner.start(self._convert_then_deliver)

    async def stop(self) -> None:
        await self._inner.stop()

    @staticmethod
    async def _ignore_fill(batch_id: str, fill: Fill) -> None:
        # the conversion reads its fills from the engine once its orders are done
        return None

    async def _convert_then_deliver(self, deposit: CollateralDeposit) -> None:
        if self._sink is None:
            raise RuntimeError("the converting source is not started")
        if deposit.asset != self._from:
            await self._sink(deposit)
            return
        async with self._lock:  # one conversion at a time: each reads the book it trades on
            converted = await self._convert(deposit)
        await self._sink(converted)

    async def _convert(self, deposit: CollateralDeposit) -> CollateralDeposit:
        step = self._engine.instrument(self._symbol).filters.step_size
        to_sell = (deposit.amount - deposit.routing_fees).quantize(step, rounding=ROUND_DOWN)
        sold = Decimal(0)
        proceeds = Decimal(0)
        for attempt in range(self._attempts):
            left = to_sell - sold
            if left < step:
                break
            leg = self._leg(deposit.deposit_id, attempt, left)
            await self._runner.send([leg])
            await self._runner.wait_done([leg])
            for fill in self._engine.ledger.fills_of(leg.client_order_id):
                sold += fill.qty
                fee = fill.fee if fill.fee_asset == self._to else fill.fee * fill.price
                proceeds += fill.qty * fill.price - fee
        if sold == 0:
            raise ConversionFailed(f"nothing of {self._symbol} sold for {deposit.deposit_id}")
        # the chain and bridge's take, valued at the price this deposit actually got
        price = proceeds / sold
        free = proceeds.quantize(_QUANTUM, rounding=ROUND_DOWN)
        routing = (deposit.routing_fees * price).quantize(_QUANTUM, rounding=ROUND_DOWN)
        log.info(
            "collateral_converted",
            deposit_id=deposit.deposit_id,
            sold=str(sold),
            proceeds=str(free),
            price=str(price.quantize(_QUANTUM)),
            routing_fees=str(routing),
        )
        return CollateralDeposit(
            deposit_id=deposit.deposit_id,
            chain_id=self._account_chain_id or deposit.chain_id,
            address=deposit.address,
            asset=self._to,
            amount=free + routing,
            ts_ns=deposit.ts_ns,
            routing_fees=routing,
        )

    def _leg(self, deposit_id: str, attempt: int, quantity: Decimal) -> LegOrder:
        view = self._market_data.view(self._symbol)
        if not isinstance(view, ReadyBook) or view.book.best_bid() is None:
            raise ConversionFailed(f"no live {self._symbol} book to convert {deposit_id}")
        bid = view.book.best_bid()
        assert bid is not None
        tick = self._engine.instrument(self._symbol).filters.tick_size
        price = (bid.price * (1 - self._slippage)).quantize(tick, rounding=ROUND_DOWN)
        return LegOrder(
            batch_id=f"conv-{deposit_id}-{attempt}",
            client_order_id=conversion_order_id(deposit_id, attempt),
            symbol=self._symbol,
            side=OrderSide.SELL,
            quantity=quantity,
            limit_price=price,
        )
