"""Routing fees, the exchange's deposit history and the route stores, without any node."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.desks.index.routing import (
    BridgeFeeQuote,
    ExchangeDeposit,
    GasPrice,
    GasPricing,
    InMemoryRouteStore,
    InvalidFeePolicyError,
    RouteStage,
    RoutingRecord,
    RoutingStep,
    SqliteRouteStore,
    VenueCapital,
    ceil_places,
    find_deposit,
    parse_deposit_history,
)
from tradewind.venues.base import DepositAddress, MalformedPayload

USER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_the_bridge_fee_is_bps_rounded_up_plus_a_fixed_part() -> None:
    quote = BridgeFeeQuote(bps=5, fixed_units=10_000)
    assert quote.fee_for(1_000_000_000) == 500_000 + 10_000
    assert quote.fee_for(1_000_001) == 501 + 10_000  # 500.0005 rounds up to 501
    assert BridgeFeeQuote(bps=0, fixed_units=0).fee_for(1) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bps": -1}, "bps"),
        ({"bps": 10_000}, "bps"),
        ({"fixed_units": -5}, "fixed fee"),
        ({"bps": True}, "bps"),
    ],
)
def test_impossible_fee_quotes_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidFeePolicyError, match=message):
        BridgeFeeQuote(**kwargs)


def test_a_fee_that_leaves_nothing_is_refused() -> None:
    with pytest.raises(InvalidFeePolicyError, match="leaves nothing"):
        BridgeFeeQuote(bps=0, fixed_units=100).fee_for(100)
    with pytest.raises(InvalidFeePolicyError, match="> 0"):
        BridgeFeeQuote().fee_for(0)


@given(
    fee_wei=st.integers(min_value=0, max_value=10**22),
    eth=st.decimals(min_value="0.01", max_value="100000", places=4),
    usdc=st.decimals(min_value="0.9", max_value="1.1", places=4),
)
def test_gas_in_usdc_is_never_less_than_paid_and_at_most_one_unit_more(
    fee_wei: int, eth: Decimal, usdc: Decimal
) -> None:
    charged = GasPrice(eth_usdt=eth, usdc_usdt=usdc).usdc_for_wei(fee_wei)
    exact = Decimal(fee_wei) * eth / usdc / Decimal(10) ** 18  # default context: 28 digits
    assert charged.as_tuple().exponent == -8
    assert charged >= exact - Decimal("1e-20")
    assert charged - exact < Decimal("1e-8")


def test_gas_at_par_is_exact_wei_times_price() -> None:
    price = GasPrice(eth_usdt=Decimal("3000"), usdc_usdt=Decimal(1))
    assert price.usdc_for_wei(10**15) == Decimal("3.00000000")  # 0.001 ETH
    assert price.usdc_for_wei(1) == Decimal("0.00000001")  # any wei costs a unit
    assert price.usdc_for_wei(0) == Decimal("0E-8")
    with pytest.raises(InvalidFeePolicyError):
        GasPrice(eth_usdt=Decimal(0), usdc_usdt=Decimal(1))
    assert ceil_places(Decimal("1.000000001")) == Decimal("1.00000001")


async def test_gas_pricing_samples_eth_and_usdc_or_takes_par() -> None:
    async def eth() -> Decimal:
        return Decimal("2500")

    async def usdc() -> Decimal:
        return Decimal("0.9995")

    assert await GasPricing(eth).sample() == GasPrice(eth_usdt=Decimal(2500), usdc_usdt=Decimal(1))
    assert (await GasPricing(eth, usdc).sample()).usdc_usdt == Decimal("0.9995")


_ROW = {
    "id": "dep-1",
    "amount": "999.49000000",
    "coin": "USDC",
    "network": "BASE",
    "status": 1,
    "address": "0xabc",
    "addressTag": "",
    "txId": "0xABCDEF",
    "insertTime": 1700000000000,
    "completeTime": 1700000000000,
    "transferType": 0,
    "confirmTimes": "2/2",
    "unlockConfirm": 2,
    "walletType": 0,
}


def test_deposit_history_rows_parse_and_are_found_by_transaction() -> None:
    [row] = parse_deposit_history("sim", [_ROW])
    assert row == ExchangeDeposit(
        tx_id="0xABCDEF",
        coin="USDC",
        network="BASE",
        amount=Decimal("999.49"),
        address="0xabc",
        status=1,
        confirm_times="2/2",
        insert_time_ms=1700000000000,
    )
    assert row.credited
    assert find_deposit([row], "0xabcdef") is row
    assert find_deposit([row], "0x01") is None


@pytest.mark.parametrize(
    "payload",
    [
        {"code": -1},
        [1],
        [{**_ROW, "amount": "lots"}],
        [{k: v for k, v in _ROW.items() if k != "txId"}],
    ],
)
def test_malformed_deposit_history_is_refused(payload: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_deposit_history("sim", payload)


class _AddressOnly:
    async def deposit_address(self, coin: str, network: str) -> DepositAddress:
        return DepositAddress(coin=coin, network=network, address=USER)


def test_venue_capital_needs_a_history_source_when_the_adapter_has_none() -> None:
    with pytest.raises(TypeError, match="deposit_history"):
        VenueCapital(_AddressOnly())  # type: ignore[arg-type]


def _record(deposit_id: str, stage: RouteStage, created: int) -> RoutingRecord:
    step = RoutingStep(
        name="sweep",
        chain_id=42161,
        intent_id=f"route:{deposit_id}:sweep",
        tx_hash="0x01",
        block_number=5,
        gas_used=50_000,
        effective_gas_price=10**9,
        fee_wei=5 * 10**13,
    )
    return RoutingRecord(
        deposit_id=deposit_id,
        chain_id=42161,
        vault_deposit_id=int(deposit_id.split(":")[1]),
        user=USER,
        token=TOKEN,
        index_symbol="TW10",
        amount_units=2_000_000,
        decimals=6,
        deposit_tx_hash="0x02",
        deposit_block=4,
        stage=stage,
        created_ns=created,
        updated_ns=created,
        steps=(step,),
        bridge_fee_units=1_010,
        output_units=1_998_990,
        credited_amount=Decimal("1.99899"),
        gas_price=GasPrice(eth_usdt=Decimal("3000.5"), usdc_usdt=Decimal(1)),
        gas_usdc=Decimal("0.15002500"),
        routing_fees=Decimal("0.15103500"),
    )


def test_a_record_adds_each_step_once_and_sums_its_gas() -> None:
    record = _record("42161:1", RouteStage.SWEPT, 1)
    again = record.with_step(record.steps[0], stage=RouteStage.BRIDGED)
    assert len(again.steps) == 1 and again.stage is RouteStage.BRIDGED
    assert record.gas_fee_wei == 5 * 10**13
    assert record.amount == Decimal(2) and record.bridge_fee == Decimal("0.00101")
    assert RoutingRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_route_stores_keep_records_and_list_the_unfinished(kind: str, tmp_path: Path) -> None:
    store: Any = (
        InMemoryRouteStore()
        if kind == "memory"
        else await SqliteRouteStore.open(tmp_path / "routes.sqlite")
    )
    try:
        await store.put(_record("42161:2", RouteStage.BRIDGED, 2))
        await store.put(_record("42161:1", RouteStage.DELIVERED, 1))
        await store.put(_record("42161:3", RouteStage.FAILED, 3))
        await store.put(_record("42161:2", RouteStage.FILLED, 2))  # replaced, not added
        assert [r.deposit_id for r in await store.all()] == ["42161:1", "42161:2", "42161:3"]
        assert [(r.deposit_id, r.stage) for r in await store.unfinished()] == [
            ("42161:2", RouteStage.FILLED)
        ]
        assert await store.get("42161:2") == _record("42161:2", RouteStage.FILLED, 2)
        assert await store.get("42161:9") is None
    finally:
        if kind == "sqlite":
            await store.close()
