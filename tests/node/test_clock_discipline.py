"""Every wait and every reading of wall time goes through the clock.

The source tree is parsed and every use of ``asyncio.sleep``, ``asyncio.wait_for``,
``time.time``, ``time.time_ns``, ``datetime.now`` / ``utcnow`` (called or imported by name) is
listed; a module that is not on the allow-list below fails the test. The allow-list is the clock
itself and the I/O edges that need real time (processes, sockets, chains, the CLI), each with
its reason; ``PENDING`` lists modules that still wait directly and are to be ported, so the list
can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tradewind"

FORBIDDEN = {
    ("asyncio", "sleep"),
    ("asyncio", "wait_for"),
    ("time", "time"),
    ("time", "time_ns"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
}

ALLOWED = {
    "core/clock.py": "the clock module",
    # I/O edges that need wall time or real waits
    "app/demo.py": "CLI demo paces a human-facing walkthrough",
    "app/demo_chain.py": "CLI demo drives anvil processes",
    "app/sdk_tour.py": "CLI tour of the SDK against a running sim",
    "app/trading_cli.py": "CLI: user-facing durations in wall time",
    "app/soak_runner.py": "child process of the soak tests, timed in wall time",
    "venues/sim/server/rest.py": "the sim's injected network delay (a fault of the fake venue)",
    "venues/sim/exchange.py": "the sim process's own housekeeping loops",
    "venues/sim/market/participants.py": "the sim's synthetic market participants",
    "venues/sim/chain_watch.py": "the sim process watching an EVM node",
    "venues/sim/process.py": "waits for a child process to listen",
    "gateway/fixjson/runner.py": "process runner of the gateway",
    "chain/nodes.py": "starts and stops anvil processes",
    "chain/events/follower.py": "polls an EVM node",
    "chain/tx/manager.py": "polls an EVM node for receipts",
    "chain/bridge/relayer.py": "polls EVM nodes",
    "chain/bridge/cli.py": "CLI",
    "chain/deploy.py": "waits for receipts from an EVM node",
    "app/custody_cli.py": "CLI: wall-clock time of a signing request",
    "custody/cli.py": "CLI: wall-clock time of a signing request",
    "chain/uniswap/deploy.py": "transaction deadlines are chain (wall) time",
    "portfolio/audit/log.py": "back office: wall-clock time of an audit record",
    "portfolio/importers/ccxt_import.py": "back office: imports from live exchanges",
    "portfolio/prices/ccxt_source.py": "back office: prices from live exchanges",
    "portfolio/store/selection_repository.py": "back office: wall-clock time of a record",
    "portfolio/store/cursor_repository.py": "back office: wall-clock time of a record",
    "portfolio/report_builder.py": "back office: report generation time",
}

PENDING = {
    # merged from other branches while the node was built; their owners port them to a clock
    "app/feeders.py",
    "venues/uniswap/execution.py",
    "venues/uniswap/positions.py",
}


def _uses(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in FORBIDDEN:
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in {"asyncio", "time", "datetime"}:
            for alias in node.names:
                if (node.module, alias.name) in FORBIDDEN:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return found


def _violations() -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative in ALLOWED or relative in PENDING:
            continue
        uses = _uses(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if uses:
            out[relative] = uses
    return out


def test_no_wait_or_wall_time_outside_the_clock_and_the_io_edges() -> None:
    violations = _violations()
    assert violations == {}, "use the clock (core/clock.py) instead:\n" + "\n".join(
        f"  {module}:{line} {what}" for module, uses in violations.items() for line, what in uses
    )


def test_the_scan_finds_what_it_forbids() -> None:
    source = (
        "import asyncio, time\nfrom datetime import datetime\n"
        "async def f():\n    await asyncio.sleep(1)\n    return time.time_ns(), datetime.now()\n"
        "from asyncio import wait_for\n"
    )
    found = {what for _, what in _uses(ast.parse(source))}
    expected = {"asyncio.sleep", "time.time_ns", "datetime.now", "from asyncio import wait_for"}
    assert found == expected


def test_the_allow_lists_name_existing_modules() -> None:
    # a stale entry would let a new module of that name in unnoticed
    for module in [*ALLOWED, *PENDING]:
        assert (SRC / module).is_file(), module
    # ported modules leave PENDING: each one listed must still need it
    still_waiting = {m for m in PENDING if _uses(ast.parse((SRC / m).read_text("utf-8")))}
    assert still_waiting == PENDING
