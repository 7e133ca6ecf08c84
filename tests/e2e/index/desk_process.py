"""A ``tradewind serve`` child process for end-to-end tests, and what tests read around it.

    DeskProcess     start (wait for READY), SIGKILL, SIGTERM, restart on the same databases
    JournalProbe    reads the desk's journal file while the desk runs (read-only SQLite), to
                    find the moments worth killing it at: a batch planned, a lot recorded
    post_deposit / fetch_invoice   the desk's local deposit route and invoice REST route

Each start of the process appends its stderr (the desk's logs) to ``desk.log`` in the work
folder, so a failing run can be read afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tradewind.desks.index.runtime import post_local_deposit
from tradewind.venues.sim.process import SimEndpoints

__all__ = [
    "DEPOSIT_TOKEN",
    "DeskEndpoints",
    "DeskProcess",
    "JournalProbe",
    "fetch_invoice",
    "post_deposit",
]


DEPOSIT_TOKEN = "test-local-deposit-token"
"""The local deposit token of every test desk (in process and ``tradewind serve``)."""


@dataclass(frozen=True, slots=True)
class DeskEndpoints:
    """Where one run of the desk listens: the REST base and the FIX/JSON WebSocket."""

    url: str
    ws_url: str
    pid: int


class DeskProcess:
    """``tradewind serve`` on ``sim`` with its own SQLite files under ``workdir``; each ``start``
    is a new process on the same databases (a restart)."""

    def __init__(
        self,
        sim: SimEndpoints,
        api_key: str,
        api_secret: str,
        workdir: Path,
        *,
        batch_interval_ms: int = 20,
        gateway_key: str | None = None,
        local_deposits: bool = True,
    ) -> None:
        self.workdir = workdir
        self.database = workdir / "desk.sqlite"
        self.kernel_database = workdir / "kernel.sqlite"
        self.log_path = workdir / "desk.log"
        # the child sees only the settings named here, never a TRADEWIND_* of the test's shell
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
        env.update(
            {
                "TRADEWIND_VENUE__REST_URL": sim.rest_url,
                "TRADEWIND_VENUE__WS_URL": sim.ws_url,
                "TRADEWIND_VENUE__API_KEY": api_key,
                "TRADEWIND_VENUE__API_SECRET": api_secret,
                "TRADEWIND_DESK__PORT": "0",
                "TRADEWIND_DESK__DATABASE": str(self.database),
                "TRADEWIND_DESK__KERNEL_DATABASE": str(self.kernel_database),
                "TRADEWIND_DESK__BATCH_INTERVAL_MS": str(batch_interval_ms),
                "TRADEWIND_DESK__LOCAL_DEPOSITS": "true" if local_deposits else "false",
                "TRADEWIND_LOCAL_DEPOSIT_TOKEN": DEPOSIT_TOKEN,
                "TRADEWIND_LOG__LEVEL": "info",
            }
        )
        if gateway_key is not None:
            env["TRADEWIND_GATEWAY_KEY"] = gateway_key
        self._env = env
        self._proc: subprocess.Popen[str] | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout_s: float = 90.0) -> DeskEndpoints:
        """Start the process and wait for its ``READY url=... ws=...`` line (blocking)."""
        if self.running:
            raise RuntimeError("the desk is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"\n===== start {self.starts} =====\n")
            log.flush()
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tradewind.app.cli", "serve"],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=self._env,
                cwd=self.workdir,
            )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line:
                code = self._proc.wait()
                raise RuntimeError(
                    f"tradewind serve exited with {code} before READY; see {self.log_path}"
                )
            words = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            if line.startswith("READY") and "url" in words and "ws" in words:
                return DeskEndpoints(words["url"], words["ws"], self._proc.pid)
        self.kill()
        raise TimeoutError(f"tradewind serve was not READY within {timeout_s} s")

    def kill(self) -> int:
        """SIGKILL, as in a crash (no shutdown code runs); the exit code (-9)."""
        return self._end(signal.SIGKILL)

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM: the desk stops cleanly; its exit code."""
        return self._end(signal.SIGTERM, timeout_s)

    def _end(self, sig: int, timeout_s: float = 10.0) -> int:
        proc, self._proc = self._proc, None
        if proc is None:
            raise RuntimeError("the desk is not running")
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        return code

    def close(self) -> None:
        """Make sure no process is left behind (SIGKILL if still running)."""
        if self._proc is not None:
            self.kill()


class JournalProbe:
    """Reads the desk journal's rows in order, read-only, while the desk writes them (SQLite WAL
    lets a reader in another process see each committed append)."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self.last_seq = 0
        self.planned: list[str] = []
        self.closed: set[str] = set()
        self.lots_of: dict[str, int] = {}

    def poll(self) -> None:
        """Take in every row appended since the last poll."""
        if not self._database.exists():
            return
        uri = f"file:{self._database}?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True, timeout=1.0)
        except sqlite3.OperationalError:
            return
        try:
            rows = connection.execute(
                "SELECT seq, kind, payload FROM index_journal WHERE seq > ? ORDER BY seq",
                (self.last_seq,),
            ).fetchall()
        except sqlite3.OperationalError:
            rows = []  # the schema is not created yet, or the database is busy: try again
        finally:
            connection.close()
        for seq, kind, payload in rows:
            self.last_seq = seq
            body: dict[str, Any] = json.loads(payload)
            if kind == "batch_planned":
                self.planned.append(body["batch_id"])
            elif kind == "batch_closed":
                self.closed.add(body["batch_id"])
            elif kind == "lot_recorded":
                self.lots_of[body["batch_id"]] = self.lots_of.get(body["batch_id"], 0) + 1

    def open_batches(self) -> list[str]:
        """Batches planned and not closed, as far as the last poll saw."""
        return [b for b in self.planned if b not in self.closed]

    def open_batch_with_lots(self) -> str | None:
        return next((b for b in self.open_batches() if self.lots_of.get(b, 0) > 0), None)


async def post_deposit(
    url: str, deposit_id: str, chain_id: int, address: str, amount: str, asset: str = "USDT"
) -> None:
    """Announce a local collateral deposit to the desk (credited once per ``deposit_id``)."""
    await post_local_deposit(
        url, token=DEPOSIT_TOKEN, deposit_id=deposit_id, chain_id=chain_id, address=address,
        amount=amount, asset=asset,
    )  # fmt: skip


async def fetch_invoice(
    url: str, chain_id: int, address: str, client_order_id: str
) -> dict[str, Any] | None:
    """The stored invoice of an order from ``GET /invoices/...``, or None while there is none."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/invoices/{chain_id}/{address}/{client_order_id}") as response,
    ):
        if response.status == 404:
            return None
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result
