"""The desk's hot signing key: from an encrypted keystore file or the environment, never from code.

Sources, first match wins (``load_hot_key``):
  1. a JSON keystore v3 file (``keystore_path`` or ``$TRADEWIND_KEYSTORE``), unlocked with
     ``$TRADEWIND_KEYSTORE_PASSWORD`` or the first line of a password file
     (``password_file`` or ``$TRADEWIND_KEYSTORE_PASSWORD_FILE``);
  2. a raw 32-byte hex key in ``$TRADEWIND_DESK_KEY``.

``HotKey`` never shows its key: repr/str print the address only, it cannot be pickled or copied
into logs, and every error raised here names the source, never the secret. Unlocking a keystore
runs scrypt (about a second of CPU), so the async loader does it in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from eth_account import Account
from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount
from eth_utils import is_hex, to_checksum_address

from tradewind.common.logging import get_logger

__all__ = [
    "ENV_DESK_KEY",
    "ENV_KEYSTORE",
    "ENV_KEYSTORE_PASSWORD",
    "ENV_KEYSTORE_PASSWORD_FILE",
    "HotKey",
    "HotKeyError",
    "HotKeyUnavailableError",
    "InvalidPrivateKeyError",
    "KeystoreExistsError",
    "KeystoreFileError",
    "KeystorePasswordError",
    "KeystorePasswordMissingError",
    "create_keystore",
    "load_hot_key",
]

ENV_DESK_KEY = "TRADEWIND_DESK_KEY"
ENV_KEYSTORE = "TRADEWIND_KEYSTORE"
ENV_KEYSTORE_PASSWORD = "TRADEWIND_KEYSTORE_PASSWORD"
ENV_KEYSTORE_PASSWORD_FILE = "TRADEWIND_KEYSTORE_PASSWORD_FILE"

_log = get_logger("chain.keys")


class HotKeyError(ValueError):
    """The desk's hot key could not be loaded; the message names the source, never the key."""


class HotKeyUnavailableError(HotKeyError):
    """No key source is configured (no keystore file, no ``$TRADEWIND_DESK_KEY``)."""


class InvalidPrivateKeyError(HotKeyError):
    """A raw private key is not 32 bytes of hex, or is not a valid secp256k1 key."""


class KeystoreFileError(HotKeyError):
    """The keystore file is missing, unreadable, not JSON or not a keystore v3 document."""


class KeystoreExistsError(HotKeyError):
    """``create_keystore`` refused to overwrite an existing file."""


class KeystorePasswordMissingError(HotKeyError):
    """A keystore is configured but no password (environment variable or file) is."""


class KeystorePasswordError(HotKeyError):
    """The password does not unlock the keystore (MAC mismatch)."""


class HotKey:
    """A signing key for one EVM address; the secret is held, used to sign, and never shown.

    ``address`` is EIP-55 checksummed; ``source`` says where the key came from (for logs).
    """

    __slots__ = ("_account", "_source")

    def __init__(self, account: LocalAccount, *, source: str) -> None:
        self._account = account
        self._source = source

    @classmethod
    def from_private_key(cls, private_key: str | bytes, *, source: str = "private_key") -> HotKey:
        """A key from 32 raw bytes or their hex (``0x`` optional): tests and the environment."""
        return cls(_account_from_key(private_key, source), source=source)

    @property
    def address(self) -> str:
        return str(self._account.address)

    @property
    def source(self) -> str:
        return self._source

    def sign_transaction(self, tx: Mapping[str, Any]) -> SignedTransaction:
        """Sign a complete transaction dict (nonce, chainId, gas and fee fields filled)."""
        return self._account.sign_transaction(dict(tx))

    def encrypt(self, password: str, *, kdf_iterations: int | None = None) -> dict[str, Any]:
        """This key as a keystore v3 document (scrypt); ``kdf_iterations`` only for tests."""
        if not password:
            raise KeystorePasswordMissingError("a keystore password must not be empty")
        document: dict[str, Any] = Account.encrypt(
            self._account.key, password, kdf="scrypt", iterations=kdf_iterations
        )
        return document

    def __repr__(self) -> str:
        return f"HotKey(address={self.address}, source={self._source}, key=***)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a HotKey cannot be pickled or copied out of the process")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HotKey) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)


def _account_from_key(private_key: str | bytes, source: str) -> LocalAccount:
    if isinstance(private_key, str):
        text = private_key.strip()
        digits = text[2:] if text[:2].lower() == "0x" else text
        if len(digits) != 64 or not is_hex(digits):
            raise InvalidPrivateKeyError(f"{source}: a private key is 64 hex digits (32 bytes)")
        raw = bytes.fromhex(digits)
    elif isinstance(private_key, bytes) and len(private_key) == 32:
        raw = private_key
    else:
        raise InvalidPrivateKeyError(f"{source}: a private key is 32 bytes or 64 hex digits")
    try:
        account: LocalAccount = Account.from_key(raw)
    except Exception:
        # The library's message may quote the key: replaced, and the cause dropped.
        raise InvalidPrivateKeyError(f"{source}: not a valid secp256k1 private key") from None
    return account


def _read_keystore(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeystoreFileError(f"keystore file {path} does not exist") from None
    except OSError as exc:
        raise KeystoreFileError(f"keystore file {path} cannot be read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeystoreFileError(f"keystore file {path} is not JSON ({exc.msg})") from None
    if not isinstance(document, dict):
        raise KeystoreFileError(f"keystore file {path} is not a JSON object")
    if document.get("version") != 3 or not isinstance(document.get("crypto"), dict):
        raise KeystoreFileError(f"keystore file {path} is not a keystore v3 document")
    return document


def _read_password_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeystorePasswordMissingError(f"password file {path} does not exist") from None
    except OSError as exc:
        raise KeystorePasswordMissingError(
            f"password file {path} cannot be read: {exc.strerror}"
        ) from None
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise KeystorePasswordMissingError(f"password file {path} is empty")
    return password


def _unlock(path: Path, document: dict[str, Any], password: str) -> HotKey:
    try:
        raw = Account.decrypt(document, password)
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise KeystorePasswordError(f"wrong password for keystore {path}") from None
        raise KeystoreFileError(f"keystore file {path} is malformed: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise KeystoreFileError(f"keystore file {path} is malformed (field {exc})") from None
    key = HotKey.from_private_key(bytes(raw), source=f"keystore:{path}")
    declared = document.get("address")
    if isinstance(declared, str) and declared:
        try:
            matches = to_checksum_address(declared) == key.address
        except ValueError:
            matches = False
        if not matches:
            raise KeystoreFileError(
                f"keystore file {path} declares address {declared} but holds {key.address}"
            )
    return key


def _resolve_password(password: str | None, password_file: Path | None) -> str:
    if password:
        return password
    if password_file is not None:
        return _read_password_file(password_file)
    raise KeystorePasswordMissingError(
        f"a keystore needs ${ENV_KEYSTORE_PASSWORD} or a password file "
        f"(${ENV_KEYSTORE_PASSWORD_FILE})"
    )


async def load_hot_key(
    *,
    keystore_path: Path | None = None,
    password: str | None = None,
    password_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> HotKey:
    """The desk's hot key from the first configured source (see the module docstring).

    Explicit arguments win over the environment. Raises a ``HotKeyError`` subclass naming what
    is missing or wrong; nothing is logged but the address and the kind of source.
    """
    environ = os.environ if env is None else env
    if keystore_path is None and environ.get(ENV_KEYSTORE):
        keystore_path = Path(environ[ENV_KEYSTORE])
    if keystore_path is not None:
        if password is None:
            password = environ.get(ENV_KEYSTORE_PASSWORD) or None
        if password_file is None and environ.get(ENV_KEYSTORE_PASSWORD_FILE):
            password_file = Path(environ[ENV_KEYSTORE_PASSWORD_FILE])
        secret = _resolve_password(password, password_file)
        document = _read_keystore(keystore_path)
        key = await asyncio.to_thread(_unlock, keystore_path, document, secret)
        _log.info("chain.hot_key_loaded", address=key.address, source="keystore")
        return key
    raw = environ.get(ENV_DESK_KEY)
    if raw:
        key = HotKey.from_private_key(raw, source=f"env:{ENV_DESK_KEY}")
        _log.info("chain.hot_key_loaded", address=key.address, source="env")
        return key
    raise HotKeyUnavailableError(
        f"no desk key configured: set ${ENV_KEYSTORE} (+ ${ENV_KEYSTORE_PASSWORD} or "
        f"${ENV_KEYSTORE_PASSWORD_FILE}) or ${ENV_DESK_KEY}"
    )


def create_keystore(
    path: Path,
    password: str,
    *,
    private_key: str | bytes | None = None,
    overwrite: bool = False,
    kdf_iterations: int | None = None,
) -> str:
    """Write a keystore v3 file (mode 0600) for a new random key, or ``private_key``.

    Returns the key's checksummed address. Refuses an existing file unless ``overwrite``; the
    file appears atomically (written beside it, then renamed). ``kdf_iterations`` lowers scrypt's
    cost for tests only. Blocking (scrypt): call it from a thread inside an event loop.
    """
    if not password:
        raise KeystorePasswordMissingError("a keystore password must not be empty")
    if path.exists() and not overwrite:
        raise KeystoreExistsError(f"keystore file {path} already exists")
    if private_key is None:
        key = HotKey(Account.create(), source=f"keystore:{path}")
    else:
        key = HotKey.from_private_key(private_key, source=f"keystore:{path}")
    document = key.encrypt(password, kdf_iterations=kdf_iterations)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _log.info("chain.keystore_created", address=key.address, path=str(path))
    return key.address
