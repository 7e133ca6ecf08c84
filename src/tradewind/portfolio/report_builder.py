"""What the `portfolio report` and `holdings` commands compute, callable without a terminal.

A report: read the tenant's ledger, merge matched transfers, prefetch the prices the run needs
(from the store's candle cache, or a venue when asked), run cost basis, render the format.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tradewind.portfolio.books import Books, close_books, ledger_with_transfers
from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisError,
    CostBasisMethod,
    LotPooling,
    jurisdiction,
    price_requests,
)
from tradewind.portfolio.costbasis.jurisdiction import Jurisdiction
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.pnl import PositionPnl, position_pnl, value_series
from tradewind.portfolio.prices.offline import ChainedSource, HistorySource
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
    year_figures,
)
from tradewind.portfolio.reports.completeness import MissingItem, missing_items
from tradewind.portfolio.reports.gains_csv import Reporting, form_8949_notes, schedule_d_csv
from tradewind.portfolio.reports.german import anlage_so_csv
from tradewind.portfolio.reports.holdings import HoldingRow
from tradewind.portfolio.reports.income import income_csv
from tradewind.portfolio.reports.money import UNKNOWN, money_text
from tradewind.portfolio.store import LotSelectionRepository, PriceCacheRepository
from tradewind.portfolio.store.ledger_repository import LedgerRepository

__all__ = [
    "REPORT_FORMATS",
    "NoDataError",
    "PriceNote",
    "PriceOptions",
    "ReportOptions",
    "ReportOutput",
    "build_holdings",
    "build_pnl",
    "build_report",
]

REPORT_FORMATS = (
    "json",
    "csv",
    "html",
    "8949",
    "schedule-d",
    "income",
    "de",
    "anlage-so",
    "compare",
)


class NoDataError(ValueError):
    """The tenant has no transactions at all (a mistyped --tenant, or nothing imported yet)."""


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
    reporting: Reporting = field(default_factory=Reporting)

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
        return CostBasisConfig(
            self.method, self.pooling, self.profile(), self.cash_assets(), self.report_currency()
        )


@dataclass(frozen=True, slots=True)
class PriceNote:
    """What the run's prices came from: answers per source, and what nothing could price."""

    tally: dict[str, int]
    missing: tuple[tuple[str, int, str], ...]

    def text(self) -> str:
        """What each source answered and what is still missing (for stderr)."""
        if not self.tally:
            return "prices: none needed"
        found = [f"{n} from {name}" for name, n in sorted(self.tally.items()) if name != "missing"]
        lines = [
            f"prices: {', '.join(found) or 'none found'}; "
            f"{self.tally.get('missing', 0)} still missing"
        ]
        by_asset: dict[str, list[int]] = {}
        for asset, ms, reason in self.missing:
            if ms < 0:
                lines.append(f"  missing: {asset}, current price ({reason})")
                continue
            by_asset.setdefault(asset, []).append(ms)
        for asset, times in sorted(by_asset.items()):
            first = datetime.fromtimestamp(min(times) / 1000, UTC).date()
            last = datetime.fromtimestamp(max(times) / 1000, UTC).date()
            lines.append(f"  missing: {asset}, {len(times)} time(s) from {first} to {last}")
        return "\n".join(lines)


def _price_table(
    repo: LedgerRepository,
    options: PriceOptions,
    cash: frozenset[str],
    currency: str,
    wanted: set[tuple[str, int]],
    now_assets: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[PriceTable, dict[str, PriceResult], PriceNote]:
    from tradewind.portfolio.exchanges import open_exchange
    from tradewind.portfolio.prices.ccxt_source import TIMEFRAME_MS, CcxtPriceSource

    table = PriceTable(bucket_ms=TIMEFRAME_MS[options.timeframe], par_assets=cash)
    current: dict[str, PriceResult] = {}
    cache = PriceCacheRepository(repo)
    chain: ChainedSource | None = None

    async def fill() -> None:
        nonlocal chain
        exchange = open_exchange(options.venue, url=options.url) if options.fetch else None
        try:
            venue = CcxtPriceSource(
                exchange,
                cache,
                venue=options.venue,
                quote=_QUOTE.get(currency, currency),
                timeframe=options.timeframe,
                par_assets=cash,
            )
            label = f"{options.venue} ({'fetched or cached' if options.fetch else 'cached'})"
            chain = ChainedSource(
                [(label, venue), ("imported", HistorySource(cache, currency, par_assets=cash))]
            )
            await table.prefetch(chain, wanted)
            for asset in sorted(now_assets):
                current[asset] = await chain.current(asset)
        finally:
            if exchange is not None:
                await exchange.close()

    if wanted or now_assets:
        asyncio.run(fill())
    note = PriceNote(dict(chain.tally), tuple(chain.missing)) if chain else PriceNote({}, ())
    return table, current, note


def _worth_in(repo: LedgerRepository, txs: list[Transaction], currency: str) -> list[Transaction]:
    """Transactions whose own worth is in another currency, converted by the ECB rate of the day
    (USD family <-> EUR); without a rate the worth is dropped and a price values the event."""
    if all(tx.worth is None or tx.worth_currency == currency for tx in txs):
        return txs
    history = HistorySource(PriceCacheRepository(repo), currency)
    usd = {"USD", "USDT", "USDC"}
    out = []
    for tx in txs:
        if tx.worth is None or tx.worth_currency == currency:
            out.append(tx)
            continue
        rate = history.eur_per_usd(tx.timestamp_ms)
        worth: Decimal | None = None
        if rate is not None and tx.worth_currency in usd and currency == "EUR":
            worth = tx.worth * rate
        elif rate is not None and tx.worth_currency == "EUR" and currency in usd:
            worth = tx.worth / rate
        if worth is None:
            out.append(replace(tx, worth=None, worth_currency=""))
        else:
            out.append(replace(tx, worth=worth, worth_currency=currency))
    return out


@dataclass(frozen=True, slots=True)
class ReportOutput:
    """A rendered report: its text, parameters, the year's missing items, and side files."""

    body: str
    params: dict[str, Any]
    missing: tuple[MissingItem, ...]
    year: int
    prices: PriceNote
    side_files: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when the year has no unknown value."""
        return not self.missing


def _ledger(
    repo: LedgerRepository, until_ms: int | None, currency: str
) -> tuple[list[Transaction], list[str], Any]:
    txs, keys, matching = ledger_with_transfers(repo, until_ms=until_ms)
    return _worth_in(repo, txs, currency), keys, matching


def build_report(repo: LedgerRepository, options: ReportOptions) -> ReportOutput:
    """The report in `options.fmt`, the parameters it was made with, and what it misses."""
    if options.fmt not in REPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(REPORT_FORMATS)}: {options.fmt!r}")
    profile = options.profile()
    config = options.config()
    _start, end = year_bounds(options.year, profile.timezone)
    currency = options.report_currency()
    ledger = _ledger(repo, end, currency)
    if not ledger[0] and not repo.count():
        raise NoDataError(f"tenant {repo.tenant!r} has no data: import a file or sync first")
    wanted = price_requests(ledger[0], config)
    series_times: list[int] = []
    if options.fmt == "html":
        series_times = _month_ends(options.year, profile.timezone)
        held = {
            m.asset for tx in ledger[0] for m in tx.movements if m.asset not in config.cash_assets
        }
        wanted |= {(asset, t) for asset in held for t in series_times}
        wanted |= {(asset, end - 1) for asset in held}
    table, _, note = _price_table(repo, options.prices, config.cash_assets, currency, wanted)
    selections = LotSelectionRepository(repo).all()
    params = {
        "year": options.year,
        "method": str(options.method),
        "format": options.fmt,
        "jurisdiction": profile.code,
        "pooling": str(options.pooling),
        "currency": currency,
    }
    if options.fmt == "compare":
        body, missing = _comparison(repo, options, table, selections, ledger, currency)
        return ReportOutput(body, params, missing, options.year, note)
    books = close_books(
        repo,
        config,
        prices=table,
        selections=selections if options.method is CostBasisMethod.SPECIFIC_ID else None,
        ledger=ledger,
    )
    extra = {"transfers": books.transfer_counts()}
    result = books.result
    year = options.year
    missing = tuple(missing_items(year_figures(result, year, profile), profile.timezone))
    side: dict[str, str] = {}
    if options.fmt == "json":
        body = gains_summary_json(result, year, profile, currency=currency, extra=extra) + "\n"
    elif options.fmt == "csv":
        body = capital_gains_csv(result, year, profile, currency)
    elif options.fmt == "8949":
        body = form_8949_csv(result, year, profile, currency, options.reporting)
        side["notes.txt"] = form_8949_notes(result, year, profile)
        side["schedule_d.csv"] = schedule_d_csv(result, year, profile, currency, options.reporting)
    elif options.fmt == "schedule-d":
        body = schedule_d_csv(result, year, profile, currency, options.reporting)
    elif options.fmt == "income":
        body = income_csv(result, year, profile, currency)
    elif options.fmt == "de":
        summary = german_summary(result, year, profile)
        body = json.dumps({**summary.as_dict(), **extra}, indent=2) + "\n"
    elif options.fmt == "anlage-so":
        body = anlage_so_csv(result, year, profile)
    else:
        rows = _year_end_holdings(repo, books, end, table, config.cash_assets)
        series = value_series(books.transactions, series_times, table, config.cash_assets)
        body = html_report(
            result, year, profile, series=series, holdings=rows, currency=currency, extra=extra
        )
    return ReportOutput(body, params, missing, year, note, side)


def _comparison(
    repo: LedgerRepository,
    options: ReportOptions,
    table: PriceTable,
    selections: dict[str, dict[str, Decimal]],
    ledger: tuple[list[Transaction], list[str], Any],
    currency: str,
) -> tuple[str, tuple[MissingItem, ...]]:
    """Realised gain of the year under every method, side by side (CSV)."""
    profile = options.profile()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "method",
            f"proceeds ({currency})",
            f"cost basis ({currency})",
            f"{profile.short_label} gain ({currency})",
            f"{profile.long_label} gain ({currency})",
            f"realised gain ({currency})",
            "status",
        ]
    )
    missing: tuple[MissingItem, ...] = ()
    for method in CostBasisMethod:
        config = replace(options.config(), method=method)
        try:
            books = close_books(
                repo,
                config,
                prices=table,
                selections=selections if method is CostBasisMethod.SPECIFIC_ID else None,
                ledger=ledger,
            )
        except CostBasisError as exc:
            writer.writerow([str(method), "", "", "", "", "", f"not available: {exc}"])
            continue
        figures = year_figures(books.result, options.year, profile)
        items = tuple(missing_items(figures, profile.timezone))
        missing = missing or items
        known = not items
        writer.writerow(
            [
                str(method),
                money_text(figures.proceeds) if not figures.proceeds_unknown else UNKNOWN,
                money_text(figures.cost_basis) if known else UNKNOWN,
                money_text(figures.short_term_gain) if known else UNKNOWN,
                money_text(figures.long_term_gain) if known else UNKNOWN,
                money_text(figures.realized_gain) if known else UNKNOWN,
                "complete" if known else f"incomplete ({len(items)} unknown values)",
            ]
        )
    return out.getvalue(), missing


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
    on_prices: Callable[[PriceNote], None] | None = None,
) -> list[HoldingRow]:
    """Holdings at `at_ms` (None: now, valued at current prices), lots by `method`.

    `on_prices` hears what the prices came from and what is missing.
    """
    prices = prices or PriceOptions()
    cash = _CASH.get(currency, frozenset({currency}))
    config = CostBasisConfig(method, pooling, jurisdiction("us"), cash, currency)
    until = None if at_ms is None else at_ms + 1
    ledger = _ledger(repo, until, currency)
    if not ledger[0] and not repo.count():
        raise NoDataError(f"tenant {repo.tenant!r} has no data: import a file or sync first")
    wanted = price_requests(ledger[0], config)
    held = {
        asset
        for (_acct, asset), qty in repo.balances(until_ms=until).items()
        if asset not in cash and qty
    }
    when = at_ms if at_ms is not None else (clock_ms or (lambda: int(time.time() * 1000)))()
    if at_ms is not None:
        wanted |= {(asset, at_ms) for asset in held}
    table, current, note = _price_table(
        repo, prices, cash, currency, wanted, set() if at_ms is not None else held
    )
    if on_prices is not None:
        on_prices(note)
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
    on_prices: Callable[[PriceNote], None] | None = None,
) -> list[PositionPnl]:
    """Realised PnL in [since_ms, until_ms) and unrealised PnL of what is held now."""
    prices = prices or PriceOptions()
    cash = _CASH.get(currency, frozenset({currency}))
    config = CostBasisConfig(method, pooling, jurisdiction("us"), cash, currency)
    ledger = _ledger(repo, None, currency)
    if not ledger[0] and not repo.count():
        raise NoDataError(f"tenant {repo.tenant!r} has no data: import a file or sync first")
    held = {asset for (_acct, asset), qty in repo.balances().items() if asset not in cash and qty}
    table, current, note = _price_table(
        repo, prices, cash, currency, price_requests(ledger[0], config), held
    )
    if on_prices is not None:
        on_prices(note)
    selections = (
        LotSelectionRepository(repo).all() if method is CostBasisMethod.SPECIFIC_ID else None
    )
    books = close_books(repo, config, prices=table, selections=selections, ledger=ledger)

    def now_price(asset: str) -> PriceResult:
        return current.get(asset) or table(asset, until_ms or 0)

    return position_pnl(books.result, now_price, since_ms=since_ms, until_ms=until_ms)
