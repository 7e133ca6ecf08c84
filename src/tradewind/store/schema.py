"""The kernel's tables (SQLAlchemy 2 Core), the same on SQLite and PostgreSQL.

    kernel_orders         one row per client order id: the latest Order snapshot
    kernel_fills          one row per (venue, trade id): a fill is stored once, ever
    kernel_balances       latest free / locked per (venue, asset)
    kernel_trade_cursors  newest trade id applied per (venue, symbol): where "trades since" resumes

Money is stored as decimal text (DecimalText), never as a float: SQLite's NUMERIC affinity would
round it through a double. The Alembic migrations under ``migrations/`` create exactly these
tables; a test checks the two agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Dialect,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["DecimalText", "balances", "fills", "metadata", "orders", "trade_cursors"]


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text; refuses floats so no binary rounding sneaks in."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"DecimalText stores finite Decimals only, got {value!r}")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


metadata = MetaData()

orders = Table(
    "kernel_orders",
    metadata,
    Column("client_order_id", String(64), primary_key=True),
    Column("strategy_id", String(128), nullable=False),
    Column("venue", String(64), nullable=False, index=True),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=False),
    Column("order_type", String(32), nullable=False),
    Column("time_in_force", String(8), nullable=False),
    Column("quantity", DecimalText(), nullable=False),
    Column("price", DecimalText(), nullable=True),
    Column("status", String(32), nullable=False),
    Column("venue_order_id", String(128), nullable=True),
    Column("filled_qty", DecimalText(), nullable=False),
    Column("filled_notional", DecimalText(), nullable=False),
    Column("ts_init", BigInteger(), nullable=False),
    Column("ts_last", BigInteger(), nullable=False),
)

fills = Table(
    "kernel_fills",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("trade_id", String(128), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("venue_order_id", String(128), nullable=False),
    Column("client_order_id", String(64), nullable=True, index=True),
    Column("side", String(8), nullable=False),
    Column("price", DecimalText(), nullable=False),
    Column("qty", DecimalText(), nullable=False),
    Column("fee", DecimalText(), nullable=False),
    Column("fee_asset", String(32), nullable=False),
    Column("liquidity_side", String(16), nullable=False),
    Column("ts_event", BigInteger(), nullable=False),
    # the row id keeps arrival order, which a FillLedger rebuilt on restart replays
    Column("seq", BigInteger(), nullable=False),
    # the primary key is the uniqueness rule: a (venue, trade id) is stored once, ever
    PrimaryKeyConstraint("venue", "symbol", "trade_id", name="pk_kernel_fills"),
)

balances = Table(
    "kernel_balances",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("asset", String(32), nullable=False),
    Column("free", DecimalText(), nullable=False),
    Column("locked", DecimalText(), nullable=False),
    Column("ts_updated", BigInteger(), nullable=False),
    PrimaryKeyConstraint("venue", "asset", name="pk_kernel_balances"),
)

trade_cursors = Table(
    "kernel_trade_cursors",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("last_trade_id", String(128), nullable=False),
    PrimaryKeyConstraint("venue", "symbol", name="pk_kernel_trade_cursors"),
)
