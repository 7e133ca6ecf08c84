"""``MatchingEngine``: a pure, in-process Binance Spot matching engine.

Price-time priority per symbol; trades at the maker's price; balances locked by resting orders;
commission to ``FEE_ACCOUNT`` so every asset's total is conserved exactly; self-trade
prevention by the taker's mode. Time comes from the injected clock (epoch ms), never the wall.
Validation lives in ``filters``, the matching loop in ``matching``, lookups in ``history`` and
export/restore in ``snapshot``; this class owns the state and the public API.

A taker's funds are checked up front and spent straight from ``free`` while it matches; only
what rests afterwards is moved to ``locked``. The operation is atomic for callers, so nothing
observes the in-between.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from types import MappingProxyType

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine.accounts import FEE_ACCOUNT, Account
from tradewind.venues.sim.engine.amounts import ZERO, AmountScale, amount_scale_for
from tradewind.venues.sim.engine.errors import (
    DUPLICATE_ORDER,
    WOULD_TAKE,
    SimError,
    insufficient_balance,
    invalid_symbol,
    order_does_not_exist,
    unknown_order,
)
from tradewind.venues.sim.engine.events import BalanceAdjusted, EngineEvent, OrderUpdated
from tradewind.venues.sim.engine.filters import check_order
from tradewind.venues.sim.engine.history import find_order, order_id_of, select, trade_id_of
from tradewind.venues.sim.engine.instrument import BookSide, DepthChanges, DepthSnapshot, Instrument
from tradewind.venues.sim.engine.matching import (
    DONE,
    DRY,
    EXHAUSTED,
    NO_REASON,
    PREVENTED,
    Matcher,
    Touched,
    walk,
)
from tradewind.venues.sim.engine.orders import (
    ExecutionType,
    Fill,
    NewOrder,
    OrderStatus,
    OrderType,
    OrderView,
    PlaceResult,
    StpMode,
    TimeInForce,
)
from tradewind.venues.sim.engine.records import FillRecord, OrderRecord
from tradewind.venues.sim.engine.reports import Reports, slot_constructor
from tradewind.venues.sim.engine.snapshot import export_engine, restore_engine
from tradewind.venues.sim.engine.spec import SymbolSpec
from tradewind.venues.sim.engine.state import EngineState

log = get_logger("sim.engine")

Listener = Callable[[EngineEvent], None]

_ZERO = Decimal(0)
_WIDE = Context(prec=60)
# enum members as globals: on Python 3.11 ``OrderType.MARKET`` goes through EnumType.__getattr__
_MARKET = OrderType.MARKET
_LIMIT_MAKER = OrderType.LIMIT_MAKER
_GTC = TimeInForce.GTC
_FOK = TimeInForce.FOK
_FILLED = OrderStatus.FILLED
_EXPIRED = OrderStatus.EXPIRED
_EXPIRED_IN_MATCH = OrderStatus.EXPIRED_IN_MATCH
_NEW = OrderStatus.NEW
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_CANCELED = OrderStatus.CANCELED
_make_result = slot_constructor(PlaceResult)
_make_view = slot_constructor(OrderView)
DEFAULT_HISTORY_LIMIT = 50_000


class MatchingEngine:
    """The simulated exchange's order books and accounts. Prices in quote units, quantities in
    base units, times in epoch ms from ``clock``."""

    def __init__(
        self,
        specs: Iterable[SymbolSpec],
        clock: Callable[[], int],
        *,
        emit_events: bool = True,
        history_limit: int = DEFAULT_HISTORY_LIMIT,
    ) -> None:
        spec_list = list(specs)
        by_symbol: dict[str, SymbolSpec] = {}
        for spec in spec_list:
            if spec.symbol in by_symbol:
                raise ValueError(f"duplicate symbol {spec.symbol}")
            by_symbol[spec.symbol] = spec
        if history_limit < 1:
            raise ValueError("history_limit must be positive")
        self.specs: Mapping[str, SymbolSpec] = MappingProxyType(by_symbol)
        self._amounts = AmountScale(amount_scale_for(spec_list))
        self._scale = self._amounts.scale
        self._instruments = {s: Instrument(spec, self._amounts) for s, spec in by_symbol.items()}
        self._clock = clock
        self._emit = emit_events
        self._listeners: list[Listener] = []
        self._accounts: dict[str, Account] = {}
        self._orders: dict[int, OrderRecord] = {}
        self._next_order_id = 1
        self._next_client_id = 1
        self._history_limit = history_limit
        # history is pruned back to the limit once it doubles, so pruning is amortised
        self._prune_at = 2 * history_limit
        self._reports = Reports(self._amounts)
        self._view = self._reports.view
        self._fee = self._add_account(FEE_ACCOUNT, _ZERO, _ZERO)
        self._matcher = Matcher(self._reports, self._fee, self._orders, history_limit)

    # -- listeners and accounts ----------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _dispatch(self, events: list[EngineEvent]) -> None:
        for event in events:
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception:
                    # The operation has happened; a failing listener must not unmake it.
                    log.exception("engine_listener_failed", event_type=type(event).__name__)

    def _add_account(self, account_id: str, maker: Decimal, taker: Decimal) -> Account:
        account = Account(account_id, maker, taker, self._amounts.commission_unit)
        # every account has a row for every listed asset, so matching never misses a key
        for inst in self._instruments.values():
            account.hold(inst.base)
            account.hold(inst.quote)
            account.trade_in(inst.symbol)
        self._accounts[account_id] = account
        return account

    def create_account(
        self,
        account_id: str,
        *,
        maker_commission: Decimal = Decimal("0.001"),
        taker_commission: Decimal = Decimal("0.001"),
    ) -> None:
        if not isinstance(account_id, str) or not account_id:
            raise ValueError("account_id must be a non-empty string")
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        self._add_account(account_id, maker_commission, taker_commission)

    def has_account(self, account_id: str) -> bool:
        return account_id in self._accounts

    def account_commissions(self, account_id: str) -> tuple[Decimal, Decimal]:
        account = self._accounts[account_id]
        return account.maker_commission, account.taker_commission

    def _amount(self, amount: Decimal, asset: str) -> int:
        if not isinstance(asset, str) or not asset.isalnum() or asset != asset.upper():
            raise ValueError(f"asset must be upper-case letters and digits, got {asset!r}")
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise SimError(-1013, "Invalid amount: it must be a positive number.")
        units = self._amounts.to_units(amount)
        if units is None:
            raise SimError(-1111, "Parameter 'amount' has too much precision.")
        return units

    def credit(self, account_id: str, asset: str, amount: Decimal, reason: str = "deposit") -> None:
        account = self._accounts[account_id]
        units = self._amount(amount, asset)
        account.hold(asset)
        account.free[asset] += units
        self._adjusted(account, asset, amount, reason)

    def debit(
        self, account_id: str, asset: str, amount: Decimal, reason: str = "withdrawal"
    ) -> None:
        account = self._accounts[account_id]
        units = self._amount(amount, asset)
        if account.free.get(asset, 0) < units:
            raise insufficient_balance()
        account.free[asset] -= units
        self._adjusted(account, asset, -amount, reason)

    def _adjusted(self, account: Account, asset: str, delta: Decimal, reason: str) -> None:
        if not self._emit:
            return
        now = self._clock()
        self._dispatch(
            [
                BalanceAdjusted(account.account_id, asset, delta, now, reason),
                self._reports.balances(account, {asset}, now),
            ]
        )

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        account = self._accounts[account_id]
        to_decimal = self._amounts.to_decimal
        return {
            asset: (to_decimal(free), to_decimal(account.locked[asset]))
            for asset, free in account.free.items()
        }

    def total_by_asset(self) -> dict[str, Decimal]:
        totals: dict[str, int] = {}
        for account in self._accounts.values():
            for asset, free in account.free.items():
                totals[asset] = totals.get(asset, 0) + free + account.locked[asset]
        return {asset: self._amounts.to_decimal(units) for asset, units in totals.items()}

    def _instrument(self, symbol: str) -> Instrument:
        inst = self._instruments.get(symbol)
        if inst is None:
            raise invalid_symbol()
        return inst

    def _new_client_id(self) -> str:
        """Binance-like generated client order ids: deterministic, 22 characters. (``str.zfill``
        rather than ``f"{n:019d}"``: the format-spec path costs about twice as much, and every
        cancel makes one of these.)"""
        n = self._next_client_id
        self._next_client_id = n + 1
        return "sim" + str(n).zfill(19)

    # -- placing -------------------------------------------------------------------------------
    def place(self, account_id: str, order: NewOrder) -> PlaceResult:
        """Validate, match and (GTC remainder, LIMIT_MAKER) rest one order. Raises ``SimError``
        with nothing changed when Binance would reject it."""
        inst = self._instruments.get(order.symbol)
        if inst is None:
            raise invalid_symbol()
        account = self._accounts[account_id]
        symbol = inst.symbol
        now = self._clock()
        open_here = account.open[symbol]
        side, is_buy, order_type, tif, price_tick, price, qty, quote, quote_decimal, stp = (
            check_order(inst, order, now, len(open_here), self._scale)
        )
        cid = order.client_order_id
        if cid is not None and cid in account.live_cids:
            raise SimError(-2010, DUPLICATE_ORDER)
        if is_buy:
            opp = inst.asks
            asset = inst.quote
        else:
            opp = inst.bids
            asset = inst.base
        best = opp.best()
        if order_type is _MARKET:
            crosses = best is not None
            if not is_buy:
                need = (
                    qty * inst.base_per_qty
                    if qty
                    else self._walk(inst, opp, account, None, stp, 0, quote)[0] * inst.base_per_qty
                )
            elif not qty:
                need = quote
            elif account.free[asset] >= qty * inst.quote_per_pq * max(opp.levels, default=0):
                need = 0  # affordable even if all of it filled at the worst ask: skip the walk
            else:
                need = self._walk(inst, opp, account, None, stp, qty, 0)[1]
        else:
            crosses = best is not None and (best <= price_tick if is_buy else best >= price_tick)
            need = price_tick * qty * inst.quote_per_pq if is_buy else qty * inst.base_per_qty
        if account.free[asset] < need:
            raise insufficient_balance()
        if crosses:
            if order_type is _LIMIT_MAKER:
                raise SimError(-2010, WOULD_TAKE)
            if tif is _FOK:
                crosses = self._walk(inst, opp, account, price_tick, stp, qty, 0)[0] >= qty

        # accepted: from here on the order exists
        if cid is None:
            n = self._next_client_id
            self._next_client_id = n + 1
            cid = "sim" + str(n).zfill(19)
        order_id = self._next_order_id
        self._next_order_id = order_id + 1
        rec = OrderRecord(
            order_id, account, inst, cid, side, order_type, tif, price_tick, price, qty,
            order.quantity, quote_decimal, stp, now,
        )  # fmt: skip
        self._orders[order_id] = rec
        history = account.history[symbol]
        history.append(rec)
        account.cids[symbol][cid] = rec
        if len(history) - len(open_here) > self._prune_at:
            account.prune(symbol, self._history_limit, self._orders)
        if not crosses and not self._emit and tif is _GTC and order_type is not _MARKET:
            # the common case, a limit order that rests whole: nothing to match, report or settle;
            # what it locks is what it needed (price x qty for a buy, qty for a sell)
            side_book = inst.bids if is_buy else inst.asks
            rec.lock = need
            account.free[asset] -= need
            account.locked[asset] += need
            # Instrument.rest, inline: this is half of all operations on a busy book
            level = side_book.levels.get(price_tick)
            if level is None:
                level = side_book.new_level(price_tick)
            level.orders.append(rec)
            level.qty += qty
            level.count += 1
            rec.in_book = True
            side_book.changed[price_tick] = None
            inst.update_id += 1
            open_here[order_id] = rec
            account.live_cids[cid] = rec
            # Reports.view, inline: a new order has nothing executed and its request's values
            view = _make_view(
                order_id, account.account_id, symbol, cid, side, order_type, tif, price,
                order.quantity, ZERO, ZERO, _NEW, now, now, now, quote_decimal, stp, None,
            )  # fmt: skip
            return _make_result(view, ())
        events: list[EngineEvent] | None = None
        touched: Touched | None = None
        if self._emit:
            events = [OrderUpdated(self._reports.view(rec), ExecutionType.NEW, None, NO_REASON)]
            touched = {}
        taker_fills: list[FillRecord] = []
        outcome = (
            self._matcher.match(inst, rec, quote, now, taker_fills, events, touched)
            if crosses
            else DRY
        )

        if outcome == DONE or (outcome == EXHAUSTED and rec.executed):
            rec.status = _FILLED
        elif outcome == PREVENTED:
            rec.status = _EXPIRED_IN_MATCH
            rec.update_time = now
            if events is not None:
                view = self._reports.view(rec)
                events.append(OrderUpdated(view, ExecutionType.TRADE_PREVENTION, None, NO_REASON))
        elif order_type is _MARKET or tif is not _GTC:
            rec.status = _EXPIRED
            rec.update_time = now
            if events is not None:
                view = self._reports.view(rec)
                events.append(OrderUpdated(view, ExecutionType.EXPIRED, None, NO_REASON))
        else:
            remaining = rec.orig_qty - rec.executed
            if is_buy:
                lock = rec.price_tick * remaining * inst.quote_per_pq
            else:
                lock = remaining * inst.base_per_qty
            rec.lock = lock
            account.free[asset] -= lock
            account.locked[asset] += lock
            inst.rest(rec)
            open_here[order_id] = rec
            account.live_cids[cid] = rec
            if touched is not None:
                touched.setdefault(account, set()).add(asset)
        if events is not None and touched is not None:
            for acct, assets in touched.items():
                events.append(self._reports.balances(acct, assets, now))
            self._dispatch(events)
        fills = tuple(self._reports.fills(account_id, inst, taker_fills)) if taker_fills else ()
        return _make_result(self._view(rec), fills)

    @staticmethod
    def _walk(
        inst: Instrument,
        opp: BookSide,
        account: Account,
        limit: int | None,
        stp: StpMode,
        qty: int,
        quote: int,
    ) -> tuple[int, int]:
        return walk(opp, account, limit, stp, qty, quote, inst.quote_per_pq, inst.step)

    # -- canceling -----------------------------------------------------------------------------
    def cancel(
        self,
        account_id: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        new_client_order_id: str | None = None,
    ) -> OrderView:
        """Cancel one open order. The returned view carries the cancel's client order id
        (``new_client_order_id`` or a generated one) and the order's as ``orig_client_order_id``."""
        inst = self._instruments.get(symbol)
        if inst is None:
            raise invalid_symbol()
        account = self._accounts[account_id]
        if order_id is None and client_order_id is None:
            raise SimError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        if order_id is not None and client_order_id is None:
            # find_order's by-id case, inline: most cancels name the order id alone
            rec = self._orders.get(order_id)
            if rec is not None and (rec.account is not account or rec.inst is not inst):
                rec = None
        else:
            rec = find_order(self._orders, account, inst, order_id, client_order_id)
        if rec is None or (rec.status is not _NEW and rec.status is not _PARTIALLY_FILLED):
            raise unknown_order()
        now = self._clock()
        if not new_client_order_id:
            # _new_client_id, inline: most cancels do not name one
            n = self._next_client_id
            self._next_client_id = n + 1
            new_client_order_id = "sim" + str(n).zfill(19)
        if not self._emit:
            return self._cancel(rec, new_client_order_id, now, None)
        events: list[EngineEvent] = []
        view = self._cancel(rec, new_client_order_id, now, events)
        events.append(self._reports.balances(account, {self._locked_asset(rec)}, now))
        self._dispatch(events)
        return view

    def cancel_all(self, account_id: str, symbol: str) -> list[OrderView]:
        """Cancel every open order of the account on ``symbol``, oldest first."""
        self._instrument(symbol)
        account = self._accounts[account_id]
        open_orders = list(account.open.get(symbol, {}).values())
        if not open_orders:
            raise unknown_order()
        now = self._clock()
        events: list[EngineEvent] | None = [] if self._emit else None
        views = [self._cancel(rec, self._new_client_id(), now, events) for rec in open_orders]
        if events is not None:
            assets = {self._locked_asset(rec) for rec in open_orders}
            events.append(self._reports.balances(account, assets, now))
            self._dispatch(events)
        return views

    @staticmethod
    def _locked_asset(rec: OrderRecord) -> str:
        return rec.inst.quote if rec.is_buy else rec.inst.base

    def _cancel(
        self, rec: OrderRecord, cancel_id: str, now: int, events: list[EngineEvent] | None
    ) -> OrderView:
        account = rec.account
        inst = rec.inst
        # Instrument.unrest and Account.close, inline: a cancel is every other operation
        if rec.is_buy:
            side = inst.bids
            asset = inst.quote
        else:
            side = inst.asks
            asset = inst.base
        tick = rec.price_tick
        levels = side.levels
        level = levels[tick]
        level.qty -= rec.orig_qty - rec.executed
        count = level.count = level.count - 1
        rec.in_book = False
        if count == 0:
            del levels[tick]
        elif level.head > 32 or len(level.orders) - level.head > 2 * count + 16:
            level.compact()  # (its own conditions, checked here first to save the call)
        side.changed[tick] = None
        inst.update_id += 1
        lock = rec.lock
        account.locked[asset] -= lock
        account.free[asset] += lock
        rec.lock = 0
        rec.status = _CANCELED
        rec.update_time = now
        open_here = account.open.get(inst.symbol)
        if open_here is not None:
            open_here.pop(rec.order_id, None)
        cid = rec.client_order_id
        live_cids = account.live_cids
        if live_cids.get(cid) is rec:
            del live_cids[cid]
        view = self._view(rec, cancel_id, cid)
        if events is not None:
            events.append(OrderUpdated(view, ExecutionType.CANCELED, None, NO_REASON))
        return view

    # -- order and trade queries ---------------------------------------------------------------
    def get_order(
        self,
        account_id: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> OrderView:
        inst = self._instrument(symbol)
        account = self._accounts[account_id]
        if order_id is None and client_order_id is None:
            raise SimError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        rec = find_order(self._orders, account, inst, order_id, client_order_id)
        if rec is None:
            raise order_does_not_exist()
        return self._reports.view(rec)

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[OrderView]:
        """Open orders in order-id order, of one symbol or of all."""
        account = self._accounts[account_id]
        if symbol is not None:
            self._instrument(symbol)
            records = list(account.open.get(symbol, {}).values())
        else:
            records = sorted(
                (r for book in account.open.values() for r in book.values()),
                key=lambda r: r.order_id,
            )
        return [self._reports.view(r) for r in records]

    def all_orders(
        self,
        account_id: str,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[OrderView]:
        """Orders of ``symbol`` ascending by id: from ``order_id`` or ``start_time`` the first
        ``limit``, otherwise the latest ``limit``; times in epoch ms, inclusive."""
        self._instrument(symbol)
        account = self._accounts[account_id]
        history = account.history.get(symbol, [])
        first = 0 if order_id is None else bisect_left(history, order_id, key=order_id_of)
        records = select(
            history[first:],
            lambda r: r.time,
            start_time,
            end_time,
            limit,
            from_start=order_id is not None or start_time is not None,
        )
        return [self._reports.view(r) for r in records]

    def my_trades(
        self,
        account_id: str,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[Fill]:
        """The account's fills on ``symbol`` ascending by trade id, optionally of one order: from
        ``from_id`` or ``start_time`` the first ``limit``, otherwise the latest ``limit``."""
        inst = self._instrument(symbol)
        account = self._accounts[account_id]
        fills = account.fills.get(symbol, [])
        if order_id is not None:
            fills = [f for f in fills if f[1] == order_id]
        if from_id is not None:
            fills = fills[bisect_left(fills, from_id, key=trade_id_of) :]
        records = select(
            fills,
            lambda f: f[8],
            start_time,
            end_time,
            limit,
            from_start=from_id is not None or start_time is not None,
        )
        return self._reports.fills(account_id, inst, records)

    # -- market data ---------------------------------------------------------------------------
    def depth(self, symbol: str, limit: int = 100) -> DepthSnapshot:
        if limit < 1:
            raise ValueError("limit must be positive")
        return self._instrument(symbol).depth(limit)

    def take_depth_changes(self, symbol: str) -> DepthChanges | None:
        return self._instrument(symbol).take_changes()

    def best_bid_ask(
        self, symbol: str
    ) -> tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None]:
        inst = self._instrument(symbol)
        out: list[tuple[Decimal, Decimal] | None] = []
        for side in (inst.bids, inst.asks):
            tick = side.best()
            out.append(
                None if tick is None else (inst.price(tick), inst.qty(side.levels[tick].qty))
            )
        return out[0], out[1]

    def last_price(self, symbol: str) -> Decimal | None:
        inst = self._instrument(symbol)
        return None if inst.last_tick is None else inst.price(inst.last_tick)

    def avg_price(self, symbol: str) -> Decimal | None:
        """The weighted average price PERCENT_PRICE_BY_SIDE and NOTIONAL use, rounded half-even
        to the quote asset precision; None before the first trade."""
        inst = self._instrument(symbol)
        reference = inst.reference(self._clock())
        if reference is None:
            return None
        pq, q = reference
        value = _WIDE.divide(_WIDE.multiply(Decimal(pq), inst.tick_size), Decimal(q))
        return value.quantize(
            Decimal(1).scaleb(-inst.spec.quote_asset_precision), rounding=ROUND_HALF_EVEN
        )

    # -- persistence ---------------------------------------------------------------------------
    def export_state(self, account_ids: Iterable[str] | None = None) -> EngineState:
        """Everything of the listed accounts (default: all, the fee account included) plus the
        per-symbol counters, as plain values."""
        ids = list(self._accounts) if account_ids is None else list(account_ids)
        accounts = [self._accounts[a] for a in ids]
        return export_engine(
            accounts,
            self._instruments,
            self._reports,
            self._next_order_id,
            self._next_client_id,
        )

    def restore_state(self, state: EngineState) -> None:
        """Load ``state`` into this engine, which must be fresh (no orders, no accounts but an
        empty fee account). Open orders rest again in their original priority. Raises
        ValueError, leaving the engine unchanged, when the state does not fit."""
        if (
            self._orders
            or set(self._accounts) != {FEE_ACCOUNT}
            or any(self._fee.free.values())
            or any(self._fee.locked.values())
        ):
            raise ValueError("restore_state needs a fresh engine")
        restored = restore_engine(state, self._instruments, self._amounts)
        self._accounts.clear()
        for rebuilt in restored.accounts:
            self._accounts[rebuilt.account_id] = rebuilt
        if FEE_ACCOUNT in self._accounts:
            fee = self._accounts[FEE_ACCOUNT]
            for asset in self._fee.free:
                fee.hold(asset)
        else:
            fee = self._fee
            self._accounts[FEE_ACCOUNT] = fee
        self._fee = fee
        self._orders.update(restored.orders)
        self._matcher = Matcher(self._reports, fee, self._orders, self._history_limit)
        self._next_order_id = restored.next_order_id
        self._next_client_id = restored.next_client_id
