"""Cold storage on chain: the sweep moves the hot USDC above its ceiling into the cold Safe
(cold keys own it); a withdrawal from cold needs two approvals, waits out its timelock and is
sent through the offline round trip signed by two cold keys."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.app.custody_wiring import audit_sink
from tradewind.chain.contracts import load_artifact
from tradewind.chain.eip712 import DigestSigner
from tradewind.chain.safe_contracts import create_safe, send_and_wait
from tradewind.custody.errors import PolicyError, PolicyRefusedError
from tradewind.custody.governance import CapitalMove, Governance, approval_digest
from tradewind.custody.keys import Secret, derive_account
from tradewind.custody.offline import (
    load_prepared,
    prepare_safe_tx,
    sign_prepared,
    submit,
    write_document,
)
from tradewind.custody.policy import Tier, parse_policy
from tradewind.custody.sweep import plan_sweep, run_sweep
from tradewind.custody.transactions import erc20_transfer_data
from tradewind.custody.wallet import HotWallet

from .conftest import SafeChain, owner_keys

MNEMONIC = Secret("test test test test test test test test test test test junk")
EXCHANGE = "0x00000000000000000000000000000000000E0C11"
T0 = 1_780_000_000_000


def test_sweep_to_cold_and_a_timelocked_cold_withdrawal(
    safe_chain: SafeChain, tmp_path: Path
) -> None:
    w3 = safe_chain.w3
    hot = derive_account(MNEMONIC, Tier.HOT, 0)
    cold = [derive_account(MNEMONIC, Tier.COLD, i) for i in range(3)]
    approvers = owner_keys(3, "approver")
    cold_safe = create_safe(w3, safe_chain.stack, safe_chain.executor, [c.address for c in cold], 2)
    artifact = load_artifact("MockUSDC")
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    usdc = send_and_wait(w3, safe_chain.executor, factory.constructor(), "usdc")["contractAddress"]
    token = w3.eth.contract(address=usdc, abi=artifact.abi_list())
    send_and_wait(
        w3, safe_chain.executor, token.functions.faucet(hot.address, 250_000 * 10**6), "faucet"
    )
    w3.eth.send_transaction(
        {"from": safe_chain.executor.address, "to": hot.address, "value": 10**18}
    )
    policy = parse_policy(
        {
            "approvers": {"addresses": [a.address for a in approvers]},
            "assets": {
                "USDC": {
                    "decimals": 6,
                    "hot_daily_limit": "10000",
                    "approval_above": "5000",
                    "approvals_required": 2,
                    "cold_timelock_s": 86400,
                    "sweep_ceiling": "100000",
                    "sweep_target": "60000",
                }
            },
            "destinations": {
                cold_safe: {"label": "cold safe", "assets": ["USDC"]},
                EXCHANGE: {"label": "exchange", "assets": ["USDC"]},
            },
            "sweep": {"destination": cold_safe},
        }
    )
    gov = Governance(policy, tmp_path / "journal.jsonl", audit_sink(tmp_path / "audit.db"))
    wallet = HotWallet(w3, hot, policy, {"USDC": usdc})

    # 250,000 hot > 100,000 ceiling: 190,000 goes to cold (far above the hot daily limit).
    moves = plan_sweep(policy, {"USDC": Decimal(250_000)}, T0)
    assert [(m.amount, m.destination) for m in moves] == [(Decimal(190_000), cold_safe)]
    run_sweep(gov, moves, T0, wallet.send)
    assert token.functions.balanceOf(cold_safe).call() == 190_000 * 10**6
    assert token.functions.balanceOf(hot.address).call() == 60_000 * 10**6
    assert plan_sweep(policy, {"USDC": Decimal(60_000)}, T0 + 1) == []

    # Withdrawal from cold to the exchange: approvals, timelock, offline signatures.
    move = CapitalMove("cold-1", "rebalance", Tier.COLD, "USDC", Decimal(50_000), EXCHANGE, T0)
    gov.request(move, T0)
    for approver in approvers[:2]:
        gov.approve("cold-1", DigestSigner(bytes(approver.key)).sign(approval_digest(move)), T0)

    def offline_round_trip(m: CapitalMove) -> str:
        amount = policy.rule(m.asset).to_base_units(m.amount)
        write_document(
            tmp_path / "p.json",
            prepare_safe_tx(w3, cold_safe, usdc, 0, erc20_transfer_data(m.destination, amount), T0),
        )
        prepared = load_prepared(tmp_path / "p.json")
        signatures = [sign_prepared(prepared, DigestSigner(bytes(c.key))) for c in cold[:2]]
        return submit(w3, prepared, signatures, safe_chain.executor)

    with pytest.raises(PolicyRefusedError, match="cold timelock"):
        gov.execute("cold-1", T0 + 86_399_999, offline_round_trip)
    assert token.functions.balanceOf(EXCHANGE).call() == 0
    gov.execute("cold-1", T0 + 86_400_000, offline_round_trip)
    assert token.functions.balanceOf(EXCHANGE).call() == 50_000 * 10**6
    assert token.functions.balanceOf(cold_safe).call() == 140_000 * 10**6


def test_sweep_needs_a_cold_destination() -> None:
    policy = parse_policy(
        {"approvers": {"addresses": [owner_keys(1)[0].address]}, "assets": {"USDC": {}}}
    )
    with pytest.raises(PolicyError, match=r"no \[sweep\].destination"):
        plan_sweep(policy, {"USDC": Decimal(1)}, T0)
