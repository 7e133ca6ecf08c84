"""The index desk on chain, end to end: a USDC deposit into the vault on "arbitrum" is routed
over the bridge to "base" and the exchange's deposit address, credited by a ``tradewind sim``
process, converted to USDT; an index order over FIX/JSON fills; the invoice's tokens are minted
to the user on "base"; the routing fees on the invoice are what the chain and bridge took."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tradewind.chain.deploy import LocalChains
from tradewind.common.config import ChainLinkConfig, DeskConfig
from tradewind.desks.index.routing import RouteStage, SqliteRouteStore
from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimEndpoints, SimProcess

from .conftest import BASE, SIM_CONFIRMATIONS, USDC, RouteHarness, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def sim(
    chain_session: LocalChains, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimEndpoints]:
    # a moving market this time: the desk needs books to buy the basket on
    base = chain_session.registry.chain(BASE)
    process = SimProcess(
        database=tmp_path_factory.mktemp("desk-chain-sim") / "sim.sqlite",
        admin=True,
        market=True,
        extra_args=(
            "--chain", f"base={base.rpc_url}",
            "--chain-token", f"base={base.address('MockUSDC')}",
            "--confirmations", str(SIM_CONFIRMATIONS),
        ),
    )  # fmt: skip
    with process as endpoints:
        yield endpoints


def _desk_account(sim: SimEndpoints) -> tuple[str, str]:
    created = requests.post(
        f"{sim.rest_url}/admin/v1/accounts",
        json={"account_id": "index-desk-on-chain", "balances": {"USDT": "1"}},
        timeout=10,
    ).json()
    return created["apiKey"], created["secretKey"]


async def test_vault_deposit_to_minted_tokens_on_base(
    harness: RouteHarness,
    sim: SimEndpoints,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chains = harness.chains
    registry_path = tmp_path / "registry.json"
    chains.registry.save(registry_path)
    monkeypatch.setenv("TRADEWIND_DESK_KEY", chains.desk.private_key)
    monkeypatch.delenv("TRADEWIND_KEYSTORE", raising=False)
    api_key, api_secret = _desk_account(sim)
    venue = VenueSettings(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url, api_key=api_key,
        api_secret=api_secret,
    )  # fmt: skip
    desk_config = DeskConfig.model_validate({
        "port": 0, "database": str(tmp_path / "desk.sqlite"),
        "kernel_database": str(tmp_path / "kernel.sqlite"), "batch_interval_ms": 20,
        "local_deposits": False,
    })  # fmt: skip
    chain_config = ChainLinkConfig(
        enabled=True, registry=str(registry_path), state_dir=str(tmp_path / "chain"),
        confirmations=2, bridge_fee_bps=5, bridge_fee_fixed_usdc=Decimal("0.01"),
        poll_interval_ms=50,
    )  # fmt: skip
    user = chains.users[0]
    base_id = chains.registry.chain(BASE).chain_id
    await harness.start_relayer()
    harness.start_mining(0.1)
    runtime = IndexDeskRuntime(desk_config, venue, chain=chain_config)
    await runtime.start()
    try:
        vault_id, _ = await harness.vault_deposit(1000 * USDC, user=0)
        state = runtime.desk.state

        async def free_collateral() -> Decimal:
            view = state.account(base_id, user.address)
            usdt = view.collateral.get("USDT")
            return Decimal(0) if usdt is None else usdt.free

        free = await eventually(free_collateral, lambda v: v > 0, "collateral ready", 120)
        assert Decimal(990) < free < Decimal(1000)

        async with FixJsonClient(runtime.ws_url, user.private_key, chain_id=base_id) as client:
            seq = await client.new_index_order("chain-1", "TW10", "buy", "500")
            assert (await client.ack_or_nak(seq)).msg_type == "ACK"
            invoice = await client.wait_for(
                "MintInvoice", lambda m: m.client_order_id == "chain-1", timeout=120
            )
        quantity = Decimal(invoice.quantity)
        assert quantity > 0
        token = harness.client.contract(BASE, "IndexToken:TW10")

        async def balance() -> int:
            return int(await token.functions.balanceOf(user.address).call())

        minted = await eventually(balance, lambda b: b > 0, "index tokens minted", 60)
        assert Decimal(minted) == quantity * Decimal(10**18)

        stored = await eventually(
            lambda: asyncio.to_thread(
                runtime.desk.journal.get_invoice, base_id, user.address, "chain-1"
            ),
            lambda inv: inv is not None and inv.tx_hash is not None,
            "the mint's tx hash on the invoice",
            60,
        )
        assert stored is not None and stored.tx_hash is not None
        receipt = await harness.client.w3(BASE).eth.get_transaction_receipt(stored.tx_hash)
        assert receipt["status"] == 1

        # routing fees on the invoice: the bridge fee and the gas of every routing step, as the
        # route recorded them from receipts, valued at the price the USDC was sold for
        routes = await SqliteRouteStore.open(tmp_path / "chain" / "routes.sqlite")
        try:
            record = await routes.get(f"42161:{vault_id}")
        finally:
            await routes.close()
        assert record is not None and record.stage is RouteStage.DELIVERED
        assert record.routing_fees > 0
        fees = Decimal(stored.routing_fees)
        assert fees > 0
        ratio = fees / record.routing_fees
        assert Decimal("0.99") < ratio < Decimal("1.01")  # USDC/USDT ~ 1 on the sim

        # each capital move of the route passed custody's governance, journaled as executed
        journal = (tmp_path / "chain" / "custody-journal.jsonl").read_text().splitlines()
        executed = {
            doc["move_id"]: doc["tx_hash"]
            for doc in map(json.loads, journal)
            if doc["event"] == "executed"
        }
        for name in ("sweep", "bridge", "transfer"):
            step = record.step(name)
            assert step is not None
            assert executed[f"route:42161:{vault_id}:{name}"] == step.tx_hash
    finally:
        await runtime.stop()
