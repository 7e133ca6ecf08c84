"""Small ledger builders for the cost-basis tests: dates, trades, transfers, prices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import NoPrice, Priced, PriceResult

EX = "binance:main"
WALLET = "evm:1:0xabc"


def ms(text: str) -> int:
    """UTC epoch ms of an ISO date or date-time ("2024-01-01", "2024-01-01T10:00")."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def d(text: str | int) -> Decimal:
    return Decimal(str(text))


def trade(
    when: str,
    gets: tuple[str, str],
    gives: tuple[str, str],
    *,
    fee: tuple[str, str] | None = None,
    account: str = EX,
) -> Transaction:
    """A trade receiving gets=(qty, asset) for gives=(qty, asset), optional fee=(qty, asset)."""
    fees = (Movement(account, fee[1], -d(fee[0])),) if fee else ()
    return Transaction(
        EntryKind.TRADE,
        ms(when),
        (Movement(account, gets[1], d(gets[0])), Movement(account, gives[1], -d(gives[0]))),
        fees=fees,
        source="test",
    )


def buy(
    when: str, qty: str, asset: str, usd: str, *, fee_usd: str | None = None, account: str = EX
) -> Transaction:
    return trade(
        when, (qty, asset), (usd, "USD"), fee=(fee_usd, "USD") if fee_usd else None, account=account
    )


def sell(
    when: str, qty: str, asset: str, usd: str, *, fee_usd: str | None = None, account: str = EX
) -> Transaction:
    return trade(
        when, (usd, "USD"), (qty, asset), fee=(fee_usd, "USD") if fee_usd else None, account=account
    )


def transfer(
    when: str, qty: str, asset: str, src: str, dst: str, *, received: str | None = None
) -> Transaction:
    return Transaction(
        EntryKind.TRANSFER,
        ms(when),
        (Movement(src, asset, -d(qty)), Movement(dst, asset, d(received or qty))),
    )


def single(kind: EntryKind, when: str, qty: str, asset: str, account: str = EX) -> Transaction:
    return Transaction(kind, ms(when), (Movement(account, asset, d(qty)),))


def price_table(prices: Mapping[tuple[str, str], PriceResult | str]):  # type: ignore[no-untyped-def]
    """A lookup from {(asset, when): price or result}; anything else has no price."""
    table = {
        (asset, ms(when)): (Priced(d(p)) if isinstance(p, str) else p)
        for (asset, when), p in prices.items()
    }

    def lookup(asset: str, at: int) -> PriceResult:
        return table.get((asset, at), NoPrice("not in test table"))

    return lookup
