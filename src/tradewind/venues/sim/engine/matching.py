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
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED


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
            if m.account is account and stp is not StpMode.NONE:
                if stp is StpMode.EXPIRE_MAKER:
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
        when ``quote`` is non-zero, until that many quote amount units are spent or received)
        and return why it stopped."""
        is_buy = taker.is_buy
        opp = inst.asks if is_buy else inst.bids
        levels = opp.levels
        changed = opp.changed
        by_quote = quote != 0
        limit = None if taker.type is OrderType.MARKET else taker.price_tick
        account = taker.account
        stp = taker.stp_mode
        prevent = stp is not StpMode.NONE
        step = inst.step
        per_pq = inst.quote_per_pq
        while True:
            left = (quote - taker.cum_quote) if by_quote else (taker.orig_qty - taker.executed)
            if left <= 0:
                return DONE
            tick = opp.best()
            if tick is None or (limit is not None and (tick > limit if is_buy else tick < limit)):
                return DRY
            level = levels[tick]
            orders = level.orders
            i = level.head
            stop = -1
            while level.count:
                m = orders[i]
                if not m.in_book:
                    i += 1
                    continue
                if prevent and m.account is account:
                    if stp is StpMode.EXPIRE_TAKER:
                        stop = PREVENTED
                        break
                    level.qty -= m.orig_qty - m.executed
                    level.count -= 1
                    m.in_book = False
                    i += 1
                    changed[tick] = None
                    inst.update_id += 1
                    self._expire_maker(m, now, events, touched)
                    if stp is StpMode.EXPIRE_BOTH:
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
                self._trade(inst, taker, m, tick, q, done, now, taker_fills, events, touched)
                level.qty -= q
                changed[tick] = None
                inst.update_id += 1
                if q == m_left:
                    level.count -= 1
                    m.in_book = False
                    i += 1
                if done:
                    # a quote-quantity order stops when the rest cannot buy one more step
                    if by_quote:
                        stop = EXHAUSTED
                    break
                left = (quote - taker.cum_quote) if by_quote else left - q
            level.head = i
            if level.count == 0:
                del levels[tick]
            else:
                level.compact()
            if stop >= 0:
                return stop

    def _trade(
        self,
        inst: Instrument,
        taker: OrderRecord,
        maker: OrderRecord,
        tick: int,
        q: int,
        taker_done: bool,
        now: int,
        taker_fills: list[FillRecord],
        events: list[EngineEvent] | None,
        touched: Touched | None,
    ) -> None:
        """Settle one trade of ``q`` at ``tick``; ``taker_done`` says the taker is then complete.
        Each side pays its commission out of what it receives."""
        quote_amt = tick * q * inst.quote_per_pq
        base_amt = q * inst.base_per_qty
        trade_id = inst.next_trade_id
        inst.next_trade_id = trade_id + 1
        base = inst.base
        quote = inst.quote
        fee = self._fee.free
        unit = self._unit
        ta = taker.account
        ma = maker.account
        taker_buys = taker.is_buy
        if taker_buys:
            tc = base_amt * ta.taker_num // ta.taker_den * unit
            mc = quote_amt * ma.maker_num // ma.maker_den * unit
            tf = ta.free
            tf[quote] -= quote_amt
            tf[base] += base_amt - tc
            ma.locked[base] -= base_amt
            maker.lock -= base_amt
            ma.free[quote] += quote_amt - mc
            fee[base] += tc
            fee[quote] += mc
        else:
            tc = quote_amt * ta.taker_num // ta.taker_den * unit
            mc = base_amt * ma.maker_num // ma.maker_den * unit
            tf = ta.free
            tf[base] -= base_amt
            tf[quote] += quote_amt - tc
            ma.locked[quote] -= quote_amt
            maker.lock -= quote_amt
            ma.free[base] += base_amt - mc
            fee[quote] += tc
            fee[base] += mc
        taker.executed += q
        taker.cum_quote += quote_amt
        taker.update_time = now
        taker.status = _FILLED if taker_done else _PARTIALLY_FILLED
        maker.executed += q
        maker.cum_quote += quote_amt
        maker.update_time = now
        symbol = inst.symbol
        if maker.executed == maker.orig_qty:
            maker.status = _FILLED
            del ma.open[symbol][maker.order_id]
            if ma.live_cids.get(maker.client_order_id) is maker:
                del ma.live_cids[maker.client_order_id]
        else:
            maker.status = _PARTIALLY_FILLED
        inst.last_tick = tick
        if inst.window_ms:
            inst.window.append((now, tick * q, q))
            inst.window_pq += tick * q
            inst.window_qty += q
        taker_fill = (trade_id, taker.order_id, tick, q, quote_amt, tc, taker_buys, False, now)
        maker_fill = (trade_id, maker.order_id, tick, q, quote_amt, mc, not taker_buys, True, now)
        taker_fills.append(taker_fill)
        fills = ta.fills[symbol]
        fills.append(taker_fill)
        if len(fills) > self._prune_at:
            ta.prune(symbol, self._history_limit, self._orders)
        fills = ma.fills[symbol]
        fills.append(maker_fill)
        if len(fills) > self._prune_at:
            ma.prune(symbol, self._history_limit, self._orders)
        if events is not None and touched is not None:
            self._trade_events(inst, taker, maker, taker_fill, maker_fill, events, touched)

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
