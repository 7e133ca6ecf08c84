"""The pass over the ledger: time order checked, each transaction to its handler.

Most of any ledger is assets bought or sold for cash with fees in cash. Those take a fast path
inlined here (no handler calls, locals instead of attributes): the same rules as
`_Run.trade`, which every other transaction reaches. A test runs random ledgers both ways and
compares the results.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradewind.portfolio.costbasis.errors import CostBasisInputError
from tradewind.portfolio.costbasis.pools import SHARE_EXPONENT, Lot, LotPool
from tradewind.portfolio.costbasis.results import DisposalKind, DisposalLeg, lot_id_of
from tradewind.portfolio.ledger import EntryKind

if TYPE_CHECKING:
    from tradewind.portfolio.costbasis.engine import _Run

__all__ = ["run_pass"]

_ZERO = Decimal(0)
_TRADE = EntryKind.TRADE
_SALE = DisposalKind.SALE
_HOUR_MS = 3_600_000


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
    append_leg = run.legs.append
    long_cache = run.long_cache
    lots_by_id = run.lots_by_id
    selections = run.selections
    keys = run.keys
    new_leg = tuple.__new__  # DisposalLeg's own __new__ is a Python frame; the fields are fixed
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
        # Fast path for the bulk of any ledger: an asset bought or sold for cash with fees
        # in cash. Same rules as trade(); anything else takes the general path.
        first, second = moves
        if first.amount > _ZERO > second.amount:
            inc, out, inc_index = first, second, 0
        elif second.amount > _ZERO > first.amount:
            inc, out, inc_index = second, first, 1
        else:
            trade(i, tx)
            continue
        fee_value = _ZERO
        for fee in tx.fees:
            if fee.asset not in cash:
                break
            fee_value -= fee.amount
        else:
            inc_cash = inc.asset in cash
            out_cash = out.asset in cash
            if out_cash and not inc_cash:  # a purchase
                if inc.amount > _ZERO:
                    run.seq += 1
                    key: object = (inc.account, inc.asset) if per_wallet else inc.asset
                    pool = pools.get(key)
                    if pool is None:
                        pool = pools[key] = LotPool(method)
                    lot_id = None
                    if specific:
                        lot_id = lot_id_of(run.key_of(i), inc_index)
                    lot = Lot(
                        inc.amount,
                        fee_value - out.amount,
                        ts,
                        run.seq,
                        tx,
                        inc_index,
                        inc.account,
                        lot_id,
                    )
                    if lot_id is not None:
                        lots_by_id[lot_id] = [lot]
                    pool.add(lot)
                continue
            if inc_cash and not out_cash:  # a sale
                qty = -out.amount
                proceeds = inc.amount - fee_value
                key = (out.account, out.asset) if per_wallet else out.asset
                pool = pools.get(key)
                if pool is None:
                    pool = pools[key] = LotPool(method)
                if specific:
                    piece = _one_named_lot(
                        selections,
                        keys,
                        i,
                        run,
                        lots_by_id,
                        out.account,
                        out.asset,
                        qty,
                        per_wallet,
                    )
                    if piece is not None:
                        pool.total -= qty
                        pieces, uncovered = [piece], _ZERO
                    else:
                        pieces, uncovered = take_named(i, pool, out.account, out.asset, qty, True)
                else:
                    pieces, uncovered = pool.take(qty)
                if uncovered or len(pieces) != 1:
                    record(i, ts, _SALE, out.account, out.asset, qty, proceeds, pieces, uncovered)
                    continue
                lot, q, cost = pieces[0]
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
                            out.account,
                            out.asset,
                            q,
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


def _one_named_lot(
    selections: Any,
    keys: Any,
    i: int,
    run: _Run,
    lots_by_id: dict[str, list[Lot]],
    account: str,
    asset: str,
    qty: Decimal,
    per_wallet: bool,
) -> tuple[Lot, Decimal, Decimal | None] | None:
    """The common specific-ID sale: one lot named for the whole quantity, held here.

    Returns the piece taken, or None (nothing taken) for take_named_lots to handle the rest
    with its checks and messages.
    """
    ref = (keys[i] if keys is not None else run.txs[i].content_key())[:16]
    names = selections.get(ref)
    if names is None or len(names) != 1:
        return None
    [(lot_id, named)] = names.items()
    here = lots_by_id.get(lot_id)
    if here is None or len(here) != 1 or named != qty:
        return None
    lot = here[0]
    have = lot.qty
    if have < qty or (per_wallet and lot.account != account):
        return None
    if lot.origin.movements[lot.index].asset != asset:
        return None
    cost = lot.cost
    lot.qty = have - qty
    if cost is None:
        return lot, qty, None
    part = cost if qty == have else (cost * qty / have).quantize(SHARE_EXPONENT)
    lot.cost = cost - part
    return lot, qty, part
