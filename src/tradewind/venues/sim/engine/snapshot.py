"""Export an engine's accounts, orders, fills and counters as an ``EngineState``, and rebuild
them from one. Restoring validates everything before it changes anything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from tradewind.venues.sim.engine.accounts import Account
from tradewind.venues.sim.engine.amounts import EXACT, AmountScale, to_units
from tradewind.venues.sim.engine.instrument import Instrument
from tradewind.venues.sim.engine.orders import OPEN_STATUSES, Fill, OrderType, OrderView
from tradewind.venues.sim.engine.records import FillRecord, OrderRecord
from tradewind.venues.sim.engine.reports import Reports
from tradewind.venues.sim.engine.state import AccountState, EngineState, SymbolState, TradedVolume


def export_engine(
    accounts: Iterable[Account],
    instruments: Mapping[str, Instrument],
    reports: Reports,
    next_order_id: int,
    next_client_id: int,
) -> EngineState:
    to_decimal = reports.amounts.to_decimal
    account_states: list[AccountState] = []
    orders: list[OrderView] = []
    fills: list[Fill] = []
    for account in accounts:
        account_states.append(
            AccountState(
                account.account_id,
                account.maker_commission,
                account.taker_commission,
                {
                    asset: (to_decimal(free), to_decimal(account.locked[asset]))
                    for asset, free in sorted(account.free.items())
                },
            )
        )
        for records in account.history.values():
            orders.extend(reports.view(r) for r in records)
        for symbol, fill_records in account.fills.items():
            inst = instruments[symbol]
            fills.extend(reports.fill(account.account_id, inst, f) for f in fill_records)
    orders.sort(key=lambda o: o.order_id)
    fills.sort(key=lambda f: (f.symbol, f.trade_id, f.is_maker))
    symbols = tuple(
        SymbolState(
            inst.symbol,
            inst.next_trade_id,
            inst.update_id,
            None if inst.last_tick is None else inst.price(inst.last_tick),
            tuple(TradedVolume(t, inst.qty(q), inst.notional(pq)) for t, pq, q in inst.window),
        )
        for inst in instruments.values()
    )
    return EngineState(
        tuple(account_states), tuple(orders), tuple(fills), symbols, next_order_id, next_client_id
    )


class Restored(NamedTuple):
    accounts: list[Account]
    orders: dict[int, OrderRecord]
    next_order_id: int
    next_client_id: int


def _units(value: Decimal, places: int, what: str) -> int:
    units = to_units(value, places) if isinstance(value, Decimal) and value.is_finite() else None
    if units is None or units < 0:
        raise ValueError(
            f"{what}: {value!r} is not a non-negative amount with <= {places} decimals"
        )
    return units


def _tick(inst: Instrument, price: Decimal, what: str) -> int:
    ticks, remainder = divmod(price, inst.tick_size)
    if remainder != 0 or ticks < 0:
        raise ValueError(f"{what}: price {price} is not a multiple of {inst.tick_size}")
    return int(ticks)


def _pq(inst: Instrument, notional: Decimal, what: str) -> int:
    """A notional in quote units as tick x qty units (the inverse of ``Instrument.notional``)."""
    if not isinstance(notional, Decimal) or not notional.is_finite() or notional < 0:
        raise ValueError(f"{what}: notional {notional!r} is not a non-negative amount")
    ticks, remainder = divmod(notional.scaleb(inst.qty_places, EXACT), inst.tick_size)
    if remainder != 0:
        raise ValueError(f"{what}: notional {notional} is not a whole number of tick x step")
    return int(ticks)


def restore_engine(
    state: EngineState, instruments: Mapping[str, Instrument], amounts: AmountScale
) -> Restored:
    """Rebuild accounts and orders from ``state`` and put open orders back into the books.
    Everything is checked first; a ValueError leaves ``instruments`` untouched."""
    scale = amounts.scale
    accounts: dict[str, Account] = {}
    for a in state.accounts:
        if a.account_id in accounts:
            raise ValueError(f"account {a.account_id!r} appears twice")
        account = Account(
            a.account_id, a.maker_commission, a.taker_commission, amounts.commission_unit
        )
        for asset, (free, locked) in a.balances.items():
            account.free[asset] = _units(free, scale, f"{a.account_id} {asset} free")
            account.locked[asset] = _units(locked, scale, f"{a.account_id} {asset} locked")
        for inst in instruments.values():
            account.hold(inst.base)
            account.hold(inst.quote)
            account.trade_in(inst.symbol)
        accounts[a.account_id] = account

    def instrument(symbol: str, what: str) -> Instrument:
        inst = instruments.get(symbol)
        if inst is None:
            raise ValueError(f"{what}: unknown symbol {symbol!r}")
        return inst

    def owner(account_id: str, what: str) -> Account:
        account = accounts.get(account_id)
        if account is None:
            raise ValueError(f"{what}: account {account_id!r} is not in the state")
        return account

    orders: dict[int, OrderRecord] = {}
    locks: dict[tuple[str, str], int] = {}
    for view in sorted(state.orders, key=lambda o: o.order_id):
        what = f"order {view.order_id}"
        if view.order_id in orders:
            raise ValueError(f"{what} appears twice")
        inst = instrument(view.symbol, what)
        account = owner(view.account_id, what)
        orig = _units(view.orig_qty, inst.qty_places, f"{what} orig_qty")
        executed = _units(view.executed_qty, inst.qty_places, f"{what} executed_qty")
        by_quote = view.type is OrderType.MARKET and view.orig_quote_order_qty > 0
        rec = OrderRecord(
            view.order_id, account, inst, view.client_order_id, view.side, view.type,
            view.time_in_force, _tick(inst, view.price, what), view.price,
            0 if by_quote else orig, None if by_quote else view.orig_qty,
            view.orig_quote_order_qty, view.stp_mode, view.time,
        )  # fmt: skip
        rec.executed = executed
        rec.cum_quote = _units(view.cumulative_quote_qty, scale, f"{what} cumulative_quote_qty")
        rec.status = view.status
        rec.update_time = view.update_time
        rec.working_time = view.working_time
        if view.status in OPEN_STATUSES:
            if view.type is OrderType.MARKET or executed >= orig:
                raise ValueError(f"{what} is open but cannot rest")
            remaining = orig - executed
            if rec.is_buy:
                rec.lock = rec.price_tick * remaining * inst.quote_per_pq
                key = (account.account_id, inst.quote)
            else:
                rec.lock = remaining * inst.base_per_qty
                key = (account.account_id, inst.base)
            locks[key] = locks.get(key, 0) + rec.lock
        elif executed > orig and not by_quote:
            raise ValueError(f"{what} executed more than its quantity")
        orders[view.order_id] = rec

    for account in accounts.values():
        for asset, held in account.locked.items():
            if locks.pop((account.account_id, asset), 0) != held:
                raise ValueError(
                    f"account {account.account_id!r}: locked {asset} does not equal what its "
                    "open orders hold"
                )
    if locks:
        (account_id, asset), _ = next(iter(locks.items()))
        raise ValueError(
            f"account {account_id!r} has open orders holding {asset} it has no row for"
        )

    fills: list[tuple[Account, str, FillRecord]] = []
    top_trade: dict[str, int] = {}
    for fill in sorted(state.fills, key=lambda f: (f.symbol, f.trade_id, f.is_maker)):
        what = f"fill {fill.symbol}#{fill.trade_id}"
        inst = instrument(fill.symbol, what)
        account = owner(fill.account_id, what)
        fills.append(
            (
                account,
                fill.symbol,
                (
                    fill.trade_id,
                    fill.order_id,
                    _tick(inst, fill.price, what),
                    _units(fill.qty, inst.qty_places, f"{what} qty"),
                    _units(fill.quote_qty, scale, f"{what} quote_qty"),
                    _units(fill.commission, scale, f"{what} commission"),
                    fill.is_buyer,
                    fill.is_maker,
                    fill.time,
                ),
            )
        )
        top_trade[fill.symbol] = max(top_trade.get(fill.symbol, 0), fill.trade_id)

    symbol_states: dict[str, tuple[int, int, int | None, list[tuple[int, int, int]]]] = {}
    for s in state.symbols:
        what = f"symbol state {s.symbol}"
        inst = instrument(s.symbol, what)
        last = None if s.last_price is None else _tick(inst, s.last_price, what)
        trades = [
            (v.time, _units(v.qty, inst.qty_places, what), _pq(inst, v.notional, what))
            for v in s.recent_volume
        ]
        symbol_states[s.symbol] = (s.next_trade_id, s.update_id, last, trades)

    # -- everything checked: apply ---------------------------------------------------------------
    for rec in orders.values():
        account = rec.account
        account.register(rec)
        if rec.status in OPEN_STATUSES:
            rec.inst.rest(rec)
            account.open_in(rec.inst.symbol)[rec.order_id] = rec
            account.live_cids[rec.client_order_id] = rec
    for account, symbol, record in fills:
        account.fills[symbol].append(record)
    for symbol, inst in instruments.items():
        next_trade, update_id, last, trades = symbol_states.get(symbol, (1, 0, None, []))
        inst.restore_stats(max(next_trade, top_trade.get(symbol, 0) + 1), update_id, last, trades)
    top_order = max(orders, default=0)
    return Restored(
        list(accounts.values()),
        orders,
        max(state.next_order_id, top_order + 1),
        max(state.next_client_order_id, 1),
    )
