"""Kernel commands for the ``tradewind`` command line (the lead wires them into the main app).

    tradewind book BTC/USDT --venue sim [--once]     live top of book (rich Live)
    tradewind order place|cancel|list ...            orders through the ExecutionEngine
    tradewind balances --venue sim                   the account's balances

Venue "sim" (or "binance") is reached through the official-SDK adapter; where it listens and the
key pair come from ``--rest-url/--ws-url/--api-key/--api-secret`` or the environment variables
``TRADEWIND_VENUE__REST_URL``, ``__WS_URL``, ``__API_KEY``, ``__API_SECRET``. For ``--venue sim``
they default to what a plain ``tradewind sim`` prints (port 8090, its demo key pair), and the
URLs the sim prints (``.../api/v3``, ``.../ws``) are accepted as they are.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from tradewind.bus import InProcessMessageBus
from tradewind.core.clock import LiveClock
from tradewind.core.commands import SubmitOrder
from tradewind.core.enums import OrderSide, OrderType, TimeInForce
from tradewind.core.events import BookSyncLost, BookUpdated, OrderRejected
from tradewind.core.orders import Order
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.store_writer import StoreWriter
from tradewind.gateway.fixjson.wire_types import decimal_text
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.oms.client_ids import client_order_id
from tradewind.oms.rate_limiter import RateLimiter, provisional_limiter
from tradewind.store.exclusive import lock_store
from tradewind.store.kernel_store import KernelStore
from tradewind.venues.base import VenueAdapter

__all__ = ["balances_command", "book_command", "kernel_app", "order_app"]

T = TypeVar("T")

_DEFAULT_URLS = {
    "binance": ("https://api.binance.com", "wss://stream.binance.com:9443"),
}


def _sim_defaults(need_keys: bool) -> tuple[str, str, str | None, str | None]:
    """REST, WS, key, secret of a plain ``tradewind sim`` on this machine (its [sim] defaults;
    the key pair, when ``need_keys``, from its database unless ``demo_seed`` fixes it)."""
    from tradewind.common.config import ConfigError, SimConfig, load_config
    from tradewind.venues.sim.exchange import DEMO_ACCOUNT
    from tradewind.venues.sim.persistence import stored_credential
    from tradewind.venues.sim.server.auth import credential_from_seed

    try:
        sim = load_config().sim  # [sim] of $TRADEWIND_CONFIG and TRADEWIND_SIM__* as the sim reads
    except ConfigError:
        sim = SimConfig()
    base = f"{sim.host}:{sim.port}"
    if not need_keys:
        return f"http://{base}", f"ws://{base}", None, None
    if sim.demo_seed:
        credential = credential_from_seed(sim.demo_seed, DEMO_ACCOUNT)
    else:
        # the pair a plain `tradewind sim` generated for its data directory
        found = stored_credential(Path(sim.database), DEMO_ACCOUNT)
        if found is None:
            raise typer.BadParameter(
                f"no demo key pair in {sim.database}: start `tradewind sim` here first (it "
                "creates one), or pass --api-key/--api-secret"
            )
        credential = found
    return f"http://{base}", f"ws://{base}", credential.api_key, credential.api_secret


VenueOption = Annotated[str, typer.Option("--venue", help="Venue: sim or binance.")]
RestOption = Annotated[
    str | None,
    typer.Option("--rest-url", envvar="TRADEWIND_VENUE__REST_URL", help="REST base URL."),
]
WsOption = Annotated[
    str | None, typer.Option("--ws-url", envvar="TRADEWIND_VENUE__WS_URL", help="WebSocket base.")
]
KeyOption = Annotated[
    str | None, typer.Option("--api-key", envvar="TRADEWIND_VENUE__API_KEY", help="API key.")
]
SecretOption = Annotated[
    str | None,
    typer.Option(
        "--api-secret", envvar="TRADEWIND_VENUE__API_SECRET", help="API secret.", show_default=False
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="TRADEWIND_DB_URL", help="Kernel store URL (orders persist)."),
]


def _settings(
    venue: str, rest_url: str | None, ws_url: str | None, key: str | None, secret: str | None
) -> VenueSettings:
    default_rest, default_ws = _DEFAULT_URLS.get(venue, (None, None))
    if venue == "sim":
        need_keys = not (key and secret)
        default_rest, default_ws, default_key, default_secret = _sim_defaults(need_keys)
        key, secret = key or default_key, secret or default_secret
    rest, ws = rest_url or default_rest, ws_url or default_ws
    missing = [
        name
        for name, value in (
            ("--rest-url", rest),
            ("--ws-url", ws),
            ("--api-key", key),
            ("--api-secret", secret),
        )
        if not value
    ]
    if missing:
        raise typer.BadParameter(f"venue {venue!r} needs {', '.join(missing)} (or the env vars)")
    assert rest and ws and key and secret
    return VenueSettings(name=venue, rest_url=rest, ws_url=ws, api_key=key, api_secret=secret)


def _adapter(settings: VenueSettings, limiter: RateLimiter) -> VenueAdapter:
    return open_venue("binance", settings, limiter=limiter)


@asynccontextmanager
async def _connected(
    settings: VenueSettings, *, instruments: bool = True
) -> AsyncIterator[tuple[VenueAdapter, RateLimiter]]:
    """A venue adapter with its limiter, instruments loaded, closed on the way out."""
    limiter = _limiter()
    adapter = _adapter(settings, limiter)
    try:
        if instruments:
            await adapter.load_instruments()
        yield adapter, limiter
    finally:
        await adapter.close()


def _limiter() -> RateLimiter:
    # replaced by the venue's declared limits once its instruments are loaded
    return provisional_limiter(LiveClock(), "cli")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    from tradewind.common.logging import configure_logging

    # the tables are the output; log lines only for trouble. A VenueError (venue down, order
    # refused) reaches the CLI's error line as one line with exit status 2.
    configure_logging("warning")
    return asyncio.run(work())  # type: ignore[arg-type]


def _text(value: Decimal | None) -> str:
    """An amount as a person reads it: plain notation, never ``0E-8``."""
    return "-" if value is None else decimal_text(value)


def _decimal(name: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{name} must be a decimal number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise typer.BadParameter(f"{name} must be > 0, got {text}")
    return value


# -- book --------------------------------------------------------------------------------------


def _book_table(symbol: str, top: BookUpdated | None, fault: str | None) -> Table:
    table = Table(title=f"{symbol} top of book", show_header=True)
    for column in ("bid qty", "bid", "ask", "ask qty"):
        table.add_column(column, justify="right")
    if fault is not None:
        table.caption = f"NOT SYNCED: {fault}"
    if top is not None and fault is None:
        table.add_row(
            _text(top.best_bid_qty),
            _text(top.best_bid),
            _text(top.best_ask),
            _text(top.best_ask_qty),
        )
        spread = (
            top.best_ask - top.best_bid
            if top.best_ask is not None and top.best_bid is not None
            else None
        )
        table.caption = f"update {top.update_id}  spread {_text(spread)}"
    return table


def book_command(
    symbol: Annotated[str, typer.Argument(help="Unified symbol, e.g. BTC/USDT.")],
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Print one synced top of book and exit.")
    ] = False,
    seconds: Annotated[
        float, typer.Option(help="Stop the live view after this long (0: never).")
    ] = 0,
) -> None:
    """Live top of book of SYMBOL, kept in sync from the venue's depth stream."""
    from tradewind.execution.market_data import MarketDataService

    settings = _settings(venue, rest_url, ws_url, api_key, api_secret)
    console = Console()

    async def work() -> None:
        adapter = _adapter(settings, _limiter())
        service = MarketDataService(adapter)
        state: dict[str, BookUpdated | str | None] = {"top": None, "fault": None}

        def listen(event: BookUpdated | BookSyncLost) -> None:
            if isinstance(event, BookUpdated) and event.symbol == symbol:
                state["top"], state["fault"] = event, None
            elif isinstance(event, BookSyncLost) and event.symbol == symbol:
                state["fault"] = event.reason

        def table() -> Table:
            top, fault = state["top"], state["fault"]
            return _book_table(
                symbol,
                top if isinstance(top, BookUpdated) else None,
                fault if isinstance(fault, str) else None,
            )

        service.on_book(listen)
        try:
            instruments = {i.symbol: i for i in await adapter.load_instruments()}
            if symbol not in instruments:
                raise typer.BadParameter(f"{venue} lists no {symbol!r}")
            await service.subscribe(instruments[symbol])
            await service.wait_synced(symbol)
            if once:
                while state["top"] is None:
                    await asyncio.sleep(0.01)
                console.print(table())
                return
            deadline = time.monotonic() + seconds if seconds > 0 else None
            with Live(table(), console=console, refresh_per_second=4) as live:
                while deadline is None or time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                    live.update(table())
        finally:
            await service.close()
            await adapter.close()

    _run(work)


# -- orders ------------------------------------------------------------------------------------

order_app = typer.Typer(help="Place, cancel and list orders.", no_args_is_help=True)


async def _engine(
    settings: VenueSettings,
    db: str | None,
    reference_price: Callable[[str], Decimal | None] | None = None,
) -> ExecutionEngine:
    limiter = _limiter()
    store = StoreWriter(await asyncio.to_thread(KernelStore.open, db)) if db else None
    engine = ExecutionEngine(
        adapter=_adapter(settings, limiter),
        bus=InProcessMessageBus(),
        limiter=limiter,
        clock=LiveClock(),
        store=store,
        reference_price=reference_price,
    )
    await engine.start(stream=False, reconcile_now=False)
    return engine


async def _touch(adapter: VenueAdapter, symbol: str, side: OrderSide) -> Decimal | None:
    """The price a market order on ``side`` would meet first (best ask to buy, best bid to
    sell; the other side when that one is empty): the reference for its notional check."""
    snapshot = await adapter.depth_snapshot(symbol, limit=5)
    near, far = (
        (snapshot.asks, snapshot.bids) if side is OrderSide.BUY else (snapshot.bids, snapshot.asks)
    )
    for levels in (near, far):
        if levels:
            return Decimal(levels[0][0])
    return None


async def _settle(engine: ExecutionEngine, order: Order) -> Order:
    """The order after the venue's answer and its fills: the submit answer can say FILLED
    while the fills that make it so are still to be fetched (the engine holds such a status
    until they arrive)."""
    if order.venue_order_id is None:
        return order
    status = await engine.adapter.order_status(order.symbol, order.client_order_id)
    if status is not None and status.filled_qty > order.filled_qty:
        for fill in await engine.adapter.fills_since(order.symbol):
            if fill.venue_order_id == order.venue_order_id:
                await engine.on_report(fill)
    if status is not None:
        await engine.on_report(status)
    return engine.tracker.get(order.client_order_id) or order


def _order_line(order: Order) -> str:
    price = "market" if order.price is None else _text(order.price)
    return (
        f"{order.client_order_id} {order.status} {order.side} {_text(order.quantity)} "
        f"{order.symbol} @ {price} filled {_text(order.filled_qty)} "
        f"venue_id {order.venue_order_id}"
    )


# "-0.01" is a (refused) quantity, not an option: let it through to the quantity check
@order_app.command("place", context_settings={"ignore_unknown_options": True})
def place(
    symbol: Annotated[str, typer.Argument(help="Unified symbol, e.g. BTC/USDT.")],
    side: Annotated[OrderSide, typer.Argument(help="buy or sell.")],
    quantity: Annotated[str, typer.Argument(help="Base units.")],
    price: Annotated[
        str | None, typer.Option(help="Limit price (omit for a market order).")
    ] = None,
    tif: Annotated[TimeInForce, typer.Option("--tif", help="gtc, ioc or fok.")] = TimeInForce.GTC,
    intent: Annotated[
        str | None, typer.Option(help="Intent id: the same intent never places twice.")
    ] = None,
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
    db: DbOption = None,
) -> None:
    """Place an order (limit with --price, else market) and print its state."""
    qty = _decimal("quantity", quantity)
    limit = _decimal("price", price)
    assert qty is not None
    # one process per store, taken before the store is read or the venue asked
    lock = lock_store(db) if db else None
    try:
        settings = _settings(venue, rest_url, ws_url, api_key, api_secret)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    order_type = OrderType.MARKET if limit is None else OrderType.LIMIT
    cid = client_order_id(
        strategy_id="cli",
        intent_id=intent or uuid.uuid4().hex,
        venue=venue,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=qty,
        price=limit,
        time_in_force=tif,
    )

    async def work() -> None:
        reference: dict[str, Decimal | None] = {}
        try:
            engine = await _engine(settings, db, reference_price=reference.get)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        if order_type is OrderType.MARKET:
            reference[symbol] = await _touch(engine.adapter, symbol, side)
        rejected: list[OrderRejected] = []
        engine.bus.subscribe(OrderRejected, rejected.append)
        try:
            order = await engine.submit(
                SubmitOrder(
                    strategy_id="cli",
                    client_order_id=cid,
                    venue=venue,
                    symbol=symbol,
                    side=side,
                    order_type=order_type,
                    quantity=qty,
                    price=limit,
                    time_in_force=tif,
                    ts_init=time.time_ns(),
                )
            )
            if order is not None and not rejected:
                order = await _settle(engine, order)
        finally:
            await engine.stop()
            if lock is not None:
                lock.release()
        if order is None or rejected:
            reason = rejected[0].reason if rejected else "refused"
            typer.echo(f"rejected: {reason}", err=True)
            raise typer.Exit(1)
        typer.echo(_order_line(order))

    _run(work)


@order_app.command("cancel")
def cancel(
    symbol: Annotated[str, typer.Argument(help="Unified symbol, e.g. BTC/USDT.")],
    client_order_id_: Annotated[str, typer.Argument(metavar="CLIENT_ORDER_ID")],
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
) -> None:
    """Cancel an order by its client order id and print the venue's answer."""
    settings = _settings(venue, rest_url, ws_url, api_key, api_secret)

    async def work() -> None:
        async with _connected(settings) as (adapter, limiter):
            await limiter.acquire(1)
            report = await adapter.cancel(symbol, client_order_id_)
        typer.echo(f"{report.client_order_id} {report.status} filled {_text(report.filled_qty)}")

    _run(work)


@order_app.command("list")
def list_orders(
    symbol: Annotated[str | None, typer.Argument(help="Only this symbol.")] = None,
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
) -> None:
    """List the venue's open orders."""
    settings = _settings(venue, rest_url, ws_url, api_key, api_secret)

    async def work() -> None:
        async with _connected(settings) as (adapter, limiter):
            await limiter.acquire(80)
            reports = await adapter.open_orders(symbol)
        table = Table(title="open orders")
        for column in ("client id", "symbol", "side", "price", "qty", "filled", "status"):
            table.add_column(column)
        for r in reports:
            table.add_row(
                r.client_order_id or "-", r.symbol, str(r.side), _text(r.price),
                _text(r.quantity), _text(r.filled_qty), str(r.status),
            )  # fmt: skip
        Console(width=160).print(table)

    _run(work)


# -- balances ----------------------------------------------------------------------------------


def balances_command(
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
) -> None:
    """The account's non-zero balances: free, locked, total."""
    settings = _settings(venue, rest_url, ws_url, api_key, api_secret)

    async def work() -> None:
        async with _connected(settings, instruments=False) as (adapter, limiter):
            await limiter.acquire(20)
            held = await adapter.balances()
        table = Table(title=f"{venue} balances")
        for column in ("asset", "free", "locked", "total"):
            table.add_column(column, justify="right")
        for asset in sorted(held):
            b = held[asset]
            table.add_row(asset, _text(b.free), _text(b.locked), _text(b.total))
        Console(width=120).print(table)

    _run(work)


kernel_app = typer.Typer(help="Kernel: books, orders, balances.", no_args_is_help=True)
kernel_app.command("book")(book_command)
kernel_app.add_typer(order_app, name="order")
kernel_app.command("balances")(balances_command)
