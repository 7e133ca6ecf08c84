"""What the `portfolio report` and `holdings` commands compute, callable without a terminal.

A report: read the tenant's ledger, merge matched transfers, prefetch the prices the run needs
(from the store's candle cache, or a venue when asked), run cost basis, render the format.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tradewind.portfolio.books import Books, close_books, ledger_with_transfers
from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisMethod,
    LotPooling,
    jurisdiction,
    price_requests,
)
from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.pnl import PositionPnl, position_pnl, value_series
from tradewind.portfolio.prices.states import PriceResult
from tradewind.portfolio.prices.table import PriceTable
from tradewind.portfolio.reports import (
    capital_gains_csv,
    form_8949_csv,
    gains_summary_json,
    german_summary,
    holdings,
    html_report,
    year_bounds,
)
from tradewind.portfolio.reports.holdings import HoldingRow
from tradewind.portfolio.store import LotSelectionRepository, PriceCacheRepository
from tradewind.portfolio.store.ledger_repository import LedgerRepository

__all__ = [
    "REPORT_FORMATS",
    "PriceOptions",
    "ReportOptions",
    "build_holdings",
    "build_pnl",
    "build_report",
]

REPORT_FORMATS = ("json", "csv", "html", "8949", "de")
_CASH = {"USD": frozenset({"USD", "USDT", "USDC"}), "EUR": frozenset({"EUR"})}
_QUOTE = {"USD": "USDT", "EUR": "EUR"}


@dataclass(frozen=True, slots=True)
class PriceOptions:
    """Where prices come from: the store's cache of `venue` candles, fetched when `fetch`."""

    venue: str = "binance"
    fetch: bool = False
    url: str | None = None
    timeframe: str = "1h"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """One report's parameters; currency defaults from the jurisdiction (us: USD, de: EUR)."""

    year: int
    method: CostBasisMethod = CostBasisMethod.FIFO
    fmt: str = "json"
    jurisdiction: str = "us"
    pooling: LotPooling = LotPooling.PER_WALLET
    currency: str | None = None
    prices: PriceOptions = field(default_factory=PriceOptions)

    def profile(self) -> Jurisdiction:
        """The jurisdiction profile."""
        return jurisdiction(self.jurisdiction)

    def report_currency(self) -> str:
        """The currency money is reported in."""
        return self.currency or ("EUR" if self.profile().code == "de" else "USD")

    def cash_assets(self) -> frozenset[str]:
        """Assets worth 1:1 in the report currency."""
        currency = self.report_currency()
        return _CASH.get(currency, frozenset({currency}))

    def config(self) -> CostBasisConfig:
        """The cost-basis settings."""
        return CostBasisConfig(self.method, self.pooling, self.profile(), self.cash_assets())


def _price_table(
    repo: LedgerRepository,
    options: PriceOptions,
    cash: frozenset[str],
    quote: str,
    wanted: set[tuple[str, int]],
    now_assets: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[PriceTable, dict[str, PriceResult]]:
    from tradewind.portfolio.exchanges import open_exchange
    from tradewind.portfolio.prices.ccxt_source import TIMEFRAME_MS, CcxtPriceSource

    table = PriceTable(bucket_ms=TIMEFRAME_MS[options.timeframe], par_assets=cash)
    current: dict[str, PriceResult] = {}

    async def fill() -> None:
        exchange = open_exchange(options.venue, url=options.url) if options.fetch else None
        try:
            source = CcxtPriceSource(
                exchange,
                PriceCacheRepository(repo),
                venue=options.venue,
                quote=quote,
                timeframe=options.timeframe,
                par_assets=cash,
            )
            await table.prefetch(source, wanted)
            for asset in sorted(now_assets):
                current[asset] = await source.current(asset)
        finally:
            if exchange is not None:
                await exchange.close()

    if wanted or now_assets:
        asyncio.run(fill())
    return table, current


def build_report(repo: LedgerRepository, options: ReportOptions) -> tuple[str, dict[str, Any]]:
    """The report text in `options.fmt`, and the parameters it was made with."""
    if options.fmt not in REPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(REPORT_FORMATS)}: {options.fmt!r}")
    profile = options.profile()
    config = options.config()
    _start, end = year_bounds(options.year, profile.timezone)
    ledger = ledger_with_transfers(repo, until_ms=end)
    wanted = price_requests(ledger[0], config)
    series_times: list[int] = []
    if options.fmt == "html":
        series_times = _month_ends(options.year, profile.timezone)
        held = {
            m.asset for tx in ledger[0] for m in tx.movements if m.asset not in config.cash_assets
        }
        wanted |= {(asset, t) for asset in held for t in series_times}
        wanted |= {(asset, end - 1) for asset in held}
    currency = options.report_currency()
    table, _ = _price_table(
        repo, options.prices, config.cash_assets, _QUOTE.get(currency, currency), wanted
    )
    selections = (
        LotSelectionRepository(repo).all()
        if options.method is CostBasisMethod.SPECIFIC_ID
        else None
    )
    books = close_books(repo, config, prices=table, selections=selections, ledger=ledger)
    extra = {"transfers": books.transfer_counts()}
    params = {
        "year": options.year,
        "method": str(options.method),
        "format": options.fmt,
        "jurisdiction": profile.code,
        "pooling": str(options.pooling),
        "currency": currency,
    }
    result = books.result
    if options.fmt == "json":
        return gains_summary_json(
            result, options.year, profile, currency=currency, extra=extra
        ) + "\n", params
    if options.fmt == "csv":
        return capital_gains_csv(result, options.year, profile), params
    if options.fmt == "8949":
        return form_8949_csv(result, options.year, profile), params
    if options.fmt == "de":
        summary = german_summary(result, options.year, profile)
        return json.dumps({**summary.as_dict(), **extra}, indent=2) + "\n", params
    rows = _year_end_holdings(repo, books, end, table, config.cash_assets)
    series = value_series(books.transactions, series_times, table, config.cash_assets)
    return html_report(
        result, options.year, profile, series=series, holdings=rows, currency=currency, extra=extra
    ), params


def _year_end_holdings(
    repo: LedgerRepository, books: Books, end: int, table: PriceTable, cash: frozenset[str]
) -> list[HoldingRow]:
    balances = repo.balances(until_ms=end)
    return holdings(balances, books.result.open_lots, lambda asset: table(asset, end - 1), cash)


def _month_ends(year: int, timezone: str) -> list[int]:
    """The last millisecond of each month of `year` in `timezone`."""
    zone = ZoneInfo(timezone)
    firsts = [
        datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone) for month in range(1, 13)
    ]
    return [int(first.timestamp()) * 1000 - 1 for first in firsts]


def build_holdings(
    repo: LedgerRepository,
    *,
    at_ms: int | None = None,
    method: CostBasisMethod = CostBasisMethod.FIFO,
    pooling: LotPooling = LotPooling.PER_WALLET,
    currency: str = "USD",
    prices: PriceOptions | None = None,
    clock_ms: Callable[[], int] | None = None,
) -> list[HoldingRow]:
    """Holdings at `at_ms` (None: now, valued at current prices), lots by `method`."""
    prices = prices or PriceOptions()
    cash = _CASH.get(currency, frozenset({currency}))
    config = CostBasisConfig(method, pooling, jurisdiction("us"), cash)
    until = None if at_ms is None else at_ms + 1
    ledger = ledger_with_transfers(repo, until_ms=until)
    wanted = price_requests(ledger[0], config)
    held = {
        asset
        for (_acct, asset), qty in repo.balances(until_ms=until).items()
        if asset not in cash and qty
    }
    when = at_ms if at_ms is not None else (clock_ms or (lambda: int(time.time() * 1000)))()
    if at_ms is not None:
        wanted |= {(asset, at_ms) for asset in held}
    table, current = _price_table(
        repo,
        prices,
        cash,
        _QUOTE.get(currency, currency),
        wanted,
        set() if at_ms is not None else held,
    )
    selections = (
        LotSelectionRepository(repo).all() if method is CostBasisMethod.SPECIFIC_ID else None
    )
    books = close_books(repo, config, prices=table, selections=selections, ledger=ledger)

    def price(asset: str) -> PriceResult:
        return current[asset] if asset in current else table(asset, when)

    balances = repo.balances(until_ms=until)
    return holdings(balances, books.result.open_lots, price, cash)


def build_pnl(
    repo: LedgerRepository,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    method: CostBasisMethod = CostBasisMethod.FIFO,
    pooling: LotPooling = LotPooling.PER_WALLET,
    currency: str = "USD",
    prices: PriceOptions | None = None,
) -> list[PositionPnl]:
    """Realised PnL in [since_ms, until_ms) and unrealised PnL of what is held now."""
    prices = prices or PriceOptions()
    cash = _CASH.get(currency, frozenset({currency}))
    config = CostBasisConfig(method, pooling, jurisdiction("us"), cash)
    ledger = ledger_with_transfers(repo)
    held = {asset for (_acct, asset), qty in repo.balances().items() if asset not in cash and qty}
    table, current = _price_table(
        repo, prices, cash, _QUOTE.get(currency, currency), price_requests(ledger[0], config), held
    )
    selections = (
        LotSelectionRepository(repo).all() if method is CostBasisMethod.SPECIFIC_ID else None
    )
    books = close_books(repo, config, prices=table, selections=selections, ledger=ledger)

    def now_price(asset: str) -> PriceResult:
        return current.get(asset) or table(asset, until_ms or 0)

    return position_pnl(books.result, now_price, since_ms=since_ms, until_ms=until_ms)
