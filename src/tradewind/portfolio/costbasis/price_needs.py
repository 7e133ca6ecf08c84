"""Which prices a cost-basis run will ask for, so they can be fetched before it runs."""

from __future__ import annotations

from collections.abc import Sequence

from tradewind.portfolio.costbasis.methods import CostBasisConfig
from tradewind.portfolio.ledger import EntryKind, Transaction

__all__ = ["price_requests"]

_AT_MARKET = (EntryKind.INCOME, EntryKind.AIRDROP, EntryKind.SPEND, EntryKind.FEE)


def price_requests(
    transactions: Sequence[Transaction], config: CostBasisConfig | None = None
) -> set[tuple[str, int]]:
    """Every (asset, UTC ms) the engine will ask its price lookup for: prefetch these.

    Crypto-to-crypto trades need both sides, a fee in a third asset its asset, and income,
    airdrops, spending and fee transactions every non-cash asset they move.
    """
    config = config or CostBasisConfig()
    cash = config.cash_assets
    wanted: set[tuple[str, int]] = set()
    for tx in transactions:
        ts = tx.timestamp_ms
        own_value = tx.worth is not None and tx.worth_currency == config.currency
        if own_value and len(tx.movements) == (2 if tx.kind is EntryKind.TRADE else 1):
            # valued by the source itself; only a fee in a third asset still needs a price
            assets = {m.asset for m in tx.movements}
            wanted.update(
                (f.asset, ts) for f in tx.fees if f.asset not in cash and f.asset not in assets
            )
            continue
        if tx.kind is EntryKind.TRADE:
            assets = {m.asset for m in tx.movements}
            if len(tx.movements) == 2 and not assets & cash:
                wanted.update((asset, ts) for asset in assets)
            wanted.update(
                (f.asset, ts) for f in tx.fees if f.asset not in cash and f.asset not in assets
            )
        elif tx.kind in _AT_MARKET:
            wanted.update((m.asset, ts) for m in (*tx.movements, *tx.fees) if m.asset not in cash)
    return wanted
