"""``tradewind node run``: a trading node from its TOML config, with its live measures, its risk
supervisor's audit log and alert channels, the risk control API on ``[control] listen`` and,
on ``[monitor] listen`` or ``--dashboard HOST:PORT``, the live web dashboard.

    tradewind node run node.toml --dashboard 127.0.0.1:8080
    dashboard: http://127.0.0.1:8080/
    control: http://127.0.0.1:8787
    node running: 1 venue(s), 1 strategy(ies); Ctrl-C stops it

The node package cannot import the monitor package (it is above it), so this wiring adds the
dashboard as a node component. A bad config or a busy port is one line, exit status 2.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from tradewind.app.risk_wiring import wire_risk
from tradewind.common.logging import configure_logging
from tradewind.common.metrics import parse_listen
from tradewind.monitor.control import ControlServer
from tradewind.monitor.web import DashboardServer
from tradewind.node import NodeConfigError, TradingNode, load_node_config
from tradewind.node.chain_wallets import WalletSet, wallets_from_config
from tradewind.node.live_measures import attach_live_measures

__all__ = ["build_node", "node_app", "run_node"]

node_app = typer.Typer(
    name="node",
    help="Run a trading node (venues, strategies, risk, live measures, dashboard).",
    no_args_is_help=True,
)


def build_node(
    config: Path, dashboard: str | None = None
) -> tuple[TradingNode, DashboardServer | None, ControlServer | None]:
    """The node of ``config`` with its strategies, its live measures (fed by the
    ``[chain_wallets]`` it lists), its risk wiring (audit log, alerts, control API: None
    without ``[control]``) and its dashboard (``dashboard`` overrides ``[monitor] listen``;
    None when neither is set)."""
    loaded = load_node_config(config)
    listen = dashboard if dashboard is not None else loaded.monitor.listen
    if listen:
        # a bad or busy address fails now, not after the venues reconciled
        try:
            host, port = parse_listen(listen, "127.0.0.1:8080")
        except ValueError as exc:
            raise NodeConfigError(f"dashboard: {exc}") from exc
        from tradewind.app.cli import _check_port_free

        try:
            _check_port_free(host, port)
        except OSError as exc:
            raise NodeConfigError(
                f"dashboard: cannot listen on {listen}: {exc.strerror or exc}; choose another "
                "address (--dashboard HOST:PORT or [monitor] listen; port 0 picks a free one)"
            ) from exc
    node = TradingNode.from_toml(config)
    control = wire_risk(node)
    wallets, gas_price = wallets_from_config(node.config.chain_wallets)
    attach_live_measures(node, on_chain=wallets, gas_price=gas_price)
    if wallets is not None:
        node.add_component(_Closing(wallets))
    server = None
    if listen:
        server = DashboardServer(node, listen)
        node.add_component(server)
    return node, server, control


class _Closing:
    """Closes the wallets' RPC connections when the node stops."""

    name = "chain_wallets"

    def __init__(self, wallets: WalletSet) -> None:
        self._wallets = wallets

    async def restore(self) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self._wallets.close()


async def run_node(config: Path, dashboard: str | None = None) -> None:
    """Run until SIGINT or SIGTERM, then stop the node cleanly."""
    node, server, control = build_node(config, dashboard)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await node.start()
        if server is not None:
            typer.echo(f"dashboard: {server.url}")
        if control is not None:
            typer.echo(f"control: {control.url}")
        typer.echo(
            f"node running: {len(node.router.venues)} venue(s), "
            f"{len(node.config.strategies)} strategy(ies); Ctrl-C stops it"
        )
        await stop.wait()
    finally:
        await node.stop()


@node_app.command("run")
def run_command(
    config_file: Annotated[
        Path | None,
        typer.Argument(
            help="The node's TOML config ([node], [venues.*], [[strategies]]).", show_default=False
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="The node's TOML config (or CONFIG).")
    ] = None,
    dashboard: Annotated[
        str | None,
        typer.Option(
            "--dashboard",
            help="HOST:PORT to serve the live dashboard on (overrides [monitor] listen; "
            "port 0 picks a free one).",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="Log level.")] = "warning",
) -> None:
    """Run a node from its config until interrupted; prints the dashboard's and the control
    API's URLs, then "node running: ..."."""
    path = config_file or config
    if path is None or (config_file is not None and config is not None):
        raise typer.BadParameter("give the node's TOML config once: CONFIG or --config FILE")
    configure_logging(log_level)
    asyncio.run(run_node(path, dashboard))
