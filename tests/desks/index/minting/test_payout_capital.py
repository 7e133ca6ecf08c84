"""Payouts and hot-wallet top-ups through custody's gate: within the hot per-day limit they are
journaled and audited as executed; a payout over it is refused, recorded and pays nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.chain.tx import InMemoryIntentStore
from tradewind.core.enums import OrderSide
from tradewind.custody.errors import CustodyError
from tradewind.custody.governance import Governance
from tradewind.desks.index.capital import (
    CapitalMoveRefused,
    DeskCapital,
    move_id_for,
    registry_policy,
)
from tradewind.desks.index.minting import (
    CollateralPayer,
    payout_float_intent,
    payout_intent,
)

from .conftest import ARB, ARB_ID, USDC, MintingHarness


class ListAudit:
    """An in-memory AuditSink: the entries governance appended, in order."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def append(self, entry: bytes) -> int:
        self.entries.append(entry)
        return len(self.entries) - 1


def _capital(harness: MintingHarness, tmp_path: Path, audit: ListAudit, limit: str) -> DeskCapital:
    policy = registry_policy(harness.registry, hot_daily_limit=Decimal(limit))
    return DeskCapital(Governance(policy, tmp_path / "gov.jsonl", audit))


def _events(audit: ListAudit) -> list[tuple[str, str]]:
    return [(doc["event"], doc["move_id"]) for doc in map(json.loads, audit.entries)]


async def test_a_top_up_and_payout_within_the_hot_limit_execute_through_the_gate(
    harness: MintingHarness, tmp_path: Path
) -> None:
    audit = ListAudit()
    capital = _capital(harness, tmp_path, audit, "1000")
    payer = CollateralPayer.from_registry(harness.registry, harness.wallet(ARB), capital=capital)
    await harness.fund_usdc(ARB, harness.desk, 500 * USDC)
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(120))

    payout = await payer.pay(invoice)
    assert payout is not None and payout.amount_units == 120 * USDC
    assert await harness.usdc_balance(ARB, invoice.address) == 120 * USDC
    top_up = move_id_for(payout_float_intent(invoice.invoice_id))
    pay = move_id_for(payout_intent(invoice.invoice_id))
    assert _events(audit) == [
        ("requested", top_up),
        ("executed", top_up),
        ("requested", pay),
        ("executed", pay),
    ]
    docs = [json.loads(entry) for entry in audit.entries]
    assert docs[0]["move"]["kind"] == "top_up" and docs[0]["move"]["destination"] == payer.vault
    assert docs[2]["move"]["kind"] == "payout" and docs[2]["move"]["amount"] == "120.000000"
    assert docs[3]["tx_hash"] == payout.tx_hash
    assert capital.governance.spent_today("USDC", docs[3]["at_ms"]) == Decimal(240)

    # Paid again: the move executed already, nothing is asked or sent twice.
    nonce = await harness.desk_nonce(ARB)
    again = await payer.pay(invoice)
    assert again is not None and again.tx_hash == payout.tx_hash
    assert await harness.desk_nonce(ARB) == nonce and len(audit.entries) == 4


async def test_a_payout_over_the_hot_limit_is_refused_and_pays_nothing(
    harness: MintingHarness, tmp_path: Path
) -> None:
    await harness.vault_deposit(1_000 * USDC)  # the vault holds the USDC: no top-up needed
    audit = ListAudit()
    store = InMemoryIntentStore()
    capital = _capital(harness, tmp_path, audit, "100")
    payer = CollateralPayer.from_registry(
        harness.registry, harness.wallet(ARB, store), capital=capital
    )
    invoice = harness.invoice(OrderSide.SELL, Decimal(1), amount_paid=Decimal(250))
    nonce = await harness.desk_nonce(ARB)

    with pytest.raises(CapitalMoveRefused, match=r"hot per-day limit: 0 \+ 250\.000000 USDC"):
        await payer.pay(invoice)
    pay = move_id_for(payout_intent(invoice.invoice_id))
    assert _events(audit) == [("refused", pay)]
    assert await harness.usdc_balance(ARB, invoice.address) == 0
    assert await harness.desk_nonce(ARB) == nonce
    assert await store.get(ARB_ID, payout_intent(invoice.invoice_id)) is None

    # Surfaced, not swallowed: the background path logs it and a later resume asks again.
    with pytest.raises(CapitalMoveRefused):
        await payer.pay(invoice)
    assert _events(audit) == [("refused", pay), ("refused", pay)]


def test_long_intents_get_a_bounded_move_id_and_bad_limits_are_refused(
    harness: MintingHarness,
) -> None:
    long_intent = "route:" + "4" * 80 + ":transfer"
    move_id = move_id_for(long_intent)
    assert len(move_id) <= 64 and move_id != move_id_for(long_intent + "x")
    assert move_id_for("payout:abc") == "payout:abc"
    with pytest.raises(CustodyError, match="hot_daily_limit"):
        registry_policy(harness.registry, hot_daily_limit=Decimal(-1))
