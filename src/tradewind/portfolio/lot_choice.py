"""Checking a specific-identification choice when it is made, not at report time.

A choice names a disposal by its ref and lots by id with quantities. It is refused, with the
reason, when: the disposal ref names no transaction, or one that disposes of nothing; a lot id
names no acquisition, or one after the disposal, or of another asset; a quantity exceeds the
lot, or the named quantities exceed what the disposal disposes of; or a trial specific-ID run up
to the disposal (with the choices already recorded) finds the lots already consumed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisMethod,
    SpecificIdError,
    compute_cost_basis,
    disposal_ref,
)
from tradewind.portfolio.ledger import Transaction, normalize_amount

__all__ = ["LotChoiceError", "check_lot_choice"]

_CASH = frozenset({"USD", "USDT", "USDC", "EUR"})


class LotChoiceError(ValueError):
    """A lot choice that cannot be right; nothing was recorded."""


def check_lot_choice(
    transactions: Sequence[Transaction],
    keys: Sequence[str],
    disposal: str,
    chosen: Mapping[str, Decimal],
    recorded: Mapping[str, Mapping[str, Decimal]],
) -> str:
    """The disposal's ref when `chosen` fits the ledger; raises LotChoiceError otherwise."""
    ref = disposal[:16]
    where = {disposal_ref(key): i for i, key in enumerate(keys)}
    index = where.get(ref)
    if index is None:
        raise LotChoiceError(
            f"unknown disposal {disposal!r}: `tradewind portfolio transactions` lists the refs"
        )
    tx = transactions[index]
    disposed: dict[str, Decimal] = {}
    for move in (*tx.movements, *tx.fees):
        if move.amount < 0 and move.asset not in _CASH:
            disposed[move.asset] = disposed.get(move.asset, Decimal(0)) - move.amount
    if not disposed:
        raise LotChoiceError(f"transaction {ref} ({tx.kind}) disposes of no asset")
    named: dict[str, Decimal] = {}
    for lot_id, quantity in chosen.items():
        lot_ref, _, position = lot_id.partition("/")
        origin = where.get(lot_ref)
        if origin is None or not position.isdigit():
            raise LotChoiceError(f"unknown lot {lot_id!r}: `tradewind portfolio lots` lists them")
        moves = transactions[origin].movements
        at = int(position)
        if at >= len(moves) or moves[at].amount <= 0:
            raise LotChoiceError(f"{lot_id} is not an acquisition")
        lot = moves[at]
        if origin >= index:
            raise LotChoiceError(f"lot {lot_id} was acquired after disposal {ref}")
        if lot.asset not in disposed:
            raise LotChoiceError(
                f"lot {lot_id} is {lot.asset}; disposal {ref} disposes of "
                + ", ".join(sorted(disposed))
            )
        if quantity > lot.amount:
            raise LotChoiceError(
                f"lot {lot_id} holds {normalize_amount(lot.amount)} {lot.asset}, "
                f"{normalize_amount(quantity)} named"
            )
        named[lot.asset] = named.get(lot.asset, Decimal(0)) + quantity
    for asset, quantity in named.items():
        if quantity > disposed[asset]:
            raise LotChoiceError(
                f"{normalize_amount(quantity)} {asset} named for a disposal of "
                f"{normalize_amount(disposed[asset])} {asset}"
            )
    trial = {**{r: dict(c) for r, c in recorded.items()}, ref: dict(chosen)}
    try:
        compute_cost_basis(
            transactions[: index + 1],
            CostBasisConfig(method=CostBasisMethod.SPECIFIC_ID, cash_assets=_CASH),
            selections=trial,
            keys=keys[: index + 1],
        )
    except SpecificIdError as exc:
        if ref in str(exc):
            raise LotChoiceError(str(exc)) from None
        # Another disposal's choice is missing: this one cannot be tried further yet.
    return ref
