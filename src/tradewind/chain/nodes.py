"""Local EVM chains: anvil processes on loopback ports, one per chain, with test controls.

``AnvilNode`` owns one anvil process (chain id, random free port chosen by anvil itself, dev
accounts from ``anvil_dev_keys``) and the cheat-code RPCs tests need: snapshot/revert, mining,
reorgs, time travel. ``ChainSet`` starts the desk's chains ("arbitrum" 42161, "base" 8453)
together. Both are async context managers; ``start_blocking``/``stop_blocking`` exist for
synchronous owners (session-scoped pytest fixtures, atexit) that have no running event loop.

A node object is not bound to an event loop: each RPC opens its own HTTP session, so a node
started in one loop (or none) can be driven from another.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS, DevAccount
from tradewind.common.logging import get_logger

__all__ = [
    "ARBITRUM",
    "BASE",
    "DESK_CHAINS",
    "AnvilNode",
    "AnvilNotInstalledError",
    "AnvilRpcError",
    "AnvilStartError",
    "ChainSet",
    "ChainSpec",
    "InvalidNodeConfigError",
    "find_anvil",
]

_log = get_logger("chain.nodes")

ANVIL_ENV = "TRADEWIND_ANVIL"
_NATIVE_BINARY = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
_NPM_WRAPPER = Path("node_modules/.bin/anvil")
_LISTENING = re.compile(r"Listening on ([0-9.]+):(\d+)")
_POLL_S = 0.02
_RPC_TIMEOUT_S = 30.0


class AnvilNotInstalledError(RuntimeError):
    """The anvil binary was not found (npm packages not installed, or a wrong override)."""


class AnvilStartError(RuntimeError):
    """anvil exited or did not start listening in time; the message carries its log tail."""


class AnvilRpcError(RuntimeError):
    """A JSON-RPC call to the node returned an error object."""

    def __init__(self, method: str, error: Any) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


class InvalidNodeConfigError(ValueError):
    """A node was configured with an impossible name, chain id, block time or argument."""


@dataclass(frozen=True, slots=True)
class ChainSpec:
    """A chain the desk runs on: its name in orders and registries, and its EIP-155 chain id."""

    name: str
    chain_id: int


ARBITRUM = ChainSpec("arbitrum", 42161)
BASE = ChainSpec("base", 8453)
DESK_CHAINS: tuple[ChainSpec, ...] = (ARBITRUM, BASE)


def _repo_roots() -> Iterator[Path]:
    seen: set[Path] = set()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def find_anvil() -> Path:
    """The anvil executable: ``$TRADEWIND_ANVIL``, else the npm-installed one in the repo.

    The native binary of ``@foundry-rs/anvil-linux-amd64`` is preferred over the node wrapper
    in ``node_modules/.bin`` so that one pid is the node and no wrapper outlives it.
    """
    override = os.environ.get(ANVIL_ENV)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise AnvilNotInstalledError(f"{ANVIL_ENV}={override} is not an executable file")
        return path
    for root in _repo_roots():
        for relative in (_NATIVE_BINARY, _NPM_WRAPPER):
            path = root / relative
            if path.is_file() and os.access(path, os.X_OK):
                return path
    raise AnvilNotInstalledError(
        f"anvil not found in node_modules; run `make install` (npm packages) or set {ANVIL_ENV}"
    )


_PRCTL: Any = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError, AttributeError):
        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the Python process that started the node dies
    # without cleaning up (SIGKILL, pytest timeout), the kernel sends SIGTERM to the node.
    # PR_SET_PDEATHSIG fires when the *thread* that forked exits, so nodes are always
    # spawned from the caller's thread, never from a worker thread.
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


_LIVE_NODES: weakref.WeakSet[AnvilNode] = weakref.WeakSet()


@atexit.register
def _stop_leftover_nodes() -> None:
    for node in list(_LIVE_NODES):
        with contextlib.suppress(Exception):
            node.stop_blocking()


def _rpc_body(method: str, params: Sequence[Any]) -> bytes:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    return json.dumps(body).encode()


def _rpc_result(method: str, reply: Mapping[str, Any]) -> Any:
    if "error" in reply and reply["error"] is not None:
        raise AnvilRpcError(method, reply["error"])
    return reply.get("result")


class AnvilNode:
    """One local anvil chain on 127.0.0.1 with a port anvil picks itself (``--port 0``).

    Mining is automatic per transaction unless ``block_time`` (whole seconds) is given. Amounts
    in RPC replies are wei / token base units (int); block numbers and timestamps are ints.
    """

    def __init__(
        self,
        name: str,
        chain_id: int,
        *,
        block_time: int | None = None,
        anvil_path: Path | None = None,
        host: str = "127.0.0.1",
        extra_args: Sequence[str] = (),
        startup_timeout_s: float = 20.0,
    ) -> None:
        if not name or not name.isidentifier():
            raise InvalidNodeConfigError(f"node name must be an identifier, got {name!r}")
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
            raise InvalidNodeConfigError(f"chain id must be a positive int, got {chain_id!r}")
        if block_time is not None and (isinstance(block_time, bool) or block_time <= 0):
            raise InvalidNodeConfigError(f"block time must be > 0 seconds, got {block_time!r}")
        forbidden = {"--port", "-p", "--chain-id", "--host", "--mnemonic", "-m"}
        if forbidden.intersection(extra_args):
            raise InvalidNodeConfigError(f"extra_args may not override {sorted(forbidden)}")
        self._name = name
        self._chain_id = chain_id
        self._block_time = block_time
        self._anvil_path = anvil_path
        self._host = host
        self._extra_args = tuple(extra_args)
        self._startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._port: int | None = None

    def __repr__(self) -> str:
        state = f"url={self.rpc_url}" if self._port is not None else "stopped"
        return f"AnvilNode(name={self._name!r}, chain_id={self._chain_id}, {state})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def rpc_url(self) -> str:
        """``http://127.0.0.1:<port>``; only valid while the node runs."""
        if self._port is None:
            raise AnvilStartError(f"node {self._name!r} is not running")
        return f"http://{self._host}:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._port is not None

    @property
    def accounts(self) -> tuple[DevAccount, ...]:
        """anvil's public dev accounts (10 000 ETH each): local tests and the demo only."""
        return ANVIL_DEV_ACCOUNTS

    @property
    def log_path(self) -> Path | None:
        """Where anvil's own output goes while it runs (deleted on stop)."""
        return self._log_path

    # -- lifecycle ---------------------------------------------------------------------------

    def _command(self) -> list[str]:
        path = self._anvil_path or find_anvil()
        cmd = [str(path), "--host", self._host, "--port", "0", "--chain-id", str(self._chain_id)]
        if self._block_time is not None:
            cmd += ["--block-time", str(self._block_time)]
        return cmd + list(self._extra_args)

    def _spawn(self) -> None:
        if self._proc is not None:
            raise AnvilStartError(f"node {self._name!r} already started")
        cmd = self._command()
        fd, log_name = tempfile.mkstemp(prefix=f"anvil-{self._name}-", suffix=".log")
        self._log_path = Path(log_name)
        try:
            # anvil's banner (and the port) goes to a file rather than a pipe: nothing has to
            # drain it, so the node never stalls on a full pipe whichever loop is running.
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal reaches us, not the node
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None
            raise AnvilStartError(f"cannot execute {cmd[0]}: {exc}") from exc
        finally:
            os.close(fd)
        _LIVE_NODES.add(self)

    def _log_tail(self, limit: int = 2000) -> str:
        if self._log_path is None:
            return ""
        try:
            return self._log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def _poll_port(self) -> int | None:
        assert self._proc is not None and self._log_path is not None
        match = _LISTENING.search(self._log_path.read_text(errors="replace"))
        if match:
            return int(match.group(2))
        if self._proc.poll() is not None:
            raise AnvilStartError(
                f"anvil for {self._name!r} exited with {self._proc.returncode}:\n"
                + self._log_tail()
            )
        return None

    def _check_started(self, chain_id_hex: Any) -> None:
        if int(chain_id_hex, 16) != self._chain_id:
            raise AnvilStartError(
                f"node {self._name!r} reports chain id {int(chain_id_hex, 16)}, "
                f"expected {self._chain_id}"
            )
        _log.info(
            "chain.node_started",
            chain=self._name,
            chain_id=self._chain_id,
            rpc_url=self.rpc_url,
            pid=self.pid,
        )

    async def start(self) -> Self:
        """Spawn anvil and wait until its RPC answers with the expected chain id."""
        self._spawn()
        try:
            deadline = time.monotonic() + self._startup_timeout_s
            while (port := self._poll_port()) is None:
                if time.monotonic() > deadline:
                    raise AnvilStartError(f"anvil for {self._name!r} did not start in time")
                await asyncio.sleep(_POLL_S)
            self._port = port
            self._check_started(await self.request("eth_chainId"))
        except BaseException:
            await self.stop()
            raise
        return self

    def start_blocking(self) -> Self:
        """``start`` for callers without an event loop (session fixtures); blocks the thread."""
        self._spawn()
        try:
            deadline = time.monotonic() + self._startup_timeout_s
            while (port := self._poll_port()) is None:
                if time.monotonic() > deadline:
                    raise AnvilStartError(f"anvil for {self._name!r} did not start in time")
                time.sleep(_POLL_S)
            self._port = port
            self._check_started(self.request_blocking("eth_chainId"))
        except BaseException:
            self.stop_blocking()
            raise
        return self

    def _signal(self, sig: signal.Signals) -> None:
        assert self._proc is not None
        # The node leads its own process group (start_new_session): signalling the group also
        # reaches the real binary when anvil was started through the npm node wrapper.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def _forget(self) -> None:
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
        _LIVE_NODES.discard(self)
        if self._proc is not None:
            _log.info(
                "chain.node_stopped",
                chain=self._name,
                pid=self._proc.pid,
                returncode=self._proc.returncode,
            )
        self._proc = None
        self._port = None
        self._log_path = None

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Terminate anvil (SIGTERM, then SIGKILL after ``timeout_s``) and reap it. Idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout_s)
            except TimeoutError:
                self._signal(signal.SIGKILL)
                await asyncio.to_thread(proc.wait)
        self._forget()

    def stop_blocking(self, timeout_s: float = 5.0) -> None:
        """``stop`` for callers without an event loop; blocks the thread."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait()
        self._forget()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- JSON-RPC -------------------------------------------------------------------------------

    async def request(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; returns ``result`` or raises ``AnvilRpcError``."""
        timeout = aiohttp.ClientTimeout(total=_RPC_TIMEOUT_S)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                self.rpc_url,
                data=_rpc_body(method, params),
                headers={"Content-Type": "application/json"},
            ) as response,
        ):
            reply = await response.json(content_type=None)
        return _rpc_result(method, reply)

    def request_blocking(self, method: str, *params: Any) -> Any:
        """``request`` for callers without an event loop; blocks the thread."""
        req = urllib.request.Request(
            self.rpc_url,
            data=_rpc_body(method, params),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=_RPC_TIMEOUT_S) as response:
            reply = json.loads(response.read())
        return _rpc_result(method, reply)

    # -- test controls --------------------------------------------------------------------------

    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber"), 16)

    async def snapshot(self) -> str:
        """Snapshot the whole chain state; returns the id for ``revert``."""
        snapshot_id: str = await self.request("evm_snapshot")
        return snapshot_id

    async def revert(self, snapshot_id: str) -> None:
        """Return to a snapshot (state, blocks, timestamps). The snapshot and every later one
        are consumed, as in anvil; take a new snapshot to revert again."""
        if not await self.request("evm_revert", snapshot_id):
            raise AnvilRpcError("evm_revert", f"unknown snapshot id {snapshot_id!r}")

    async def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` empty-or-pending blocks now; returns the new head number."""
        if isinstance(blocks, bool) or blocks < 1:
            raise InvalidNodeConfigError(f"blocks to mine must be >= 1, got {blocks!r}")
        await self.request("anvil_mine", hex(blocks))
        return await self.block_number()

    async def reorg(self, depth: int) -> None:
        """Replace the last ``depth`` blocks by as many new empty blocks (``anvil_reorg``).

        Transactions in the dropped blocks are gone (not returned to the mempool): the chain
        keeps its height but every block hash from ``head - depth + 1`` on changes.
        """
        head = await self.block_number()
        if isinstance(depth, bool) or not 1 <= depth <= head:
            raise InvalidNodeConfigError(f"reorg depth must be 1..{head}, got {depth!r}")
        await self.request("anvil_reorg", depth, [])

    async def rollback(self, depth: int) -> None:
        """Drop the last ``depth`` blocks without replacing them (``anvil_rollback``)."""
        head = await self.block_number()
        if isinstance(depth, bool) or not 1 <= depth <= head:
            raise InvalidNodeConfigError(f"rollback depth must be 1..{head}, got {depth!r}")
        await self.request("anvil_rollback", depth)

    async def increase_time(self, seconds: int) -> None:
        """Move the chain clock forward; the next mined block carries the new time."""
        if isinstance(seconds, bool) or seconds < 0:
            raise InvalidNodeConfigError(f"seconds must be >= 0, got {seconds!r}")
        await self.request("evm_increaseTime", seconds)

    async def set_automine(self, enabled: bool) -> None:
        """Switch mining-per-transaction on or off (off: transactions wait for ``mine``)."""
        await self.request("evm_setAutomine", enabled)


class ChainSet(Mapping[str, AnvilNode]):
    """The desk's local chains started and stopped together, looked up by chain name."""

    def __init__(
        self,
        specs: Sequence[ChainSpec] = DESK_CHAINS,
        *,
        block_time: int | None = None,
        anvil_path: Path | None = None,
        node_factory: Callable[[ChainSpec], AnvilNode] | None = None,
    ) -> None:
        names = [spec.name for spec in specs]
        ids = [spec.chain_id for spec in specs]
        if not specs or len(set(names)) != len(names) or len(set(ids)) != len(ids):
            raise InvalidNodeConfigError(f"chain names and ids must be unique, got {specs!r}")

        def default_factory(spec: ChainSpec) -> AnvilNode:
            return AnvilNode(spec.name, spec.chain_id, block_time=block_time, anvil_path=anvil_path)

        factory = node_factory or default_factory
        self._nodes: dict[str, AnvilNode] = {spec.name: factory(spec) for spec in specs}

    def __getitem__(self, name: str) -> AnvilNode:
        return self._nodes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        return f"ChainSet({list(self._nodes.values())!r})"

    def by_chain_id(self, chain_id: int) -> AnvilNode:
        for node in self._nodes.values():
            if node.chain_id == chain_id:
                return node
        raise KeyError(f"no node for chain id {chain_id}")

    async def start(self) -> Self:
        results = await asyncio.gather(
            *(node.start() for node in self._nodes.values()), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            await self.stop()
            raise errors[0]
        return self

    def start_blocking(self) -> Self:
        try:
            for node in self._nodes.values():
                node.start_blocking()
        except BaseException:
            self.stop_blocking()
            raise
        return self

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self._nodes.values()))

    def stop_blocking(self) -> None:
        for node in self._nodes.values():
            node.stop_blocking()

    async def snapshot(self) -> dict[str, str]:
        """A snapshot id per chain name, for ``revert``."""
        ids = await asyncio.gather(*(node.snapshot() for node in self._nodes.values()))
        return dict(zip(self._nodes, ids, strict=True))

    async def revert(self, snapshot_ids: Mapping[str, str]) -> None:
        await asyncio.gather(*(self._nodes[name].revert(sid) for name, sid in snapshot_ids.items()))

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
