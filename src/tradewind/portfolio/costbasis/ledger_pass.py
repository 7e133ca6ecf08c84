"""The pass over the ledger: time order checked, each transaction to its handler.

Most of any ledger is assets bought or sold for cash, with fees in cash or in a third asset
(BNB). Those take a fast path inlined here (no handler calls, locals instead of attributes):
the same rules as `_Run.trade`, which every other transaction reaches. A disposal on the fast
path takes its lots and writes its legs in one loop (`take_lots`), with no intermediate pieces,
and a purchase appends its lot to the pool directly. A test runs random ledgers both ways
(`_Run.fast` off is the reference) and compares the results field by field.

Quantities and money stay Decimal: converting to scaled integers and back costs more than the
few Decimal operations a transaction needs (bench/bench_cost_basis_arith.py measures both).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

from tradewind.portfolio.costbasis.errors import CostBasisInputError
from tradewind.portfolio.costbasis.pools import (
    HEAP_TIEBREAK,
    MODE_FIFO,
    MODE_HIFO,
    SHARE_EXPONENT,
    Lot,
    LotPool,
)
from tradewind.portfolio.costbasis.results import (
    DisposalKind,
    DisposalLeg,
    UnmatchedDisposal,
)
from tradewind.portfolio.ledger import EntryKind
from tradewind.portfolio.prices.states import Priced

if TYPE_CHECKING:
    from tradewind.portfolio.costbasis.engine import _Run

__all__ = ["run_pass"]

_ZERO = Decimal(0)
_TRADE = EntryKind.TRADE
_SALE = DisposalKind.SALE
_FEE = DisposalKind.FEE
_HOUR_MS = 3_600_000
_INDEX_SUFFIX = ("/0", "/1")  # lot_id_of's "/{index}" for movement 0 or 1


def run_pass(run: _Run) -> None:
    """Apply every transaction in time order; cash trades take the inlined fast path."""
    handlers = run.handlers()
    trade = run.trade
    fast = run.fast
    specific = run.specific
    take_named = run.take_named
    cash = run.cash
    pools = run.pools
    per_wallet = run.per_wallet
    method = run.method
    record = run.record
    dispose = run.dispose
    prices = run.prices
    append_leg = run.legs.append
    long_cache = run.long_cache
    lots_by_id = run.lots_by_id
    selections = run.selections
    keys = run.keys
    take_lots = _lot_taker(run)
    hifo = method == "hifo"
    tiebreak = HEAP_TIEBREAK
    new_leg = tuple.__new__  # DisposalLeg's own __new__ is a Python frame; the fields are fixed
    share_exponent = SHARE_EXPONENT
    previous = -(2**63)
    for i, tx in enumerate(run.txs):
        ts = tx.timestamp_ms
        if ts < previous:
            raise CostBasisInputError(
                f"transactions must be sorted by time: #{i} at {ts} follows {previous}"
            )
        previous = ts
        if tx.kind is not _TRADE:
            handlers[tx.kind](i, tx)
            continue
        moves = tx.movements
        if not fast or len(moves) != 2:
            trade(i, tx)
            continue
        # Fast path for the bulk of any ledger: an asset bought or sold for cash with fees in
        # cash or in a third asset. Same rules as trade(); anything else takes the general path.
        first, second = moves
        if first.amount > _ZERO > second.amount:
            inc, out, inc_index = first, second, 0
        elif second.amount > _ZERO > first.amount:
            inc, out, inc_index = second, first, 1
        else:
            trade(i, tx)
            continue
        inc_asset = inc.asset
        out_asset = out.asset
        inc_cash = inc_asset in cash
        if inc_cash is (out_asset in cash):  # cash for cash, or crypto for crypto
            trade(i, tx)
            continue
        fee_value = _ZERO
        third: list[tuple[Any, ...]] | None = None
        for fee in tx.fees:
            amount = -fee.amount
            if amount <= _ZERO:
                continue
            fee_asset = fee.asset
            if fee_asset in cash:
                fee_value += amount
                continue
            if fee_asset in (inc_asset, out_asset) or prices is None:
                third = None
                break
            got = prices(fee_asset, ts)
            if type(got) is not Priced:
                third = None
                break
            if third is None:
                third = []
            third.append((fee.account, fee_asset, amount, got.value * amount))
        else:
            if third is not None:
                # A fee in a third asset (BNB) is a disposal of it at market value, recorded
                # before the trade's own leg, exactly as trade() does.
                for fee_account, fee_asset, amount, value in third:
                    if specific and _names_lots_of(selections, keys, i, run, lots_by_id, fee_asset):
                        dispose(
                            i, tx, _FEE, fee_account, fee_asset, amount, value, named_required=False
                        )
                    else:  # nobody named lots of the fee asset: they go oldest first
                        take_lots(i, ts, _FEE, fee_account, fee_asset, amount, value)
                    fee_value += value
            if not inc_cash:  # a purchase
                run.seq += 1
                key: object = (inc.account, inc_asset) if per_wallet else inc_asset
                pool = pools.get(key)
                if pool is None:
                    pool = pools[key] = LotPool(method)
                lot_id = None
                if specific:  # lot_id_of inlined: the index is 0 or 1 (a two-movement trade)
                    key_i = keys[i] if keys is not None else tx.content_key()
                    lot_id = key_i[:16] + _INDEX_SUFFIX[inc_index]
                basis = fee_value - out.amount
                lot = Lot(
                    inc.amount,
                    basis,
                    ts,
                    run.seq,
                    tx,
                    inc_index,
                    inc.account,
                    lot_id,
                )
                if lot_id is not None:
                    lots_by_id[lot_id] = [lot]
                # LotPool.add inlined for its common cases: a lot newer than the pool's tail
                # (FIFO, LIFO) or a known cost and positive quantity (HIFO's heap key, as
                # add() computes it). Only specific identification reads pool.total, so the
                # other methods do not keep it here (nor in take_lots).
                if hifo:
                    unit = -(basis / inc.amount)
                    heappush(pool.late, (int(unit), unit, lot.seq, next(tiebreak), lot))
                    continue
                main = pool.main
                if main:
                    tail = main[-1]
                    if ts < tail.acquired_ms or (ts == tail.acquired_ms and lot.seq < tail.seq):
                        pool.add(lot)
                        continue
                if specific:
                    pool.total += lot.qty
                main.append(lot)
                continue
            # a sale
            qty = -out.amount
            proceeds = inc.amount - fee_value
            if not specific:
                take_lots(i, ts, _SALE, out.account, out_asset, qty, proceeds)
                continue
            key = (out.account, out_asset) if per_wallet else out_asset
            pool = pools.get(key)
            if pool is None:
                pool = pools[key] = LotPool(method)
            # The common specific-ID sale, inlined: one lot named for the whole quantity and
            # held here. Anything else goes to take_named_lots with its checks and messages.
            out_account = out.account
            names = selections.get((keys[i] if keys is not None else tx.content_key())[:16])
            named_lot: Lot | None = None
            if names is not None and len(names) == 1:
                [(lot_id, named)] = names.items()
                here = lots_by_id.get(lot_id)
                if here is not None and len(here) == 1 and named == qty:
                    named_lot = here[0]
                    have = named_lot.qty
                    if (
                        have < qty
                        or (per_wallet and named_lot.account != out_account)
                        or named_lot.origin.movements[named_lot.index].asset != out_asset
                    ):
                        named_lot = None
            if named_lot is None:
                pieces, uncovered = take_named(i, pool, out_account, out_asset, qty, True)
                record(i, ts, _SALE, out_account, out_asset, qty, proceeds, pieces, uncovered)
                continue
            lot = named_lot
            pool.total -= qty
            lot.qty = have - qty
            cost = lot.cost
            if cost is not None:
                part = cost if qty == have else (cost * qty / have).quantize(share_exponent)
                lot.cost = cost - part
                cost = part
            acquired = lot.acquired_ms
            long_from = long_cache.get(acquired // _HOUR_MS)
            if long_from is None:
                long_from = long_cache[acquired // _HOUR_MS] = run.long_from(acquired)
            append_leg(
                new_leg(
                    DisposalLeg,
                    (
                        i,
                        ts,
                        _SALE,
                        out_account,
                        out_asset,
                        qty,
                        proceeds,
                        cost,
                        acquired,
                        ts >= long_from,
                        lot.origin,
                        lot.index,
                        lot.account,
                    ),
                )
            )
            continue
        trade(i, tx)


def _lot_taker(
    run: _Run,
) -> Callable[[int, int, DisposalKind, str, str, Decimal, Decimal | None], None]:
    """A disposal that takes lots in method order and writes legs in one loop (FIFO, LIFO,
    HIFO, and specific identification where nothing names the lots: its pools are FIFO).

    The same steps as LotPool.take followed by _Run.record: lots in method order (the deque's
    end or the side heap's top, whichever comes first), a partly taken lot shrinks in
    proportion and keeps the exact remainder, each leg gets its share of the proceeds and the
    last leg of a fully covered disposal the rounding remainder, an uncovered rest is an
    UnmatchedDisposal.
    """
    pools = run.pools
    per_wallet = run.per_wallet
    method = run.method
    keep_total = run.specific  # only specific identification reads pool.total
    append_leg = run.legs.append
    append_unmatched = run.unmatched.append
    long_cache = run.long_cache
    long_from_of = run.long_from
    new_leg = tuple.__new__
    exponent = SHARE_EXPONENT
    zero = _ZERO
    cash = run.cash
    hour = _HOUR_MS

    def take_lots(
        i: int,
        ts: int,
        kind: DisposalKind,
        account: str,
        asset: str,
        qty: Decimal,
        proceeds: Decimal | None,
    ) -> None:
        if qty <= zero or asset in cash:
            return
        key: object = (account, asset) if per_wallet else asset
        pool = pools.get(key)
        if pool is None:
            pool = pools[key] = LotPool(method)
        mode = pool.mode
        main = pool.main
        late = pool.late
        remaining = qty  # never negative, so its truth value is the test `> 0` (cheaper)
        allocated = zero
        while remaining:
            if mode == MODE_HIFO:
                if not late:
                    break
                lot: Lot = late[0][-1]  # type: ignore[assignment]
                from_main = False
            elif main:
                from_main = True
                if mode == MODE_FIFO:
                    lot = main[0]
                    if late:
                        other: Lot = late[0][-1]  # type: ignore[assignment]
                        if other.acquired_ms < lot.acquired_ms or (
                            other.acquired_ms == lot.acquired_ms and other.seq < lot.seq
                        ):
                            lot = other
                            from_main = False
                else:
                    lot = main[-1]
                    if late:
                        other = late[0][-1]  # type: ignore[assignment]
                        if lot.acquired_ms < other.acquired_ms or (
                            lot.acquired_ms == other.acquired_ms and lot.seq < other.seq
                        ):
                            lot = other
                            from_main = False
            elif late:
                lot = late[0][-1]  # type: ignore[assignment]
                from_main = False
            else:
                break
            have = lot.qty
            cost = lot.cost
            if have <= remaining:
                if not from_main:
                    heappop(late)
                elif mode == MODE_FIFO:
                    main.popleft()
                else:
                    main.pop()
                if have <= zero:
                    continue
                lot.qty = zero
                if cost is not None:
                    lot.cost = zero
                q = have
                remaining -= have
            else:
                # A partial take: the part's cost is proportional, the lot keeps the remainder.
                q = remaining
                lot.qty = have - q
                if cost is not None:
                    part = (cost * q / have).quantize(exponent)
                    lot.cost = cost - part
                    cost = part
                remaining = zero
            if proceeds is None:
                share = None
            elif not remaining:
                share = proceeds - allocated  # the last leg takes the rounding remainder
            else:
                share = (proceeds * q / qty).quantize(exponent)
                allocated += share
            acquired = lot.acquired_ms
            long_from = long_cache.get(acquired // hour)
            if long_from is None:
                long_from = long_cache[acquired // hour] = long_from_of(acquired)
            append_leg(
                new_leg(
                    DisposalLeg,
                    (
                        i,
                        ts,
                        kind,
                        account,
                        asset,
                        q,
                        share,
                        cost,
                        acquired,
                        ts >= long_from,
                        lot.origin,
                        lot.index,
                        lot.account,
                    ),
                )
            )
        if keep_total:
            pool.total -= qty - remaining
        if remaining:
            rest = None if proceeds is None else proceeds - allocated
            append_unmatched(UnmatchedDisposal(i, ts, kind, account, asset, remaining, rest))

    return take_lots


def _names_lots_of(
    selections: Any,
    keys: Any,
    i: int,
    run: _Run,
    lots_by_id: dict[str, list[Lot]],
    asset: str,
) -> bool:
    """Whether specific identification must look at the names of disposal `i` for `asset`:
    they name a lot of it, or a lot that does not exist (take_named_lots refuses that)."""
    ref = (keys[i] if keys is not None else run.txs[i].content_key())[:16]
    names = selections.get(ref)
    if not names:
        return False
    for lot_id in names:
        pieces = lots_by_id.get(lot_id)
        if pieces is None:
            return True
        lot = pieces[0]
        if lot.origin.movements[lot.index].asset == asset:
            return True
    return False
