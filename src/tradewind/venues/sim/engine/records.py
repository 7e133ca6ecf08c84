"""The engine's own mutable records of orders and fills, in integer units.

Prices are ticks of the symbol's ``tick_size``; quantities are "qty units" of
10^-base_asset_precision; quote amounts, balances and commissions are "amount units" of
10^-scale, one engine-wide scale fine enough for every notional. Public snapshots
(``OrderView``, ``Fill``) are built from these on demand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.venues.sim.engine.orders import OrderStatus, OrderType, Side, StpMode, TimeInForce

if TYPE_CHECKING:
    from tradewind.venues.sim.engine.accounts import Account
    from tradewind.venues.sim.engine.instrument import Instrument


class OrderRecord:
    """One order, live or closed. ``lock`` is what it still holds locked, in amount units of the
    quote asset (buys) or base asset (sells)."""

    __slots__ = (
        "account",
        "client_order_id",
        "cum_quote",
        "executed",
        "in_book",
        "inst",
        "is_buy",
        "lock",
        "order_id",
        "orig_qty",
        "orig_quote_qty",
        "price",
        "price_tick",
        "qty_decimal",
        "side",
        "status",
        "stp_mode",
        "tif",
        "time",
        "type",
        "update_time",
        "working_time",
    )

    def __init__(
        self,
        order_id: int,
        account: Account,
        inst: Instrument,
        client_order_id: str,
        side: Side,
        type_: OrderType,
        tif: TimeInForce,
        price_tick: int,
        price: Decimal,
        orig_qty: int,
        qty_decimal: Decimal | None,
        orig_quote_qty: Decimal,
        stp_mode: StpMode,
        time: int,
    ) -> None:
        self.order_id = order_id
        self.account = account
        self.inst = inst
        self.client_order_id = client_order_id
        self.side = side
        self.is_buy = side is _BUY
        self.type = type_
        self.tif = tif
        self.price_tick = price_tick
        self.price = price
        self.orig_qty = orig_qty
        # the requested quantity as given, to report without converting back (None: quote order)
        self.qty_decimal = qty_decimal
        self.orig_quote_qty = orig_quote_qty
        self.stp_mode = stp_mode
        self.time = time
        self.update_time = time
        self.working_time = time
        self.executed = 0
        self.cum_quote = 0
        self.status = _NEW
        self.lock = 0
        self.in_book = False

    @property
    def is_open(self) -> bool:
        return self.status is _NEW or self.status is _PARTIALLY_FILLED


# Enum members bound once: an attribute of an enum class goes through EnumType.__getattr__'s
# slow lookup on Python 3.11, several times the cost of a global.
_BUY = Side.BUY
_NEW = OrderStatus.NEW
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED

# One side of one trade: (trade id, order id, price tick, qty units, quote amount units,
# commission amount units, is buyer, is maker, time ms). A plain tuple: it is made per trade side.
FillRecord = tuple[int, int, int, int, int, int, bool, bool, int]
