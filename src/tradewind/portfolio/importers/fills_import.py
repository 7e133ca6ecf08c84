"""Tradewind's own fills → ledger trades.

Until fills arrive over the bus, callers hand over `FillRecord`s. The ledger account is
"<venue>:<account>" (e.g. "binance:main"), the same name the CSV and CCXT importers are given for
that venue account, so a fill and its venue export or API record share a content key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradewind.portfolio.importers.coalesce import coalesce_same_key
from tradewind.portfolio.importers.errors import SourcePayloadError
from tradewind.portfolio.importers.spot_trades import spot_trade
from tradewind.portfolio.ledger import Transaction

__all__ = ["FILLS_SOURCE", "FillRecord", "fill_to_transaction", "fills_to_transactions"]

FILLS_SOURCE = "tradewind"


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One fill of a Tradewind order: qty in base units, price in quote per base, fee in fee_asset.

    `quote_qty` is the venue's reported quote amount when it has one (it may be rounded);
    otherwise price × qty. `ts_ms` is UTC epoch milliseconds.
    """

    venue: str
    account: str
    base: str
    quote: str
    side: str  # "buy" | "sell"
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    trade_id: str
    ts_ms: int
    quote_qty: Decimal | None = None

    @property
    def ledger_account(self) -> str:
        """The ledger account name: "<venue>:<account>"."""
        return f"{self.venue}:{self.account}"


def fill_to_transaction(fill: FillRecord) -> Transaction:
    """The TRADE transaction of one fill."""
    for name in ("price", "qty", "fee"):
        value = getattr(fill, name)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise SourcePayloadError(
                f"fill {fill.trade_id}: {name} must be a finite Decimal, got {value!r}"
            )
    if not fill.venue or not fill.account:
        raise SourcePayloadError(f"fill {fill.trade_id}: venue and account are required")
    cost = fill.quote_qty if fill.quote_qty is not None else fill.price * fill.qty
    try:
        return spot_trade(
            account=fill.ledger_account,
            base=fill.base,
            quote=fill.quote,
            side=fill.side,
            amount=fill.qty,
            cost=cost,
            fees=[(fill.fee_asset, fill.fee)] if fill.fee else [],
            timestamp_ms=fill.ts_ms,
            source=FILLS_SOURCE,
            external_id=fill.trade_id,
        )
    except ValueError as exc:
        raise SourcePayloadError(f"fill {fill.trade_id}: {exc}") from None


def fills_to_transactions(fills: Iterable[FillRecord]) -> list[Transaction]:
    """Transactions of every fill (duplicate trade ids once, twins merged); all or nothing."""
    by_id: dict[tuple[str, str, str], FillRecord] = {}
    for fill in fills:
        by_id.setdefault((fill.venue, fill.account, fill.trade_id), fill)
    return coalesce_same_key(fill_to_transaction(fill) for fill in by_id.values())
