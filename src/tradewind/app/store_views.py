"""Read-only views of the kernel store for the command line: fills, order history, positions.

    tradewind fills [--db URL] [--venue V] [--symbol S] [--order CLIENT_ID]
    tradewind positions [--db URL] [--venue V] [--mark SYMBOL=PRICE ...]
    tradewind order history [--db URL] [--venue V]

They read what ``tradewind order place --db`` and ``tradewind serve`` (its kernel database)
stored, without a venue and without locking the store (a running desk keeps writing). Positions
are folded from the stored fills in the order they were recorded; realised PnL and fees in the
quote asset; unrealised PnL only for a symbol given a ``--mark`` price.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from tradewind.common.logging import configure_logging
from tradewind.core.fills import Fill
from tradewind.core.positions import Position
from tradewind.gateway.fixjson.wire_types import decimal_text
from tradewind.store.kernel_store import KernelStore
from tradewind.store.migrate import resolve_url

__all__ = ["fills_command", "order_history_command", "positions_command"]

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRADEWIND_DB_URL",
        help="Kernel store: SQLAlchemy URL or SQLite file (default var/kernel.sqlite).",
    ),
]
VenueFilter = Annotated[str | None, typer.Option("--venue", help="Only this venue.")]


def _open(db: str | None) -> KernelStore:
    configure_logging("warning")  # the table is the output
    url = resolve_url(db)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database))
        if not path.exists():
            raise typer.BadParameter(
                f"no kernel store at {path}: pass --db with the file `order place --db` or "
                "`tradewind serve` ([desk] kernel_database) wrote",
                param_hint="--db",
            )
    return KernelStore.open(url)


def _text(value: Decimal | None) -> str:
    return "-" if value is None else decimal_text(value)


def fills_command(
    db: StoreOption = None,
    venue: VenueFilter = None,
    symbol: Annotated[str | None, typer.Option("--symbol", help="Only this symbol.")] = None,
    order: Annotated[
        str | None, typer.Option("--order", help="Only the fills of this client order id.")
    ] = None,
) -> None:
    """The fills in the kernel store, oldest first (price in quote per base, fee in its asset)."""
    store = _open(db)
    try:
        chosen = [
            fill
            for fill in store.load_fills(venue)
            if (symbol is None or fill.symbol == symbol)
            and (order is None or fill.client_order_id == order)
        ]
    finally:
        store.close()
    table = Table(title=f"fills ({len(chosen)})")
    for column in ("venue", "symbol", "trade id", "order", "side", "qty", "price", "fee"):
        table.add_column(column, justify="right" if column in ("qty", "price", "fee") else "left")
    for fill in chosen:
        table.add_row(
            fill.venue, fill.symbol, fill.trade_id, fill.client_order_id or "(external)",
            str(fill.side), _text(fill.qty), _text(fill.price),
            f"{_text(fill.fee)} {fill.fee_asset}",
        )  # fmt: skip
    Console(width=160).print(table)


def _marks(pairs: list[str]) -> dict[str, Decimal]:
    marks: dict[str, Decimal] = {}
    for pair in pairs:
        symbol, sep, price = pair.partition("=")
        try:
            value = Decimal(price) if sep else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value <= 0:
            raise typer.BadParameter(
                f"expected SYMBOL=PRICE with a positive price, got {pair!r}", param_hint="--mark"
            )
        marks[symbol] = value
    return marks


def positions_of(fills: list[Fill]) -> list[Position]:
    """Positions per (venue, symbol) folded from ``fills`` in the given order."""
    held: dict[tuple[str, str], Position] = {}
    for fill in fills:
        key = (fill.venue, fill.symbol)
        position = held.get(key) or Position(venue=fill.venue, symbol=fill.symbol)
        held[key] = position.apply(fill)
    return [held[key] for key in sorted(held)]


def positions_command(
    db: StoreOption = None,
    venue: VenueFilter = None,
    mark: Annotated[
        list[str] | None,
        typer.Option("--mark", help="SYMBOL=PRICE to value the open quantity (repeatable)."),
    ] = None,
) -> None:
    """Positions and PnL from the stored fills: quantity in base, cost and PnL in quote."""
    marks = _marks(mark or [])
    store = _open(db)
    try:
        positions = positions_of(store.load_fills(venue))
    finally:
        store.close()
    table = Table(title="positions")
    for column in ("venue", "symbol", "quantity", "avg price", "realised", "fees", "unrealised"):
        table.add_column(column, justify="left" if column in ("venue", "symbol") else "right")
    for p in positions:
        price = marks.get(p.symbol)
        unrealised = p.unrealised_pnl(price) if price is not None else None
        avg = p.avg_price
        table.add_row(
            p.venue, p.symbol, _text(p.quantity),
            _text(avg.quantize(Decimal("1e-8")) if avg is not None else None),
            _text(p.realised_pnl), _text(p.fees), _text(unrealised),
        )  # fmt: skip
    Console(width=160).print(table)


def order_history_command(db: StoreOption = None, venue: VenueFilter = None) -> None:
    """Every order in the kernel store, oldest first, with its last known state."""
    store = _open(db)
    try:
        orders = store.load_orders(venue)
    finally:
        store.close()
    table = Table(title=f"orders ({len(orders)})")
    for column in ("client id", "venue", "symbol", "side", "type", "qty", "price", "filled"):
        table.add_column(column)
    table.add_column("status")
    for o in orders:
        table.add_row(
            o.client_order_id, o.venue, o.symbol, str(o.side), str(o.order_type),
            _text(o.quantity), _text(o.price), _text(o.filled_qty), str(o.status),
        )  # fmt: skip
    Console(width=180).print(table)
