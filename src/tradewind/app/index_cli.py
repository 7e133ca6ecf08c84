"""``tradewind index``: a command-line FIX/JSON client of the index desk, so a user need not
write one.

    tradewind index quote  Q-1 TW10 buy 1000        # what 1000 USDT buys now
    tradewind index order  O-1 TW10 buy 1000        # the answer, each fill report, the invoice
    tradewind index cancel O-1 TW10 1000            # cancel (the amount still to do)
    tradewind index status O-1                      # the order's invoice over REST, once it ended
    tradewind index account                         # collateral, index positions, open orders

Where the gateway listens (``--url``, default the [desk] port on this machine) and the key that
signs (``--key`` or ``$TRADEWIND_CLIENT_KEY``: a 32-byte hex private key; the account is its
address on ``--chain-id``). Amounts are decimal strings: collateral (quote units) to buy, index
tokens to sell. Each reply is printed as one line: its type, then its fields as key=value.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer

from tradewind.common.config import DeskConfig
from tradewind.gateway.fixjson.client import ClientFailure, FixJsonClient
from tradewind.gateway.fixjson.messages import ServerMessage

__all__ = ["index_app"]

index_app = typer.Typer(
    help="FIX/JSON client of the index desk: quote, order, cancel, status, account.",
    no_args_is_help=True,
)

_DEFAULT_URL = f"ws://127.0.0.1:{DeskConfig().port}/fix"
_ENDED = ("MintInvoice",)

UrlOption = Annotated[
    str,
    typer.Option("--url", envvar="TRADEWIND_GATEWAY_URL", help="Gateway WebSocket URL (…/fix)."),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="TRADEWIND_CLIENT_KEY",
        help="Hex private key that signs (0x + 64 hex digits).",
        show_default=False,
    ),
]
ChainOption = Annotated[int, typer.Option("--chain-id", min=1, help="The account's chain id.")]
SenderOption = Annotated[str, typer.Option("--sender", help="Our sender_comp_id.")]
TargetOption = Annotated[str, typer.Option("--target", help="The gateway's comp_id.")]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each reply.")
]


def _amount(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"amount must be a decimal number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise typer.BadParameter(f"amount must be > 0, got {text}")
    return text


def _side(text: str) -> str:
    if text not in ("buy", "sell"):
        raise typer.BadParameter(f"side is buy or sell, got {text!r}")
    return text


def _key(key: str | None) -> str:
    if not key:
        raise typer.BadParameter(
            "the signing key is missing: pass --key or set TRADEWIND_CLIENT_KEY", param_hint="--key"
        )
    return key


def _line(message: ServerMessage) -> str:
    fields = message.model_dump(
        mode="json", exclude={"standard_header", "standard_trailer", "chain_id", "address"}
    )
    shown = " ".join(f"{k}={_value(v)}" for k, v in fields.items() if v not in (None, [], {}))
    return f"{message.msg_type} {shown}"


def _d(value: Decimal) -> str:
    return format(value, "f")  # plain notation: never 0E-8


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _run(work: Callable[[], Coroutine[Any, Any, int]]) -> None:
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    try:
        code = asyncio.run(work())
    except (OSError, ClientFailure) as exc:
        typer.echo(f"error: cannot talk to the gateway: {exc}; is `tradewind serve` up?", err=True)
        raise typer.Exit(2) from exc
    except TimeoutError:
        typer.echo("error: no answer in time; raise --timeout or check the desk's log", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


def _client(url: str, key: str, chain_id: int, sender: str, target: str) -> FixJsonClient:
    try:
        return FixJsonClient(
            url, key, chain_id=chain_id, sender_comp_id=sender, target_comp_id=target
        )
    except ValueError as exc:
        raise typer.BadParameter(f"bad signing key: {exc}", param_hint="--key") from None


async def _admitted(client: FixJsonClient, seq: int, timeout: float) -> bool:
    answer = await client.ack_or_nak(seq, timeout)
    typer.echo(_line(answer))
    return answer.msg_type == "ACK"


@index_app.command("quote")
def quote_command(
    client_quote_id: Annotated[str, typer.Argument(metavar="CLIENT_QUOTE_ID")],
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="Index symbol, e.g. TW10.")],
    side: Annotated[str, typer.Argument(metavar="SIDE", help="buy or sell.")],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Collateral or tokens.")],
    url: UrlOption = _DEFAULT_URL,
    key: KeyOption = None,
    chain_id: ChainOption = 42161,
    sender: SenderOption = "CLIENT",
    target: TargetOption = "TRADEWIND",
    timeout: TimeoutOption = 30.0,
) -> None:
    """Ask what AMOUNT buys (collateral) or returns (tokens) now; prints the quote."""
    client = _client(url, _key(key), chain_id, sender, target)
    fields = (client_quote_id, symbol, _side(side), _amount(amount))

    async def work() -> int:
        async with client:
            seq = await client.quote(*fields)
            if not await _admitted(client, seq, timeout):
                return 1
            answer = await client.wait_for(
                "IndexQuoteResponse", lambda m: m.client_quote_id == client_quote_id, timeout
            )
            typer.echo(_line(answer))
            return 0

    _run(work)


@index_app.command("order")
def order_command(
    client_order_id: Annotated[str, typer.Argument(metavar="CLIENT_ORDER_ID")],
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="Index symbol, e.g. TW10.")],
    side: Annotated[str, typer.Argument(metavar="SIDE", help="buy or sell.")],
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Collateral to spend (buy), tokens (sell).")
    ],
    url: UrlOption = _DEFAULT_URL,
    key: KeyOption = None,
    chain_id: ChainOption = 42161,
    sender: SenderOption = "CLIENT",
    target: TargetOption = "TRADEWIND",
    timeout: TimeoutOption = 120.0,
    detach: Annotated[
        bool, typer.Option("--detach", help="Return after the answer; do not follow fills.")
    ] = False,
) -> None:
    """Place an index order; prints the answer, every fill report and the final invoice."""
    client = _client(url, _key(key), chain_id, sender, target)
    fields = (client_order_id, symbol, _side(side), _amount(amount))

    async def work() -> int:
        async with client:
            seq = await client.new_index_order(*fields)
            if not await _admitted(client, seq, timeout):
                return 1
            answer = await client.wait_for(
                "NewIndexOrder", lambda m: m.client_order_id == client_order_id, timeout
            )
            typer.echo(_line(answer))
            if getattr(answer, "status", "new") != "new" or detach:
                return 0 if getattr(answer, "status", "new") == "new" else 1
            while True:
                message = await client.wait_for(
                    ("IndexOrderFill", "MintInvoice", "CancelIndexOrder"),
                    lambda m: m.client_order_id == client_order_id,
                    timeout,
                )
                typer.echo(_line(message))
                if message.msg_type in _ENDED:
                    return 0

    _run(work)


@index_app.command("cancel")
def cancel_command(
    client_order_id: Annotated[str, typer.Argument(metavar="CLIENT_ORDER_ID")],
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="Index symbol, e.g. TW10.")],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="The amount to cancel.")],
    url: UrlOption = _DEFAULT_URL,
    key: KeyOption = None,
    chain_id: ChainOption = 42161,
    sender: SenderOption = "CLIENT",
    target: TargetOption = "TRADEWIND",
    timeout: TimeoutOption = 30.0,
) -> None:
    """Cancel (what is left of) an index order; prints the answer."""
    client = _client(url, _key(key), chain_id, sender, target)
    fields = (client_order_id, symbol, _amount(amount))

    async def work() -> int:
        async with client:
            seq = await client.cancel_index_order(*fields)
            if not await _admitted(client, seq, timeout):
                return 1
            answer = await client.wait_for(
                "CancelIndexOrder", lambda m: m.client_order_id == client_order_id, timeout
            )
            typer.echo(_line(answer))
            return 0 if getattr(answer, "status", "") != "rejected" else 1

    _run(work)


@index_app.command("account")
def account_command(
    url: UrlOption = _DEFAULT_URL,
    key: KeyOption = None,
    chain_id: ChainOption = 42161,
    sender: SenderOption = "CLIENT",
    target: TargetOption = "TRADEWIND",
    timeout: TimeoutOption = 30.0,
) -> None:
    """The account's collateral, index positions and open orders (AccountStatusRequest)."""
    client = _client(url, _key(key), chain_id, sender, target)

    async def work() -> int:
        async with client:
            seq = await client.account_status("cli")
            if not await _admitted(client, seq, timeout):
                return 1
            status = await client.wait_for("AccountStatus", None, timeout)
            for c in status.collateral:
                typer.echo(
                    f"collateral {c.asset} free={_d(c.free)} reserved={_d(c.reserved)} "
                    f"deposited={_d(c.deposited)} spent={_d(c.spent)} proceeds={_d(c.proceeds)} "
                    f"fees={_d(c.fees)}"
                )
            for p in status.positions:
                typer.echo(f"position {p.symbol} free={_d(p.free)} reserved={_d(p.reserved)}")
            for o in status.open_orders:
                typer.echo(
                    f"open {o.client_order_id} {o.side} {o.symbol} amount={_d(o.amount)} "
                    f"filled={_d(o.filled_quantity)} status={o.status}"
                )
            return 0

    _run(work)


def _rest_base(ws_url: str) -> str:
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    path = parts.path[: -len("/fix")] if parts.path.endswith("/fix") else parts.path
    return urlunsplit((scheme, parts.netloc, path.rstrip("/"), "", ""))


@index_app.command("status")
def status_command(
    client_order_id: Annotated[str, typer.Argument(metavar="CLIENT_ORDER_ID")],
    url: UrlOption = _DEFAULT_URL,
    key: KeyOption = None,
    chain_id: ChainOption = 42161,
) -> None:
    """An order's invoice (GET /invoices/...): what was spent, minted and returned once it ended."""
    import requests

    client = _client(url, _key(key), chain_id, "CLIENT", "TRADEWIND")
    where = f"{_rest_base(url)}/invoices/{chain_id}/{client.address}/{client_order_id}"
    try:
        response = requests.get(where, timeout=10)
    except requests.RequestException as exc:
        typer.echo(f"error: cannot reach {where}: {exc}; is `tradewind serve` up?", err=True)
        raise typer.Exit(2) from None
    if response.status_code == 404:
        typer.echo(f"{client_order_id}: no invoice yet (the order is open, or unknown)")
        raise typer.Exit(1)
    if response.status_code != 200:
        typer.echo(f"error: {where} answered {response.status_code}: {response.text}", err=True)
        raise typer.Exit(2)
    invoice = response.json()
    typer.echo("MintInvoice " + " ".join(f"{k}={_value(v)}" for k, v in invoice.items()))
