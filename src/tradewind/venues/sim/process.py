"""Start ``tradewind sim`` as a child process and learn its URLs and demo credentials.

Used by the demo, the end-to-end tests and the benchmarks, so they all exercise the exchange the
way a user runs it: a separate process over real HTTP and WebSocket.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True, slots=True)
class SimEndpoints:
    """Where a running simulated exchange listens, and its demo key pair."""

    rest_url: str
    ws_url: str
    api_key: str
    api_secret: str
    port: int
    pid: int


class SimProcess:
    """A ``tradewind sim`` child process; a context manager that stops it on exit."""

    def __init__(
        self,
        *,
        database: Path | None = None,
        admin: bool = True,
        market: bool = True,
        seed: int = 7,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self._args = [
            sys.executable,
            "-m",
            "tradewind.app.cli",
            "sim",
            "--port",
            "0",
            "--seed",
            str(seed),
        ]
        self._args.append("--admin" if admin else "--no-admin")
        self._args.append("--market" if market else "--no-market")
        self._args += ["--db", str(database) if database else ""]
        self._args += list(extra_args)
        self._env = {**os.environ, "TRADEWIND_LOG__LEVEL": "warning", **(env or {})}
        self._proc: subprocess.Popen[str] | None = None
        self.endpoints: SimEndpoints | None = None

    def start(self, timeout_s: float = 30.0) -> SimEndpoints:
        self._proc = subprocess.Popen(
            self._args,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            env=self._env,
        )
        assert self._proc.stdout is not None
        fields: dict[str, str] = {}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line:
                code = self._proc.wait()
                raise RuntimeError(f"tradewind sim exited with {code} before it was ready")
            words = line.split()
            if line.startswith("API key") or line.startswith("API secret"):
                fields[words[1]] = words[-1]
            elif words and words[0] == "READY":
                port = int(words[1].split("=", 1)[1])
                self.endpoints = SimEndpoints(
                    rest_url=f"http://127.0.0.1:{port}",
                    ws_url=f"ws://127.0.0.1:{port}",
                    api_key=fields["key"],
                    api_secret=fields["secret"],
                    port=port,
                    pid=self._proc.pid,
                )
                return self.endpoints
        self.stop()
        raise TimeoutError("tradewind sim did not become ready in time")

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        code = self._proc.returncode
        self._proc = None
        return code

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, as in a crash."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> SimEndpoints:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
