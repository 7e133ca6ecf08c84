"""Index desk events: keys, exact JSON round trips, and refusals of bad fields and kinds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tradewind.core.enums import LiquiditySide, OrderSide
from tradewind.core.fills import Fill
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    HouseFill,
    IndexEvent,
    IndexOrderAccepted,
    IndexOrderCancelled,
    IndexTokensReturned,
    InvalidIndexEvent,
    LotRecorded,
    OrderEnd,
    OrderKey,
    PlannedLeg,
    decode_event,
)

ADDRESS = "0x00000000000000000000000000000000000A11cE"


def _events() -> list[IndexEvent]:
    key = OrderKey(1, ADDRESS, "o-1")
    other = OrderKey(8453, ADDRESS, "o-2")
    return [
        CollateralDeposited(
            deposit_id="d-1",
            chain_id=1,
            address=ADDRESS,
            asset="USDT",
            amount=Decimal("100.12345678"),
            routing_fees=Decimal("0.5"),
            ts=1,
        ),
        IndexTokensReturned(
            return_id="r-1",
            chain_id=1,
            address=ADDRESS,
            symbol="TW10",
            quantity=Decimal("0.001"),
            ts=2,
        ),
        IndexOrderAccepted(
            chain_id=1,
            address=ADDRESS,
            client_order_id="o-1",
            symbol="TW10",
            side=OrderSide.BUY,
            amount=Decimal("50"),
            ts=3,
        ),
        IndexOrderCancelled(
            chain_id=1,
            address=ADDRESS,
            client_order_id="o-1",
            cancel_id="7",
            amount=Decimal("1E+1"),
            ts=4,
        ),
        BatchPlanned.build(
            batch_id="b-1",
            legs=[
                PlannedLeg(
                    symbol="BTC/USDT",
                    side=OrderSide.BUY,
                    quantity=Decimal("0.00040"),
                    limit_price=Decimal("95100.01"),
                    client_order_id="ix-abc",
                )
            ],
            targets={
                other: {"ETH/USDT": Decimal("0.006")},
                key: {"BTC/USDT": Decimal("0.0004"), "ETH/USDT": Decimal("0")},
            },
            inventory={key: {"SOL/USDT": Decimal("0.05")}},
            completions=[other],
            ts=5,
        ),
        LotRecorded(
            venue="sim",
            trade_id="42",
            batch_id="b-1",
            client_order_id="ix-abc",
            symbol="BTC/USDT",
            side=OrderSide.BUY,
            price=Decimal("95000.5"),
            qty=Decimal("0.0004"),
            fee=Decimal("-0.00000001"),
            fee_asset="BTC",
            ts=6,
        ),
        BatchClosed(batch_id="b-1", ts=7),
    ]


@pytest.mark.parametrize("event", _events(), ids=lambda e: type(e).__name__)
def test_every_event_round_trips_exactly(event: IndexEvent) -> None:
    text = event.to_json()
    again = decode_event(text)
    assert again == event
    assert type(again).from_json(text) == event
    assert again.to_json() == text
    assert json.loads(text)["kind"] == event.KIND


def test_keys_name_what_makes_each_event_unique() -> None:
    keys = [e.key for e in _events()]
    assert keys == [
        "dep:d-1",
        "ret:r-1",
        f"ord:1:{ADDRESS}:o-1",
        f"cxl:1:{ADDRESS}:o-1:7",
        "batch:b-1",
        "lot:sim:BTC/USDT:42",
        "close:b-1",
    ]


def test_build_orders_targets_canonically_and_drops_zeros() -> None:
    planned = next(e for e in _events() if isinstance(e, BatchPlanned))
    assert [(t.order.client_order_id, t.symbol) for t in planned.targets] == [
        ("o-1", "BTC/USDT"),
        ("o-2", "ETH/USDT"),
    ]
    assert planned.inventory_assignments[0].quantity == Decimal("0.05")


def test_decimals_travel_as_strings_and_keep_their_digits() -> None:
    deposit = _events()[0]
    data = json.loads(deposit.to_json())
    assert data["amount"] == "100.12345678"
    assert data["routing_fees"] == "0.5"
    cancel = json.loads(_events()[3].to_json())
    assert cancel["amount"] == "10"


def test_lot_from_kernel_fill() -> None:
    fill = Fill(
        venue="sim",
        symbol="ETH/USDT",
        trade_id="9",
        venue_order_id="v9",
        client_order_id="ix-1",
        side=OrderSide.SELL,
        price=Decimal("3100"),
        qty=Decimal("0.5"),
        fee=Decimal("1.55"),
        fee_asset="USDT",
        liquidity_side=LiquiditySide.TAKER,
        ts_event=11,
    )
    lot = LotRecorded.from_fill(fill, "b-9")
    assert lot.key == "lot:sim:ETH/USDT:9"  # venue trade ids are unique per symbol
    assert (lot.batch_id, lot.client_order_id, lot.side, lot.ts) == (
        "b-9",
        "ix-1",
        OrderSide.SELL,
        11,
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"kind":"order_teleported","ts":1}',
        '{"ts":1}',
        "[1, 2]",
        "not json",
    ],
)
def test_decode_refuses_unknown_kinds_and_non_events(text: str) -> None:
    with pytest.raises(InvalidIndexEvent):
        decode_event(text)


def test_decode_refuses_numbers_for_decimals_missing_and_extra_fields() -> None:
    good = json.loads(_events()[2].to_json())
    for broken in (
        {**good, "amount": 50.5},
        {**good, "amount": "fifty"},
        {k: v for k, v in good.items() if k != "side"},
        {**good, "colour": "red"},
        {**good, "side": "hold"},
        {**good, "ts": "3"},
    ):
        with pytest.raises(InvalidIndexEvent):
            decode_event(json.dumps(broken))


def test_from_json_of_another_kind_is_refused() -> None:
    with pytest.raises(InvalidIndexEvent, match="expected kind"):
        BatchClosed.from_json(_events()[0].to_json())


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (
            lambda: CollateralDeposited(
                deposit_id="d",
                chain_id=1,
                address=ADDRESS.lower(),
                asset="USDT",
                amount=Decimal(1),
                ts=1,
            ),
            "address",
        ),
        (
            lambda: CollateralDeposited(
                deposit_id="d", chain_id=0, address=ADDRESS, asset="USDT", amount=Decimal(1), ts=1
            ),
            "chain_id",
        ),
        (
            lambda: CollateralDeposited(
                deposit_id="d", chain_id=1, address=ADDRESS, asset="USDT", amount=Decimal(0), ts=1
            ),
            "amount",
        ),
        (
            lambda: CollateralDeposited(
                deposit_id="d",
                chain_id=1,
                address=ADDRESS,
                asset="USDT",
                amount=Decimal(1),
                routing_fees=Decimal(2),
                ts=1,
            ),
            "routing_fees",
        ),
        (
            lambda: CollateralDeposited(
                deposit_id="has space",
                chain_id=1,
                address=ADDRESS,
                asset="USDT",
                amount=Decimal(1),
                ts=1,
            ),
            "deposit_id",
        ),
        (
            lambda: IndexOrderAccepted(
                chain_id=1,
                address=ADDRESS,
                client_order_id="o",
                symbol="TW10",
                side="buy",  # type: ignore[arg-type]
                amount=Decimal(1),
                ts=1,
            ),
            "side",
        ),
        (
            lambda: IndexOrderAccepted(
                chain_id=1,
                address=ADDRESS,
                client_order_id="o",
                symbol="TW10",
                side=OrderSide.BUY,
                amount=Decimal("NaN"),
                ts=1,
            ),
            "amount",
        ),
        (
            lambda: IndexOrderAccepted(
                chain_id=1,
                address=ADDRESS,
                client_order_id="o",
                symbol="TW10",
                side=OrderSide.BUY,
                amount=Decimal(1),
                ts=-1,
            ),
            "ts",
        ),
        (
            lambda: LotRecorded(
                venue="sim",
                trade_id="1",
                batch_id="b",
                client_order_id="c",
                symbol="BTCUSDT",
                side=OrderSide.BUY,
                price=Decimal(1),
                qty=Decimal(1),
                fee=Decimal(0),
                fee_asset="USDT",
                ts=1,
            ),
            "symbol",
        ),
        (
            lambda: LotRecorded(
                venue="sim",
                trade_id="1",
                batch_id="b",
                client_order_id="c",
                symbol="BTC/USDT",
                side=OrderSide.BUY,
                price=Decimal(1),
                qty=Decimal(1),
                fee=Decimal(1),
                fee_asset="BTC",
                ts=1,
            ),
            "fee",
        ),
        (
            lambda: BatchPlanned(batch_id="b", completions=(OrderKey(1, ADDRESS, "o"),) * 2, ts=1),
            "completions",
        ),
    ],
)
def test_bad_fields_are_refused_by_name(build: object, field: str) -> None:
    with pytest.raises(InvalidIndexEvent, match=field):
        build()  # type: ignore[operator]


def test_house_fills_and_end_reasons_round_trip_and_stay_out_of_json_while_empty() -> None:
    key = OrderKey(1, ADDRESS, "o-1")
    event = BatchPlanned(
        batch_id="b-9",
        completions=(key,),
        ts=9,
        house_fills=(
            HouseFill(symbol="DOT/USDT", quantity=Decimal("1.248"), price=Decimal("2.5715")),
        ),
        end_reasons=(OrderEnd(order=key, reason="no batch can sell its DOT/USDT leg"),),
    )
    assert decode_event(event.to_json()) == event
    assert event.end_reason(key) == "no batch can sell its DOT/USDT leg"
    assert event.end_reason(OrderKey(1, ADDRESS, "o-2")) is None
    # journals written before these fields existed decode, and encode back byte for byte
    plain = BatchPlanned(batch_id="b-1", completions=(key,), ts=1)
    assert "house_fills" not in plain.to_json() and "end_reasons" not in plain.to_json()
    assert decode_event(plain.to_json()) == plain


def test_an_end_reason_for_an_order_the_batch_does_not_end_is_refused() -> None:
    key = OrderKey(1, ADDRESS, "o-1")
    with pytest.raises(InvalidIndexEvent, match=r"end_reasons: .* not among the completions"):
        BatchPlanned(batch_id="b-1", ts=1, end_reasons=(OrderEnd(order=key, reason="why"),))
    with pytest.raises(InvalidIndexEvent, match="reason"):
        BatchPlanned(
            batch_id="b-1", completions=(key,), ts=1,
            end_reasons=(OrderEnd(order=key, reason="line\nbreak"),),
        )  # fmt: skip
