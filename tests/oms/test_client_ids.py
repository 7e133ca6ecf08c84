"""Deterministic client order ids: same intent same id, any field change a new id, Binance regex."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.core import OrderSide, OrderType, TimeInForce
from tradewind.oms import CLIENT_ORDER_ID_PATTERN, client_order_id, is_valid_client_order_id

BINANCE = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")

INTENT: dict[str, Any] = {
    "strategy_id": "index-desk",
    "intent_id": "basket-42/leg-BTC",
    "venue": "binance",
    "symbol": "BTC/USDT",
    "side": OrderSide.BUY,
    "order_type": OrderType.LIMIT,
    "quantity": D("0.50"),
    "price": D("30000.10"),
    "time_in_force": TimeInForce.GTC,
}


def make(**changes: object) -> str:
    return client_order_id(**{**INTENT, **changes})


def test_same_intent_gives_the_same_id_and_fits_binance() -> None:
    first = make()
    assert first == make()
    assert first.startswith("tw-") and len(first) == 35
    assert BINANCE.match(first) and is_valid_client_order_id(first)
    # pinned: the id must not change between releases or machines, or retries after an
    # upgrade would create second orders
    assert first == "tw-aaadabc36bad58f0f89baf119fe22345"


def test_decimal_representation_does_not_matter() -> None:
    assert make(quantity=D("0.5"), price=D("30000.1000")) == make()


@pytest.mark.parametrize(
    "change",
    [
        {"strategy_id": "mm"},
        {"intent_id": "basket-43/leg-BTC"},
        {"venue": "kraken"},
        {"symbol": "ETH/USDT"},
        {"side": OrderSide.SELL},
        {"order_type": OrderType.LIMIT_MAKER},
        {"quantity": D("0.51")},
        {"price": D("30000.11")},
        {"time_in_force": TimeInForce.IOC},
    ],
)
def test_every_attempt_free_field_changes_the_id(change: dict[str, Any]) -> None:
    assert make(**change) != make()


def test_field_boundaries_cannot_collide() -> None:
    assert make(strategy_id="ab", intent_id="c") != make(strategy_id="a", intent_id="bc")


def test_bad_prefix_and_empty_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="prefix"):
        make(prefix="toolong")
    with pytest.raises(ValueError, match="prefix"):
        make(prefix="a-")
    with pytest.raises(ValueError, match="non-empty"):
        make(intent_id="")
    assert make(prefix="x").startswith("x-")


@given(
    st.text(min_size=1, max_size=80),
    st.text(min_size=1, max_size=80),
    st.decimals(min_value=D("0.00000001"), max_value=D(10**9), places=8),
)
def test_any_input_gives_a_valid_binance_id(strategy: str, intent: str, qty: D) -> None:
    value = make(strategy_id=strategy, intent_id=intent, quantity=qty)
    assert BINANCE.match(value) and CLIENT_ORDER_ID_PATTERN.fullmatch(value)


@pytest.mark.parametrize("value", ["", "x" * 37, "has space", "dot.ted", "ünïcode"])
def test_pattern_refuses_what_binance_refuses(value: str) -> None:
    assert not is_valid_client_order_id(value)
