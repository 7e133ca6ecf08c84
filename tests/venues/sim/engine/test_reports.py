"""The engine's fast report constructors build the very objects the dataclasses would: same
class, equal, hashable alike, and frozen afterwards."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.venues.sim.engine.orders import (
    Fill,
    OrderStatus,
    OrderType,
    OrderView,
    PlaceResult,
    Side,
    StpMode,
    TimeInForce,
)
from tradewind.venues.sim.engine.reports import slot_constructor

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=8)
views = st.builds(
    OrderView,
    order_id=st.integers(1, 2**40),
    account_id=st.text(min_size=1, max_size=8),
    symbol=st.just("BTCUSDT"),
    client_order_id=st.text(min_size=1, max_size=22),
    side=st.sampled_from(Side),
    type=st.sampled_from(OrderType),
    time_in_force=st.sampled_from(TimeInForce),
    price=decimals,
    orig_qty=decimals,
    executed_qty=decimals,
    cumulative_quote_qty=decimals,
    status=st.sampled_from(OrderStatus),
    time=st.integers(0, 2**42),
    update_time=st.integers(0, 2**42),
    working_time=st.integers(0, 2**42),
    orig_quote_order_qty=decimals,
    stp_mode=st.sampled_from(StpMode),
    orig_client_order_id=st.none() | st.text(max_size=22),
)


make_view = slot_constructor(OrderView)


@settings(deadline=None)  # a shared machine; nothing here is about time
@given(views)
def test_fast_view_is_the_dataclass_view(expected: OrderView) -> None:
    built = make_view(*dataclasses.astuple(expected))
    assert type(built) is OrderView
    assert built == expected and hash(built) == hash(expected) and repr(built) == repr(expected)
    with pytest.raises(FrozenInstanceError):
        built.status = OrderStatus.CANCELED  # type: ignore[misc]


def test_fast_fill_and_result() -> None:
    fill = Fill(
        7, "BTCUSDT", 3, "a", Decimal("30000.00"), Decimal("0.002"), Decimal("60"),
        Decimal("0.000002"), "BTC", True, False, 1_700_000_000_000,
    )  # fmt: skip
    assert slot_constructor(Fill)(*dataclasses.astuple(fill)) == fill
    view = OrderView(
        1, "a", "BTCUSDT", "c", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, Decimal(1),
        Decimal(1), Decimal(0), Decimal(0), OrderStatus.NEW, 0, 0, 0, Decimal(0), StpMode.NONE,
    )  # fmt: skip
    result = slot_constructor(PlaceResult)(view, (fill,))
    assert type(result) is PlaceResult and result == PlaceResult(view, (fill,))


def test_a_class_without_one_slot_per_field_is_refused() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError, match="one slot per field"):
        slot_constructor(NoSlots)
