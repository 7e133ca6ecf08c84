"""Governance of capital moves: whitelist, hot per-day limit, distinct M-of-N approvals, cold
timelock; every decision lands in the Merkle audit log with a verifiable inclusion proof."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from tradewind.app.custody_wiring import TenantAuditSink, audit_sink
from tradewind.chain.eip712 import DigestSigner
from tradewind.custody.errors import ApprovalError, CustodyError, PolicyError, PolicyRefusedError
from tradewind.custody.governance import CapitalMove, Governance, approval_digest
from tradewind.custody.policy import Tier, load_policy, parse_policy
from tradewind.portfolio.audit import leaf_hash, verify_inclusion

from .conftest import owner_keys

APPROVERS = owner_keys(3, "approver")
EXCHANGE = "0x00000000000000000000000000000000000E0C11"
COLD_SAFE = "0x000000000000000000000000000000000000C01D"
STRANGER = "0x0000000000000000000000000000000000000BAD"
DAY_MS = 86_400_000
T0 = 1_780_000_000_000 - (1_780_000_000_000 % DAY_MS) + 3_600_000  # 01:00 UTC on some day

POLICY = f"""
[approvers]
addresses = [{", ".join(f'"{a.address}"' for a in APPROVERS)}]

[assets.USDC]
decimals = 6
hot_daily_limit = "1000"
approval_above = "500"
approvals_required = 2
cold_timelock_s = 3600

[destinations]
"{EXCHANGE}" = {{ label = "exchange deposit", assets = ["USDC"] }}
"{COLD_SAFE}" = {{ label = "cold safe", assets = ["USDC"] }}
"""


@pytest.fixture
def sink(tmp_path: Path) -> TenantAuditSink:
    return audit_sink(tmp_path / "audit.db")


@pytest.fixture
def gov(tmp_path: Path, sink: TenantAuditSink) -> Governance:
    (tmp_path / "policy.toml").write_text(POLICY)
    return Governance(load_policy(tmp_path / "policy.toml"), tmp_path / "journal.jsonl", sink)


def _move(move_id: str, amount: str, tier: Tier = Tier.HOT, dest: str = EXCHANGE) -> CapitalMove:
    return CapitalMove(move_id, "rebalance", tier, "USDC", Decimal(amount), dest, T0)


def _approve(gov: Governance, move_id: str, who: int, now: int = T0) -> str:
    digest = approval_digest(gov.moves[move_id].move)
    return gov.approve(move_id, DigestSigner(APPROVERS[who].key).sign(digest), now)


def _sent(move: CapitalMove) -> str:
    return "0x" + "ab" * 32


def test_hot_moves_run_alone_up_to_the_daily_limit_then_are_refused(gov: Governance) -> None:
    for i, amount in enumerate(["400", "500"]):
        gov.request(_move(f"m{i}", amount), T0)
        gov.execute(f"m{i}", T0, _sent)
    assert gov.spent_today("USDC", T0) == Decimal(900)
    with pytest.raises(PolicyRefusedError, match="hot per-day limit"):
        gov.request(_move("m2", "100.000001"), T0)
    assert "m2" not in gov.moves
    # The next UTC day starts from zero.
    gov.request(CapitalMove("m3", "payout", Tier.HOT, "USDC", Decimal(100), EXCHANGE, T0), T0)
    gov.execute("m3", T0 + DAY_MS, _sent)
    assert gov.spent_today("USDC", T0 + DAY_MS) == Decimal(100)


def test_non_whitelisted_destination_and_unknown_asset_are_refused(gov: Governance) -> None:
    with pytest.raises(PolicyRefusedError, match="not whitelisted"):
        gov.request(_move("x", "1", dest=STRANGER), T0)
    with pytest.raises(PolicyRefusedError, match="no policy rule"):
        gov.request(CapitalMove("y", "payout", Tier.HOT, "DOGE", Decimal(1), EXCHANGE, T0), T0)
    assert gov.moves == {}


def test_approvals_must_come_from_distinct_approvers(gov: Governance) -> None:
    gov.request(_move("big", "600"), T0)  # above approval_above: needs 2 of 3
    with pytest.raises(PolicyRefusedError, match="0 of 2 distinct approvals"):
        gov.execute("big", T0, _sent)
    _approve(gov, "big", 0)
    with pytest.raises(ApprovalError, match="already approved"):
        _approve(gov, "big", 0)
    stranger_sig = DigestSigner(Account.create().key).sign(approval_digest(gov.moves["big"].move))
    with pytest.raises(ApprovalError, match="not an approver"):
        gov.approve("big", stranger_sig, T0)
    with pytest.raises(PolicyRefusedError, match="1 of 2"):
        gov.execute("big", T0, _sent)
    # A signature over another move does not count for this one.
    gov.request(_move("other", "600"), T0)
    other_sig = DigestSigner(APPROVERS[1].key).sign(approval_digest(gov.moves["other"].move))
    with pytest.raises(ApprovalError, match="not an approver"):
        gov.approve("big", other_sig, T0)
    _approve(gov, "big", 2)
    assert gov.execute("big", T0, _sent) == "0x" + "ab" * 32


def test_cold_withdrawal_waits_for_its_timelock(gov: Governance) -> None:
    gov.request(_move("cold", "5000", Tier.COLD), T0)
    _approve(gov, "cold", 0)
    _approve(gov, "cold", 1)
    with pytest.raises(PolicyRefusedError, match="cold timelock"):
        gov.execute("cold", T0 + 3_599_999, _sent)
    gov.execute("cold", T0 + 3_600_000, _sent)
    assert gov.moves["cold"].executed_ms == T0 + 3_600_000


def test_every_decision_is_in_the_audit_log_and_provable(
    gov: Governance, sink: TenantAuditSink, tmp_path: Path
) -> None:
    gov.request(_move("a", "600"), T0)
    _approve(gov, "a", 0)
    with pytest.raises(ApprovalError):
        _approve(gov, "a", 0)
    _approve(gov, "a", 1)
    gov.execute("a", T0, _sent)
    lines = (tmp_path / "journal.jsonl").read_bytes().splitlines()
    assert [line.split(b'"event":"')[1].split(b'"')[0] for line in lines] == [
        b"requested",
        b"approved",
        b"refused",
        b"approved",
        b"executed",
    ]
    size = sink.log.size(sink.tenant)
    assert size == len(lines)
    root = sink.log.root(sink.tenant)
    for index, line in enumerate(lines):
        proof = sink.log.inclusion_proof(sink.tenant, index)
        verify_inclusion(index, size, leaf_hash(line), proof, root)  # raises if not included
    # The journal is the state: a fresh process sees the same moves.
    again = Governance(gov.policy, tmp_path / "journal.jsonl", sink)
    assert again.moves["a"].approvers == gov.moves["a"].approvers
    assert again.moves["a"].executed_ms == T0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[assets.USDC]\nhot_daily_limit = 1000.5\n", "write amounts as strings"),
        ('[assets.USDC]\nlimit = "1"\n', "unknown key(s) limit"),
        ('[approvers]\naddresses = ["0x12"]\n', "is not an address"),
        ("[assets.USDC]\napprovals_required = 2\n", "approvals_required=2 > 1 approvers"),
        (
            '[destinations]\n"0x000000000000000000000000000000000000dEaD" = { assets = ["X"] }\n',
            "asset(s) without a rule: X",
        ),
    ],
)
def test_malformed_policy_is_refused_with_the_key_named(text: str, needle: str) -> None:
    import tomllib

    if "[approvers]" not in text:
        text = f'[approvers]\naddresses = ["{APPROVERS[0].address}"]\n' + text
    with pytest.raises(PolicyError) as caught:
        parse_policy(tomllib.loads(text))
    assert needle in str(caught.value)


def test_two_processes_share_the_limit_through_the_journal(
    gov: Governance, tmp_path: Path, sink: TenantAuditSink
) -> None:
    # A second Governance on the same journal (another process) opened before the first one
    # spends: it re-reads the journal under the lock, so together they stay within the limit.
    other = Governance(gov.policy, tmp_path / "journal.jsonl", sink)
    gov.request(_move("p1", "400"), T0)
    gov.execute("p1", T0, _sent)
    gov.request(_move("p2", "400"), T0)
    gov.execute("p2", T0, _sent)
    with pytest.raises(PolicyRefusedError, match="hot per-day limit"):
        other.request(_move("p3", "300"), T0)
    with pytest.raises(PolicyRefusedError, match="already executed"):
        other.execute("p1", T0, _sent)


def test_the_gate_executes_small_moves_and_parks_large_ones(gov: Governance) -> None:
    from tradewind.custody.gate import CapitalGate, MoveStatus

    sent: list[str] = []

    def send(move: CapitalMove) -> str:
        sent.append(move.move_id)
        return "0x" + "cd" * 32

    gate = CapitalGate(gov, send, lambda: T0)
    small = gate.move("top_up", "USDC", Decimal(100), EXCHANGE)
    assert small.status is MoveStatus.EXECUTED and sent == [small.move_id]
    large = gate.move("payout", "USDC", Decimal(600), EXCHANGE, move_id="payout-42")
    assert large.status is MoveStatus.PENDING and sent == [small.move_id]
    with pytest.raises(PolicyRefusedError, match="0 of 2"):
        gate.resume("payout-42")
    _approve(gov, "payout-42", 0)
    _approve(gov, "payout-42", 1)
    assert gate.resume("payout-42").status is MoveStatus.EXECUTED
    with pytest.raises(PolicyRefusedError, match="not whitelisted"):
        gate.move("payout", "USDC", Decimal(1), STRANGER)
    with pytest.raises(CustodyError, match="already exists"):
        gate.move("payout", "USDC", Decimal(1), EXCHANGE, move_id="payout-42")
    assert sent == [small.move_id, "payout-42"]
