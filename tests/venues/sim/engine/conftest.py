"""Shared fixtures for the matching-engine tests: a hand-driven clock, BTCUSDT-like specs and a
harness that funds accounts and records every event."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tradewind.venues.sim.engine import (
    EngineEvent,
    MatchingEngine,
    NewOrder,
    OrderType,
    PlaceResult,
    Side,
    StpMode,
    SymbolSpec,
    TimeInForce,
)

T0 = 1_700_000_000_000
D = Decimal


class Clock:
    """Epoch ms that only move when a test says so."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


def btc_spec(**overrides: Any) -> SymbolSpec:
    """BTCUSDT with Binance's filters: tick 0.01, step 0.00001, min notional 5."""
    fields: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "base_asset": "BTC",
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "step_size": D("0.00001"),
        "min_price": D("0.01"),
        "max_price": D("1000000"),
        "min_qty": D("0.00001"),
        "max_qty": D("9000"),
        "market_min_qty": D("0"),
        "market_max_qty": D("100"),
        "min_notional": D("5"),
        "max_notional": D("9000000"),
    }
    fields.update(overrides)
    return SymbolSpec(**fields)


def eth_btc_spec(**overrides: Any) -> SymbolSpec:
    """ETHBTC: tick 0.00001 and step 0.0001, so a notional can have 9 decimals."""
    fields: dict[str, Any] = {
        "symbol": "ETHBTC",
        "base_asset": "ETH",
        "quote_asset": "BTC",
        "tick_size": D("0.00001"),
        "step_size": D("0.0001"),
        "min_price": D("0.00001"),
        "max_price": D("922327"),
        "min_qty": D("0.0001"),
        "max_qty": D("100000"),
        "market_max_qty": D("1000"),
        "min_notional": D("0.0001"),
        "legacy_min_notional": True,
    }
    fields.update(overrides)
    return SymbolSpec(**fields)


class Harness:
    """An engine with a manual clock, three funded accounts and the list of emitted events."""

    def __init__(self, specs: list[SymbolSpec], **engine_kwargs: Any) -> None:
        self.clock = Clock()
        self.engine = MatchingEngine(specs, self.clock, **engine_kwargs)
        self.events: list[EngineEvent] = []
        self.engine.add_listener(self.events.append)

    def fund(self, account: str, **amounts: str) -> None:
        if not self.engine.has_account(account):
            self.engine.create_account(account)
        for asset, amount in amounts.items():
            self.engine.credit(account, asset, D(amount))

    def limit(
        self,
        account: str,
        side: Side,
        qty: str,
        price: str,
        tif: TimeInForce = TimeInForce.GTC,
        symbol: str = "BTCUSDT",
        **kwargs: Any,
    ) -> PlaceResult:
        return self.engine.place(
            account,
            NewOrder(
                symbol,
                side,
                OrderType.LIMIT,
                quantity=D(qty),
                price=D(price),
                time_in_force=tif,
                **kwargs,
            ),
        )

    def maker(self, account: str, side: Side, qty: str, price: str, **kwargs: Any) -> PlaceResult:
        return self.engine.place(
            account,
            NewOrder(
                "BTCUSDT", side, OrderType.LIMIT_MAKER, quantity=D(qty), price=D(price), **kwargs
            ),
        )

    def market(
        self,
        account: str,
        side: Side,
        qty: str | None = None,
        quote: str | None = None,
        stp: StpMode = StpMode.EXPIRE_TAKER,
        symbol: str = "BTCUSDT",
    ) -> PlaceResult:
        return self.engine.place(
            account,
            NewOrder(
                symbol,
                side,
                OrderType.MARKET,
                quantity=None if qty is None else D(qty),
                quote_order_qty=None if quote is None else D(quote),
                stp_mode=stp,
            ),
        )

    def balance(self, account: str, asset: str) -> tuple[Decimal, Decimal]:
        return self.engine.balances(account)[asset]

    def take_events(self) -> list[EngineEvent]:
        out = list(self.events)
        self.events.clear()
        return out


@pytest.fixture
def h() -> Harness:
    """BTCUSDT and ETHBTC; alice, bob and carol each hold 1,000,000 USDT, 100 BTC, 1000 ETH."""
    harness = Harness([btc_spec(), eth_btc_spec()])
    for name in ("alice", "bob", "carol"):
        harness.fund(name, USDT="1000000", BTC="100", ETH="1000")
    harness.events.clear()
    return harness


@pytest.fixture
def make_harness() -> Callable[..., Harness]:
    """Build a harness on other specs: ``make_harness([spec, ...], emit_events=...)``."""
    return Harness


@pytest.fixture
def btc() -> Callable[..., SymbolSpec]:
    """``btc(**overrides)``: the BTCUSDT spec with some fields changed."""
    return btc_spec


@pytest.fixture
def ethbtc() -> Callable[..., SymbolSpec]:
    return eth_btc_spec
