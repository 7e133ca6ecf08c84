"""`tradewind otc` end to end as real processes: safe-deploy, propose, fund x2, status, settle;
a settle before both legs are in is refused (exit 2) and pays nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.keys import create_keystore
from tradewind.chain.safe_contracts import send_and_wait

from .cli_support import Cli
from .conftest import SafeChain, owner_keys

PASSWORD = "otc keystore password 5"


def test_otc_deal_through_the_command_line(safe_chain: SafeChain, tmp_path: Path) -> None:
    w3 = safe_chain.w3
    desk, cp, arbiter = owner_keys(3, "otc-cli")
    for name, account in (("desk", desk), ("cp", cp), ("arbiter", arbiter)):
        create_keystore(
            tmp_path / f"{name}.json", PASSWORD, private_key=bytes(account.key), kdf_iterations=16
        )
    create_keystore(
        tmp_path / "executor.json",
        PASSWORD,
        private_key=ANVIL_DEV_ACCOUNTS[0].private_key,
        kdf_iterations=16,
    )
    for account in (desk, cp):
        w3.eth.send_transaction(
            {"from": safe_chain.executor.address, "to": account.address, "value": 5 * 10**18}
        )
    artifact = load_artifact("MockUSDC")
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    usdc = send_and_wait(w3, safe_chain.executor, factory.constructor(), "usdc")["contractAddress"]
    token = w3.eth.contract(address=usdc, abi=artifact.abi_list())
    send_and_wait(w3, safe_chain.executor, token.functions.faucet(desk.address, 10**10), "faucet")

    cli = Cli(tmp_path)
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    rpc = ["--rpc", safe_chain.node.rpc_url]
    cli.run(
        "custody",
        "safe-deploy",
        "--out",
        "stack.json",
        *rpc,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
    )
    common = [*rpc, "--stack", "stack.json"]
    cli.run(
        "otc",
        "propose",
        "deal.json",
        "--id",
        "otc-7",
        "--desk",
        desk.address,
        "--desk-asset",
        usdc,
        "--desk-amount",
        str(2_500 * 10**6),
        "--counterparty",
        cp.address,
        "--cp-asset",
        "native",
        "--cp-amount",
        str(10**18),
        "--arbiter",
        arbiter.address,
        "--deadline-in",
        "3600",
        *common,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        full=True,
    )
    cli.run("otc", "fund", "deal.json", "--keystore", "desk.json", *common, "--password-file", "pw")
    two_owners = ["--keystore", "desk.json", "--keystore", "cp.json"]
    early = cli.run(
        "otc",
        "settle",
        "deal.json",
        *two_owners,
        *common,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        expect=2,
    )
    assert "not fully funded" in early.stderr and "Traceback" not in early.stderr
    assert token.functions.balanceOf(cp.address).call() == 0
    cli.run("otc", "fund", "deal.json", "--keystore", "cp.json", *common, "--password-file", "pw")
    status = json.loads(cli.run("otc", "status", "deal.json", *common).stdout)
    assert status["state"] == "funded"
    desk_eth = w3.eth.get_balance(desk.address)
    cli.run(
        "otc",
        "settle",
        "deal.json",
        *two_owners,
        *common,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
    )
    assert token.functions.balanceOf(cp.address).call() == 2_500 * 10**6
    assert w3.eth.get_balance(desk.address) - desk_eth == 10**18
    assert json.loads((tmp_path / "deal.json").read_text())["state"] == "settled"
    again = cli.run(
        "otc",
        "refund",
        "deal.json",
        *two_owners,
        *common,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        expect=2,
    )
    assert "already settled" in again.stderr
    secrets = [PASSWORD] + [bytes(a.key).hex() for a in (desk, cp, arbiter)]
    for text in cli.printed:
        for secret in secrets:
            assert secret not in text
