"""``tradewind index quote|order|cancel|status`` against ``tradewind serve`` + ``tradewind sim``
processes, and a second ``tradewind serve`` on the same stores refused at once, naming the pid.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account
from tests.e2e.conftest import SimAdmin
from tests.e2e.index.desk_process import DeskProcess, post_deposit

from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.venues.sim.process import SimEndpoints

TRADEWIND = str(Path(sys.executable).with_name("tradewind"))
USER_KEY = "0x" + "5c" * 32
USER = Account.from_key(USER_KEY).address
CHAIN_ID = 42161


def _index(ws_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADEWIND_CLIENT_KEY": USER_KEY}
    return subprocess.run(
        [TRADEWIND, "index", *args, "--url", ws_url, "--chain-id", str(CHAIN_ID)],
        capture_output=True, text=True, timeout=180, env=env, check=False,
    )  # fmt: skip


async def test_index_commands_and_a_second_serve_refused(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    account = admin.create_account({"USDT": "100000"})
    desk = DeskProcess(sim, account.api_key, account.api_secret, tmp_path / "desk")
    try:
        endpoints = desk.start()
        await post_deposit(endpoints.url, "cli-dep-1", CHAIN_ID, USER, "1000")

        quote = _index(endpoints.ws_url, "quote", "q-1", "TW10", "buy", "100")
        assert quote.returncode == 0, quote.stderr
        assert quote.stdout.startswith("ACK ")
        assert "IndexQuoteResponse" in quote.stdout and "client_quote_id=q-1" in quote.stdout

        order = _index(endpoints.ws_url, "order", "o-1", "TW10", "buy", "200")
        assert order.returncode == 0, order.stderr
        lines = order.stdout.splitlines()
        assert lines[0].startswith("ACK ")
        assert lines[1].startswith("NewIndexOrder ") and "status=new" in lines[1]
        assert any(line.startswith("IndexOrderFill ") for line in lines), order.stdout
        assert lines[-1].startswith("MintInvoice ") and "client_order_id=o-1" in lines[-1]

        account = _index(endpoints.ws_url, "account")
        assert account.returncode == 0, account.stderr
        lines = account.stdout.splitlines()
        assert lines[0].startswith("ACK ")
        collateral = next(line for line in lines if line.startswith("collateral USDT "))
        assert "deposited=1000" in collateral and "spent=0 " not in collateral
        assert any(line.startswith("position TW10 free=") for line in lines), lines
        assert "E-" not in account.stdout

        # the same through signed REST
        import time

        import requests

        from tradewind.gateway.fixjson.account_routes import signed_headers

        path = f"/accounts/{CHAIN_ID}/{USER}/collateral"
        rest = requests.get(
            endpoints.url + path, headers=signed_headers(USER_KEY, path, time.time_ns()), timeout=10
        )
        assert rest.status_code == 200, rest.text
        assert rest.json()[0]["asset"] == "USDT" and rest.json()[0]["deposited"] == "1000"
        assert requests.get(endpoints.url + path, timeout=10).status_code == 401

        # a client that missed everything asks for it again, from a time
        async with FixJsonClient(endpoints.ws_url, USER_KEY, chain_id=CHAIN_ID) as client:
            seq = await client.replay("r-1", 0)
            assert (await client.ack_or_nak(seq)).msg_type == "ACK"
            answer = await client.wait_for("ReplayResponse")
            assert answer.request_id == "r-1" and answer.count >= 2
            replayed = [
                await client.wait_for(("IndexOrderFill", "MintInvoice"), None)
                for _ in range(answer.count)
            ]
        o1 = [(m.msg_type, m.client_order_id) for m in replayed if m.client_order_id == "o-1"]
        assert o1[0] == ("IndexOrderFill", "o-1") and o1[-1] == ("MintInvoice", "o-1")
        later = max(m.ts for m in replayed if m.msg_type == "MintInvoice")
        async with FixJsonClient(endpoints.ws_url, USER_KEY, chain_id=CHAIN_ID) as client:
            seq = await client.replay("r-2", later + 1_000_000)  # the wire has ms
            assert (await client.ack_or_nak(seq)).msg_type == "ACK"
            assert (await client.wait_for("ReplayResponse")).count == 0

        status = _index(endpoints.ws_url, "status", "o-1")
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith("MintInvoice ") and "o-1" in status.stdout

        missing = _index(endpoints.ws_url, "status", "never-sent")
        assert missing.returncode == 1 and "no invoice yet" in missing.stdout

        refused = _index(endpoints.ws_url, "order", "o-2", "TW10", "hold", "1")
        assert refused.returncode == 2 and "side is buy or sell" in refused.stderr

        # a second desk on the same databases: refused before it reconciles anything
        second = subprocess.run(
            [sys.executable, "-m", "tradewind.app.cli", "serve"],
            capture_output=True, text=True, timeout=60, env=desk._env, cwd=desk.workdir,
            check=False,
        )  # fmt: skip
        assert second.returncode == 2, second.stderr
        assert f"in use by process {endpoints.pid}" in second.stderr
        assert "fetched_fills" not in second.stderr and "Traceback" not in second.stderr
    finally:
        desk.close()
