"""The desk's hot key: loading from a keystore or the environment, and never showing the secret."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from eth_account import Account
from structlog.testing import capture_logs

from tradewind.chain.keys import (
    ENV_DESK_KEY,
    ENV_KEYSTORE,
    ENV_KEYSTORE_PASSWORD,
    ENV_KEYSTORE_PASSWORD_FILE,
    HotKey,
    HotKeyUnavailableError,
    InvalidPrivateKeyError,
    KeystoreExistsError,
    KeystoreFileError,
    KeystorePasswordError,
    KeystorePasswordMissingError,
    create_keystore,
    load_hot_key,
)
from tradewind.common.logging import configure_logging, get_logger

# A key made up for these tests; it never held anything.
KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = Account.from_key(bytes.fromhex(KEY_HEX)).address
FAST_KDF = 2**4  # scrypt's cost lowered so each test unlocks in milliseconds


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    path = tmp_path / "desk.json"
    create_keystore(path, "correct horse", private_key=KEY_HEX, kdf_iterations=FAST_KDF)
    return path


def _assert_no_secret(text: str) -> None:
    assert KEY_HEX not in text.lower()
    assert KEY_HEX[:16] not in text.lower()


async def test_keystore_round_trip_with_password_from_env(keystore: Path) -> None:
    key = await load_hot_key(
        env={ENV_KEYSTORE: str(keystore), ENV_KEYSTORE_PASSWORD: "correct horse"}
    )
    assert key.address == KEY_ADDRESS
    assert key.source == f"keystore:{keystore}"


async def test_keystore_password_from_file_first_line(keystore: Path, tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("correct horse\nignored second line\n")
    key = await load_hot_key(
        env={ENV_KEYSTORE: str(keystore), ENV_KEYSTORE_PASSWORD_FILE: str(password_file)}
    )
    assert key.address == KEY_ADDRESS


async def test_keystore_wins_over_raw_env_key(keystore: Path) -> None:
    other = Account.create()
    key = await load_hot_key(
        keystore_path=keystore,
        password="correct horse",
        env={ENV_DESK_KEY: other.key.hex()},
    )
    assert key.address == KEY_ADDRESS


async def test_raw_key_from_env_with_or_without_0x() -> None:
    for raw in (KEY_HEX, "0x" + KEY_HEX, "  0x" + KEY_HEX.upper() + "\n"):
        key = await load_hot_key(env={ENV_DESK_KEY: raw})
        assert key.address == KEY_ADDRESS
        assert key.source == f"env:{ENV_DESK_KEY}"


async def test_no_source_configured() -> None:
    with pytest.raises(HotKeyUnavailableError, match=ENV_DESK_KEY):
        await load_hot_key(env={})


async def test_wrong_password(keystore: Path) -> None:
    with pytest.raises(KeystorePasswordError, match="wrong password") as info:
        await load_hot_key(keystore_path=keystore, password="wrong", env={})
    assert info.value.__cause__ is None


async def test_missing_password(keystore: Path, tmp_path: Path) -> None:
    with pytest.raises(KeystorePasswordMissingError, match=ENV_KEYSTORE_PASSWORD):
        await load_hot_key(keystore_path=keystore, env={})
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(KeystorePasswordMissingError, match="is empty"):
        await load_hot_key(keystore_path=keystore, password_file=empty, env={})
    with pytest.raises(KeystorePasswordMissingError, match="does not exist"):
        await load_hot_key(keystore_path=keystore, password_file=tmp_path / "nope", env={})


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"version": 1, "crypto": {}}', "not a keystore v3"),
        ('{"version": 3, "crypto": {"kdf": "scrypt"}}', "malformed"),
    ],
)
async def test_bad_keystore_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(KeystoreFileError, match=problem):
        await load_hot_key(keystore_path=path, password="pw", env={})


async def test_missing_keystore_file(tmp_path: Path) -> None:
    with pytest.raises(KeystoreFileError, match="does not exist"):
        await load_hot_key(keystore_path=tmp_path / "none.json", password="pw", env={})


async def test_keystore_whose_declared_address_lies(keystore: Path) -> None:
    document = json.loads(keystore.read_text())
    document["address"] = Account.create().address[2:].lower()
    keystore.write_text(json.dumps(document))
    with pytest.raises(KeystoreFileError, match="declares address"):
        await load_hot_key(keystore_path=keystore, password="correct horse", env={})


@pytest.mark.parametrize("raw", ["0x1234", "zz" * 32, "0x" + "00" * 32, "ab" * 33])
async def test_bad_raw_key_is_refused_without_echoing_it(raw: str) -> None:
    with pytest.raises(InvalidPrivateKeyError) as info:
        await load_hot_key(env={ENV_DESK_KEY: raw})
    assert raw not in str(info.value)
    assert info.value.__cause__ is None


def test_create_keystore_refuses_overwrite_and_writes_0600(keystore: Path) -> None:
    assert keystore.stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeystoreExistsError):
        create_keystore(keystore, "pw", kdf_iterations=FAST_KDF)
    address = create_keystore(keystore, "pw", overwrite=True, kdf_iterations=FAST_KDF)
    assert address != KEY_ADDRESS
    assert not [p for p in keystore.parent.iterdir() if p.name.startswith(".")]


def test_create_keystore_refuses_empty_password(tmp_path: Path) -> None:
    with pytest.raises(KeystorePasswordMissingError):
        create_keystore(tmp_path / "k.json", "")
    assert not (tmp_path / "k.json").exists()


def test_keystore_file_does_not_contain_the_key(keystore: Path) -> None:
    _assert_no_secret(keystore.read_text())


@pytest.fixture
def rendered_logs() -> Iterator[None]:
    configure_logging("debug")
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("rendered_logs")
async def test_repr_str_logs_and_pickling_never_show_the_key(
    keystore: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await load_hot_key(keystore_path=keystore, password="correct horse", env={})
    _assert_no_secret(repr(key))
    _assert_no_secret(str(key))
    _assert_no_secret(f"{key!r} {key}")
    assert KEY_ADDRESS in repr(key)
    get_logger("test").info("chain.key_in_use", key=key, detail=repr([key]))
    with capture_logs() as logs:
        get_logger("test").info("chain.key_in_use", key=key)
    _assert_no_secret(str(logs))
    rendered = capsys.readouterr().err
    assert "chain.key_in_use" in rendered
    assert "chain.hot_key_loaded" in rendered
    _assert_no_secret(rendered)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)


async def test_env_key_signs_like_the_account() -> None:
    key = HotKey.from_private_key(KEY_HEX)
    tx = {
        "to": KEY_ADDRESS,
        "value": 1,
        "gas": 21_000,
        "nonce": 0,
        "chainId": 42161,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "type": 2,
    }
    signed = key.sign_transaction(tx)
    assert signed.raw_transaction == Account.sign_transaction(tx, KEY_HEX).raw_transaction
    assert Account.recover_transaction(signed.raw_transaction) == KEY_ADDRESS
