"""`tradewind chain keystore-new`: writes an encrypted keystore, prints only the address."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tradewind.chain.cli import chain_app
from tradewind.chain.keys import load_hot_key


async def test_keystore_new_writes_a_key_that_loads(tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse\n")
    target = tmp_path / "desk.json"
    result = CliRunner().invoke(
        chain_app, ["keystore-new", str(target), "--password-file", str(password)]
    )
    assert result.exit_code == 0, result.output
    address = result.output.strip().splitlines()[-1]
    stored = json.loads(target.read_text())
    assert "crypto" in stored and (target.stat().st_mode & 0o777) == 0o600
    key = await load_hot_key(keystore_path=target, password_file=password, env={})
    assert key.address == address
    again = CliRunner().invoke(
        chain_app, ["keystore-new", str(target), "--password-file", str(password)]
    )
    assert again.exit_code == 2 and "already exists" in again.output
