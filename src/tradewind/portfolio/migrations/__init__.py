"""Alembic migrations of the portfolio tables, runnable from code: `upgrade(url)`.

The history keeps its own version table (`portfolio_alembic_version`) so other components'
Alembic histories can share the database.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from tradewind.portfolio.store.engine import open_engine

__all__ = ["VERSION_TABLE", "alembic_config", "upgrade"]

VERSION_TABLE = "portfolio_alembic_version"
_HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    """An Alembic config pointing at this folder (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    return config


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Bring the portfolio tables at `url` (a URL or an engine) up to `revision`."""
    engine = open_engine(url) if isinstance(url, str) else url
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if isinstance(url, str):
            engine.dispose()
