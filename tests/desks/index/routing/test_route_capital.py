"""Routing through custody's gate: every on-chain move of a route (vault sweep, bridge deposit,
transfer to the exchange) is asked of the policy first and journaled; a transfer to a deposit
address the policy does not whitelist is refused, fails the route and sends nothing."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from tradewind.custody.governance import Governance
from tradewind.desks.index.capital import DeskCapital, registry_policy
from tradewind.desks.index.routing import CollateralRouter, RouteStage

from .conftest import BASE, USDC, RouteHarness, eventually

pytestmark = pytest.mark.e2e


class ListAudit:
    """An in-memory AuditSink: the entries governance appended, in order."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def append(self, entry: bytes) -> int:
        self.entries.append(entry)
        return len(self.entries) - 1


def _events(audit: ListAudit) -> list[tuple[str, str]]:
    return [(doc["event"], doc["move_id"]) for doc in map(json.loads, audit.entries)]


async def _capital(
    harness: RouteHarness, journal: Path, audit: ListAudit, *, whitelist_exchange: bool
) -> DeskCapital:
    extra = [(harness.chains.desk.address, "desk hot wallet")]
    if whitelist_exchange:
        where = await harness.adapter.deposit_address("USDC", "BASE")
        extra.append((where.address, "exchange deposit address"))
    policy = registry_policy(harness.chains.registry, extra_destinations=extra)
    return DeskCapital(Governance(policy, journal, audit))


async def _route_one(harness: RouteHarness, router: CollateralRouter, amount: int) -> str:
    await harness.start_relayer()
    source = harness.source(router)
    harness.start_mining()
    await source.start(harness.sink)
    try:
        vault_id, _ = await harness.vault_deposit(amount)
        deposit_id = f"42161:{vault_id}"

        async def stage() -> RouteStage | None:
            record = await router.store.get(deposit_id)
            return record.stage if record is not None else None

        await eventually(
            stage, lambda s: s in (RouteStage.DELIVERED, RouteStage.FAILED), "the route", 90
        )
    finally:
        await source.stop()
        await harness.stop_mining()
    return deposit_id


async def test_a_whitelisted_route_passes_the_gate_step_by_step(
    harness: RouteHarness, tmp_path: Path
) -> None:
    audit = ListAudit()
    capital = await _capital(harness, tmp_path / "gov.jsonl", audit, whitelist_exchange=True)
    router = harness.router(capital=capital)
    deposit_id = await _route_one(harness, router, 100 * USDC)

    record = await router.store.get(deposit_id)
    assert record is not None and record.stage is RouteStage.DELIVERED, record
    delivered = await asyncio.wait_for(harness.delivered.get(), 5)
    assert delivered.amount == Decimal(100)
    # requested + executed for each capital move, in order; the approval is not a move
    ids = [f"route:{deposit_id}:{name}" for name in ("sweep", "bridge", "transfer")]
    assert _events(audit) == [(e, i) for i in ids for e in ("requested", "executed")]
    executed = {
        doc["move_id"]: doc["tx_hash"]
        for doc in map(json.loads, audit.entries)
        if doc["event"] == "executed"
    }
    for name, move_id in zip(("sweep", "bridge", "transfer"), ids, strict=True):
        step = record.step(name)
        assert step is not None and executed[move_id] == step.tx_hash
    journal = (tmp_path / "gov.jsonl").read_bytes().splitlines()
    assert journal == audit.entries  # the journal and the audit log hold the same decisions


async def test_a_transfer_to_a_deposit_address_off_the_whitelist_is_refused(
    harness: RouteHarness, tmp_path: Path
) -> None:
    audit = ListAudit()
    capital = await _capital(harness, tmp_path / "gov.jsonl", audit, whitelist_exchange=False)
    router = harness.router(capital=capital)
    token = harness.client.contract(BASE, "MockUSDC")
    where = await harness.adapter.deposit_address("USDC", "BASE")
    deposit_id = await _route_one(harness, router, 100 * USDC)

    record = await router.store.get(deposit_id)
    assert record is not None and record.stage is RouteStage.FAILED
    assert record.error is not None and record.error.startswith("filled: CapitalMoveRefused")
    assert "is not whitelisted for USDC" in record.error
    assert record.step("transfer") is None
    exchange = to_checksum_address(where.address)
    assert await token.functions.balanceOf(exchange).call() == 0  # nothing sent
    assert await harness.history.deposit_history("USDC") == []
    assert harness.delivered.empty()
    transfer = f"route:{deposit_id}:transfer"
    assert _events(audit)[-1] == ("refused", transfer)
    assert ("executed", transfer) not in _events(audit)
