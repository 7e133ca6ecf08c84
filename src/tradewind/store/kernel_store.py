"""KernelStore: the kernel's orders, fills, balances and trade cursors, durable across kill -9.

Each method is one transaction. ``record_fill`` writes the fill and the order snapshot it produced
together, so after a crash either both are on disk or neither is: a restarted kernel never holds
a fill without the order state that includes it.

The trade cursor of (venue, symbol) means "every trade of ours up to this id is stored". Only a
reconciliation pass, which fetched and stored every trade since the previous cursor, may move it
(``advance_trade_cursor``); a fill from the live stream does not, since an earlier trade may still
be in flight when a later one is stored.

Methods are synchronous (SQLAlchemy Core); async callers run them off the event loop, in one
writer thread so writes keep their order (see tradewind.execution.engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tradewind.common.logging import get_logger
from tradewind.core.balances import Balance
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.fills import Fill
from tradewind.core.orders import Order
from tradewind.store import migrate
from tradewind.store.schema import balances, fills, orders, trade_cursors

__all__ = ["KernelStore"]

log = get_logger("store.kernel")


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "strategy_id": order.strategy_id,
        "venue": order.venue,
        "symbol": order.symbol,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "time_in_force": order.time_in_force.value,
        "quantity": order.quantity,
        "price": order.price,
        "status": order.status.value,
        "venue_order_id": order.venue_order_id,
        "filled_qty": order.filled_qty,
        "filled_notional": order.filled_notional,
        "ts_init": order.ts_init,
        "ts_last": order.ts_last,
    }


def _order_of(row: Any) -> Order:
    return Order(
        client_order_id=row["client_order_id"],
        strategy_id=row["strategy_id"],
        venue=row["venue"],
        symbol=row["symbol"],
        side=OrderSide(row["side"]),
        order_type=OrderType(row["order_type"]),
        time_in_force=TimeInForce(row["time_in_force"]),
        quantity=row["quantity"],
        price=row["price"],
        status=OrderStatus(row["status"]),
        venue_order_id=row["venue_order_id"],
        filled_qty=row["filled_qty"],
        filled_notional=row["filled_notional"],
        ts_init=row["ts_init"],
        ts_last=row["ts_last"],
    )


def _fill_row(fill: Fill, seq: int) -> dict[str, Any]:
    return {
        "venue": fill.venue,
        "trade_id": fill.trade_id,
        "symbol": fill.symbol,
        "venue_order_id": fill.venue_order_id,
        "client_order_id": fill.client_order_id,
        "side": fill.side.value,
        "price": fill.price,
        "qty": fill.qty,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "liquidity_side": fill.liquidity_side.value,
        "ts_event": fill.ts_event,
        "seq": seq,
    }


def _fill_of(row: Any) -> Fill:
    return Fill(
        venue=row["venue"],
        symbol=row["symbol"],
        trade_id=row["trade_id"],
        venue_order_id=row["venue_order_id"],
        client_order_id=row["client_order_id"],
        side=OrderSide(row["side"]),
        price=row["price"],
        qty=row["qty"],
        fee=row["fee"],
        fee_asset=row["fee_asset"],
        liquidity_side=LiquiditySide(row["liquidity_side"]),
        ts_event=row["ts_event"],
    )


def _newer(candidate: str, held: str) -> bool:
    # numeric trade ids (Binance) grow per symbol; others compare as text
    if candidate.isdigit() and held.isdigit():
        return int(candidate) > int(held)
    return candidate > held


class KernelStore:
    """Durable kernel state in one SQL database (SQLite file or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str | None = None, *, apply_migrations: bool = True) -> KernelStore:
        """Connect to ``url`` (see migrate.resolve_url) and bring the schema to the newest."""
        resolved = migrate.resolve_url(url)
        engine = migrate.create_store_engine(resolved)
        if apply_migrations:
            with engine.connect() as connection:
                migrate.upgrade(connection)
        log.info("kernel_store_opened", backend=engine.dialect.name)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    # -- orders --------------------------------------------------------------------------------

    def save_order(self, order: Order) -> None:
        """Insert or replace the snapshot of ``order`` (keyed by client order id)."""
        with self._engine.begin() as connection:
            self._upsert_order(connection, order)

    def save_orders(self, snapshots: Iterable[Order]) -> None:
        """Several snapshots in one transaction."""
        with self._engine.begin() as connection:
            for order in snapshots:
                self._upsert_order(connection, order)

    def load_orders(self, venue: str | None = None) -> list[Order]:
        """Every stored order (of ``venue``), oldest first."""
        query = select(orders).order_by(orders.c.ts_init, orders.c.client_order_id)
        if venue is not None:
            query = query.where(orders.c.venue == venue)
        with self._engine.connect() as connection:
            return [_order_of(row._mapping) for row in connection.execute(query)]

    @staticmethod
    def _upsert_order(connection: Connection, order: Order) -> None:
        row = _order_row(order)
        result = connection.execute(
            update(orders).where(orders.c.client_order_id == order.client_order_id).values(**row)
        )
        if result.rowcount == 0:
            connection.execute(insert(orders).values(**row))

    # -- fills ---------------------------------------------------------------------------------

    def record_fill(self, fill: Fill, order: Order | None = None) -> bool:
        """Store ``fill`` and ``order`` (the snapshot after it) in one transaction.

        False if (venue, symbol, trade id) is already stored; then nothing is written.
        """
        try:
            with self._engine.begin() as connection:
                held = connection.execute(
                    select(fills.c.trade_id).where(
                        fills.c.venue == fill.venue,
                        fills.c.symbol == fill.symbol,
                        fills.c.trade_id == fill.trade_id,
                    )
                ).first()
                if held is not None:
                    return False
                seq = connection.execute(
                    select(func.coalesce(func.max(fills.c.seq), 0))
                ).scalar_one()
                connection.execute(insert(fills).values(**_fill_row(fill, int(seq) + 1)))
                if order is not None:
                    self._upsert_order(connection, order)
        except IntegrityError:
            # another writer stored the same trade between our check and insert
            log.info("fill_already_stored", venue=fill.venue, trade_id=fill.trade_id)
            return False
        return True

    def attribute_fill(self, fill: Fill, order: Order) -> None:
        """Record that a stored fill (kept without an order) belongs to ``order``, and the
        order's snapshot after it, in one transaction."""
        with self._engine.begin() as connection:
            connection.execute(
                update(fills)
                .where(
                    fills.c.venue == fill.venue,
                    fills.c.symbol == fill.symbol,
                    fills.c.trade_id == fill.trade_id,
                )
                .values(client_order_id=fill.client_order_id)
            )
            self._upsert_order(connection, order)

    def load_fills(self, venue: str | None = None) -> list[Fill]:
        """Every stored fill (of ``venue``) in the order it was recorded."""
        query = select(fills).order_by(fills.c.seq)
        if venue is not None:
            query = query.where(fills.c.venue == venue)
        with self._engine.connect() as connection:
            return [_fill_of(row._mapping) for row in connection.execute(query)]

    def has_fill(self, venue: str, symbol: str, trade_id: str) -> bool:
        query = select(fills.c.trade_id).where(
            fills.c.venue == venue, fills.c.symbol == symbol, fills.c.trade_id == trade_id
        )
        with self._engine.connect() as connection:
            return connection.execute(query).first() is not None

    # -- trade cursors -------------------------------------------------------------------------

    def last_trade_ids(self, venue: str) -> dict[str, str]:
        """Newest stored trade id per symbol of ``venue``."""
        query = select(trade_cursors.c.symbol, trade_cursors.c.last_trade_id).where(
            trade_cursors.c.venue == venue
        )
        with self._engine.connect() as connection:
            return {row.symbol: row.last_trade_id for row in connection.execute(query)}

    def advance_trade_cursor(self, venue: str, symbol: str, trade_id: str) -> None:
        """Move the cursor of (venue, symbol) to ``trade_id`` if it is newer than the held one."""
        with self._engine.begin() as connection:
            self._advance_cursor(connection, venue, symbol, trade_id)

    @staticmethod
    def _advance_cursor(connection: Connection, venue: str, symbol: str, trade_id: str) -> None:
        where = (trade_cursors.c.venue == venue, trade_cursors.c.symbol == symbol)
        held = connection.execute(select(trade_cursors.c.last_trade_id).where(*where)).scalar()
        if held is None:
            connection.execute(
                insert(trade_cursors).values(venue=venue, symbol=symbol, last_trade_id=trade_id)
            )
        elif _newer(trade_id, held):
            connection.execute(update(trade_cursors).where(*where).values(last_trade_id=trade_id))

    # -- balances ------------------------------------------------------------------------------

    def save_balances(self, venue: str, holdings: Iterable[Balance], ts_ns: int) -> None:
        """Replace the stored balances of ``venue`` with ``holdings`` (a full snapshot)."""
        rows = [
            {
                "venue": venue,
                "asset": balance.asset,
                "free": balance.free,
                "locked": balance.locked,
                "ts_updated": ts_ns,
            }
            for balance in holdings
        ]
        with self._engine.begin() as connection:
            connection.execute(delete(balances).where(balances.c.venue == venue))
            if rows:
                connection.execute(insert(balances), rows)

    def load_balances(self, venue: str) -> dict[str, Balance]:
        """The stored balances of ``venue`` by asset."""
        query = select(balances).where(balances.c.venue == venue).order_by(balances.c.asset)
        with self._engine.connect() as connection:
            return {
                row.asset: Balance(asset=row.asset, free=row.free, locked=row.locked)
                for row in connection.execute(query)
            }


def total_of(held: Mapping[str, Balance]) -> dict[str, Decimal]:
    """free + locked per asset (what a reconciliation compares)."""
    return {asset: balance.total for asset, balance in held.items()}
