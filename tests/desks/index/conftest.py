"""Fixtures of the index desk tests: the simulator's default instruments and mid prices, the
packaged demo indexes, accounts, and ``desk``: a harness that builds and applies events."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pytest
from eth_utils import to_checksum_address

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.definitions import (
    DEMO_INDEX_FILE,
    IndexDefinition,
    load_index_definitions,
)
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    IndexEvent,
    IndexOrderAccepted,
    IndexOrderCancelled,
    IndexTokensReturned,
    LotRecorded,
    OrderKey,
    PlannedLeg,
)
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice, Output
from tradewind.desks.index.state import IndexDeskState
from tradewind.venues.sim.market.markets import default_markets

T0 = 1_700_000_000_000_000_000


def account_address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}")


def _sim_instruments() -> tuple[dict[str, Instrument], dict[str, Decimal]]:
    instruments: dict[str, Instrument] = {}
    mids: dict[str, Decimal] = {}
    for market in default_markets():
        spec = market.spec
        symbol = f"{spec.base_asset}/{spec.quote_asset}"
        instruments[symbol] = Instrument(
            venue="sim",
            symbol=symbol,
            filters=InstrumentFilters(
                tick_size=spec.tick_size,
                step_size=spec.step_size,
                min_qty=spec.min_qty,
                max_qty=spec.max_qty,
                min_notional=spec.min_notional,
            ),
        )
        mids[symbol] = market.profile.initial_mid
    return instruments, mids


@pytest.fixture(scope="session")
def instruments() -> dict[str, Instrument]:
    return _sim_instruments()[0]


@pytest.fixture(scope="session")
def mids() -> dict[str, Decimal]:
    """The simulator's default mid prices, quote per base, by unified symbol."""
    return _sim_instruments()[1]


@pytest.fixture(scope="session")
def demo_definitions() -> tuple[IndexDefinition, ...]:
    return load_index_definitions(DEMO_INDEX_FILE, _sim_instruments()[0])


@pytest.fixture
def alice() -> str:
    return account_address(0xA11CE)


@pytest.fixture
def bob() -> str:
    return account_address(0xB0B)


class DeskHarness:
    """Builds events with increasing timestamps, applies them, keeps the journal and outputs."""

    def __init__(
        self, definitions: Iterable[IndexDefinition], mids: Mapping[str, Decimal], chain_id: int = 1
    ) -> None:
        self.definitions = {d.symbol: d for d in definitions}
        self.state = IndexDeskState(self.definitions.values())
        self.mids = dict(mids)
        self.chain_id = chain_id
        self.journal: list[IndexEvent] = []
        self.outputs: list[Output] = []
        self._ts = itertools.count(T0, 1_000)
        self._ids = itertools.count(1)

    def ts(self) -> int:
        return next(self._ts)

    def apply(self, event: IndexEvent) -> list[Output]:
        outputs = self.state.apply(event)
        self.journal.append(event)
        self.outputs.extend(outputs)
        return outputs

    def key(self, address: str, client_order_id: str) -> OrderKey:
        return OrderKey(self.chain_id, address, client_order_id)

    def deposit(
        self,
        address: str,
        amount: str | Decimal,
        *,
        asset: str = "USDT",
        routing_fees: str | Decimal = "0",
    ) -> list[Output]:
        return self.apply(
            CollateralDeposited(
                deposit_id=f"dep-{next(self._ids)}",
                chain_id=self.chain_id,
                address=address,
                asset=asset,
                amount=Decimal(amount),
                routing_fees=Decimal(routing_fees),
                ts=self.ts(),
            )
        )

    def return_tokens(self, address: str, symbol: str, quantity: str | Decimal) -> list[Output]:
        return self.apply(
            IndexTokensReturned(
                return_id=f"ret-{next(self._ids)}",
                chain_id=self.chain_id,
                address=address,
                symbol=symbol,
                quantity=Decimal(quantity),
                ts=self.ts(),
            )
        )

    def order_event(
        self,
        address: str,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        amount: str | Decimal,
    ) -> IndexOrderAccepted:
        return IndexOrderAccepted(
            chain_id=self.chain_id,
            address=address,
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            amount=Decimal(amount),
            ts=self.ts(),
        )

    def order(
        self,
        address: str,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        amount: str | Decimal,
    ) -> OrderKey:
        """Check, then journal and apply an order the check accepts (asserts it does)."""
        event = self.order_event(address, client_order_id, symbol, side, amount)
        problem = self.state.check_new_order(event)
        assert problem is None, problem
        outputs = self.apply(event)
        assert isinstance(outputs[-1], IndexOrderFillReport)
        assert outputs[-1].status == "new"
        return event.order_key

    def buy(self, address: str, client_order_id: str, symbol: str, amount: str) -> OrderKey:
        return self.order(address, client_order_id, symbol, OrderSide.BUY, amount)

    def sell(self, address: str, client_order_id: str, symbol: str, amount: str) -> OrderKey:
        return self.order(address, client_order_id, symbol, OrderSide.SELL, amount)

    def cancel(self, key: OrderKey, amount: str | Decimal) -> list[Output]:
        event = IndexOrderCancelled(
            chain_id=key.chain_id,
            address=key.address,
            client_order_id=key.client_order_id,
            cancel_id=f"cxl-{next(self._ids)}",
            amount=Decimal(amount),
            ts=self.ts(),
        )
        assert self.state.check_cancel(event) is None
        return self.apply(event)

    def basket(self, key: OrderKey, index_qty: str | Decimal) -> dict[str, Decimal]:
        """Base units of each constituent backing ``index_qty`` of the order's index."""
        order = self.state.order(key)
        assert order is not None
        definition = self.definitions[order.symbol]
        return {c.symbol: c.units * Decimal(index_qty) for c in definition.constituents}

    def plan(
        self,
        batch_id: str,
        *,
        targets: Mapping[OrderKey, Mapping[str, Decimal]] | None = None,
        inventory: Mapping[OrderKey, Mapping[str, Decimal]] | None = None,
        completions: Iterable[OrderKey] = (),
        side: OrderSide = OrderSide.BUY,
    ) -> list[Output]:
        totals: dict[str, Decimal] = {}
        for per_symbol in (targets or {}).values():
            for symbol, qty in per_symbol.items():
                totals[symbol] = totals.get(symbol, Decimal(0)) + qty
        legs = [
            PlannedLeg(
                symbol=symbol,
                side=side,
                quantity=qty,
                limit_price=self.mids[symbol],
                client_order_id=f"{batch_id}-{symbol.split('/')[0]}",
            )
            for symbol, qty in sorted(totals.items())
        ]
        return self.apply(
            BatchPlanned.build(
                batch_id=batch_id,
                legs=legs,
                targets=targets,
                inventory=inventory,
                completions=completions,
                ts=self.ts(),
            )
        )

    def lot(
        self,
        batch_id: str,
        symbol: str,
        qty: str | Decimal,
        *,
        side: OrderSide = OrderSide.BUY,
        price: str | Decimal | None = None,
        fee: str | Decimal = "0",
        fee_asset: str = "USDT",
        trade_id: str | None = None,
    ) -> list[Output]:
        return self.apply(
            LotRecorded(
                venue="sim",
                trade_id=trade_id or f"t{next(self._ids)}",
                batch_id=batch_id,
                client_order_id=f"{batch_id}-{symbol.split('/')[0]}",
                symbol=symbol,
                side=side,
                price=Decimal(price) if price is not None else self.mids[symbol],
                qty=Decimal(qty),
                fee=Decimal(fee),
                fee_asset=fee_asset,
                ts=self.ts(),
            )
        )

    def fill_basket(
        self, batch_id: str, baskets: Mapping[str, Decimal], **kwargs: object
    ) -> list[Output]:
        outputs: list[Output] = []
        for symbol, qty in baskets.items():
            outputs.extend(self.lot(batch_id, symbol, qty, **kwargs))  # type: ignore[arg-type]
        return outputs

    def close(self, batch_id: str) -> list[Output]:
        return self.apply(BatchClosed(batch_id=batch_id, ts=self.ts()))

    def complete(self, batch_id: str, *keys: OrderKey) -> list[Output]:
        return self.plan(batch_id, completions=keys)

    def reports(self, key: OrderKey) -> list[IndexOrderFillReport]:
        return [
            o
            for o in self.outputs
            if isinstance(o, IndexOrderFillReport)
            and o.client_order_id == key.client_order_id
            and o.address == key.address
        ]

    def invoices(self) -> list[MintInvoice]:
        return [o for o in self.outputs if isinstance(o, MintInvoice)]


@pytest.fixture
def desk(demo_definitions: tuple[IndexDefinition, ...], mids: dict[str, Decimal]) -> DeskHarness:
    return DeskHarness(demo_definitions, mids)


@pytest.fixture(scope="session")
def make_desk() -> type[DeskHarness]:
    """The harness class, for tests that build their own definitions."""
    return DeskHarness
