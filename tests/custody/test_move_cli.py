"""`tradewind custody move`: a hot move runs alone, a warm one after two distinct approvals, a
cold withdrawal whose prepared file pays someone else is refused; all in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner
from web3 import Web3

from tradewind.app.cli import app
from tradewind.app.custody_wiring import audit_sink
from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.keys import create_keystore
from tradewind.chain.safe_contracts import create_safe, send_and_wait
from tradewind.custody.offline import prepare_safe_tx, write_document
from tradewind.custody.transactions import erc20_transfer_data

from .conftest import SafeChain, owner_keys

PASSWORD = "move cli password 3"
EXCHANGE = "0x00000000000000000000000000000000000E0C11"
OTHER = Web3.to_checksum_address("0x0000000000000000000000000000000000000bad")


def test_moves_through_the_command_line(safe_chain: SafeChain, tmp_path: Path) -> None:
    w3 = safe_chain.w3
    hot, *approvers = owner_keys(4, "move")
    for name, account in (("hot", hot), ("a0", approvers[0]), ("a1", approvers[1])):
        create_keystore(
            tmp_path / f"{name}.json", PASSWORD, private_key=bytes(account.key), kdf_iterations=16
        )
    create_keystore(
        tmp_path / "exec.json",
        PASSWORD,
        private_key=ANVIL_DEV_ACCOUNTS[0].private_key,
        kdf_iterations=16,
    )
    w3.eth.send_transaction(
        {"from": safe_chain.executor.address, "to": hot.address, "value": 10**18}
    )
    artifact = load_artifact("MockUSDC")
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    usdc = send_and_wait(w3, safe_chain.executor, factory.constructor(), "usdc")["contractAddress"]
    token = w3.eth.contract(address=usdc, abi=artifact.abi_list())
    send_and_wait(w3, safe_chain.executor, token.functions.faucet(hot.address, 10**10), "faucet")
    cold_safe = create_safe(
        w3, safe_chain.stack, safe_chain.executor, [a.address for a in approvers], 2
    )
    send_and_wait(w3, safe_chain.executor, token.functions.faucet(cold_safe, 10**10), "faucet")
    approver_list = ", ".join(f'"{a.address}"' for a in approvers)
    (tmp_path / "policy.toml").write_text(
        f"[approvers]\naddresses = [{approver_list}]\n"
        '[assets.USDC]\ndecimals = 6\nhot_daily_limit = "1000"\napproval_above = "500"\n'
        "approvals_required = 2\ncold_timelock_s = 0\n"
        f'[destinations]\n"{EXCHANGE}" = {{ label = "exchange", assets = ["USDC"] }}\n'
    )
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    files = [
        "--policy",
        str(tmp_path / "policy.toml"),
        "--journal",
        str(tmp_path / "journal.jsonl"),
        "--audit-db",
        str(tmp_path / "audit.db"),
    ]
    chain = ["--rpc", safe_chain.node.rpc_url, "--token", f"USDC={usdc}"]
    runner = CliRunner()
    printed: list[str] = []

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["custody", "move", *args])
        printed.append(result.output)
        assert result.exit_code == code, result.output
        return result.output

    run(
        "request",
        "m1",
        "--kind",
        "payout",
        "--tier",
        "hot",
        "--asset",
        "USDC",
        "--amount",
        "250.5",
        "--to",
        EXCHANGE,
        *files,
    )
    run(
        "execute",
        "m1",
        *chain,
        "--keystore",
        str(tmp_path / "hot.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
    )
    assert token.functions.balanceOf(EXCHANGE).call() == 250_500_000
    refused = run(
        "request",
        "m2",
        "--kind",
        "payout",
        "--tier",
        "hot",
        "--asset",
        "USDC",
        "--amount",
        "1",
        "--to",
        OTHER,
        *files,
        code=2,
    )
    assert "not whitelisted" in refused

    run(
        "request",
        "w1",
        "--kind",
        "rebalance",
        "--tier",
        "warm",
        "--asset",
        "USDC",
        "--amount",
        "100",
        "--to",
        EXCHANGE,
        *files,
    )
    early = run(
        "execute",
        "w1",
        *chain,
        "--keystore",
        str(tmp_path / "hot.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
        code=2,
    )
    assert "0 of 2 distinct approvals" in early
    run(
        "approve",
        "w1",
        "--keystore",
        str(tmp_path / "a0.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
    )
    twice = run(
        "approve",
        "w1",
        "--keystore",
        str(tmp_path / "a0.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
        code=2,
    )
    assert "already approved" in twice
    run(
        "approve",
        "w1",
        "--keystore",
        str(tmp_path / "a1.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
    )
    run(
        "execute",
        "w1",
        *chain,
        "--keystore",
        str(tmp_path / "hot.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
    )
    assert token.functions.balanceOf(EXCHANGE).call() == 350_500_000

    # A cold move whose prepared Safe transaction pays another address is refused.
    run(
        "request",
        "c1",
        "--kind",
        "withdrawal",
        "--tier",
        "cold",
        "--asset",
        "USDC",
        "--amount",
        "10",
        "--to",
        EXCHANGE,
        *files,
    )
    for name in ("a0", "a1"):
        run(
            "approve",
            "c1",
            "--keystore",
            str(tmp_path / f"{name}.json"),
            "--password-file",
            str(tmp_path / "pw"),
            *files,
        )
    write_document(
        tmp_path / "p.json",
        prepare_safe_tx(w3, cold_safe, usdc, 0, erc20_transfer_data(OTHER, 10 * 10**6), 0),
    )
    wrong = run(
        "execute",
        "c1",
        *chain,
        "--prepared",
        str(tmp_path / "p.json"),
        "--executor-keystore",
        str(tmp_path / "exec.json"),
        "--password-file",
        str(tmp_path / "pw"),
        *files,
        code=2,
    )
    assert "is not move c1" in wrong
    assert token.functions.balanceOf(OTHER).call() == 0

    listed = [json.loads(line) for line in run("list", *files).splitlines()]
    assert [(m["move_id"], m["tx_hash"] is not None) for m in listed] == [
        ("m1", True),
        ("w1", True),
        ("c1", False),
    ]
    journal = (tmp_path / "journal.jsonl").read_bytes().splitlines()
    sink = audit_sink(tmp_path / "audit.db")
    assert sink.log.size(sink.tenant) == len(journal)
    for text in printed:
        assert PASSWORD not in text
        assert bytes(hot.key).hex() not in text
