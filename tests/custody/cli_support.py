"""Runs ``tradewind`` as a real process and keeps everything it printed for the secrets check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TRADEWIND = str(Path(sys.executable).with_name("tradewind"))
# The custody and otc sub-apps as their own module skip importing every desk (~2 s a start on a
# loaded machine); ``full=True`` goes through the ``tradewind`` entry point itself.
SUBAPPS = {"custody": "tradewind.custody.cli", "otc": "tradewind.custody.otc_cli"}


@dataclass
class Cli:
    """``run(*args)`` -> CompletedProcess; ``printed`` collects every stdout and stderr."""

    cwd: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    printed: list[str] = field(default_factory=list)

    def run(
        self, *args: str, offline: bool = False, expect: int | None = 0, full: bool = False
    ) -> subprocess.CompletedProcess[str]:
        if full:
            command = [TRADEWIND, *args]
        else:
            command = [sys.executable, "-m", SUBAPPS[args[0]], *args[1:]]
        if offline:
            command = ["unshare", "--net", "--", *command]
        done = subprocess.run(
            command, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=120
        )
        self.printed += [done.stdout, done.stderr]
        if expect is not None:
            assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done


def require_unshare() -> None:
    """Skip (fail under CI=true) where network namespaces cannot be made (not root)."""
    ok = shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    )
    if not ok:
        reason = "`unshare --net` unavailable (needs root or user namespaces)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
