"""SolverConfig, IndexBasket, OrderDemand and BookLevels refuse bad input with named errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver import (
    BasketError,
    BookLevels,
    BookLevelsError,
    IndexBasket,
    OrderDemand,
    OrderDemandError,
    SolverConfig,
    SolverConfigError,
)

D = Decimal


def test_default_config_is_valid_and_frozen() -> None:
    config = SolverConfig()
    assert config.depth_levels >= 1
    assert 0 < config.liquidity_fraction <= 1
    with pytest.raises(AttributeError):
        config.depth_levels = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price_threshold", D("-0.01")),
        ("price_threshold", D(1)),
        ("price_threshold", 0.01),
        ("liquidity_fraction", D(0)),
        ("liquidity_fraction", D("1.5")),
        ("taker_fee_rate", D(1)),
        ("min_notional_padding", D("-0.1")),
        ("depth_levels", 0),
        ("depth_levels", True),
        ("depth_levels", 2.0),
        ("max_order_volley", D(0)),
        ("max_batch_volley", D(-5)),
        ("max_in_flight_volley", D("NaN")),
        ("max_batch_volley", 1000),
    ],
)
def test_invalid_config_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(SolverConfigError) as raised:
        SolverConfig(**{field: value})  # type: ignore[arg-type]
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_unknown_config_field_is_refused() -> None:
    with pytest.raises(TypeError):
        SolverConfig(price_treshold=D("0.01"))  # type: ignore[call-arg]


def _basket(**overrides: object) -> IndexBasket:
    fields: dict[str, object] = {
        "symbol": "TW2",
        "quote_asset": "USDT",
        "units": {"BTC/USDT": D("0.001"), "ETH/USDT": D("0.01")},
        "quantity_step": D("0.001"),
    }
    fields.update(overrides)
    return IndexBasket(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"units": {}}, "units"),
        ({"units": {"BTC/USDT": D(0)}}, "units[BTC/USDT]"),
        ({"units": {"BTC/USDT": 0.1}}, "units[BTC/USDT]"),
        ({"quantity_step": D(0)}, "quantity_step"),
        ({"mint_fee_rate": D(1)}, "mint_fee_rate"),
        ({"redeem_fee_rate": D("-0.001")}, "redeem_fee_rate"),
        ({"symbol": " TW2"}, "symbol"),
    ],
)
def test_invalid_basket_is_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(BasketError) as raised:
        _basket(**overrides)
    assert raised.value.field == field


def test_basket_keeps_its_own_copy_of_units() -> None:
    units = {"BTC/USDT": D("0.001")}
    basket = _basket(units=units)
    units["BTC/USDT"] = D(5)
    assert basket.units["BTC/USDT"] == D("0.001")
    with pytest.raises(TypeError):
        basket.units["BTC/USDT"] = D(1)  # type: ignore[index]
    assert basket == _basket(units={"BTC/USDT": D("0.001")})
    assert hash(basket) == hash(_basket(units={"BTC/USDT": D("0.001")}))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"remaining": D(-1)}, "remaining"),
        ({"remaining": 10.0}, "remaining"),
        ({"assigned": {"SOL/USDT": D(1)}}, "assigned"),
        ({"assigned": {"BTC/USDT": D(-1)}}, "assigned[BTC/USDT]"),
        ({"volley_cap": D(0)}, "volley_cap"),
        ({"side": "buy"}, "side"),
        ({"sequence": True}, "sequence"),
        ({"key": ""}, "key"),
    ],
)
def test_invalid_order_demand_is_refused(overrides: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "key": "o1",
        "basket": _basket(),
        "side": OrderSide.BUY,
        "remaining": D(100),
        "assigned": {},
    }
    fields.update(overrides)
    with pytest.raises(OrderDemandError) as raised:
        OrderDemand(**fields)  # type: ignore[arg-type]
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("bids", "asks", "field"),
    [
        (((D(10), D(1)), (D(11), D(1))), (), "bids[1].price"),  # bids must fall
        ((), ((D(10), D(1)), (D(10), D(1))), "asks[1].price"),  # strictly
        (((D(10), D(0)),), (), "bids[0].qty"),
        (((D(10), D(1)),), ((D(10), D(1)),), "bids[0].price"),  # crossed
        (((D(-1), D(1)),), (), "bids[0].price"),
        (((D(10),),), (), "bids[0]"),
    ],
)
def test_bad_book_levels_are_refused(bids: object, asks: object, field: str) -> None:
    with pytest.raises(BookLevelsError) as raised:
        BookLevels(bids=bids, asks=asks)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_book_mid_and_sides() -> None:
    book = BookLevels(bids=((D(99), D(1)),), asks=((D(101), D(2)),))
    assert book.mid == D(100)
    assert book.side(OrderSide.BUY) == ((D(101), D(2)),)
    assert book.side(OrderSide.SELL) == ((D(99), D(1)),)
    assert BookLevels(bids=(), asks=()).mid is None
    assert BookLevels(bids=(), asks=((D(5), D(1)),)).mid == D(5)
