"""A user's mistake is one line on stderr and exit status 2; the traceback only with --debug.

Every case runs the installed ``tradewind`` command in a subprocess, as a user would.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradewind.store.exclusive import lock_store

TRADEWIND = str(Path(sys.executable).with_name("tradewind"))
# nothing listens here: the commands below must fail before they reach a venue
NOWHERE = ["--rest-url", "http://127.0.0.1:9", "--ws-url", "ws://127.0.0.1:9"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRADEWIND, *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # structured log lines (key=value, "ts=" first) may precede it; the error is one line
    errors = [line for line in lines if not line.startswith("ts=")]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    assert errors[0].startswith("error: ")
    return errors[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_negative_quantity_is_a_quantity_not_an_option() -> None:
    line = _one_line_error(_run("order", "place", "BTC/USDT", "buy", "-0.01", *NOWHERE))
    assert "quantity must be > 0, got -0.01" in line


def test_port_out_of_range() -> None:
    line = _one_line_error(_run("sim", "--port", "70000"))
    assert "--port" in line and "65535" in line


def test_missing_replay_file(tmp_path: Path) -> None:
    line = _one_line_error(_run("sim", "--port", "0", "--replay", "missing.jsonl", cwd=tmp_path))
    assert "missing.jsonl" in line


def test_sim_port_in_use(busy_port: int, tmp_path: Path) -> None:
    line = _one_line_error(_run("sim", "--port", str(busy_port), "--db", str(tmp_path / "s.db")))
    assert "address already in use" in line and "--port" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = _run("--debug", "sim", "--port", "0", "--replay", "missing.jsonl", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ReplayFileError" in result.stderr


def test_unknown_option_names_the_command() -> None:
    line = _one_line_error(_run("order", "place", "BTC/USDT", "buy", "1", "--bogus"))
    assert "--bogus" in line and "tradewind order place --help" in line


def test_a_store_held_by_another_process_is_refused_naming_its_pid(tmp_path: Path) -> None:
    import os

    database = tmp_path / "kernel.sqlite"
    lock = lock_store(str(database))
    try:
        result = _run("order", "place", "BTC/USDT", "buy", "0.001", "--db", str(database), *NOWHERE)
    finally:
        lock.release()
    line = _one_line_error(result)
    assert f"in use by process {os.getpid()}" in line


def test_store_views_refuse_a_missing_store(tmp_path: Path) -> None:
    line = _one_line_error(_run("fills", "--db", str(tmp_path / "none.sqlite")))
    assert "no kernel store" in line


def test_help_has_no_python_type_tags() -> None:
    result = _run("order", "place", "--help")
    assert result.returncode == 0
    options = result.stdout.split("Options", 1)[1]
    assert "<bool>" not in options and "<str>" not in options
    assert "REST_URL" in options


def test_relayer_usage_has_no_subcommands() -> None:
    result = _run("chain", "relayer", "--help")
    assert result.returncode == 0
    assert "COMMAND" not in result.stdout
    assert "tradewind chain relayer [OPTIONS]" in result.stdout


def test_serve_port_in_use_is_refused_before_start_up(busy_port: int, tmp_path: Path) -> None:
    import os

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")},
        "TRADEWIND_DESK__PORT": str(busy_port),
        "TRADEWIND_DESK__DATABASE": str(tmp_path / "desk.sqlite"),
        "TRADEWIND_DESK__KERNEL_DATABASE": str(tmp_path / "kernel.sqlite"),
    }
    result = subprocess.run(
        [TRADEWIND, "serve"], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    line = _one_line_error(result)
    assert "cannot listen" in line and "Address already in use" in line
