"""The matching loop: walks the opposite side of a book in price-time priority, settles trades
(balances, commissions, fills) and applies self-trade prevention by the taker's mode.

``walk`` answers "what would this fill right now" without touching anything; ``Matcher.match``
does it. Both follow the same rules, so a pre-check (FOK, market order funds) agrees with the
real run.
"""

from __future__ import annotations

from tradewind.venues.sim.engine.accounts import Account
from tradewind.venues.sim.engine.events import EngineEvent, OrderUpdated, TradeExecuted
from tradewind.venues.sim.engine.instrument import BookSide, Instrument
from tradewind.venues.sim.engine.orders import ExecutionType, OrderStatus, OrderType, StpMode, Trade
from tradewind.venues.sim.engine.records import FillRecord, OrderRecord
from tradewind.venues.sim.engine.reports import Reports

Touched = dict[Account, set[str]]

# why matching stopped: the taker is complete, the book (within its limit) ran dry, self-trade
# prevention expired the taker, or a quote-quantity order cannot afford one more step
DONE, DRY, PREVENTED, EXHAUSTED = range(4)
NO_REASON = "NONE"
# enum members as globals: on Python 3.11 ``StpMode.NONE`` goes through EnumType.__getattr__
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_MARKET = OrderType.MARKET
_STP_NONE = StpMode.NONE
_EXPIRE_TAKER = StpMode.EXPIRE_TAKER
_EXPIRE_MAKER = StpMode.EXPIRE_MAKER
_EXPIRE_BOTH = StpMode.EXPIRE_BOTH


def walk(
    opp: BookSide,
    account: Account,
    limit: int | None,
    stp: StpMode,
    qty: int,
    quote: int,
    per_pq: int,
    step: int,
) -> tuple[int, int]:
    """What a taker of ``account`` would fill against ``opp`` right now, touching nothing:
    (qty units, quote amount units), up to ``qty`` or, when ``qty`` is 0, up to ``quote`` spent,
    at prices no worse than ``limit`` (None: any). ``per_pq`` and ``step`` are the instrument's."""
    is_bid = opp.is_bid
    levels = opp.levels
    got_qty = got_quote = 0
    for tick in opp.best_first():
        if limit is not None and (tick < limit if is_bid else tick > limit):
            break
        level = levels[tick]
        for m in level.orders[level.head :]:
            if not m.in_book:
                continue
            if m.account is account and stp is not _STP_NONE:
                if stp is _EXPIRE_MAKER:
                    continue
                return got_qty, got_quote
            m_left = m.orig_qty - m.executed
            if qty:
                q = min(m_left, qty - got_qty)
            else:
                q = min(m_left, (quote - got_quote) // (tick * per_pq) // step * step)
                if q == 0:
                    return got_qty, got_quote
            got_qty += q
            got_quote += tick * q * per_pq
            if qty and got_qty >= qty:
                return got_qty, got_quote
            if not qty and (quote - got_quote) // (tick * per_pq) < step:
                return got_qty, got_quote
    return got_qty, got_quote


class Matcher:
    """Runs takers against a book and settles the trades."""

    __slots__ = ("_fee", "_history_limit", "_orders", "_prune_at", "_reports", "_unit")

    def __init__(
        self, reports: Reports, fee: Account, orders: dict[int, OrderRecord], history_limit: int
    ) -> None:
        self._reports = reports
        self._fee = fee
        self._orders = orders
        self._history_limit = history_limit
        self._prune_at = 2 * history_limit
        self._unit = reports.amounts.commission_unit

    def match(
        self,
        inst: Instrument,
        taker: OrderRecord,
        quote: int,
        now: int,
        taker_fills: list[FillRecord],
        events: list[EngineEvent] | None,
        touched: Touched | None,
    ) -> int:
        """Match ``taker`` (a limit order up to its price, a market order up to its quantity or,
        when ``quote`` is non-zero, until that many quote amount units are spent or received),
        settle every trade, and return why it stopped.

        Settlement is written out inline: this loop is the engine's hottest code. Each side pays
        its commission, rounded down to 8 decimals, out of what it receives."""
        is_buy = taker.is_buy
        opp = inst.asks if is_buy else inst.bids
        levels = opp.levels
        changed = opp.changed
        by_quote = quote != 0
        limit = None if taker.type is _MARKET else taker.price_tick
        account = taker.account
        stp = taker.stp_mode
        prevent = stp is not _STP_NONE
        step = inst.step
        per_pq = inst.quote_per_pq
        per_qty = inst.base_per_qty
        symbol = inst.symbol
        base = inst.base
        quote_asset = inst.quote
        fee = self._fee.free
        unit = self._unit
        prune_at = self._prune_at
        taker_free = account.free
        taker_num = account.taker_num
        taker_den = account.taker_den
        taker_history = account.fills[symbol]
        taker_id = taker.order_id
        traded_pq = traded_qty = 0
        stop = -1
        while stop < 0:
            left = (quote - taker.cum_quote) if by_quote else (taker.orig_qty - taker.executed)
            if left <= 0:
                stop = DONE
                break
            tick = opp.best()
            if tick is None or (limit is not None and (tick > limit if is_buy else tick < limit)):
                stop = DRY
                break
            level = levels[tick]
            orders = level.orders
            i = level.head
            while level.count:
                m = orders[i]
                if not m.in_book:
                    i += 1
                    continue
                maker_account = m.account
                if prevent and maker_account is account:
                    if stp is _EXPIRE_TAKER:
                        stop = PREVENTED
                        break
                    level.qty -= m.orig_qty - m.executed
                    level.count -= 1
                    m.in_book = False
                    i += 1
                    changed[tick] = None
                    inst.update_id += 1
                    self._expire_maker(m, now, events, touched)
                    if stp is _EXPIRE_BOTH:
                        stop = PREVENTED
                        break
                    continue
                m_left = m.orig_qty - m.executed
                if by_quote:
                    q = left // (tick * per_pq) // step * step
                    if q == 0:
                        stop = EXHAUSTED
                        break
                    if q > m_left:
                        q = m_left
                    # done when the rest cannot buy one more step at this price
                    done = (left - tick * q * per_pq) // (tick * per_pq) < step
                else:
                    q = left if left < m_left else m_left
                    done = q == left

                # -- settle one trade of q at tick
                quote_amt = tick * q * per_pq
                base_amt = q * per_qty
                trade_id = inst.next_trade_id
                inst.next_trade_id = trade_id + 1
                if is_buy:
                    tc = base_amt * taker_num // taker_den * unit
                    mc = quote_amt * maker_account.maker_num // maker_account.maker_den * unit
                    taker_free[quote_asset] -= quote_amt
                    taker_free[base] += base_amt - tc
                    maker_account.locked[base] -= base_amt
                    m.lock -= base_amt
                    maker_account.free[quote_asset] += quote_amt - mc
                    fee[base] += tc
                    fee[quote_asset] += mc
                else:
                    tc = quote_amt * taker_num // taker_den * unit
                    mc = base_amt * maker_account.maker_num // maker_account.maker_den * unit
                    taker_free[base] -= base_amt
                    taker_free[quote_asset] += quote_amt - tc
                    maker_account.locked[quote_asset] -= quote_amt
                    m.lock -= quote_amt
                    maker_account.free[base] += base_amt - mc
                    fee[quote_asset] += tc
                    fee[base] += mc
                taker.executed += q
                taker.cum_quote += quote_amt
                taker.status = _FILLED if done else _PARTIALLY_FILLED
                m.executed += q
                m.cum_quote += quote_amt
                m.update_time = now
                level.qty -= q
                changed[tick] = None
                inst.update_id += 1
                if q == m_left:
                    m.status = _FILLED
                    level.count -= 1
                    m.in_book = False
                    i += 1
                    del maker_account.open[symbol][m.order_id]
                    if maker_account.live_cids.get(m.client_order_id) is m:
                        del maker_account.live_cids[m.client_order_id]
                else:
                    m.status = _PARTIALLY_FILLED
                traded_pq += tick * q
                traded_qty += q
                taker_fill = (trade_id, taker_id, tick, q, quote_amt, tc, is_buy, False, now)
                maker_fill = (trade_id, m.order_id, tick, q, quote_amt, mc, not is_buy, True, now)
                taker_fills.append(taker_fill)
                taker_history.append(taker_fill)
                maker_history = maker_account.fills[symbol]
                maker_history.append(maker_fill)
                if len(maker_history) > prune_at:
                    maker_account.prune(symbol, self._history_limit, self._orders)
                if events is not None and touched is not None:
                    self._trade_events(inst, taker, m, taker_fill, maker_fill, events, touched)
                if done:
                    # a quote-quantity order stops when the rest cannot buy one more step
                    if by_quote:
                        stop = EXHAUSTED
                    break
                left = (quote - taker.cum_quote) if by_quote else left - q
            level.head = i
            if level.count == 0:
                del levels[tick]
            elif i > 32 or len(orders) - i > 2 * level.count + 16:
                level.compact()  # (its own conditions, checked here first to save the call)
        if traded_qty:
            taker.update_time = now
            # one window entry per operation: all its trades share the time
            inst.record_trade(now, taker_fills[-1][2], traded_qty, traded_pq)
            if len(taker_history) > prune_at:
                account.prune(symbol, self._history_limit, self._orders)
        return stop

    def _trade_events(
        self,
        inst: Instrument,
        taker: OrderRecord,
        maker: OrderRecord,
        taker_fill: FillRecord,
        maker_fill: FillRecord,
        events: list[EngineEvent],
        touched: Touched,
    ) -> None:
        trade_id, _, tick, q, quote_amt, tc, _, _, now = taker_fill
        mc = maker_fill[5]
        reports = self._reports
        is_buyer_maker = not taker.is_buy
        base, quote = inst.base, inst.quote
        events.append(
            TradeExecuted(
                Trade(
                    trade_id,
                    inst.symbol,
                    inst.price(tick),
                    inst.qty(q),
                    reports.amounts.to_decimal(quote_amt),
                    now,
                    maker.order_id if is_buyer_maker else taker.order_id,
                    taker.order_id if is_buyer_maker else maker.order_id,
                    is_buyer_maker,
                    taker.order_id,
                )
            )
        )
        ma, ta = maker.account, taker.account
        maker_update = reports.fill(ma.account_id, inst, maker_fill)
        events.append(
            OrderUpdated(reports.view(maker), ExecutionType.TRADE, maker_update, NO_REASON)
        )
        taker_update = reports.fill(ta.account_id, inst, taker_fill)
        events.append(
            OrderUpdated(reports.view(taker), ExecutionType.TRADE, taker_update, NO_REASON)
        )
        touched.setdefault(ta, set()).update((base, quote))
        touched.setdefault(ma, set()).update((base, quote))
        fee_assets = touched.setdefault(self._fee, set())
        if tc:
            fee_assets.add(base if taker.is_buy else quote)
        if mc:
            fee_assets.add(quote if taker.is_buy else base)
        if not fee_assets:
            del touched[self._fee]

    def _expire_maker(
        self, m: OrderRecord, now: int, events: list[EngineEvent] | None, touched: Touched | None
    ) -> None:
        """Self-trade prevention took ``m`` (already out of its level) off the book."""
        account = m.account
        inst = m.inst
        asset = inst.quote if m.is_buy else inst.base
        account.locked[asset] -= m.lock
        account.free[asset] += m.lock
        m.lock = 0
        m.status = OrderStatus.EXPIRED_IN_MATCH
        m.update_time = now
        account.close(m)
        if events is not None and touched is not None:
            events.append(
                OrderUpdated(self._reports.view(m), ExecutionType.TRADE_PREVENTION, None, NO_REASON)
            )
            touched.setdefault(account, set()).add(asset)
