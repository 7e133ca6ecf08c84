"""The key hierarchy: one BIP-39 mnemonic, BIP-32/44 paths per tier, scrypt keystores.

    m / 44' / 60' / {tier}' / 0 / {index}       tier account: hot 0', warm 1', cold 2'

A tier's account is hardened, so a leaked hot key (or hot xpub) reveals nothing of warm or cold
keys. ``create_hierarchy`` draws a 24-word mnemonic, writes it to a file of mode 0600 (the
operator moves it to paper or a vault and deletes it: it is never printed or logged), derives
the requested keys and writes each as a keystore v3 file (scrypt) plus ``keys.json``, a manifest
of tiers, paths and addresses only. Derivation is eth-account's HD wallet (BIP-39 seed with
PBKDF2, BIP-32 secp256k1 CKD); any tier may instead live in an HSM (``custody.hsm``).

``Secret`` wraps mnemonics and passwords so that repr/str/pickle never show them.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from eth_account import Account
from eth_account.hdaccount import generate_mnemonic
from eth_account.signers.local import LocalAccount
from eth_account.types import Language

from tradewind.chain.eip712 import DigestSigner
from tradewind.chain.keys import HotKeyError, create_keystore
from tradewind.common.logging import get_logger
from tradewind.custody.errors import KeyHierarchyError
from tradewind.custody.policy import Tier

__all__ = [
    "TIER_ACCOUNT",
    "KeyEntry",
    "Secret",
    "create_hierarchy",
    "derivation_path",
    "derive_account",
    "network_reachable",
    "unlock_keystore",
]

_log = get_logger("custody.keys")
Account.enable_unaudited_hdwallet_features()

TIER_ACCOUNT: Mapping[Tier, int] = {Tier.HOT: 0, Tier.WARM: 1, Tier.COLD: 2}


class Secret:
    """A mnemonic or password held in memory; it never appears in repr, str, logs or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for the call that consumes it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


def derivation_path(tier: Tier, index: int) -> str:
    """``m/44'/60'/{tier}'/0/{index}`` (BIP-44, Ethereum coin type 60)."""
    if not 0 <= index < 2**31:
        raise KeyHierarchyError(f"key index {index} is outside 0..2^31-1")
    return f"m/44'/60'/{TIER_ACCOUNT[tier]}'/0/{index}"


def derive_account(
    mnemonic: Secret, tier: Tier, index: int, passphrase: Secret | None = None
) -> LocalAccount:
    """The account at ``derivation_path(tier, index)``; a bad mnemonic is a
    ``KeyHierarchyError`` whose message does not quote it."""
    try:
        account: LocalAccount = Account.from_mnemonic(
            mnemonic.reveal(),
            passphrase=passphrase.reveal() if passphrase else "",
            account_path=derivation_path(tier, index),
        )
    except KeyHierarchyError:
        raise
    except Exception:
        raise KeyHierarchyError("the mnemonic is not a valid BIP-39 English phrase") from None
    return account


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One derived key as the manifest lists it: tier, index, path, address, keystore file."""

    tier: Tier
    index: int
    path: str
    address: str
    keystore: str


def create_hierarchy(
    directory: Path,
    password: Secret,
    counts: Mapping[Tier, int],
    *,
    mnemonic: Secret | None = None,
    kdf_iterations: int | None = None,
) -> list[KeyEntry]:
    """Write ``mnemonic.txt`` (0600, new 24 words unless given), one keystore per key and
    ``keys.json`` into ``directory`` (must not hold a hierarchy yet). ``kdf_iterations`` only
    lowers scrypt's cost for tests."""
    manifest = directory / "keys.json"
    if manifest.exists():
        raise KeyHierarchyError(f"{manifest} exists: refusing to overwrite a key hierarchy")
    if not password.reveal():
        raise KeyHierarchyError("the keystore password is empty")
    directory.mkdir(parents=True, exist_ok=True)
    if mnemonic is None:
        mnemonic = Secret(generate_mnemonic(24, Language.ENGLISH))
        _write_private(directory / "mnemonic.txt", mnemonic.reveal() + "\n")
    entries: list[KeyEntry] = []
    for tier, count in counts.items():
        for index in range(count):
            account = derive_account(mnemonic, tier, index)
            name = f"{tier.value}-{index}.json"
            try:
                create_keystore(
                    directory / name,
                    password.reveal(),
                    private_key=bytes(account.key),
                    kdf_iterations=kdf_iterations,
                )
            except HotKeyError as exc:
                raise KeyHierarchyError(str(exc)) from None
            entries.append(
                KeyEntry(tier, index, derivation_path(tier, index), account.address, name)
            )
    document = [
        {
            "tier": e.tier.value,
            "index": e.index,
            "path": e.path,
            "address": e.address,
            "keystore": e.keystore,
        }
        for e in entries
    ]
    _write_private(manifest, json.dumps(document, indent=2) + "\n")
    _log.info("custody.hierarchy_created", directory=str(directory), keys=len(entries))
    return entries


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def unlock_keystore(path: Path, password: Secret) -> tuple[LocalAccount, DigestSigner]:
    """Decrypt a keystore v3 file: the account (transactions) and a digest signer (EIP-712)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyHierarchyError(f"keystore {path} does not exist") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise KeyHierarchyError(f"keystore {path} cannot be read: {exc}") from None
    try:
        raw = Account.decrypt(document, password.reveal())
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise KeyHierarchyError(f"wrong password for keystore {path}") from None
        raise KeyHierarchyError(f"keystore {path} is malformed") from None
    except (KeyError, TypeError):
        raise KeyHierarchyError(f"keystore {path} is malformed") from None
    account: LocalAccount = Account.from_key(bytes(raw))
    return account, DigestSigner(bytes(raw))


def network_reachable() -> bool:
    """Whether this machine has a route off-host (a UDP connect sends nothing; with no route,
    or no interface at all, it fails at once). Cold keys refuse to unlock where this is true."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered, only routed
        except OSError:
            return False
    return True
