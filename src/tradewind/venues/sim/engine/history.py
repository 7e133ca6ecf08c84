"""Looking orders and fills up the way Binance's query endpoints do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from tradewind.venues.sim.engine.accounts import Account
from tradewind.venues.sim.engine.instrument import Instrument
from tradewind.venues.sim.engine.records import FillRecord, OrderRecord

T = TypeVar("T")


def find_order(
    orders: dict[int, OrderRecord],
    account: Account,
    inst: Instrument,
    order_id: int | None,
    client_order_id: str | None,
) -> OrderRecord | None:
    """Binance's lookup: by id (then the client id, if also given, must match), else by
    client id: the live order carrying it, else the latest one that did."""
    if order_id is not None:
        rec = orders.get(order_id)
        if rec is None or rec.account is not account or rec.inst is not inst:
            return None
        if client_order_id is not None and rec.client_order_id != client_order_id:
            return None
        return rec
    if client_order_id is None:
        return None
    rec = account.live_cids.get(client_order_id)
    if rec is not None and rec.inst is inst:
        return rec
    return account.cids[inst.symbol].get(client_order_id)


def select(
    items: Sequence[T],
    time_of: Callable[[T], int],
    start_time: int | None,
    end_time: int | None,
    limit: int,
    *,
    from_start: bool,
) -> list[T]:
    """Binance's history window: items within [start_time, end_time] (epoch ms), then the first
    ``limit`` when reading forward from a start, else the latest ``limit``."""
    if limit < 1:
        raise ValueError("limit must be positive")
    picked = [
        item
        for item in items
        if (start_time is None or time_of(item) >= start_time)
        and (end_time is None or time_of(item) <= end_time)
    ]
    return picked[:limit] if from_start else picked[-limit:]


def order_id_of(record: OrderRecord) -> int:
    return record.order_id


def trade_id_of(record: FillRecord) -> int:
    return record[0]
