"""`tradewind portfolio rebalance`: target weights on a venue, planned, then traded on --confirm.

    tradewind portfolio rebalance --targets BTC=0.5,ETH=0.3,USDT=0.2 --venue sim [--confirm]

The account's balances and each pair's mid price come from the venue; the plan
(`tradewind.portfolio.rebalance`) is printed: current and target weights, and the market orders
within the pairs' filters. Only with --confirm are the orders sent, sells first, through the
kernel's ExecutionEngine exactly as `tradewind order place` sends one (client ids, pre-trade
filters, the notional checked against the touch, the store when --db is given).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

import typer

from tradewind.app.trading_cli import (
    DbOption,
    KeyOption,
    RestOption,
    SecretOption,
    VenueOption,
    WsOption,
    _connected,
    _engine,
    _order_line,
    _run,
    _settings,
    _settle,
    _text,
    _touch,
)
from tradewind.core.clock import LiveClock
from tradewind.core.enums import OrderType, TimeInForce
from tradewind.core.events import OrderRejected
from tradewind.oms.client_ids import submit_order
from tradewind.portfolio.cli_support import fail, print_table
from tradewind.portfolio.rebalance import (
    RebalanceError,
    RebalancePlan,
    parse_targets,
    plan_rebalance,
)

__all__ = ["rebalance_command"]

_STRATEGY = "rebalance"


def rebalance_command(
    targets: Annotated[
        str,
        typer.Option("--targets", help="ASSET=WEIGHT,… adding up to 1, e.g. BTC=0.5,USDT=0.5."),
    ],
    quote: Annotated[str, typer.Option("--quote", help="Cash leg of every order.")] = "USDT",
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Send the orders; without it only the plan shows.")
    ] = False,
    venue: VenueOption = "sim",
    rest_url: RestOption = None,
    ws_url: WsOption = None,
    api_key: KeyOption = None,
    api_secret: SecretOption = None,
    db: DbOption = None,
) -> None:
    """Plan the market orders that bring the venue account to target weights; --confirm sends."""
    quote = quote.strip().upper()
    try:
        weights = parse_targets(targets)
    except RebalanceError as exc:
        raise fail(str(exc)) from exc
    settings = _settings(venue, rest_url, ws_url, api_key, api_secret)

    async def plan_from_venue() -> RebalancePlan:
        async with _connected(settings, instruments=False) as (adapter, limiter):
            listed = {i.symbol: i.filters for i in await adapter.load_instruments()}
            await limiter.acquire(20)
            held = {asset: b.total for asset, b in (await adapter.balances()).items()}
            assets = {a for a, q in held.items() if q != 0} | set(weights)
            prices: dict[str, Decimal] = {}
            for asset in sorted(assets - {quote}):
                symbol = f"{asset}/{quote}"
                if symbol not in listed:
                    continue  # the plan names it as unlisted
                snapshot = await adapter.depth_snapshot(symbol, limit=5)
                if snapshot.bids and snapshot.asks:
                    bid, ask = Decimal(snapshot.bids[0][0]), Decimal(snapshot.asks[0][0])
                    prices[asset] = (bid + ask) / 2
        return plan_rebalance(held, prices, weights, quote=quote, filters=listed)

    try:
        plan = _run(plan_from_venue)
    except RebalanceError as exc:
        raise fail(str(exc)) from exc
    _show(plan, venue)
    if not plan.orders:
        typer.echo("nothing to trade: the account is at its targets within the venue's filters")
        return
    if not confirm:
        typer.echo(f"{len(plan.orders)} order(s) planned; run again with --confirm to send them")
        return
    intent = uuid.uuid4().hex

    async def send() -> list[str]:
        clock = LiveClock()
        reference: dict[str, Decimal | None] = {}
        engine = await _engine(settings, db, reference_price=reference.get)
        rejected: list[OrderRejected] = []
        engine.bus.subscribe(OrderRejected, rejected.append)
        lines: list[str] = []
        try:
            for n, planned in enumerate(plan.orders):
                reference[planned.symbol] = await _touch(
                    engine.adapter, planned.symbol, planned.side
                )
                order = await engine.submit(
                    submit_order(
                        strategy_id=_STRATEGY,
                        intent_id=f"{intent}-{n}",
                        venue=venue,
                        symbol=planned.symbol,
                        side=planned.side,
                        order_type=OrderType.MARKET,
                        quantity=planned.quantity,
                        price=None,
                        time_in_force=TimeInForce.GTC,
                        ts_init=clock.now_ns(),
                    )
                )
                if order is None or rejected:
                    reason = rejected[0].reason if rejected else "refused"
                    lines.append(f"rejected: {planned.side} {planned.symbol}: {reason}")
                    break
                lines.append(_order_line(await _settle(engine, order)))
        finally:
            await engine.stop()
        return lines

    lines = _run(send)
    for line in lines:
        typer.echo(line)
    if any(line.startswith("rejected") for line in lines):
        raise typer.Exit(1)


def _show(plan: RebalancePlan, venue: str) -> None:
    quote = plan.quote
    print_table(
        ["asset", "quantity", f"price ({quote})", f"value ({quote})", "weight", "target"],
        [
            *(
                [
                    line.asset,
                    _text(line.quantity),
                    _text(line.price.quantize(Decimal("0.01"))),
                    _text(line.value.quantize(Decimal("0.01"))),
                    f"{line.weight:.2%}",
                    f"{float(line.target):.2%}",
                ]
                for line in plan.lines
            ),
            ["total", "", "", _text(plan.total.quantize(Decimal("0.01"))), "", "100.00%"],
        ],
    )
    print_table(
        ["order", "symbol", "quantity", f"~price ({quote})", f"~notional ({quote})"],
        [
            [
                str(o.side),
                o.symbol,
                _text(o.quantity),
                _text(o.price.quantize(Decimal("0.01"))),
                _text(o.notional.quantize(Decimal("0.01"))),
            ]
            for o in plan.orders
        ],
    )
    for skipped in plan.skipped:
        typer.echo(
            f"not traded: {skipped.side} {_text(skipped.quantity)} {skipped.symbol} "
            f"({skipped.reason})"
        )
    typer.echo(f"venue {venue}, market orders, sells first")
