"""The index desk's metrics, read from its state at scrape time: orders by symbol, side and
status (zeros included), invoices, mints and minted tokens, open batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tradewind.common.metrics import new_registry
from tradewind.desks.index.metrics import IndexDeskCollector

from .test_state_buy import PRICES, _basket, _idx

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(desk: Any) -> Samples:
    registry = new_registry()
    registry.register(IndexDeskCollector(desk.state))
    text = generate_latest(registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_orders_invoices_and_mints_are_counted_from_the_state(
    instruments: Any, make_desk: Any, alice: str, bob: str
) -> None:
    desk = make_desk(_idx(instruments), PRICES)

    def get(samples: Samples, metric: str, /, **labels: str) -> float:
        return samples[(metric, frozenset(labels.items()))]

    empty = _scrape(desk)
    assert get(empty, "tradewind_index_orders", symbol="IDX", side="buy", status="new") == 0
    assert get(empty, "tradewind_index_mints_total", symbol="IDX") == 0

    desk.deposit(alice, "1000")
    desk.deposit(bob, "1000")
    filled = desk.buy(alice, "o1", "IDX", "500")
    desk.buy(bob, "o2", "IDX", "300")
    desk.plan("b1", targets={filled: _basket("2")})
    mid_batch = _scrape(desk)
    assert get(mid_batch, "tradewind_index_open_batches") == 1
    assert get(mid_batch, "tradewind_index_orders", symbol="IDX", side="buy", status="new") == 2
    desk.fill_basket("b1", _basket("2"))
    desk.close("b1")
    desk.complete("b2", filled)
    desk.close("b2")

    samples = _scrape(desk)
    assert get(samples, "tradewind_index_orders", symbol="IDX", side="buy", status="filled") == 1
    assert get(samples, "tradewind_index_orders", symbol="IDX", side="buy", status="new") == 1
    assert get(samples, "tradewind_index_invoices_total", symbol="IDX", side="buy") == 1
    assert get(samples, "tradewind_index_invoices_total", symbol="IDX", side="sell") == 0
    assert get(samples, "tradewind_index_mints_total", symbol="IDX") == 1
    assert get(samples, "tradewind_index_minted", symbol="IDX") == float(Decimal(2))
    assert get(samples, "tradewind_index_open_batches") == 0
