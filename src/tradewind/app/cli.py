"""The ``tradewind`` command line. Every command has ``--help``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from typer._click import exceptions as click_errors  # typer ships its own click
from typer._click.core import Command, Context
from typer.core import TyperGroup, TyperOption

from tradewind.common.config import ConfigError, TradewindConfig, load_config
from tradewind.common.logging import configure_logging

app = typer.Typer(
    name="tradewind",
    help="Tradewind: a self-hosted crypto trading desk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the traceback of an error (anywhere on the line)."),
    ] = False,
) -> None:
    """Tradewind: a self-hosted crypto trading desk."""


def _register_desks() -> None:
    # Sub-apps are imported here so `tradewind --help` stays fast and one broken desk cannot
    # take the whole command line down silently: an ImportError surfaces at start.
    from tradewind.app.custody_cli import move_app
    from tradewind.app.index_cli import index_app
    from tradewind.app.node_cli import node_app
    from tradewind.app.store_views import (
        fills_command,
        order_history_command,
        positions_command,
    )
    from tradewind.app.trading_cli import balances_command, book_command, order_app
    from tradewind.chain.bridge.cli import relayer_app, relayer_command
    from tradewind.chain.cli import chain_app, set_pool_plan_source
    from tradewind.custody.cli import custody_app
    from tradewind.custody.otc_cli import otc_app
    from tradewind.portfolio.audit.cli import audit_app
    from tradewind.portfolio.cli import portfolio_app

    app.command("book")(book_command)
    order_app.command("history")(order_history_command)
    app.add_typer(order_app, name="order")
    app.command("fills")(fills_command)
    app.command("positions")(positions_command)
    app.add_typer(index_app, name="index")
    app.add_typer(node_app, name="node")
    app.command("balances")(balances_command)
    from tradewind.app.rebalance_cli import rebalance_command

    portfolio_app.command("rebalance")(rebalance_command)
    app.add_typer(
        portfolio_app, name="portfolio", help="Portfolio desk: ledger, cost basis, reports."
    )
    app.add_typer(audit_app, name="audit", help="Tamper-evident audit log of the ledger.")
    from tradewind.app.feeders import feeder_command
    from tradewind.venues.uniswap.seeding import sim_pool_plan

    set_pool_plan_source(sim_pool_plan)
    chain_app.command("feeder")(feeder_command)
    # the relayer has no sub-commands: a plain command, so its usage says so
    chain_app.command("relayer", help=relayer_app.info.help)(relayer_command)
    app.add_typer(
        chain_app, name="chain", help="Local EVM chains (anvil): start nodes, deploy contracts."
    )
    custody_app.add_typer(move_app, name="move")
    app.add_typer(
        custody_app, name="custody", help="Custody: keys, offline signing (prepare/sign/submit)."
    )
    app.add_typer(otc_app, name="otc", help="OTC escrow deals in a 2-of-3 Safe.")
    from tradewind.app.risk_cli import risk_app

    app.add_typer(risk_app, name="risk", help="Risk states, halt, resume, kill switch of a node.")
    from tradewind.app.backtest_cli import backtest_app

    app.add_typer(backtest_app, name="backtest", help="Backtests on recorded or synthetic data.")


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
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="TCP port (0 picks a free one).")
    ] = None,
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

    overrides: dict[str, object] = {
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
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Log lines on the screen too (else to a file).")
    ] = False,
    log_file: Annotated[
        Path, typer.Option("--log-file", help="Where the logs go without --verbose.")
    ] = Path("var/demo.log"),
) -> None:
    """The main job on embedded defaults: exchange, index desk and a scripted client."""
    import tempfile

    from tradewind.app.demo import run_demo

    cfg = _load(config)
    if not verbose:
        # the screen tells the story; the key=value lines would drown it
        configure_logging(cfg.log.level, cfg.log.format, path=log_file)
        typer.echo(f"logs: {log_file} (--verbose shows them here)")
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
    from tradewind.store.exclusive import lock_store

    cfg = _load(config)
    # before anything reads or reconciles: a second desk on the same stores refuses at once
    locks = [lock_store(cfg.desk.database), lock_store(cfg.desk.kernel_database)]
    try:
        _check_port_free(cfg.desk.host, cfg.desk.port)  # before minutes of start-up, not after
        asyncio.run(serve_desk(cfg))
    finally:
        for lock in locks:
            lock.release()


_register_desks()


def _check_port_free(host: str, port: int) -> None:
    """Raise the OSError of binding ``host:port`` now (port 0 always binds)."""
    import socket

    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _plain_metavars(command: Command) -> None:
    # typer's help tags every option with its Python type (<bool>, <str>): a flag takes no
    # value, and a text value reads better as its own name (--rest-url REST_URL)
    help_option = command.get_help_option(Context(command))
    for param in [*command.params, help_option]:
        if not isinstance(param, TyperOption):
            continue
        if param.is_flag or param.count:
            param.metavar = ""
        elif (
            param.metavar is None
            and param.type_descriptor.annotation is str
            and not param.type_descriptor.is_choice
            and param.name
        ):
            param.metavar = param.name.upper()
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _plain_metavars(sub)


def run(argv: Sequence[str]) -> int:
    """Run the command line on ``argv``; the exit status (2 for a user error)."""
    from tradewind.app.user_errors import USER_ERROR_STATUS, user_message

    args = list(argv)
    debug = "--debug" in args
    args = [arg for arg in args if arg != "--debug"]
    command = typer.main.get_command(app)
    _plain_metavars(command)
    try:
        result = command.main(args, prog_name="tradewind", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        exc.show()  # the help text (rich help prints itself while it is built)
        return exc.exit_code
    except click_errors.ClickException as exc:
        where = (
            exc.ctx.command_path if isinstance(exc, click_errors.UsageError) and exc.ctx else None
        )
        hint = f" (see `{where} --help`)" if where else ""
        typer.echo(f"error: {exc.format_message()}{hint}", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug:
            raise
        message = user_message(exc)
        if message is not None:
            typer.echo(f"error: {message}", err=True)
            return USER_ERROR_STATUS
        typer.echo(
            f"error: {type(exc).__name__}: {exc} (a Tradewind defect: run again with --debug for "
            "the traceback and report it)",
            err=True,
        )
        return 1
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
