"""`tradewind otc propose|fund|settle|refund|status`: OTC escrow deals from the command line.

A deal is a JSON file (``custody.otc.OtcDeal``); the Safe stack's addresses are another JSON
file written by ``safe-deploy``. Keys come from keystores (``--keystore``, repeatable where two
owners sign) unlocked with ``--password-file`` or ``$TRADEWIND_CUSTODY_PASSWORD``; the
executor (``--executor-keystore``) pays gas. Errors: one line, exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tradewind.custody.cli import (
    ENV_PASSWORD,
    Executor,
    PasswordFile,
    Rpc,
    Stack,
    load_escrow,
    read_secret,
    run_command,
    unlock_account,
)
from tradewind.custody.errors import CustodyError

__all__ = ["otc_app"]

otc_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="OTC escrow deals in a 2-of-3 Safe (desk, counterparty, arbiter).",
    pretty_exceptions_show_locals=False,
)


@otc_app.command()
def propose(
    deal_file: Annotated[Path, typer.Argument(help="Deal file to write.")],
    deal_id: Annotated[str, typer.Option("--id", help="Deal id.")],
    desk: Annotated[str, typer.Option("--desk", help="Desk address.")],
    desk_asset: Annotated[str, typer.Option("--desk-asset", help="ERC-20 address or 'native'.")],
    desk_amount: Annotated[int, typer.Option("--desk-amount", help="Base units.")],
    counterparty: Annotated[str, typer.Option("--counterparty", help="Counterparty address.")],
    cp_asset: Annotated[str, typer.Option("--cp-asset", help="ERC-20 address or 'native'.")],
    cp_amount: Annotated[int, typer.Option("--cp-amount", help="Base units.")],
    arbiter: Annotated[str, typer.Option("--arbiter", help="Arbiter address.")],
    deadline_in_s: Annotated[int, typer.Option("--deadline-in", help="Seconds from now.")],
    rpc: Rpc,
    stack: Stack,
    executor_keystore: Executor,
    password_file: PasswordFile = None,
) -> None:
    """Create the escrow Safe and write the deal file."""
    from tradewind.custody.otc import Leg

    def action() -> None:
        if deal_file.exists():
            raise CustodyError(f"deal file {deal_file} exists")
        escrow = load_escrow(rpc, stack)
        deal = escrow.propose(
            deal_id,
            Leg(desk, desk_asset, desk_amount),
            Leg(counterparty, cp_asset, cp_amount),
            arbiter,
            escrow.chain_time_s() + deadline_in_s,
            unlock_account(executor_keystore, password_file),
        )
        deal.save(deal_file)
        typer.echo(f"deal {deal.deal_id}: escrow {deal.escrow}, deadline {deal.deadline_s}")

    run_command(action)


@otc_app.command()
def fund(
    deal_file: Annotated[Path, typer.Argument(help="Deal file.")],
    keystore: Annotated[Path, typer.Option("--keystore", help="The paying party's keystore.")],
    rpc: Rpc,
    stack: Stack,
    password_file: PasswordFile = None,
) -> None:
    """Send the party's leg into the escrow."""
    from tradewind.custody.otc import OtcDeal

    def action() -> None:
        deal = OtcDeal.load(deal_file)
        escrow = load_escrow(rpc, stack)
        tx = escrow.fund(deal, unlock_account(keystore, password_file))
        typer.echo(f"funded {tx}; deal is {escrow.status(deal).value}")

    run_command(action)


@otc_app.command()
def status(
    deal_file: Annotated[Path, typer.Argument(help="Deal file.")], rpc: Rpc, stack: Stack
) -> None:
    """Print the deal's state, its legs and what the escrow holds."""
    from tradewind.custody.otc import OtcDeal

    def action() -> None:
        deal = OtcDeal.load(deal_file)
        escrow = load_escrow(rpc, stack)
        out = deal.to_json()
        out["state"] = escrow.status(deal).value
        out["escrow_holds"] = {
            "desk_leg": str(escrow.balance(deal.desk.asset, deal.escrow)),
            "counterparty_leg": str(escrow.balance(deal.counterparty.asset, deal.escrow)),
        }
        out["chain_time_s"] = escrow.chain_time_s()
        typer.echo(json.dumps(out, indent=2))

    run_command(action)


def _close(
    deal_file: Path,
    rpc: str,
    stack: Path,
    keystores: list[Path],
    executor_keystore: Path,
    password_file: Path | None,
    settle: bool,
) -> None:
    from tradewind.custody.keys import unlock_keystore
    from tradewind.custody.otc import DealState, OtcDeal

    deal = OtcDeal.load(deal_file)
    escrow = load_escrow(rpc, stack)
    tx = escrow.settlement_tx(deal) if settle else escrow.refund_tx(deal)
    password = read_secret(password_file, ENV_PASSWORD, "password")
    signers = [unlock_keystore(path, password)[1] for path in keystores]
    outcome = DealState.SETTLED if settle else DealState.REFUNDED
    closed = escrow.close(
        deal, tx, signers, unlock_account(executor_keystore, password_file), outcome
    )
    closed.save(deal_file)
    typer.echo(f"deal {closed.deal_id} {closed.state.value}: {closed.closing_tx}")


Keystores = Annotated[
    list[Path], typer.Option("--keystore", help="An owner's keystore (give two).")
]


@otc_app.command()
def settle(
    deal_file: Annotated[Path, typer.Argument(help="Deal file.")],
    keystore: Keystores,
    rpc: Rpc,
    stack: Stack,
    executor_keystore: Executor,
    password_file: PasswordFile = None,
) -> None:
    """Swap both legs atomically (both funded, before the deadline; two owners sign)."""
    run_command(
        lambda: _close(deal_file, rpc, stack, keystore, executor_keystore, password_file, True)
    )


@otc_app.command()
def refund(
    deal_file: Annotated[Path, typer.Argument(help="Deal file.")],
    keystore: Keystores,
    rpc: Rpc,
    stack: Stack,
    executor_keystore: Executor,
    password_file: PasswordFile = None,
) -> None:
    """Return each side what it funded (after the deadline; two owners sign)."""
    run_command(
        lambda: _close(deal_file, rpc, stack, keystore, executor_keystore, password_file, False)
    )


if __name__ == "__main__":
    otc_app()
