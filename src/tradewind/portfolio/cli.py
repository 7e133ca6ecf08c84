"""`tradewind portfolio …`: import, sync, holdings, report, reconcile (and lot/transfer review).

Every command works for one tenant (`--tenant`, $TRADEWIND_TENANT, the config's [portfolio]
tenant, or "default") on one store (`--db` or $TRADEWIND_DB_URL, default
sqlite:///var/portfolio.sqlite); the store's tenant session is the only way to the data, so no
command can reach another tenant's rows. Exit codes: 0 done, 1 differences found (reconcile),
2 bad input (one line on stderr), 3 report incomplete (unknown values listed on stderr; the
report is still written, without a verdict).
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.portfolio import cli_review, cli_risk
from tradewind.portfolio.cli_support import (
    CurrencyOption,
    DbOption,
    FetchOption,
    MethodOption,
    PoolingOption,
    PriceUrlOption,
    PriceVenueOption,
    TenantOption,
    fail,
    open_ledger,
    parse_day,
    print_table,
    require_data,
    write_batches,
)
from tradewind.portfolio.costbasis import CostBasisError, CostBasisMethod, LotPooling
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.reports.holdings import holdings_csv, holdings_json, holdings_totals
from tradewind.portfolio.reports.money import (
    UNKNOWN,
    money_text,
    quantity_text,
    rounded_total,
)
from tradewind.portfolio.reports.tax_year import decimal_text
from tradewind.portfolio.store import CursorRepository, ReportRepository

__all__ = ["portfolio_app"]

portfolio_app = typer.Typer(
    name="portfolio",
    help="Portfolio desk: ledger imports, holdings, cost basis and tax reports, reconciliation.",
    no_args_is_help=True,
    add_completion=False,
)


@portfolio_app.callback()
def _setup() -> None:
    import structlog

    if not structlog.is_configured():
        from tradewind.common.logging import configure_logging

        configure_logging("warning")


@portfolio_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="CSV file to import.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="CSV format: koinly, binance, binance-history, coinbase, kraken."
        ),
    ],
    tenant: TenantOption,
    account: Annotated[
        str | None,
        typer.Option("--account", help="Account the rows belong to (default: FORMAT:main)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import a CSV export; rows already in the ledger (same content key) are skipped."""
    from tradewind.portfolio.importers.csv_import import read_csv

    account = account or f"{fmt.strip().lower().split('-')[0]}:main"
    try:
        txs = list(read_csv(path, fmt, account))
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    with open_ledger(tenant, db, audited=True) as repo:
        added, duplicates = write_batches(repo, txs, f"importing {path.name}")
    typer.echo(
        f"imported {added} transactions, {duplicates} already in the ledger "
        f"(account {account}, tenant {tenant})"
    )


@portfolio_app.command("sync")
def sync_command(
    exchange_id: Annotated[str, typer.Option("--exchange", help="CCXT exchange id, e.g. binance.")],
    account: Annotated[str, typer.Option("--account", help="Ledger account, e.g. binance:main.")],
    tenant: TenantOption,
    db: DbOption = None,
    symbols: Annotated[
        list[str] | None, typer.Option("--symbol", help="Market to sync (repeat; default all).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Base URL (e.g. tradewind sim).")] = None,
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="Variable holding the API key.")
    ] = None,
    secret_env: Annotated[
        str | None, typer.Option("--secret-env", help="Variable holding the API secret.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD).")] = None,
    reconcile_after: Annotated[
        bool, typer.Option("--reconcile/--no-reconcile", help="Compare balances afterwards.")
    ] = True,
) -> None:
    """Fetch trades, deposits and withdrawals through CCXT (incremental), then reconcile."""
    try:
        from tradewind.portfolio.importers.ccxt_import import CcxtImporter
    except ImportError as exc:
        raise fail("the CCXT importer is not installed") from exc
    import ccxt.async_support as ccxt_async

    from tradewind.portfolio import exchanges
    from tradewind.portfolio.reconcile import reconcile, venue_totals

    since_ms = parse_day(since) if since else None
    with open_ledger(tenant, db, audited=True) as repo:
        try:
            exchange = exchanges.open_exchange(
                exchange_id, url=url, api_key_env=api_key_env, secret_env=secret_env
            )
        except exchanges.ExchangeSetupError as exc:
            raise fail(str(exc)) from exc
        written: list[tuple[int, int]] = []

        def store(txs: list[Transaction]) -> None:
            written.append(write_batches(repo, txs, f"syncing {exchange_id}"))

        async def run_sync() -> dict[str, Decimal] | None:
            try:
                importer = CcxtImporter(exchange, account, CursorRepository(repo))
                chosen: list[str | None] = list(symbols) if symbols else [None]
                if not symbols and getattr(exchange, "id", "") == "binance":
                    # Binance answers own trades per symbol only: without --symbol, every market
                    typer.echo(f"{exchange_id}: loading markets", err=True)
                    await exchange.load_markets()
                    chosen = list(exchange.symbols)
                for n, symbol in enumerate(chosen, 1):
                    shown = symbol or "all symbols"
                    typer.echo(f"{exchange_id}: trades {shown} ({n}/{len(chosen)})", err=True)
                    await importer.sync(
                        store, [symbol] if symbol else None, since_ms, transfers=False
                    )
                typer.echo(f"{exchange_id}: deposits and withdrawals", err=True)
                await importer.sync(store, [], since_ms)
                if not reconcile_after:
                    return None
                return venue_totals(await exchange.fetch_balance())
            finally:
                await exchange.close()

        try:
            balance = asyncio.run(run_sync())
        except ValueError as exc:
            raise fail(str(exc)) from exc
        except ccxt_async.BaseError as exc:
            raise fail(f"{exchange_id}: {type(exc).__name__}: {exc}") from exc
        added = sum(a for a, _ in written)
        duplicates = sum(d for _, d in written)
        typer.echo(f"synced {added} new transactions, {duplicates} already in the ledger")
        if balance is not None:
            differences = reconcile(repo.balances(account=account), balance, account)
            _print_differences(account, differences)


@portfolio_app.command("holdings")
def holdings_command(
    tenant: TenantOption,
    db: DbOption = None,
    at: Annotated[
        str | None, typer.Option("--at", help="End of this day (YYYY-MM-DD, UTC).")
    ] = None,
    method: MethodOption = CostBasisMethod.FIFO,
    pooled: PoolingOption = False,
    currency: CurrencyOption = "USD",
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    fetch: FetchOption = False,
    price_venue: PriceVenueOption = "binance",
    price_url: PriceUrlOption = None,
) -> None:
    """Balances per account and asset, with open lots, basis and value (price state shown)."""
    from tradewind.portfolio.report_builder import PriceOptions, build_holdings

    if fmt not in {"table", "json", "csv"}:
        raise fail(f"format must be table, json or csv, got {fmt!r}")
    at_ms = parse_day(at, end_of_day=True) if at else None
    currency = currency.upper()
    with open_ledger(tenant, db) as repo:
        require_data(repo)
        try:
            rows = build_holdings(
                repo,
                at_ms=at_ms,
                method=method,
                pooling=LotPooling.POOLED if pooled else LotPooling.PER_WALLET,
                currency=currency,
                prices=PriceOptions(venue=price_venue, fetch=fetch, url=price_url),
                on_prices=_say_prices,
            )
        except CostBasisError as exc:
            raise fail(str(exc)) from exc
    if fmt == "json":
        typer.echo(json.dumps(holdings_json(rows, currency), indent=2))
    elif fmt == "csv":
        typer.echo(holdings_csv(rows, currency), nl=False)
    else:
        basis, value = holdings_totals(rows)
        print_table(
            [
                "account",
                "asset",
                "quantity",
                "no known acquisition",
                f"cost basis ({currency})",
                f"price ({currency})",
                f"value ({currency})",
            ],
            [
                *(
                    [
                        r["account"],
                        r["asset"],
                        r["quantity"],
                        r["unlotted_quantity"],
                        r["cost_basis"],
                        f"{r['price'] or UNKNOWN} ({r['price_state']})",
                        r["market_value"] or UNKNOWN,
                    ]
                    for r in holdings_json(rows, currency)
                ),
                [
                    "total",
                    "",
                    "",
                    "",
                    money_text(basis, unknown=UNKNOWN),
                    "",
                    money_text(value, unknown=UNKNOWN),
                ],
            ],
        )


@portfolio_app.command("report")
def report_command(
    tenant: TenantOption,
    year: Annotated[int, typer.Option("--year", help="Tax year.")],
    db: DbOption = None,
    method: MethodOption = CostBasisMethod.FIFO,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="json, csv, html, 8949, schedule-d, income, de, anlage-so or compare.",
        ),
    ] = "json",
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="us or de.")] = "us",
    pooled: PoolingOption = False,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Report currency (us: USD, de: EUR).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    save: Annotated[bool, typer.Option("--save", help="Keep the report in the store.")] = False,
    fetch: FetchOption = False,
    price_venue: PriceVenueOption = "binance",
    price_url: PriceUrlOption = None,
    reported: Annotated[
        list[str] | None,
        typer.Option(
            "--reported",
            help="Account whose disposals a broker reported on a 1099-DA, basis not (repeat).",
        ),
    ] = None,
    basis_reported: Annotated[
        list[str] | None,
        typer.Option(
            "--basis-reported",
            help="Account whose 1099-DA also reported the basis to the IRS (repeat).",
        ),
    ] = None,
) -> None:
    """Capital gains and income of a tax year; exit 3 when the year is incomplete.

    8949 with --output F.csv also writes F.notes.txt (what is not on the form) and
    F.schedule_d.csv; without --output the notes go to stderr.
    """
    from tradewind.portfolio.report_builder import PriceOptions, ReportOptions, build_report
    from tradewind.portfolio.reports.completeness import INCOMPLETE_EXIT, incomplete_text
    from tradewind.portfolio.reports.gains_csv import Reporting

    if jurisdiction.lower() not in {"us", "de"}:
        raise fail(f"jurisdiction must be us or de, got {jurisdiction!r}")
    options = ReportOptions(
        year=year,
        method=method,
        fmt=fmt.lower(),
        jurisdiction=jurisdiction.lower(),
        pooling=LotPooling.POOLED if pooled else LotPooling.PER_WALLET,
        currency=currency.upper() if currency else None,
        prices=PriceOptions(venue=price_venue, fetch=fetch, url=price_url),
        reporting=Reporting(frozenset(reported or ()), frozenset(basis_reported or ())),
    )
    with open_ledger(tenant, db) as repo:
        require_data(repo)
        try:
            report = build_report(repo, options)
        except (CostBasisError, ValueError) as exc:
            raise fail(str(exc)) from exc
        if save:
            ReportRepository(repo).save(options.fmt, report.params, report.body)
    typer.echo(report.prices.text(), err=True)
    if output is not None:
        try:
            output.write_text(report.body, encoding="utf-8")
            for suffix, text in report.side_files.items():
                output.with_suffix(f".{suffix}").write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror}") from exc
        written = [output, *(output.with_suffix(f".{s}") for s in report.side_files)]
        typer.echo("wrote " + ", ".join(str(p) for p in written))
    else:
        typer.echo(report.body, nl=not report.body.endswith("\n"))
        if "notes.txt" in report.side_files and report.complete:
            typer.echo(report.side_files["notes.txt"], err=True, nl=False)
    if not report.complete:
        typer.echo(incomplete_text(list(report.missing), report.year), err=True)
        raise typer.Exit(INCOMPLETE_EXIT)


@portfolio_app.command("pnl")
def pnl_command(
    tenant: TenantOption,
    db: DbOption = None,
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day (YYYY-MM-DD).")] = None,
    method: MethodOption = CostBasisMethod.FIFO,
    pooled: PoolingOption = False,
    currency: CurrencyOption = "USD",
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    fetch: FetchOption = False,
    price_venue: PriceVenueOption = "binance",
    price_url: PriceUrlOption = None,
) -> None:
    """Realised PnL per account and asset, and unrealised PnL at current prices."""
    from tradewind.portfolio.prices.states import state_of
    from tradewind.portfolio.report_builder import PriceOptions, build_pnl

    with open_ledger(tenant, db) as repo:
        require_data(repo)
        try:
            rows = build_pnl(
                repo,
                since_ms=parse_day(since) if since else None,
                until_ms=parse_day(until, end_of_day=True) + 1 if until else None,
                method=method,
                pooling=LotPooling.POOLED if pooled else LotPooling.PER_WALLET,
                currency=currency.upper(),
                prices=PriceOptions(venue=price_venue, fetch=fetch, url=price_url),
                on_prices=_say_prices,
            )
        except CostBasisError as exc:
            raise fail(str(exc)) from exc
    currency = currency.upper()
    table: list[dict[str, Any]] = [
        {
            "account": r.account,
            "asset": r.asset,
            "currency": currency,
            # A sum over some legs only would read as the whole: unknown instead.
            "realized": None if r.realized_incomplete else money_text(r.realized),
            "realized_incomplete": r.realized_incomplete,
            "open_quantity": quantity_text(r.open_quantity),
            "open_cost": None if r.unknown_basis_quantity else money_text(r.open_cost),
            "unknown_basis_quantity": quantity_text(r.unknown_basis_quantity),
            "price_state": str(state_of(r.price)),
            "market_value": None if r.market_value is None else money_text(r.market_value),
            "unrealized": None if r.unrealized is None else money_text(r.unrealized),
        }
        for r in rows
    ]
    if as_json:
        typer.echo(json.dumps(table, indent=2))
        return

    def total(key: str) -> str:
        values = [r[key] for r in table]
        if any(v is None for v in values):
            return UNKNOWN
        return money_text(rounded_total(Decimal(v) for v in values))

    print_table(
        [
            "account",
            "asset",
            f"realised ({currency})",
            "open qty",
            f"open cost ({currency})",
            "price",
            f"unrealised ({currency})",
        ],
        [
            *(
                [
                    r["account"],
                    r["asset"],
                    r["realized"] or UNKNOWN,
                    r["open_quantity"],
                    r["open_cost"] or UNKNOWN,
                    r["price_state"],
                    r["unrealized"] or UNKNOWN,
                ]
                for r in table
            ),
            ["total", "", total("realized"), "", total("open_cost"), "", total("unrealized")],
        ],
    )


@portfolio_app.command("reconcile")
def reconcile_command(
    account: Annotated[str, typer.Option("--account", help="Ledger account to check.")],
    tenant: TenantOption,
    db: DbOption = None,
    balances: Annotated[
        Path | None, typer.Option("--balances", help="JSON {asset: amount} the venue reported.")
    ] = None,
    exchange_id: Annotated[
        str | None, typer.Option("--exchange", help="Ask this CCXT exchange instead.")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Base URL of the exchange.")] = None,
    api_key_env: Annotated[str | None, typer.Option("--api-key-env")] = None,
    secret_env: Annotated[str | None, typer.Option("--secret-env")] = None,
    tolerance: Annotated[
        str, typer.Option("--tolerance", help="Ignore smaller differences.")
    ] = "0",
) -> None:
    """Compare the ledger's balances of an account with the venue's; exit 1 on differences."""
    from tradewind.portfolio.reconcile import ReconcileInputError, reconcile, venue_totals

    if (balances is None) == (exchange_id is None):
        raise fail("give exactly one of --balances FILE or --exchange ID")
    try:
        limit = Decimal(tolerance)
    except InvalidOperation as exc:
        raise fail(f"tolerance must be a decimal, got {tolerance!r}") from exc
    try:
        if balances is not None:
            venue = venue_totals(
                json.loads(balances.read_text(encoding="utf-8"), parse_float=Decimal)
            )
        else:
            venue = asyncio.run(_fetch_balance(exchange_id or "", url, api_key_env, secret_env))
    except (OSError, ValueError, ReconcileInputError) as exc:
        raise fail(str(exc)) from exc
    with open_ledger(tenant, db) as repo:
        differences = reconcile(repo.balances(account=account), venue, account, tolerance=limit)
    _print_differences(account, differences)
    if differences:
        raise typer.Exit(1)


async def _fetch_balance(
    exchange_id: str, url: str | None, api_key_env: str | None, secret_env: str | None
) -> dict[str, Decimal]:
    from tradewind.portfolio.exchanges import open_exchange
    from tradewind.portfolio.reconcile import venue_totals

    exchange = open_exchange(exchange_id, url=url, api_key_env=api_key_env, secret_env=secret_env)
    try:
        return venue_totals(await exchange.fetch_balance())
    finally:
        await exchange.close()


def _say_prices(note: Any) -> None:
    """What the prices came from and what is still missing, on stderr."""
    typer.echo(note.text(), err=True)


def _print_differences(account: str, differences: list[Any]) -> None:
    if not differences:
        typer.echo(f"{account}: ledger matches the venue")
        return
    typer.echo(f"{account}: {len(differences)} differences (venue - ledger)")
    print_table(
        ["asset", "ledger", "venue", "difference"],
        [
            [d.asset, decimal_text(d.ledger), decimal_text(d.venue), decimal_text(d.difference)]
            for d in differences
        ],
    )


portfolio_app.command("transactions")(cli_review.transactions_command)
portfolio_app.command("lots")(cli_review.lots_command)
portfolio_app.command("select-lots")(cli_review.select_lots_command)
portfolio_app.command("transfers")(cli_review.transfers_command)
portfolio_app.command("risk")(cli_risk.risk_command)


prices_app = typer.Typer(
    name="prices",
    help="Offline prices: import OHLC histories and ECB reference rates into the store.",
    no_args_is_help=True,
    add_completion=False,
)
portfolio_app.add_typer(prices_app)


@prices_app.command("import")
def prices_import_command(
    path: Annotated[Path, typer.Argument(help="Price history file.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="coingecko, kraken, binance, sim or ecb.")
    ],
    tenant: TenantOption,
    asset: Annotated[
        str, typer.Option("--asset", help="Asset the prices are of (not for ecb).")
    ] = "",
    quote: Annotated[str, typer.Option("--quote", help="Currency the prices are in.")] = "USD",
    db: DbOption = None,
) -> None:
    """Store a price history (every bad row reported, nothing kept from a bad file)."""
    from tradewind.core.clock import LiveClock
    from tradewind.portfolio.importers.errors import ImportInputError
    from tradewind.portfolio.prices.history_files import read_history
    from tradewind.portfolio.prices.offline import ECB_VENUE, IMPORT_VENUE
    from tradewind.portfolio.store import PriceCacheRepository

    try:
        series = read_history(path, fmt, asset, quote)
    except ImportInputError as exc:
        raise fail(str(exc)) from exc
    venue = ECB_VENUE if fmt.strip().lower() == "ecb" else IMPORT_VENUE
    if venue == ECB_VENUE:
        # EUR/USD is what the reports convert with; other fixings are not kept.
        series = [c for c in series if c.quote == quote.strip().upper()]
        if not series:
            raise fail(f"{path}: no EUR/{quote.strip().upper()} reference rates in the file")
    with open_ledger(tenant, db) as repo:
        cache = PriceCacheRepository(repo)
        now = LiveClock().now_ns() // 1_000_000
        for candles in series:
            cache.store(venue, candles.symbol, candles.timeframe, candles.closes, now)
    for candles in series:
        first, last = candles.closes[0][0], candles.closes[-1][0]
        typer.echo(
            f"imported {len(candles.closes)} {candles.timeframe} closes of {candles.symbol} "
            f"from {_day(first)} to {_day(last)} (tenant {tenant})"
        )


def _day(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
