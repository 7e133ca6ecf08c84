"""Specific identification: taking exactly the lots a person named for a disposal.

A disposal is named by its ref (content-key prefix); a choice maps lot ids to quantities. Rules:
  a named lot id that no earlier acquisition produced          -> "missing"
  a named lot not in this pool (another wallet, per-wallet)     -> "not held in <account>"
  a named quantity above what is left of the lot                -> "over-consumed"
  names adding up to more than the disposal                     -> refused
  names adding up to less while unnamed lots remain in the pool -> refused
  no names at all: refused for sales, trades and spending while lots exist; fees, transfers and
  unmatched withdrawals (nobody names lots for those) fall back to FIFO
  the pool runs dry                                             -> the rest is an
                                                                   UnmatchedDisposal, as always
Names for lots of another asset (a fee paid in BNB inside a BTC sale) are kept for that asset.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradewind.portfolio.costbasis.errors import SpecificIdError
from tradewind.portfolio.costbasis.pools import Lot, LotPool, Piece
from tradewind.portfolio.ledger import normalize_amount as _q

__all__ = ["take_named_lots"]

_ZERO = Decimal(0)


def take_named_lots(
    pool: LotPool,
    ref: str,
    asset: str,
    qty: Decimal,
    names: Mapping[str, Decimal] | None,
    lots_by_id: Mapping[str, list[Lot]],
    *,
    account: str,
    per_wallet: bool,
    required: bool,
) -> tuple[list[Piece], Decimal]:
    """Take `qty` of `asset` from `pool` for disposal `ref` out of `account` as `names` names.

    Returns the pieces and the quantity no lot covered. `lots_by_id` holds the pieces of every
    lot acquired so far, wherever they are now; `per_wallet` says whether the pool is the
    account's own. `required`: a disposal that must name its lots. The engine's run is pure,
    so a refusal may come after some lots were taken.
    """
    where = account if per_wallet else "the pool"
    named: Mapping[str, Decimal] = {}
    if names:
        foreign = False
        for lot_id in names:
            pieces_of = lots_by_id.get(lot_id)
            if pieces_of is None:
                raise SpecificIdError(
                    f"disposal {ref}: lot {lot_id} is missing (no such lot acquired before it)"
                )
            foreign = foreign or _asset(pieces_of[0]) != asset
        named = (
            {lot_id: q for lot_id, q in names.items() if _asset(lots_by_id[lot_id][0]) == asset}
            if foreign
            else names
        )
    if not named:
        if required and pool.total > 0:
            raise SpecificIdError(f"disposal {ref} of {_q(qty)} {asset} in {account} names no lots")
        return pool.take(qty)
    total = _ZERO
    for q in named.values():
        total += q
    if total > qty:
        raise SpecificIdError(
            f"disposal {ref} names {_q(total)} {asset} of lots for a disposal of {_q(qty)}"
        )
    pieces: list[Piece] = []
    for lot_id, q in named.items():
        here = lots_by_id[lot_id]
        if per_wallet and (len(here) > 1 or here[0].account != account):
            here = [lot for lot in here if lot.account == account]
        taken, lacking = pool.take_from(here, q)
        if lacking > 0:
            if not taken:
                raise SpecificIdError(f"disposal {ref}: lot {lot_id} is not held in {where}")
            raise SpecificIdError(
                f"disposal {ref}: lot {lot_id} over-consumed: {_q(q)} {asset} named, "
                f"{_q(q - lacking)} left in {where}"
            )
        pieces.extend(taken)
    rest = qty - total
    if rest > 0 and pool.total > 0:
        raise SpecificIdError(
            f"disposal {ref} names {_q(total)} of {_q(qty)} {asset} while "
            f"{_q(pool.total)} {asset} in {where} stays unnamed"
        )
    return pieces, rest


def _asset(lot: Lot) -> str:
    return lot.origin.movements[lot.index].asset
