"""`tradewind portfolio risk`: VaR/ES, correlation and concentration of a tenant's holdings.

Prints the holdings valued at the last common daily close (with the total), VaR and ES by the
three methods in the currency and as a share of the total, the correlation matrix, the
concentration and the correlation-jump warning. Missing prices are one line on stderr naming
the assets and how to import them, exit status 2. `--format json` prints the measure readings
(scope `tenant:<name>`, each with its band) for metrics and dashboards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradewind.core.clock import LiveClock
from tradewind.portfolio.cli_support import (
    CurrencyOption,
    DbOption,
    TenantOption,
    fail,
    open_ledger,
    print_table,
    require_data,
)
from tradewind.portfolio.reports.money import money_text, quantity_text, rounded_total

__all__ = ["risk_command"]

if TYPE_CHECKING:
    from tradewind.risk.readings import MeasureReading

_CASH = {"USD": frozenset({"USD", "USDT", "USDC"}), "EUR": frozenset({"EUR"})}


def risk_command(
    tenant: TenantOption,
    db: DbOption = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="VaR confidence, in (0.5, 1).")
    ] = 0.99,
    horizon_days: Annotated[int, typer.Option("--horizon-days", help="VaR horizon in days.")] = 1,
    currency: CurrencyOption = "USD",
    days: Annotated[int, typer.Option("--days", help="Days of price history used (newest).")] = 365,
    short_window: Annotated[
        int, typer.Option("--short-window", help="Days of the recent correlation.")
    ] = 30,
    long_window: Annotated[
        int, typer.Option("--long-window", help="Days of the baseline correlation.")
    ] = 120,
    jump_threshold: Annotated[
        float,
        typer.Option("--jump-threshold", help="Warn when mean correlation rises more than this."),
    ] = 0.3,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths.")] = 20_000,
    fmt: Annotated[
        str, typer.Option("--format", help="table, or json: the measure readings.")
    ] = "table",
) -> None:
    """Portfolio risk of the tenant's holdings from imported daily prices."""
    from tradewind.portfolio.risk import (
        PortfolioRiskError,
        RiskSettings,
        load_risk_inputs,
        portfolio_risk,
        risk_readings,
    )

    if fmt not in {"table", "json"}:
        raise fail(f"format must be table or json, got {fmt!r}")
    currency = currency.strip().upper()
    cash = _CASH.get(currency, frozenset({currency}))
    settings = RiskSettings(
        confidence=confidence,
        horizon_days=horizon_days,
        days=days,
        mc_paths=paths,
        short_window=short_window,
        long_window=long_window,
        jump_threshold=jump_threshold,
    )
    try:
        settings.check()
    except PortfolioRiskError as exc:
        raise fail(str(exc)) from exc
    with open_ledger(tenant, db) as repo:
        require_data(repo)
        quantities, closes = load_risk_inputs(repo, currency, cash)
    try:
        risk = portfolio_risk(
            quantities, closes, currency=currency, cash_assets=cash, settings=settings
        )
    except PortfolioRiskError as exc:
        raise fail(str(exc)) from exc
    if fmt == "json":
        now_ns = LiveClock().now_ns()
        readings = risk_readings(risk, tenant, settings, now_ns)
        typer.echo(json.dumps([_reading_json(r) for r in readings], indent=2))
        return
    day = datetime.fromtimestamp(risk.as_of_ms / 1000, UTC).strftime("%Y-%m-%d")
    typer.echo(
        f"tenant {tenant}: holdings at the {day} close, {risk.returns_used} daily returns, "
        f"{risk.confidence:g} confidence, {risk.horizon_days}-day horizon, in {currency}"
    )
    print_table(
        ["asset", "quantity", f"price ({currency})", f"value ({currency})", "weight"],
        [
            *(
                [
                    p.asset,
                    quantity_text(p.quantity),
                    money_text(p.price),
                    money_text(p.value),
                    f"{p.weight:.2%}",
                ]
                for p in risk.positions
            ),
            [
                "total",
                "",
                "",
                money_text(rounded_total(p.value for p in risk.positions)),
                f"{sum(p.weight for p in risk.positions):.2%}",
            ],
        ],
    )
    print_table(
        ["method", f"VaR ({currency})", "VaR (% of value)", f"ES ({currency})", "ES (% of value)"],
        [
            [
                f.method.replace("_", " "),
                f"{f.var_amount:,.2f}",
                f"{f.var:.2%}",
                f"{f.expected_shortfall_amount:,.2f}",
                f"{f.expected_shortfall:.2%}",
            ]
            for f in risk.figures
        ],
    )
    if len(risk.assets) >= 2:
        print_table(
            ["correlation", *risk.assets],
            [
                [asset, *(f"{x:.2f}" for x in row)]
                for asset, row in zip(risk.assets, risk.correlation, strict=True)
            ],
        )
    typer.echo(
        f"concentration: largest asset {risk.concentration:.2%} of value "
        f"(Herfindahl {risk.herfindahl:.3f})"
    )
    if risk.correlation_jump is None:
        typer.echo(
            "correlation jump: unknown (needs two non-cash assets and more than "
            f"{settings.short_window} daily returns)"
        )
    else:
        state = "WARNING: correlations jumped" if risk.correlation_warning else "ok"
        typer.echo(
            f"correlation jump: {risk.correlation_jump:+.2f} (last {settings.short_window} days "
            f"{risk.mean_correlation_short:.2f} vs last {settings.long_window} days "
            f"{risk.mean_correlation_long:.2f}, threshold {settings.jump_threshold:g}): {state}"
        )


def _reading_json(reading: MeasureReading) -> dict[str, Any]:
    threshold = reading.threshold
    return {
        "name": reading.name,
        "scope": reading.scope,
        "value": reading.value,
        "unit": reading.unit,
        "band": str(reading.band),
        "threshold": None
        if threshold is None
        else {"direction": threshold.direction, "limit": threshold.limit},
        "ts_ns": reading.ts_ns,
    }
