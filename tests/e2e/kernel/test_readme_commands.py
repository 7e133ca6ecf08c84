"""Every command README shows runs as written, through the installed ``tradewind`` command.

The "First steps" block runs for real against a ``tradewind sim`` child process; the only
change is where the sim listens (a free port instead of 8090, reached through the
``TRADEWIND_VENUE__*`` variables the commands read) and the client order id ``order cancel``
takes (the one ``order place`` printed). Every other command README names must exist (its
``--help`` answers).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.venues.sim.process import SimProcess

ROOT = Path(__file__).resolve().parents[3]
TRADEWIND = str(Path(sys.executable).with_name("tradewind"))


def _first_steps() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## First steps", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _path_of(command: str) -> tuple[str, ...]:
    words = command.split()[1:]
    return tuple(word for word in words[:2] if re.fullmatch(r"[a-z][a-z-]*", word))


def _named_commands() -> list[tuple[str, ...]]:
    """The command path (e.g. ("order", "place")) of every `tradewind ...` README names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return sorted({_path_of(found) for found in re.findall(r"`(tradewind [^`]+)`", text)})


@pytest.fixture(scope="module")
def sim_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("readme-sim") / "sim.sqlite"
    with SimProcess(database=database, admin=True, market=True) as endpoints:
        # the printed URLs, as a user pastes them
        yield {
            **os.environ,
            "TRADEWIND_VENUE__REST_URL": f"{endpoints.rest_url}/api/v3",
            "TRADEWIND_VENUE__WS_URL": f"{endpoints.ws_url}/ws",
            "TRADEWIND_DB_URL": "",
            # the sim's data directory, where `--venue sim` finds the demo key pair it generated
            "TRADEWIND_SIM__DATABASE": str(database),
        }


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRADEWIND, *args], capture_output=True, text=True, timeout=90, env=env, cwd=cwd
    )


def test_first_steps_run_as_written(sim_env: dict[str, str], tmp_path: Path) -> None:
    steps = _first_steps()
    assert steps[0].startswith("tradewind sim")
    placed: list[str] = []
    for line in steps[1:]:
        args = line.split()[1:]
        if "CLIENT_ORDER_ID" in args:
            args[args.index("CLIENT_ORDER_ID")] = placed[-1]
        result = _run(args, sim_env, tmp_path)
        assert result.returncode == 0, (line, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        out = result.stdout
        if args[:2] == ["order", "place"]:
            placed.append(out.split()[0])
            if "--price" not in args:  # a market order: filled, and says so
                assert " filled buy " in out and "filled 0.00100000" in out, out
        if args[:2] == ["order", "cancel"]:
            assert "canceled" in out, out
        assert "0E-" not in out, (line, out)
    fills = _run(["fills", "--db", "var/kernel.sqlite"], sim_env, tmp_path).stdout
    assert placed[0] in fills


def test_every_named_command_exists() -> None:
    from typer.testing import CliRunner

    from tradewind.app.cli import app

    runner = CliRunner()
    for path in _named_commands():
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output, path
