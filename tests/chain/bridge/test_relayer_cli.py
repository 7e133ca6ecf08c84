"""``tradewind chain relayer`` as a process (the demo's relayer), and its refusals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tradewind.chain.bridge.cli import relayer_app
from tradewind.chain.deploy import LocalChains

from .conftest import ARB, BASE, USDC, DepositMaker


def _app() -> typer.Typer:
    # The lead mounts the relayer under `tradewind chain`; the same shape here.
    app = typer.Typer()
    chain = typer.Typer()

    @chain.callback()
    def _chain() -> None:
        """chain"""

    chain.add_typer(relayer_app, name="relayer")
    app.add_typer(chain, name="chain")
    return app


def test_bad_routes_registries_and_missing_keys_exit_with_a_clear_error(
    chains: LocalChains, tmp_path: Path
) -> None:
    runner = CliRunner()
    missing = runner.invoke(_app(), ["chain", "relayer", "--registry", str(tmp_path / "no.json")])
    assert missing.exit_code == 2 and "no deployment registry" in missing.output
    registry = tmp_path / "registry.json"
    chains.registry.save(registry)
    args = ["chain", "relayer", "--registry", str(registry), "--state", str(tmp_path / "s.db")]
    bad_route = runner.invoke(_app(), [*args, "--route", "arbitrum"])
    assert bad_route.exit_code == 2 and "ORIGIN:DESTINATION" in bad_route.output
    unknown = runner.invoke(_app(), [*args, "--route", "arbitrum:optimism"])
    assert unknown.exit_code == 2 and "optimism" in unknown.output
    env = {k: v for k, v in os.environ.items() if k != "TRADEWIND_RELAYER_KEY"}
    no_key = runner.invoke(_app(), args, env=env)
    assert no_key.exit_code == 2 and "no relayer key" in no_key.output
    bad_faucet = runner.invoke(_app(), [*args, "--faucet", "-3"])
    assert bad_faucet.exit_code == 2 and "--faucet" in bad_faucet.output


async def test_the_relayer_process_fills_a_deposit_and_stops_cleanly(
    chains: LocalChains, chain_client: Any, bridge_deposit: DepositMaker, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.json"
    chains.registry.save(registry)
    command = [
        sys.executable,
        "-m",
        "tradewind.chain.bridge.cli",
        "--registry",
        str(registry),
        "--state",
        str(tmp_path / "relayer.sqlite"),
        "--anvil-dev-key",
        "--faucet",
        "5000",
        "--confirmations",
        "1",
        "--poll-interval",
        "0.05",
    ]
    env = {**os.environ, "TRADEWIND_LOG__LEVEL": "warning"}
    env.pop("TRADEWIND_RELAYER_KEY", None)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or lines[-1].strip() != "READY relayer":
            line = await asyncio.to_thread(process.stdout.readline)
            if not line:
                errors = process.stderr.read() if process.stderr else ""
                pytest.fail(f"relayer exited: {lines} {errors}")
            lines.append(line)
        assert any(line.startswith("faucet   base") for line in lines)

        recipient = chains.users[1].address
        await bridge_deposit(10 * USDC, 9 * USDC)
        token = chain_client.contract(BASE, "MockUSDC")
        deadline = time.monotonic() + 30
        while await token.functions.balanceOf(recipient).call() != 9 * USDC:
            assert time.monotonic() < deadline, "the relayer did not fill"
            await chains.nodes[ARB].mine(1)
            await asyncio.sleep(0.1)
        relayer = chains.relayer.address
        arb_token = chain_client.contract(ARB, "MockUSDC")
        while await arb_token.functions.balanceOf(relayer).call() != 10 * USDC:
            assert time.monotonic() < deadline, "the relayer was not repaid"
            await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert code == 0
