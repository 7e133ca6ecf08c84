"""What a backtest run leaves behind: the engine writes these, results and reports read them.

Times are integer nanoseconds on the run's TestClock. Prices, quantities, fees and balances are
``Decimal`` in the instrument's units; instruments are written ``BASE/QUOTE@venue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tradewind.core.enums import LiquiditySide, OrderSide

__all__ = [
    "FillRecord",
    "MarketSample",
    "OrderAction",
    "OrderRecord",
    "QuoteSample",
    "RunRecord",
]

OrderAction = Literal[
    "submitted",  # the strategy sent it (before entry latency)
    "accepted",  # the venue took it (after entry latency)
    "rejected",
    "cancel_requested",  # the strategy asked (before cancel latency)
    "canceled",  # the venue removed it
    "cancel_rejected",  # too late: it had filled in flight
    "expired",
]


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One step in an order's life as the backtest saw it."""

    ts_ns: int
    client_order_id: str
    strategy_id: str
    instrument: str
    side: OrderSide
    price: Decimal | None  # None for a market order
    quantity: Decimal
    action: OrderAction
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One fill of a strategy order; the fee is in ``fee_asset`` (any asset)."""

    ts_ns: int
    client_order_id: str
    strategy_id: str
    instrument: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: LiquiditySide


@dataclass(frozen=True, slots=True)
class MarketSample:
    """The venue's top of book after a market-data event (None on an empty side)."""

    ts_ns: int
    instrument: str
    best_bid: Decimal | None
    best_ask: Decimal | None


@dataclass(frozen=True, slots=True)
class QuoteSample:
    """A strategy's own best resting bid and ask on one instrument after an order change."""

    ts_ns: int
    strategy_id: str
    instrument: str
    bid: Decimal | None
    ask: Decimal | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything one run produced, in event order; the input of results and reports.

    ``initial_balances`` maps asset → quantity per venue (``{"sim": {"USDT": ...}}``);
    ``valuation_asset`` is what PnL and equity are expressed in (usually the quote asset).
    ``marks`` gives, for assets that are neither the valuation asset nor priced by an
    instrument's market samples (a fee paid in BNB, say), a constant price in the valuation
    asset; an asset with no price at all is reported unvalued, never as zero.
    """

    run_id: str
    seed: int
    config_digest: str  # sha256 of the canonical config, so two runs can be compared
    start_ns: int
    end_ns: int
    events: int  # market-data events processed
    valuation_asset: str
    initial_balances: dict[str, dict[str, Decimal]]
    orders: tuple[OrderRecord, ...]
    fills: tuple[FillRecord, ...]
    market: tuple[MarketSample, ...]
    quotes: tuple[QuoteSample, ...]
    marks: dict[str, Decimal]
