"""The one way every importer turns a spot fill into a ledger transaction.

CSV rows, CCXT trades and Tradewind's own fills all go through `spot_trade`, so the same fill
gives the same movements, fees and so the same content key whichever path brought it in.

    buy  q BASE at cost c QUOTE:  +q BASE, -c QUOTE
    sell q BASE at cost c QUOTE:  -q BASE, +c QUOTE
    fees (any asset):             -f ASSET each (a fee in BASE on a buy is deducted from the q
                                  received: the fee movement says so, q stays the gross fill)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["spot_trade"]

_ZERO = Decimal(0)


def spot_trade(
    *,
    account: str,
    base: str,
    quote: str,
    side: str,
    amount: Decimal,
    cost: Decimal,
    fees: Iterable[tuple[str, Decimal]] = (),
    timestamp_ms: int,
    source: str,
    external_id: str | None = None,
    note: str = "",
) -> Transaction:
    """A TRADE of `amount` BASE against `cost` QUOTE (both > 0); `fees` as (asset, qty >= 0).

    Raises ValueError naming the offending value.
    """
    side = side.strip().lower()
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be buy or sell, got {side!r}")
    if amount <= _ZERO:
        raise ValueError(f"traded amount must be > 0, got {amount}")
    if cost <= _ZERO:
        raise ValueError(f"traded cost must be > 0, got {cost}")
    base, quote = base.strip().upper(), quote.strip().upper()
    if not base or not quote or base == quote:
        raise ValueError(f"base and quote must be two different assets, got {base!r}/{quote!r}")
    sign = 1 if side == "buy" else -1
    fee_moves = []
    for asset, qty in fees:
        if qty < _ZERO:
            raise ValueError(f"fee must be >= 0 (rebates are not supported), got {qty} {asset}")
        if qty > _ZERO:
            fee_moves.append(Movement(account, asset.strip().upper(), -qty))
    return Transaction(
        kind=EntryKind.TRADE,
        timestamp_ms=timestamp_ms,
        movements=(Movement(account, base, sign * amount), Movement(account, quote, -sign * cost)),
        fees=tuple(fee_moves),
        source=source,
        external_id=external_id,
        note=note,
    )
