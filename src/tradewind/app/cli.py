"""The ``tradewind`` command line. Every command has ``--help``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradewind.app.config import ConfigError, TradewindConfig, load_config
from tradewind.app.logging import configure_logging

app = typer.Typer(
    name="tradewind",
    help="Tradewind: a self-hosted crypto trading desk.",
    no_args_is_help=True,
    add_completion=False,
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
