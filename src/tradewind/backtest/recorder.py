"""RunRecorder: collects what a backtest run did, and builds the RunRecord at the end.

Order and fill records are made as they happen (they are few); market samples are kept as
integers (one per change of a top-of-book price, the per-event path stays cheap) and turned into
Decimals once, when the record is built. ``strategy_of`` maps client order ids to the strategy
that submitted them (the engine fills it from the bus's OrderSubmitted events).
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.backtest.records import (
    FillRecord,
    MarketSample,
    OrderAction,
    OrderRecord,
    QuoteSample,
    RunRecord,
)
from tradewind.backtest.units import Scale
from tradewind.core.enums import LiquiditySide, OrderSide

__all__ = ["RunRecorder"]


class RunRecorder:
    """Appends records in event order; ``build`` makes the immutable RunRecord."""

    def __init__(self) -> None:
        self.strategy_of: dict[str, str] = {}
        self.orders: list[OrderRecord] = []
        self.fills: list[FillRecord] = []
        self.quotes: list[QuoteSample] = []
        self._market: list[tuple[int, str, Scale, int | None, int | None]] = []
        self._last_quote: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = {}

    def order(
        self,
        ts_ns: int,
        client_order_id: str,
        instrument: str,
        side: OrderSide,
        price: Decimal | None,
        quantity: Decimal,
        action: OrderAction,
        reason: str = "",
    ) -> None:
        self.orders.append(
            OrderRecord(
                ts_ns=ts_ns,
                client_order_id=client_order_id,
                strategy_id=self.strategy_of.get(client_order_id, ""),
                instrument=instrument,
                side=side,
                price=price,
                quantity=quantity,
                action=action,
                reason=reason,
            )
        )

    def fill(
        self,
        ts_ns: int,
        client_order_id: str,
        instrument: str,
        side: OrderSide,
        price: Decimal,
        quantity: Decimal,
        fee: Decimal,
        fee_asset: str,
        liquidity: LiquiditySide,
    ) -> None:
        self.fills.append(
            FillRecord(
                ts_ns=ts_ns,
                client_order_id=client_order_id,
                strategy_id=self.strategy_of.get(client_order_id, ""),
                instrument=instrument,
                side=side,
                price=price,
                quantity=quantity,
                fee=fee,
                fee_asset=fee_asset,
                liquidity=liquidity,
            )
        )

    def market(
        self, ts_ns: int, instrument: str, scale: Scale, bid: int | None, ask: int | None
    ) -> None:
        self._market.append((ts_ns, instrument, scale, bid, ask))

    def quote(
        self,
        ts_ns: int,
        strategy_id: str,
        instrument: str,
        bid: Decimal | None,
        ask: Decimal | None,
    ) -> None:
        """Record the strategy's best resting bid and ask if they changed."""
        key = (strategy_id, instrument)
        if self._last_quote.get(key, (None, None)) == (bid, ask) and key in self._last_quote:
            return
        self._last_quote[key] = (bid, ask)
        self.quotes.append(QuoteSample(ts_ns, strategy_id, instrument, bid, ask))

    def build(
        self,
        *,
        run_id: str,
        seed: int,
        config_digest: str,
        start_ns: int,
        end_ns: int,
        events: int,
        valuation_asset: str,
        initial_balances: dict[str, dict[str, Decimal]],
        marks: dict[str, Decimal],
    ) -> RunRecord:
        market = tuple(
            MarketSample(
                ts,
                instrument,
                None if bid is None else scale.price(bid),
                None if ask is None else scale.price(ask),
            )
            for ts, instrument, scale, bid, ask in self._market
        )
        return RunRecord(
            run_id=run_id,
            seed=seed,
            config_digest=config_digest,
            start_ns=start_ns,
            end_ns=end_ns,
            events=events,
            valuation_asset=valuation_asset,
            initial_balances=initial_balances,
            orders=tuple(self.orders),
            fills=tuple(self.fills),
            market=market,
            quotes=tuple(self.quotes),
            marks=marks,
        )
