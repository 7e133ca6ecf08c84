"""Accounts of the simulated exchange: balances, commission rates, open orders and history.

Balances are integers in the engine's amount units (see ``amounts``). ``free`` and ``locked``
always hold the same assets, so the matching loop can add to both without lookups that miss.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tradewind.venues.sim.engine.records import FillRecord, OrderRecord

FEE_ACCOUNT = "__fees__"


def check_commission(name: str, rate: Decimal) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
        raise ValueError(f"{name} must be a Decimal in [0, 1), got {rate!r}")
    return rate


class Account:
    """One account. Commission rates are fractions of the amount received."""

    __slots__ = (
        "account_id",
        "cids",
        "fills",
        "free",
        "history",
        "live_cids",
        "locked",
        "maker_commission",
        "maker_den",
        "maker_num",
        "open",
        "taker_commission",
        "taker_den",
        "taker_num",
    )

    def __init__(
        self,
        account_id: str,
        maker_commission: Decimal,
        taker_commission: Decimal,
        commission_unit: int,
    ) -> None:
        self.account_id = account_id
        self.maker_commission = check_commission("maker_commission", maker_commission)
        self.taker_commission = check_commission("taker_commission", taker_commission)
        # commission = amount * num // den * unit: rounded down to whole units of 10^-8
        maker = Fraction(maker_commission)
        taker = Fraction(taker_commission)
        self.maker_num = maker.numerator
        self.maker_den = maker.denominator * commission_unit
        self.taker_num = taker.numerator
        self.taker_den = taker.denominator * commission_unit
        self.free: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        # symbol -> open orders by id (insertion order is id order)
        self.open: dict[str, dict[int, OrderRecord]] = {}
        # client order id -> the live order carrying it (unique per account while live)
        self.live_cids: dict[str, OrderRecord] = {}
        # symbol -> client order id -> the latest order that carried it, live or not
        self.cids: dict[str, dict[str, OrderRecord]] = {}
        # symbol -> every retained order / fill, ascending id
        self.history: dict[str, list[OrderRecord]] = {}
        self.fills: dict[str, list[FillRecord]] = {}

    def hold(self, asset: str) -> None:
        """Make sure ``asset`` has a (possibly zero) balance row."""
        if asset not in self.free:
            self.free[asset] = 0
            self.locked[asset] = 0

    def trade_in(self, symbol: str) -> None:
        """Create the per-symbol containers, so the hot path can index them directly."""
        if symbol not in self.open:
            self.open[symbol] = {}
            self.history[symbol] = []
            self.fills[symbol] = []
            self.cids[symbol] = {}

    def open_in(self, symbol: str) -> dict[int, OrderRecord]:
        book = self.open.get(symbol)
        if book is None:
            book = self.open[symbol] = {}
        return book

    def register(self, order: OrderRecord) -> None:
        """Record a newly accepted order in the history and client id indexes."""
        symbol = order.inst.symbol
        self.history[symbol].append(order)
        self.cids[symbol][order.client_order_id] = order

    def close(self, order: OrderRecord) -> None:
        """``order`` left the open state (filled, canceled or expired after resting)."""
        book = self.open.get(order.inst.symbol)
        if book is not None:
            book.pop(order.order_id, None)
        if self.live_cids.get(order.client_order_id) is order:
            del self.live_cids[order.client_order_id]

    def prune(self, symbol: str, keep: int, forget: dict[int, OrderRecord]) -> None:
        """Drop all but the newest ``keep`` closed orders and fills of ``symbol``; open orders stay.
        Dropped orders are also removed from ``forget`` (the engine's id index)."""
        history = self.history.get(symbol, [])
        closed = sum(1 for o in history if not o.is_open)
        drop = closed - keep
        if drop > 0:
            kept: list[OrderRecord] = []
            for order in history:
                if drop > 0 and not order.is_open:
                    drop -= 1
                    forget.pop(order.order_id, None)
                    cids = self.cids[symbol]
                    if cids.get(order.client_order_id) is order:
                        del cids[order.client_order_id]
                else:
                    kept.append(order)
            self.history[symbol] = kept
        fills = self.fills.get(symbol)
        if fills is not None and len(fills) > keep:
            del fills[: len(fills) - keep]
