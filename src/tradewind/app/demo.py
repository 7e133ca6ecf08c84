"""``make demo``: the index desk's main job on embedded defaults.

Starts a simulated exchange and the index desk (demo indexes TW10 and TW3), then a scripted
client deposits collateral, asks for a quote and sends three index orders over the FIX/JSON
WebSocket — two mints and one redemption — printing every fill report and the mint invoices.
Afterwards the gateway and REST keep serving until Ctrl-C (``--once``: exit after the script).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account
from rich.console import Console
from rich.table import Table

from tradewind.common.config import TradewindConfig
from tradewind.desks.index.runtime import (
    IndexDeskRuntime,
    LocalDepositRefused,
    post_local_deposit,
)
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimEndpoints, SimProcess

__all__ = ["DemoFailure", "run_demo"]

console = Console(width=120)

CHAIN_ID = 42161
# a throwaway key for the demo's user; never holds anything outside this process
DEMO_USER_KEY = "0x" + "d3" * 32


class DemoFailure(RuntimeError):
    """A step of the scripted session did not behave; the message says which."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailure(message)


async def _deposit(runtime: IndexDeskRuntime, address: str, amount: str) -> None:
    try:
        await post_local_deposit(
            runtime.url, token=runtime.local_deposit_token, deposit_id="demo-deposit-1",
            chain_id=CHAIN_ID, address=address, amount=amount,
        )  # fmt: skip
    except LocalDepositRefused as exc:
        raise DemoFailure(f"deposit refused: {exc}") from exc
    console.print(f"[bold]deposit[/] {amount} USDT for {address} on chain {CHAIN_ID}")


def _print_fill(message: Any) -> None:
    console.print(
        f"  IndexOrderFill {message.client_order_id:<8} {message.status:<17} "
        f"filled={message.filled_quantity:<8} spent={Decimal(message.collateral_spent):.4f} "
        f"remaining={Decimal(message.collateral_remaining):.4f} "
        f"rate={Decimal(message.fill_rate):.4f}"
    )


def _print_invoice(invoice: Any) -> None:
    table = Table(
        title=f"MintInvoice {invoice.client_order_id} ({invoice.side} {invoice.quantity} "
        f"{invoice.symbol})",
        title_justify="left",
    )
    for column in ("constituent", "lots", "quantity", "avg price", "cost (USDT)", "fees"):
        table.add_column(column, justify="right")
    by_symbol: dict[str, list[Any]] = {}
    for lot in invoice.lots:
        by_symbol.setdefault(lot.symbol, []).append(lot)
    for symbol, lots in sorted(by_symbol.items()):
        quantity = sum((Decimal(lot.quantity) for lot in lots), Decimal(0))
        cost = sum((Decimal(lot.cost) for lot in lots), Decimal(0))
        fees = sum((Decimal(lot.fee) for lot in lots), Decimal(0))
        average = cost / quantity if quantity else Decimal(0)
        table.add_row(
            symbol, str(len(lots)), f"{quantity.normalize():f}", f"{average:.4f}",
            f"{cost:.4f}", f"{fees.normalize():f} {lots[0].fee_asset}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"  paid {Decimal(invoice.amount_paid):.4f}  remaining "
        f"{Decimal(invoice.amount_remaining):.4f}  assets {Decimal(invoice.assets_value):.4f}  "
        f"desk fee {Decimal(invoice.desk_fee):.4f}  exchange fees "
        f"{Decimal(invoice.exchange_fees):.4f}  fill rate {Decimal(invoice.fill_rate):.4f}  "
        f"position {invoice.position}"
    )


async def _order(client: FixJsonClient, coid: str, symbol: str, side: str, amount: str) -> Any:
    console.print(f"[bold]NewIndexOrder[/] {coid} {side} {symbol} amount={amount}")
    seq = await client.new_index_order(coid, symbol, side, amount)
    answer = await client.ack_or_nak(seq)
    _check(answer.msg_type == "ACK", f"{coid} was refused: {answer}")
    status = await client.wait_for("NewIndexOrder", lambda m: m.client_order_id == coid)
    _check(status.status == "new", f"{coid} rejected: {status.reason}")
    console.print(f"  accepted; the desk works it in batches of exchange orders ({side}ing the "
                  f"constituents of {symbol})")  # fmt: skip
    while True:
        message = await client.wait_for(
            ("IndexOrderFill", "MintInvoice"), lambda m: m.client_order_id == coid, timeout=120
        )
        if message.msg_type == "IndexOrderFill":
            _print_fill(message)
            continue
        _print_invoice(message)
        _explain(message)
        return message


_EXPLAINED: set[str] = set()


def _explain_once(topic: str, text: str) -> None:
    if topic not in _EXPLAINED:
        _EXPLAINED.add(topic)
        console.print(f"  [dim]{text}[/]")


def _explain(invoice: Any) -> None:
    """What a reader asks on seeing the reports: why filled lags spent, where the rest went."""
    remaining = Decimal(invoice.amount_remaining)
    if invoice.side == "buy":
        _explain_once(
            "filled",
            "why 'filled' stayed at 0.000 while 'spent' climbed: each batch buys some of every "
            "constituent, and an index unit counts as filled only once all of its constituents "
            "are bought; 'spent' is the collateral already turned into constituents.",
        )
        if remaining > 0:
            console.print(
                f"  [dim]{remaining:.4f} USDT was not spent (the basket is bought in whole "
                f"index steps): it is free collateral again.[/]"
            )
    elif remaining > 0:
        console.print(
            f"  [dim]redeemed {invoice.quantity} of {Decimal(invoice.quantity) + remaining} "
            f"{invoice.symbol}: a redemption sells whole index steps of every constituent, and "
            f"the last {remaining} would have needed an exchange order below the venue's "
            f"minimum size, so those tokens are handed back to the position.[/]"
        )


async def _script(runtime: IndexDeskRuntime) -> None:
    user = Account.from_key(DEMO_USER_KEY).address
    await _deposit(runtime, user, "5000")
    async with FixJsonClient(runtime.ws_url, DEMO_USER_KEY, chain_id=CHAIN_ID) as client:
        seq = await client.quote("q-1", "TW10", "buy", "1000")
        _check((await client.ack_or_nak(seq)).msg_type == "ACK", "quote refused")
        quote = await client.wait_for("IndexQuoteResponse")
        console.print(f"[bold]quote[/] 1000 USDT buys {quote.quantity_possible} TW10 now")
        minted = await _order(client, "mint-1", "TW10", "buy", "1000")
        await _order(client, "mint-2", "TW3", "buy", "750")
        redeem = (Decimal(minted.quantity) / 2).quantize(Decimal("0.001"))
        await _order(client, "redeem-1", "TW10", "sell", str(redeem))
    view = runtime.desk.state.account(CHAIN_ID, user)
    for asset, c in sorted(view.collateral.items()):
        console.print(
            f"[bold]collateral[/] {asset}: deposited {c.deposited:.2f}  spent {c.spent:.4f}  "
            f"proceeds {c.proceeds:.4f}  fees {c.fees:.4f}  free {c.free:.4f}"
        )
    for symbol, position in sorted(view.positions.items()):
        console.print(f"[bold]index position[/] {symbol}: {position.free}")


async def _serve(sim: SimEndpoints, cfg: TradewindConfig, tmp: Path, once: bool) -> None:
    desk_config = cfg.desk.model_copy(
        update={
            "database": str(tmp / "desk.sqlite"),
            "kernel_database": str(tmp / "kernel.sqlite"),
            "port": 0 if once else cfg.desk.port,
            # the demo's scripted client announces its collateral over loopback with a token
            "local_deposits": True,
        }
    )
    venue = VenueSettings(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url, api_key=sim.api_key,
        api_secret=sim.api_secret,
    )  # fmt: skip
    # Ctrl-C at any moment stops through the runtime's own shutdown (sessions and sockets
    # closed), instead of a KeyboardInterrupt tearing the loop down mid-flight
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console.print("[bold]starting the index desk[/] (books for every constituent first)")
    async with IndexDeskRuntime(desk_config, venue) as runtime:
        console.print(f"gateway {runtime.ws_url}   REST {runtime.url}/invoices   "
                      f"OpenAPI {runtime.url}/openapi.json")  # fmt: skip
        script = asyncio.create_task(_script(runtime))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait((script, stopped), return_when=asyncio.FIRST_COMPLETED)
        if not script.done():
            script.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await script
            console.print("stopped")
            return
        stopped.cancel()
        script.result()  # a DemoFailure surfaces here
        console.print("[green]demo finished[/]")
        if once:
            return
        console.print("serving until Ctrl-C")
        await stop.wait()
        console.print("stopped")


def run_demo(cfg: TradewindConfig, *, once: bool = False) -> int:
    """Run the demo; 0 when every scripted step behaved."""
    with tempfile.TemporaryDirectory(prefix="tradewind-demo-") as tmp:
        console.print("[bold]starting tradewind sim[/] (simulated Binance Spot exchange)")
        with SimProcess(database=Path(tmp) / "sim.sqlite", seed=cfg.sim.seed) as sim:
            console.print(f"exchange REST {sim.rest_url}   WebSocket {sim.ws_url}")
            try:
                asyncio.run(_serve(sim, cfg, Path(tmp), once))
            except DemoFailure as exc:
                console.print(f"[red]demo failed:[/] {exc}")
                return 1
            except KeyboardInterrupt:
                with contextlib.suppress(Exception):
                    console.print("stopped")
    return 0
