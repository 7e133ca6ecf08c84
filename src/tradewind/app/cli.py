"""The ``tradewind`` command line. Every command has ``--help``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.common.config import ConfigError, TradewindConfig, load_config
from tradewind.common.logging import configure_logging

app = typer.Typer(
    name="tradewind",
    help="Tradewind: a self-hosted crypto trading desk.",
    no_args_is_help=True,
    add_completion=False,
)


def _register_desks() -> None:
    # Sub-apps are imported here so `tradewind --help` stays fast and one broken desk cannot
    # take the whole command line down silently: an ImportError surfaces at start.
    from tradewind.app.trading_cli import balances_command, book_command, order_app
    from tradewind.chain.bridge.cli import relayer_app
    from tradewind.chain.cli import chain_app
    from tradewind.portfolio.audit.cli import audit_app
    from tradewind.portfolio.cli import portfolio_app

    app.command("book")(book_command)
    app.add_typer(order_app, name="order")
    app.command("balances")(balances_command)
    app.add_typer(
        portfolio_app, name="portfolio", help="Portfolio desk: ledger, cost basis, reports."
    )
    app.add_typer(audit_app, name="audit", help="Tamper-evident audit log of the ledger.")
    chain_app.add_typer(relayer_app, name="relayer")
    app.add_typer(
        chain_app, name="chain", help="Local EVM chains (anvil): start nodes, deploy contracts."
    )


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (default: $TRADEWIND_CONFIG or none)."),
]


def _load(config: Path | None) -> TradewindConfig:
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(cfg.log.level, cfg.log.format)
    return cfg


@app.command()
def version() -> None:
    """Print the Tradewind version."""
    from tradewind import __version__

    typer.echo(__version__)


@app.command()
def sim(
    config: ConfigOption = None,
    port: Annotated[int | None, typer.Option(help="TCP port (0 picks a free one).")] = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    admin: Annotated[
        bool | None, typer.Option("--admin/--no-admin", help="Enable /admin/v1.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the simulated market.")] = None,
    database: Annotated[
        str | None, typer.Option("--db", help="SQLite file for accounts, orders and trades.")
    ] = None,
    speed: Annotated[
        float | None, typer.Option(help="Clock speed multiplier (1 = real time).")
    ] = None,
    market: Annotated[
        bool | None, typer.Option("--market/--no-market", help="Run background participants.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Replay a recorded L2/trade JSONL file instead.")
    ] = None,
    chain: Annotated[
        list[str] | None,
        typer.Option(
            "--chain",
            help="NETWORK=RPC_URL: credit token deposits seen on that EVM node "
            "(repeatable, e.g. base=http://127.0.0.1:8545).",
        ),
    ] = None,
    chain_token: Annotated[
        list[str] | None,
        typer.Option(
            "--chain-token", help="NETWORK=ADDRESS: the token contract (USDC) watched there."
        ),
    ] = None,
    confirmations: Annotated[
        int | None,
        typer.Option(help="Blocks deep before a chain deposit is credited (1 = its block)."),
    ] = None,
) -> None:
    """Run the simulated Binance Spot exchange (REST + WebSocket) until interrupted."""
    import asyncio

    cfg = _load(config)
    from tradewind.venues.sim.runner import clock_from_config, serve, settings_from_config

    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "port": port,
            "host": host,
            "admin": admin,
            "seed": seed,
            "database": database,
            "speed": speed,
            "market_activity": market,
            "replay_file": str(replay) if replay else None,
        }.items()
        if value is not None
    }
    if chain or chain_token or confirmations is not None:
        from tradewind.common.sim_chain_config import ChainOptionError, merge_chain_options

        try:
            overrides["chains"] = merge_chain_options(
                cfg.sim.chains, chain or (), chain_token or (), confirmations
            )
        except ChainOptionError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    sim_cfg = cfg.sim.model_copy(update=overrides)
    asyncio.run(serve(settings_from_config(sim_cfg), clock_from_config(sim_cfg)))


@app.command()
def demo(
    config: ConfigOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Exit after the scripted client instead of serving.")
    ] = False,
    chain: Annotated[
        bool,
        typer.Option(
            "--chain/--no-chain",
            help="First the on-chain flow (anvil nodes, vault deposit, bridge, mint), then the "
            "exchange-only session.",
        ),
    ] = True,
) -> None:
    """The main job on embedded defaults: exchange, index desk and a scripted client."""
    import tempfile
    from pathlib import Path

    from tradewind.app.demo import run_demo

    cfg = _load(config)
    if chain:
        from tradewind.app.demo_chain import run_chain_demo

        with tempfile.TemporaryDirectory(prefix="tradewind-chain-demo-") as tmp:
            code = run_chain_demo(cfg, Path(tmp))
        if code != 0:
            raise typer.Exit(code)
    raise typer.Exit(run_demo(cfg, once=once))


@app.command("sim-tour")
def sim_tour(config: ConfigOption = None) -> None:
    """A scripted official-SDK session against a fresh simulated exchange (market data, orders)."""
    from tradewind.app.sdk_tour import run_sdk_tour

    cfg = _load(config)
    raise typer.Exit(run_sdk_tour(cfg))


@app.command()
def serve(config: ConfigOption = None) -> None:
    """Run the index desk: FIX/JSON gateway at /fix, invoices over REST, the solver."""
    import asyncio

    from tradewind.desks.index.serve import serve_desk

    cfg = _load(config)
    try:
        asyncio.run(serve_desk(cfg))
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


_register_desks()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
