"""`tradewind custody`: key hierarchy and the offline signing round trip.

    keys-init DIR          mnemonic (file, 0600) + tier keystores + keys.json; prints addresses
    hsm-keygen             a secp256k1 key pair generated inside a PKCS#11 token
    prepare                online: read nonce/fees (or the Safe's nonce/owners), write a file
    sign PREPARED          offline: check the file, sign with a keystore or an HSM key
    submit PREPARED SIG…   online: check file, signatures and chain, then broadcast

Secrets come from files or the environment, never from arguments: keystore passwords from
``--password-file`` or ``$TRADEWIND_CUSTODY_PASSWORD``, HSM PINs from ``--pin-file`` or
``$TRADEWIND_HSM_PIN``. Nothing secret is printed. A refusal prints one line ``error: …`` and
exits with status 2 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from tradewind.custody.errors import CustodyError
from tradewind.custody.keys import Secret
from tradewind.custody.policy import Tier

__all__ = [
    "connect",
    "custody_app",
    "load_escrow",
    "read_secret",
    "run_command",
    "unlock_account",
]

T = TypeVar("T")

ENV_PASSWORD = "TRADEWIND_CUSTODY_PASSWORD"
ENV_HSM_PIN = "TRADEWIND_HSM_PIN"

custody_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Custody: key hierarchy, offline signing (prepare, sign, submit).",
    pretty_exceptions_show_locals=False,  # locals may hold passwords or PINs
)
_state = {"debug": False}


@custody_app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def run_command(action: Callable[[], T], debug: bool | None = None) -> T:
    """Run ``action``; a custody refusal or a bad input becomes ``error: …`` and exit 2."""
    from tradewind.chain.contracts import ContractsNotBuiltError
    from tradewind.chain.safe_contracts import SafeDeploymentError

    try:
        return action()
    except (CustodyError, OSError, SafeDeploymentError, ContractsNotBuiltError) as exc:
        if debug if debug is not None else _state["debug"]:
            raise
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def read_secret(file: Path | None, env: str, what: str) -> Secret:
    """A secret from the first line of ``file``, else from ``$env``; refuses an empty one."""
    if file is not None:
        lines = file.read_text(encoding="utf-8").splitlines()
        value = lines[0] if lines else ""
    else:
        value = os.environ.get(env, "")
    if not value:
        raise CustodyError(f"no {what}: give a file option or set ${env}")
    return Secret(value)


PasswordFile = Annotated[
    Path | None,
    typer.Option("--password-file", help=f"First line: keystore password (else ${ENV_PASSWORD})."),
]


@custody_app.command("keys-init")
def keys_init(
    directory: Annotated[Path, typer.Argument(help="New directory for the hierarchy.")],
    password_file: PasswordFile = None,
    hot: Annotated[int, typer.Option(help="Hot keys to derive.")] = 1,
    warm: Annotated[int, typer.Option(help="Warm keys to derive.")] = 1,
    cold: Annotated[int, typer.Option(help="Cold keys to derive.")] = 3,
    kdf_iterations: Annotated[
        int | None, typer.Option(hidden=True, help="scrypt cost (tests only).")
    ] = None,
) -> None:
    """Create a mnemonic (written to DIR/mnemonic.txt, 0600) and tier keystores."""
    from tradewind.custody.keys import create_hierarchy

    def action() -> None:
        password = read_secret(password_file, ENV_PASSWORD, "keystore password")
        counts = {Tier.HOT: hot, Tier.WARM: warm, Tier.COLD: cold}
        for entry in create_hierarchy(directory, password, counts, kdf_iterations=kdf_iterations):
            typer.echo(f"{entry.tier.value:4s} {entry.path:22s} {entry.address} {entry.keystore}")
        typer.echo(f"mnemonic written to {directory / 'mnemonic.txt'}: move it offline")

    run_command(action)


@custody_app.command()
def prepare(
    out: Annotated[Path, typer.Option("--out", help="Prepared file to write.")],
    to: Annotated[str, typer.Option("--to", help="Destination (or token for --erc20-amount).")],
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.")],
    safe: Annotated[
        str | None, typer.Option("--safe", help="Prepare a SafeTx of this Safe.")
    ] = None,
    sender: Annotated[
        str | None, typer.Option("--sender", help="Prepare a plain tx from this address.")
    ] = None,
    value: Annotated[int, typer.Option("--value-wei", help="Native amount in wei.")] = 0,
    erc20_to: Annotated[
        str | None, typer.Option("--erc20-to", help="ERC-20 transfer recipient (token = --to).")
    ] = None,
    erc20_amount: Annotated[
        int | None, typer.Option("--erc20-amount", help="ERC-20 amount in base units.")
    ] = None,
) -> None:
    """Write an unsigned SafeTx or transaction file and print its summary."""
    from web3 import HTTPProvider, Web3

    from tradewind.custody.offline import prepare_safe_tx, prepare_tx, write_document
    from tradewind.custody.transactions import erc20_transfer_data

    def action() -> None:
        if (safe is None) == (sender is None):
            raise CustodyError("give exactly one of --safe or --sender")
        data = b""
        if erc20_to is not None or erc20_amount is not None:
            if erc20_to is None or erc20_amount is None:
                raise CustodyError("--erc20-to and --erc20-amount go together")
            data = erc20_transfer_data(erc20_to, erc20_amount)
        w3 = Web3(HTTPProvider(rpc))
        now_ms = time.time_ns() // 1_000_000
        if safe is not None:
            document = prepare_safe_tx(w3, safe, to, value, data, now_ms)
        else:
            assert sender is not None
            document = prepare_tx(w3, sender, to, value, data, now_ms)
        write_document(out, document)
        typer.echo(json.dumps(document["summary"], sort_keys=True))

    run_command(action)


@custody_app.command()
def sign(
    prepared: Annotated[Path, typer.Argument(help="Prepared file.")],
    out: Annotated[Path, typer.Option("--out", help="Signature file to write.")],
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="Keystore v3 file of the signing key.")
    ] = None,
    password_file: PasswordFile = None,
    hsm_module: Annotated[
        Path | None, typer.Option("--hsm-module", help="PKCS#11 module (.so) instead.")
    ] = None,
    hsm_token: Annotated[str, typer.Option("--hsm-token", help="Token label.")] = "tradewind",
    hsm_key: Annotated[str, typer.Option("--hsm-key", help="Key label in the token.")] = "",
    pin_file: Annotated[
        Path | None, typer.Option("--pin-file", help=f"First line: user PIN (else ${ENV_HSM_PIN}).")
    ] = None,
    offline_only: Annotated[
        bool,
        typer.Option(
            "--offline-only/--allow-online",
            help="Refuse to sign where the network is reachable (default for cold-* keystores).",
        ),
    ] = False,
) -> None:
    """Check a prepared file and sign it; needs no network."""
    from tradewind.custody.keys import network_reachable, unlock_keystore
    from tradewind.custody.offline import load_prepared, sign_prepared, write_document
    from tradewind.custody.transactions import DigestSigning

    def action() -> None:
        document = load_prepared(prepared)
        cold = offline_only or (keystore is not None and keystore.name.startswith("cold-"))
        if cold and network_reachable():
            raise CustodyError("a cold key signs only on a machine without network")
        signer: DigestSigning
        if hsm_module is not None:
            from tradewind.custody.hsm import HsmSigner

            pin = read_secret(pin_file, ENV_HSM_PIN, "HSM PIN")
            signer = HsmSigner.open(hsm_module, hsm_token, pin, hsm_key)
        elif keystore is not None:
            password = read_secret(password_file, ENV_PASSWORD, "keystore password")
            _, signer = unlock_keystore(keystore, password)
        else:
            raise CustodyError("give --keystore or --hsm-module")
        # The signer sees what it signs: the call decoded, on which chain, from where.
        origin = document.get("safe") or document.get("sender")
        nonce = (document.get("safe_tx") or document.get("tx") or {}).get("nonce")
        typer.echo(
            f"chain {document['chain_id']} {document['kind']} from {origin} nonce {nonce}: "
            + json.dumps(document["summary"], sort_keys=True)
        )
        write_document(out, sign_prepared(document, signer))
        typer.echo(f"signed by {signer.address}: {out}")

    run_command(action)


@custody_app.command("hsm-keygen")
def hsm_keygen(
    hsm_module: Annotated[Path, typer.Option("--hsm-module", help="PKCS#11 module (.so).")],
    hsm_key: Annotated[str, typer.Option("--hsm-key", help="Label of the new key.")],
    hsm_token: Annotated[str, typer.Option("--hsm-token", help="Token label.")] = "tradewind",
    pin_file: Annotated[
        Path | None, typer.Option("--pin-file", help=f"First line: user PIN (else ${ENV_HSM_PIN}).")
    ] = None,
) -> None:
    """Generate a secp256k1 key pair inside the HSM (never exportable); prints its address."""
    from tradewind.custody.hsm import HsmSigner

    def action() -> None:
        pin = read_secret(pin_file, ENV_HSM_PIN, "HSM PIN")
        signer = HsmSigner.generate(hsm_module, hsm_token, pin, hsm_key)
        signer.close()
        typer.echo(f"{hsm_key} {signer.address}")

    run_command(action)


@custody_app.command()
def submit(
    prepared: Annotated[Path, typer.Argument(help="Prepared file.")],
    signatures: Annotated[list[Path], typer.Argument(help="Signature file(s).")],
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.")],
    executor_keystore: Annotated[
        Path | None,
        typer.Option("--executor-keystore", help="Pays a Safe transaction's gas (keystore)."),
    ] = None,
    password_file: PasswordFile = None,
) -> None:
    """Verify the files against each other and the chain, then broadcast."""
    from web3 import HTTPProvider, Web3

    from tradewind.custody.keys import unlock_keystore
    from tradewind.custody.offline import load_prepared, load_signature
    from tradewind.custody.offline import submit as submit_files

    def action() -> None:
        document = load_prepared(prepared)
        signed = [load_signature(path) for path in signatures]
        executor = None
        if executor_keystore is not None:
            password = read_secret(password_file, ENV_PASSWORD, "keystore password")
            executor, _ = unlock_keystore(executor_keystore, password)
        tx_hash = submit_files(Web3(HTTPProvider(rpc)), document, signed, executor)
        typer.echo(f"sent {tx_hash}")

    run_command(action)


Rpc = Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.")]
Stack = Annotated[Path, typer.Option("--stack", help="Safe stack addresses (safe-deploy).")]
Executor = Annotated[
    Path, typer.Option("--executor-keystore", help="Keystore of the account paying gas.")
]


def connect(rpc: str) -> Any:
    """A web3 client on ``rpc``."""
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(rpc))


def unlock_account(keystore: Path, password_file: Path | None) -> Any:
    """The account of a keystore, unlocked with the password file or the environment."""
    from tradewind.custody.keys import unlock_keystore

    account, _ = unlock_keystore(keystore, read_secret(password_file, ENV_PASSWORD, "password"))
    return account


def load_escrow(rpc: str, stack: Path) -> Any:
    """An ``OtcEscrow`` on ``rpc`` with the Safe stack addresses of the ``stack`` file."""
    from tradewind.custody.otc import OtcEscrow, safe_stack_from

    w3 = connect(rpc)
    try:
        addresses = json.loads(stack.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CustodyError(f"Safe stack file {stack}: {exc}") from None
    addresses.pop("chain_id", None)
    return OtcEscrow(w3, safe_stack_from(w3, addresses))


@custody_app.command("safe-deploy")
def safe_deploy(
    out: Annotated[Path, typer.Option("--out", help="Where to write the stack addresses.")],
    rpc: Rpc,
    executor_keystore: Executor,
    password_file: PasswordFile = None,
) -> None:
    """Deploy the Safe 1.4.1 singleton, factory, MultiSend and handler (npm artifacts)."""
    from tradewind.chain.safe_contracts import deploy_safe_stack

    def action() -> None:
        stack = deploy_safe_stack(connect(rpc), unlock_account(executor_keystore, password_file))
        out.write_text(json.dumps(asdict(stack), indent=2) + "\n", encoding="utf-8")
        typer.echo(f"Safe stack on chain {stack.chain_id}: {out}")

    run_command(action)


@custody_app.command("safe-create")
def safe_create(
    owners: Annotated[list[str], typer.Argument(help="Owner addresses.")],
    threshold: Annotated[int, typer.Option("--threshold", help="Signatures needed.")],
    rpc: Rpc,
    stack: Stack,
    executor_keystore: Executor,
    password_file: PasswordFile = None,
    salt: Annotated[int, typer.Option("--salt", help="Proxy salt nonce.")] = 0,
) -> None:
    """Create a Safe (e.g. the cold Safe owned by cold keys); prints its address."""
    from tradewind.chain.safe_contracts import create_safe

    def action() -> None:
        escrow = load_escrow(rpc, stack)
        account = unlock_account(executor_keystore, password_file)
        typer.echo(create_safe(escrow.w3, escrow.stack, account, owners, threshold, salt))

    run_command(action)


if __name__ == "__main__":
    custody_app()
