"""Invariants of IndexDeskState over random definitions, orders, batches, lots and cancels.

After every event: collateral conserved per account exactly (deposited + proceeds = spent +
fees + routing + free + reserved), reserved = what open buys hold, no lot over-assigned, every
filled quantity backed (filled x units_j <= assigned_j, equal once a buy ended), filled
quantities only grow, index positions add up, and the desk's own cash plus every account's
collateral equals what the venue holds. At the end, replaying the journal into a fresh state
gives the same outputs and the same state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.definitions import IndexDefinition, load_index_definitions
from tradewind.desks.index.events import OrderKey
from tradewind.desks.index.reports import IndexOrderFillReport, IndexOrderStatus, MintInvoice
from tradewind.desks.index.rounding import floor_to
from tradewind.desks.index.state import IndexDeskState

D = Decimal
POOL = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT")
ACCOUNTS = tuple(to_checksum_address(f"0x{n:040x}") for n in (0xA11CE, 0xB0B))
QUOTE = "USDT"


@st.composite
def _definitions(
    draw: st.DrawFn, instruments: dict[str, Instrument]
) -> tuple[IndexDefinition, ...]:
    entries = []
    for name in ("PA", "PB")[: draw(st.integers(1, 2))]:
        symbols = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True))
        units = {
            s: str(instruments[s].filters.step_size * draw(st.integers(1, 60))) for s in symbols
        }
        entries.append(
            {
                "symbol": name,
                "quote_asset": QUOTE,
                "quantity_step": draw(st.sampled_from(["0.001", "0.01", "0.1"])),
                "units": units,
                "fees": {
                    "mint_bps": str(draw(st.integers(0, 50))),
                    "redeem_bps": str(draw(st.integers(0, 50))),
                    "min_fee": draw(st.sampled_from(["0", "0.5"])),
                },
            }
        )
    return load_index_definitions({"index": entries}, instruments)


def _money(draw: st.DrawFn, low: int, high: int) -> Decimal:
    return D(draw(st.integers(low * 100, high * 100))) / 100


class _Checker:
    """Holds what the invariants compare against across events."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk
        self.filled: dict[OrderKey, Decimal] = {}
        self.venue_cash = D(0)
        self.returned: dict[tuple[str, str], Decimal] = {}

    def check(self) -> None:
        state: IndexDeskState = self.desk.state
        orders = state.orders()
        definitions = state.definitions
        for order in orders:
            definition = definitions[order.symbol]
            assert order.filled_quantity >= self.filled.get(order.key, D(0))
            self.filled[order.key] = order.filled_quantity
            assert order.filled_quantity <= order.amount or order.side is OrderSide.BUY
            for constituent in definition.constituents:
                backing = order.filled_quantity * constituent.units
                held = order.assigned.get(constituent.symbol, D(0))
                assert backing <= held
                if not order.status.is_open:
                    assert backing == held
            if order.side is OrderSide.BUY:
                assert order.collateral_remaining >= 0
        traded: dict[str, Decimal] = {}
        for lot in state.lots():
            assert all(q > 0 for q in lot.allocations.values())
            assert sum(lot.allocations.values(), D(0)) <= lot.net_qty
            sign = 1 if lot.side is OrderSide.BUY else -1
            traded[lot.symbol] = traded.get(lot.symbol, D(0)) + sign * lot.net_qty
        # every unit bought less every unit sold is held for an order, by the house, or owed
        inventory, deficits = state.house_inventory(), state.house_deficits()
        for symbol in set(traded) | set(inventory) | set(deficits):
            held = sum(
                (
                    o.assigned.get(symbol, D(0)) * (1 if o.side is OrderSide.BUY else -1)
                    for o in orders
                ),
                D(0),
            )
            expected = held + inventory.get(symbol, D(0)) - deficits.get(symbol, D(0))
            assert traded.get(symbol, D(0)) == expected, symbol
        for batch in state.open_batches():
            for per_symbol in batch.remaining_targets.values():
                assert all(q >= 0 for q in per_symbol.values())
        users_cash = D(0)
        for address in ACCOUNTS:
            account = state.account(1, address)
            for view in account.collateral.values():
                assert view.conserved, view
                assert view.free >= 0 and view.reserved >= 0
                open_buys = sum(
                    (
                        o.collateral_remaining
                        for o in orders
                        if o.status.is_open and o.side is OrderSide.BUY and o.key.address == address
                    ),
                    D(0),
                )
                assert view.reserved == open_buys
                users_cash += view.free + view.reserved
            for symbol, position in account.positions.items():
                mine = [o for o in orders if o.key.address == address and o.symbol == symbol]
                minted = sum(
                    (
                        o.filled_quantity
                        for o in mine
                        if o.side is OrderSide.BUY and not o.status.is_open
                    ),
                    D(0),
                )
                burned = sum(
                    (
                        o.filled_quantity
                        for o in mine
                        if o.side is OrderSide.SELL and not o.status.is_open
                    ),
                    D(0),
                )
                reserved = sum(
                    (o.amount for o in mine if o.side is OrderSide.SELL and o.status.is_open), D(0)
                )
                returned = self.returned.get((address, symbol), D(0))
                assert position.total == returned + minted - burned
                assert position.reserved == reserved and position.free >= 0
        assert users_cash + state.house_cash().get(QUOTE, D(0)) == self.venue_cash


def _open_orders(state: IndexDeskState) -> list[Any]:
    return list(state.open_orders())


def _chance(data: st.DataObject, percent: int) -> bool:
    return data.draw(st.integers(0, 99)) < percent


class _Scenario:
    """Rounds of what a running desk sees: deposits, new orders, a batch planned for the open
    orders, its legs filled (fully, partly, padded), closes, cancels, completions."""

    def __init__(
        self, data: st.DataObject, desk: Any, checker: _Checker, instruments: dict[str, Instrument]
    ) -> None:
        self.data = data
        self.desk = desk
        self.state: IndexDeskState = desk.state
        self.checker = checker
        self.instruments = instruments
        self.batches: list[str] = []
        self.serial = 0

    def apply(self, action: Any, *args: Any, expect: Any = None, **kwargs: Any) -> Any:
        """Run ``action``, let ``expect`` update what the checker expects, then check."""
        result = action(*args, **kwargs)
        if expect is not None:
            expect()
        self.checker.check()
        return result

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def round(self) -> None:
        data, desk, state = self.data, self.desk, self.state
        definitions = list(state.definitions.values())
        for address in ACCOUNTS:
            if _chance(data, 40):
                amount = _money(data.draw, 10, 3000)
                routing = data.draw(st.sampled_from([D(0), D("0.37")]))

                def paid_in(amount: Decimal = amount, routing: Decimal = routing) -> None:
                    self.checker.venue_cash += amount - routing

                self.apply(desk.deposit, address, amount, routing_fees=routing, expect=paid_in)
        if _chance(data, 10):
            address = data.draw(st.sampled_from(ACCOUNTS))
            definition = data.draw(st.sampled_from(definitions))
            qty = definition.quantity_step * data.draw(st.integers(1, 300))
            bucket = (address, definition.symbol)

            def handed_back() -> None:
                self.checker.returned[bucket] = self.checker.returned.get(bucket, D(0)) + qty

            self.apply(desk.return_tokens, address, definition.symbol, qty, expect=handed_back)
        for _ in range(data.draw(st.integers(0, 2))):
            self.new_order(definitions)
        if _chance(data, 80):
            self.plan()
        if self.batches and _chance(data, 85):
            # mostly the newest batch (legs fill while it is in flight), sometimes an old one
            batch_id = data.draw(
                st.sampled_from([self.batches[-1], self.batches[-1], *self.batches])
            )
            self.lots(batch_id, every_bucket=_chance(data, 80))
        if self.batches and _chance(data, 60):
            self.apply(desk.close, data.draw(st.sampled_from(self.batches)))
        if _chance(data, 20):
            self.cancel()
        if _chance(data, 25):
            chosen = [o.key for o in _open_orders(state) if data.draw(st.booleans())]
            if chosen:
                self.apply(desk.complete, self.next_id("c"), *chosen)

    def new_order(self, definitions: list[IndexDefinition]) -> None:
        data, desk, state = self.data, self.desk, self.state
        address = data.draw(st.sampled_from(ACCOUNTS))
        definition = data.draw(st.sampled_from(definitions))
        if _chance(data, 65):
            side = OrderSide.BUY
            free = state.account(1, address).collateral.get(QUOTE)
            top = free.free if free is not None else D(0)
            fraction = data.draw(st.sampled_from([D("0.2"), D("0.5"), D(1)]))
            amount = floor_to(top * fraction, D("0.01"))
        else:
            side = OrderSide.SELL
            held = state.account(1, address).positions.get(definition.symbol)
            top = held.free if held is not None else D(0)
            fraction = data.draw(st.sampled_from([D("0.3"), D(1)]))
            amount = floor_to(top * fraction, definition.quantity_step)
        event = desk.order_event(
            address, self.next_id("o"), definition.symbol, side, max(amount, D("0.01"))
        )
        if state.check_new_order(event) is None:
            self.apply(desk.apply, event)

    def plan(self) -> None:
        data, desk, state = self.data, self.desk, self.state
        targets: dict[OrderKey, dict[str, Decimal]] = {}
        inventory: dict[OrderKey, dict[str, Decimal]] = {}
        for order in _open_orders(state):
            if not _chance(data, 80):
                continue
            definition = state.definitions[order.symbol]
            factor = data.draw(st.sampled_from([D("0.3"), D("0.9"), D("1.5")]))
            if order.side is OrderSide.SELL:
                units = order.amount - order.filled_quantity
            else:
                value = sum(c.units * desk.mids[c.symbol] for c in definition.constituents)
                units = order.collateral_remaining / value
            units = floor_to(units * factor, definition.quantity_step)
            if units <= 0:
                continue
            targets[order.key] = {c.symbol: c.units * units for c in definition.constituents}
            if order.side is OrderSide.BUY and _chance(data, 50):
                inventory[order.key] = {
                    s: min(q, targets[order.key].get(s, q))
                    for s, q in state.house_inventory().items()
                    if definition.constituent(s) is not None
                }
        batch_id = self.next_id("b")
        self.apply(desk.plan, batch_id, targets=targets, inventory=inventory)
        self.batches.append(batch_id)

    def lots(self, batch_id: str, *, every_bucket: bool) -> None:
        """Lots for ``batch_id``: one per (constituent, side) it still targets, or a single one
        (possibly of a symbol nobody wants, or on a closed batch)."""
        data, desk, state = self.data, self.desk, self.state
        batch = state.in_flight(batch_id)
        assert batch is not None
        wanted: dict[tuple[str, OrderSide], Decimal] = {}
        for key, per_symbol in batch.remaining_targets.items():
            order = state.order(key)
            assert order is not None
            for symbol, qty in per_symbol.items():
                bucket = (symbol, order.side)
                wanted[bucket] = wanted.get(bucket, D(0)) + max(qty, D(0))
        if every_bucket and wanted:
            buckets = sorted(wanted)
        elif wanted and data.draw(st.booleans()):
            buckets = [data.draw(st.sampled_from(sorted(wanted)))]
        else:
            buckets = [
                (
                    data.draw(st.sampled_from(POOL)),
                    data.draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL])),
                )
            ]
        for symbol, side in buckets:
            step = self.instruments[symbol].filters.step_size
            factor = data.draw(st.sampled_from([D("0.1"), D("0.5"), D(1), D(1), D("1.3")]))
            qty = max(floor_to(wanted.get((symbol, side), D(0)) * factor, step), step)
            price = floor_to(
                desk.mids[symbol] * data.draw(st.sampled_from([D("0.97"), D(1), D("1.021")])),
                D("0.0001"),
            )
            fee_kind = data.draw(st.sampled_from(["none", "quote", "base"]))
            fee, fee_asset = D(0), QUOTE
            if fee_kind == "quote":
                fee = floor_to(qty * price * D("0.001"), D("0.00000001"))
            elif fee_kind == "base":
                fee, fee_asset = floor_to(qty * D("0.001"), D("0.00000001")), symbol.split("/")[0]

            def traded() -> None:
                lot = state.lots()[-1]
                self.checker.venue_cash += lot.value if lot.side is OrderSide.SELL else -lot.value

            self.apply(
                desk.lot,
                batch_id,
                symbol,
                qty,
                side=side,
                price=price,
                fee=fee,
                fee_asset=fee_asset,
                expect=traded,
            )

    def cancel(self) -> None:
        data, state = self.data, self.state
        open_orders = _open_orders(state)
        if not open_orders:
            return
        order = data.draw(st.sampled_from(open_orders))
        fraction = data.draw(st.sampled_from([D("0.25"), D(1), D(10)]))
        quantum = (
            D("0.00000001")
            if order.side is OrderSide.BUY
            else (state.definitions[order.symbol].quantity_step)
        )
        amount = max(floor_to(order.amount * fraction, quantum), quantum)
        self.apply(self.desk.cancel, order.key, amount)

    def finish(self) -> None:
        """End every order still open: each must settle consistently."""
        remaining = [o.key for o in _open_orders(self.state)]
        if remaining:
            self.apply(self.desk.complete, "final", *remaining)
        assert _open_orders(self.state) == []


def _snapshot(state: IndexDeskState) -> tuple[object, ...]:
    return (
        state.orders(),
        state.lots(),
        tuple(state.account(1, a) for a in ACCOUNTS),
        state.house_inventory(),
        state.house_deficits(),
        state.house_cash(),
        state.invoices(),
        state.demands(),
        state.open_batches(),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_invariants_hold_after_every_event_and_replay_is_identical(
    data: st.DataObject,
    instruments: dict[str, Instrument],
    mids: dict[str, Decimal],
    make_desk: Any,
) -> None:
    definitions = data.draw(_definitions(instruments), label="definitions")
    desk = make_desk(definitions, mids)
    scenario = _Scenario(data, desk, _Checker(desk), instruments)
    for _ in range(data.draw(st.integers(2, 12), label="rounds")):
        scenario.round()
    scenario.finish()

    again = IndexDeskState(definitions)
    outputs = []
    for event in desk.journal:
        outputs.extend(again.apply(event))
    assert outputs == desk.outputs
    assert _snapshot(again) == _snapshot(desk.state)
    invoices = [o for o in outputs if isinstance(o, MintInvoice)]
    assert list(again.invoices()) == invoices
    ended = {
        report.client_order_id
        for report in outputs
        if isinstance(report, IndexOrderFillReport)
        and report.status in (IndexOrderStatus.FILLED, IndexOrderStatus.CANCELLED)
    }
    # every ended order has exactly one final invoice, filled or not
    assert sorted(i.client_order_id for i in invoices) == sorted(ended)
    for invoice in invoices:
        assert invoice.quantity >= 0
        assert sum((lot.cost for lot in invoice.lots), D(0)) == invoice.assets_value
    for report in outputs:
        if isinstance(report, IndexOrderFillReport):
            assert report.status in set(IndexOrderStatus)
