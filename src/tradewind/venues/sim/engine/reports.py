"""Public snapshots built from the engine's integer records: ``OrderView``, ``Fill`` and
``BalancesChanged``. Only here do ticks and units turn back into Decimals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import Any, TypeVar

from tradewind.venues.sim.engine.accounts import Account
from tradewind.venues.sim.engine.amounts import ZERO, AmountScale
from tradewind.venues.sim.engine.events import BalancesChanged
from tradewind.venues.sim.engine.instrument import Instrument
from tradewind.venues.sim.engine.orders import Fill, OrderView
from tradewind.venues.sim.engine.records import FillRecord, OrderRecord

T = TypeVar("T")


def slot_constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor for a frozen slots dataclass that fills the slots directly.

    Every order operation returns an ``OrderView``; the generated ``__init__`` of a frozen
    dataclass goes through ``object.__setattr__`` per field and costs several times as much.
    Here the instance is born as a plain twin class with the very same slots, filled with
    ordinary attribute stores, then given its real class (CPython allows ``__class__``
    assignment between classes of identical layout). The result is the same object: same
    class, fields, equality and immutability afterwards."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    slots = cls.__dict__.get("__slots__")
    if tuple(names) != tuple(slots or ()):
        raise TypeError(f"{cls.__name__} must be a slots dataclass with one slot per field")
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    namespace: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    body = "".join(f"    o.{name} = {name}\n" for name in names)
    source = (
        f"def make({', '.join(names)}):\n    o = _new(_twin)\n{body}"
        "    o.__class__ = _cls\n    return o\n"
    )
    exec(source, namespace)
    maker: Callable[..., T] = namespace["make"]
    return maker


_make_view = slot_constructor(OrderView)
_make_fill = slot_constructor(Fill)


class Reports:
    """Builds immutable reports; amounts in asset units, prices in quote units."""

    __slots__ = ("amounts",)

    def __init__(self, amounts: AmountScale) -> None:
        self.amounts = amounts

    def view(
        self, r: OrderRecord, client_order_id: str | None = None, orig: str | None = None
    ) -> OrderView:
        inst = r.inst
        executed = r.executed
        requested = r.qty_decimal
        if requested is None:
            # a quote-quantity market order reports what it bought as its original quantity
            orig_qty = executed_qty = inst.qty(executed)
        else:
            orig_qty = requested
            if not executed:
                executed_qty = ZERO
            elif executed == r.orig_qty:
                executed_qty = requested
            else:
                executed_qty = inst.qty(executed)
        return _make_view(
            r.order_id,
            r.account.account_id,
            inst.symbol,
            client_order_id or r.client_order_id,
            r.side,
            r.type,
            r.tif,
            r.price,
            orig_qty,
            executed_qty,
            self.amounts.to_decimal(r.cum_quote) if r.cum_quote else ZERO,
            r.status,
            r.time,
            r.update_time,
            r.working_time,
            r.orig_quote_qty,
            r.stp_mode,
            orig,
        )

    def fill(self, account_id: str, inst: Instrument, f: FillRecord) -> Fill:
        return self.fills(account_id, inst, (f,))[0]

    def fills(self, account_id: str, inst: Instrument, records: Iterable[FillRecord]) -> list[Fill]:
        """``fill`` of each record, in order; a taker's several fills share the lookups."""
        to_decimal = self.amounts.to_decimal
        prices = inst.price_of_tick
        sizes = inst.qty_of_units
        symbol, base, quote_asset = inst.symbol, inst.base, inst.quote
        out = []
        for trade_id, order_id, tick, qty, quote, commission, is_buyer, is_maker, time in records:
            price = prices.get(tick)
            if price is None:
                price = inst.price(tick)
            size = sizes.get(qty)
            if size is None:
                size = inst.qty(qty)
            out.append(
                _make_fill(
                    trade_id,
                    symbol,
                    order_id,
                    account_id,
                    price,
                    size,
                    to_decimal(quote),
                    to_decimal(commission) if commission else ZERO,
                    base if is_buyer else quote_asset,
                    is_buyer,
                    is_maker,
                    time,
                )
            )
        return out

    def balances(self, account: Account, assets: set[str], now: int) -> BalancesChanged:
        to_decimal = self.amounts.to_decimal
        return BalancesChanged(
            account.account_id,
            now,
            {
                a: (to_decimal(account.free[a]), to_decimal(account.locked[a]))
                for a in sorted(assets)
            },
        )
