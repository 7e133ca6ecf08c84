"""``tradewind risk``: status, halt, resume and kill through a running node's control API
(``tradewind node run`` serves it on ``[control] listen``).

    tradewind risk status --url http://127.0.0.1:8787 --token ...
    tradewind risk halt --scope strategy --key quoter --reason "desk review"
    tradewind risk resume --scope strategy --key quoter
    tradewind risk kill --reason "runaway"

``--url`` and ``--token`` default to $TRADEWIND_CONTROL_URL and $TRADEWIND_CONTROL_TOKEN. A
refused request (wrong token, bad scope, node not running) is one line on stderr, exit status 2.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import aiohttp
import typer

__all__ = ["risk_app"]

risk_app = typer.Typer(
    help="Trading states, halt, resume and the kill switch of a running node.",
    no_args_is_help=True,
)

UrlOption = Annotated[
    str,
    typer.Option(
        "--url", envvar="TRADEWIND_CONTROL_URL", help="The node's control API (its [control])."
    ),
]
TokenOption = Annotated[
    str,
    typer.Option("--token", envvar="TRADEWIND_CONTROL_TOKEN", help="Bearer token of the API."),
]
ScopeOption = Annotated[str, typer.Option("--scope", help="global, venue or strategy.")]
KeyOption = Annotated[str, typer.Option("--key", help="The venue or strategy (not for global).")]

_DEFAULT_URL = "http://127.0.0.1:8787"


@risk_app.command("status")
def status(url: UrlOption = _DEFAULT_URL, token: TokenOption = "") -> None:
    """Trading states (global, venues, strategies) and open orders per venue."""
    _show(_call("GET", url, "/api/risk", token, None))


@risk_app.command("halt")
def halt(
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and alerted).")],
    scope: ScopeOption = "global",
    key: KeyOption = "",
    url: UrlOption = _DEFAULT_URL,
    token: TokenOption = "",
) -> None:
    """HALT a scope: its open orders are cancelled, new ones refused."""
    body = {"scope": scope, "reason": reason, **({"key": key} if key else {})}
    _show(_call("POST", url, "/api/risk/halt", token, body))


@risk_app.command("resume")
def resume(
    scope: ScopeOption = "global",
    key: KeyOption = "",
    url: UrlOption = _DEFAULT_URL,
    token: TokenOption = "",
) -> None:
    """Back to ACTIVE (an operator's decision; a strategy's breaches are cleared)."""
    body = {"scope": scope, **({"key": key} if key else {})}
    _show(_call("POST", url, "/api/risk/resume", token, body))


@risk_app.command("kill")
def kill(
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and alerted).")],
    url: UrlOption = _DEFAULT_URL,
    token: TokenOption = "",
) -> None:
    """The kill switch: HALT everything and cancel every open order on every venue."""
    _show(_call("POST", url, "/api/risk/kill", token, {"reason": reason}))


def _show(answer: dict[str, Any]) -> None:
    typer.echo(f"node: {answer['node']}")
    for scope, state in sorted(answer["states"].items()):
        typer.echo(f"{scope}: {state}")
    for venue, count in sorted(answer["open_orders"].items()):
        typer.echo(f"open orders on {venue}: {count}")
    actions = answer.get("actions") or {}
    for plan in actions.get("plans", []):
        typer.echo(f"plan fired: {plan['plan']} on {plan['scope']} (value {plan['value']})")
    for breaker in actions.get("breakers", []):
        typer.echo(f"breaker tripped: {breaker['instrument']}")
    for target in actions.get("backup_data", []):
        typer.echo(f"backup data: {target}")


def _call(method: str, url: str, path: str, token: str, body: Any) -> dict[str, Any]:
    try:
        return asyncio.run(_request(method, url.rstrip("/") + path, token, body))
    except _Refused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


class _Refused(RuntimeError):
    """The control API could not be reached or refused the request (one line)."""


async def _request(method: str, url: str, token: str, body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, url, json=body, headers=headers) as answer,
        ):
            try:
                found = await answer.json(content_type=None)
            except json.JSONDecodeError:
                found = None
            if answer.status == 401:
                raise _Refused(f"the control API at {url} refused the token: pass --token")
            if answer.status != 200 or not isinstance(found, dict):
                problem = found.get("error") if isinstance(found, dict) else None
                raise _Refused(f"{url}: HTTP {answer.status}: {problem or 'not a control API'}")
            return found
    except aiohttp.InvalidURL as exc:
        raise _Refused(f"--url {exc}: http://host:port expected") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise _Refused(
            f"cannot reach the control API at {url} ({exc}); is the node running?"
        ) from exc
