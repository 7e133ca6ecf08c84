"""`tradewind custody move request|approve|execute|list`: capital moves under the policy.

Wired here, not in custody/, because decisions go to the portfolio's Merkle audit log
(``custody_wiring.audit_sink``), which custody may not import. Every command takes the policy
file, the governance journal and the audit database (defaults under ``var/custody/``).

    move request ID --kind rebalance --tier hot --asset USDC --amount 250.5 --to 0x…
    move approve ID --keystore approver.json          EIP-712 approval signed with the keystore
    move execute ID --rpc URL --keystore hot.json --token USDC=0x…      hot/warm: the hot wallet
    move execute ID --rpc URL --prepared p.json --signature s0.json --signature s1.json
                    --executor-keystore exec.json     cold: a Safe withdrawal, offline-signed;
                                                      the prepared transfer must match the move
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.app.custody_wiring import audit_sink
from tradewind.custody.cli import (
    ENV_PASSWORD,
    PasswordFile,
    connect,
    read_secret,
    run_command,
    unlock_account,
)
from tradewind.custody.errors import CustodyError, TamperedFileError
from tradewind.custody.governance import CapitalMove, Governance, approval_digest
from tradewind.custody.policy import Tier, load_policy

__all__ = ["matches_move", "move_app"]

move_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Capital moves under the governance policy (request, approve, execute, list).",
    pretty_exceptions_show_locals=False,
)

PolicyOpt = Annotated[Path, typer.Option("--policy", help="Governance policy TOML.")]
JournalOpt = Annotated[Path, typer.Option("--journal", help="Governance journal (JSON lines).")]
AuditOpt = Annotated[Path, typer.Option("--audit-db", help="Audit log SQLite file.")]
_DEFAULT_POLICY = Path("var/custody/policy.toml")
_DEFAULT_JOURNAL = Path("var/custody/journal.jsonl")
_DEFAULT_AUDIT = Path("var/custody/audit.db")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _governance(policy: Path, journal: Path, audit_db: Path) -> Governance:
    return Governance(load_policy(policy), journal, audit_sink(audit_db))


def _print_state(gov: Governance, move_id: str) -> None:
    state = gov.moves[move_id]
    typer.echo(
        json.dumps(
            {
                **state.move.to_json(),
                "needs_approvals": state.needs_approvals,
                "approvers": state.approvers,
                "executed_ms": state.executed_ms,
                "tx_hash": state.tx_hash,
            },
            sort_keys=True,
        )
    )


@move_app.command()
def request(
    move_id: Annotated[str, typer.Argument(help="A new move id.")],
    kind: Annotated[str, typer.Option("--kind", help="top_up, payout, rebalance, withdrawal…")],
    tier: Annotated[Tier, typer.Option("--tier", help="Which key tier sends it.")],
    asset: Annotated[str, typer.Option("--asset", help="Asset symbol in the policy.")],
    amount: Annotated[str, typer.Option("--amount", help="Asset units, e.g. 250.5.")],
    to: Annotated[str, typer.Option("--to", help="Destination address (whitelisted).")],
    policy: PolicyOpt = _DEFAULT_POLICY,
    journal: JournalOpt = _DEFAULT_JOURNAL,
    audit_db: AuditOpt = _DEFAULT_AUDIT,
) -> None:
    """Request a move; refused (and audited) if the policy forbids it."""

    def action() -> None:
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise CustodyError(f"--amount {amount!r} is not a number") from None
        gov = _governance(policy, journal, audit_db)
        now = _now_ms()
        gov.request(CapitalMove(move_id, kind, tier, asset, value, to, now), now)
        _print_state(gov, move_id)

    run_command(action)


@move_app.command()
def approve(
    move_id: Annotated[str, typer.Argument(help="Move id.")],
    keystore: Annotated[Path, typer.Option("--keystore", help="The approver's keystore.")],
    password_file: PasswordFile = None,
    policy: PolicyOpt = _DEFAULT_POLICY,
    journal: JournalOpt = _DEFAULT_JOURNAL,
    audit_db: AuditOpt = _DEFAULT_AUDIT,
) -> None:
    """Approve a move with an approver's key (EIP-712 signature over the move)."""
    from tradewind.custody.keys import unlock_keystore

    def action() -> None:
        gov = _governance(policy, journal, audit_db)
        if move_id not in gov.moves:
            raise CustodyError(f"no move {move_id!r}")
        password = read_secret(password_file, ENV_PASSWORD, "keystore password")
        _, signer = unlock_keystore(keystore, password)
        signature = signer.sign(approval_digest(gov.moves[move_id].move))
        gov.approve(move_id, signature, _now_ms())
        _print_state(gov, move_id)

    run_command(action)


def matches_move(prepared: Mapping[str, Any], move: CapitalMove, token: str, amount: int) -> None:
    """Refuse a prepared file whose transfer is not exactly ``move`` (recipient, amount)."""
    summary = prepared.get("summary", {})
    if token == "native":
        ok = summary.get("action") == "native transfer" and summary.get("to") == move.destination
        ok = ok and summary.get("value_wei") == str(amount)
    else:
        ok = (
            summary.get("action") == "ERC-20 transfer"
            and summary.get("token", "").lower() == token.lower()
            and summary.get("recipient") == move.destination
            and summary.get("amount") == str(amount)
        )
    if not ok:
        raise TamperedFileError(
            f"the prepared transaction is not move {move.move_id}: {json.dumps(summary)}"
        )


def _tokens(pairs: list[str]) -> dict[str, str]:
    tokens = {}
    for pair in pairs:
        asset, sep, address = pair.partition("=")
        if not sep:
            raise CustodyError(f"--token {pair!r}: write ASSET=0xADDRESS or ASSET=native")
        tokens[asset] = address
    return tokens


@move_app.command()
def execute(
    move_id: Annotated[str, typer.Argument(help="Move id.")],
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.")],
    token: Annotated[
        list[str], typer.Option("--token", help="ASSET=0xTOKEN or ASSET=native (repeatable).")
    ],
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="Hot wallet keystore (hot/warm moves).")
    ] = None,
    prepared: Annotated[
        Path | None, typer.Option("--prepared", help="Prepared Safe withdrawal (cold moves).")
    ] = None,
    signature: Annotated[
        list[Path] | None, typer.Option("--signature", help="Signature file (repeatable).")
    ] = None,
    executor_keystore: Annotated[
        Path | None, typer.Option("--executor-keystore", help="Pays a Safe tx's gas.")
    ] = None,
    password_file: PasswordFile = None,
    policy: PolicyOpt = _DEFAULT_POLICY,
    journal: JournalOpt = _DEFAULT_JOURNAL,
    audit_db: AuditOpt = _DEFAULT_AUDIT,
) -> None:
    """Execute an approved move (hot wallet, or an offline-signed Safe withdrawal)."""
    from tradewind.custody.offline import load_prepared, load_signature, submit
    from tradewind.custody.wallet import HotWallet

    def action() -> None:
        gov = _governance(policy, journal, audit_db)
        tokens = _tokens(token)
        w3 = connect(rpc)
        send: Callable[[CapitalMove], str]
        if prepared is not None:
            document = load_prepared(prepared)
            signed = [load_signature(path) for path in signature or []]
            if executor_keystore is None:
                raise CustodyError("--prepared needs --executor-keystore")
            executor = unlock_account(executor_keystore, password_file)

            def send(move: CapitalMove) -> str:
                asset_token = tokens.get(move.asset)
                if asset_token is None:
                    raise CustodyError(f"no --token for {move.asset}")
                amount = gov.policy.rule(move.asset).to_base_units(move.amount)
                matches_move(document, move, asset_token, amount)
                return submit(w3, document, signed, executor)

        elif keystore is not None:
            send = HotWallet(w3, unlock_account(keystore, password_file), gov.policy, tokens).send
        else:
            raise CustodyError("give --keystore (hot wallet) or --prepared with --signature")
        if move_id not in gov.moves:
            raise CustodyError(f"no move {move_id!r}")
        gov.execute(move_id, _now_ms(), send)
        _print_state(gov, move_id)

    run_command(action)


@move_app.command("list")
def list_moves(
    policy: PolicyOpt = _DEFAULT_POLICY,
    journal: JournalOpt = _DEFAULT_JOURNAL,
    audit_db: AuditOpt = _DEFAULT_AUDIT,
) -> None:
    """Every move in the journal, one JSON object a line."""

    def action() -> None:
        gov = _governance(policy, journal, audit_db)
        for move_id in gov.moves:
            _print_state(gov, move_id)

    run_command(action)
