"""No index order stalls silently: every order progresses or ends within a bounded number of
batches, whatever its size and its index's definition.

The desk state is driven through BatchPlanning as the desk drives it, against a venue that
fills every leg in full at its limit price. Seen before the fix: a redemption of 1.248 of 2.497
TW10 (~125 USDT) whose DOT leg (~3.25 USDT) is under the venue's 5 USDT minimum notional was
skipped (``leg_refused``) every batch for ever, since 125 USDT is far above the sum of its legs'
minimum notional, so the "too small to finish" rule never ended it; later it was ended after 50
plans with the reason only in the desk's log. Now the house takes such a leg when it holds the
asset, and otherwise the order ends at once with the reason in its final report and invoice.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_DOWN, Decimal

from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.common.config import DeskConfig
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.definitions import (
    DEMO_INDEX_FILE,
    IndexDefinition,
    load_index_definitions,
)
from tradewind.desks.index.events import (
    BatchClosed,
    CollateralDeposited,
    IndexOrderAccepted,
    IndexTokensReturned,
    LotRecorded,
    OrderKey,
)
from tradewind.desks.index.planning import BatchPlanning
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice
from tradewind.desks.index.runtime import solver_config
from tradewind.desks.index.solver import BatchPlanner, BookLevels, OptimalAllocator
from tradewind.desks.index.state import IndexDeskState
from tradewind.venues.sim.market.markets import default_markets

T0 = 1_700_000_000_000_000_000
USER = to_checksum_address("0x" + "cd" * 20)
STALL = 50  # the desk's default: no order here may need this backstop to end
BOUND = 2  # plans an open order may go without progress (its filled quantity growing)


def _market() -> tuple[dict[str, Instrument], dict[str, Decimal]]:
    instruments: dict[str, Instrument] = {}
    mids: dict[str, Decimal] = {}
    for market in default_markets():
        spec = market.spec
        symbol = f"{spec.base_asset}/{spec.quote_asset}"
        instruments[symbol] = Instrument(
            venue="sim",
            symbol=symbol,
            filters=InstrumentFilters(
                tick_size=spec.tick_size, step_size=spec.step_size, min_qty=spec.min_qty,
                max_qty=spec.max_qty, min_notional=spec.min_notional,
            ),
        )  # fmt: skip
        mids[symbol] = market.profile.initial_mid
    return instruments, mids


INSTRUMENTS, MIDS = _market()
BOOKS = {
    symbol: BookLevels(
        bids=((mid * Decimal("0.999"), Decimal(10**6)),),
        asks=((mid * Decimal("1.001"), Decimal(10**6)),),
    )
    for symbol, mid in MIDS.items()
}


class _Desk:
    """The desk state, its planning, and a venue that fills every leg in full."""

    def __init__(self, definitions: tuple[IndexDefinition, ...]) -> None:
        self.state = IndexDeskState(definitions)
        planner = BatchPlanner(solver_config(DeskConfig()), OptimalAllocator())
        self.planning = BatchPlanning(
            self.state, planner, INSTRUMENTS, venue="sim", stall_batches=STALL
        )
        self.invoices: list[MintInvoice] = []
        self.reports: list[IndexOrderFillReport] = []
        self._ids = itertools.count(1)
        self.plans = 0

    def apply(self, event: object) -> None:
        outputs = self.state.apply(event)  # type: ignore[arg-type]
        self.invoices += [o for o in outputs if isinstance(o, MintInvoice)]
        self.reports += [o for o in outputs if isinstance(o, IndexOrderFillReport)]

    def order(self, client_order_id: str, symbol: str, side: OrderSide, amount: Decimal) -> bool:
        event = IndexOrderAccepted(
            chain_id=1, address=USER, client_order_id=client_order_id, symbol=symbol,
            side=side, amount=amount, ts=T0,
        )  # fmt: skip
        if self.state.check_new_order(event) is not None:
            return False
        self.apply(event)
        return True

    def batch(self) -> None:
        """Plan one batch as the desk does; fill its legs; close it."""
        self.plans += 1
        batch_id = f"B{self.plans}"
        ts = T0 + self.plans
        event = self.planning.plan(BOOKS, batch_id=batch_id, ts=ts)
        if event is None:
            return
        self.apply(event)
        for leg in event.legs:
            self.apply(
                LotRecorded(
                    venue="sim", trade_id=str(next(self._ids)), batch_id=batch_id,
                    client_order_id=leg.client_order_id, symbol=leg.symbol, side=leg.side,
                    price=leg.limit_price, qty=leg.quantity, fee=Decimal(0),
                    fee_asset=leg.symbol.split("/")[1], ts=ts,
                )
            )  # fmt: skip
        self.apply(BatchClosed(batch_id=batch_id, ts=ts))

    def run_until_all_end(self, keys: list[OrderKey], limit: int) -> None:
        """Batches until every order in ``keys`` ended; each open order must progress (its
        filled quantity grows) or end within BOUND plans."""
        last = {key: (Decimal(-1), 0) for key in keys}
        for _ in range(limit):
            views = {key: self.state.order(key) for key in keys}
            if all(v is not None and not v.status.is_open for v in views.values()):
                return
            self.batch()
            for key in keys:
                view = self.state.order(key)
                assert view is not None
                filled, since = last[key]
                if not view.status.is_open or view.filled_quantity != filled:
                    last[key] = (view.filled_quantity, 0)
                    continue
                assert since + 1 <= BOUND, f"{key.client_order_id} stalled: {view}"
                last[key] = (filled, since + 1)
        raise AssertionError(f"orders still open after {limit} batches")


def _demo() -> tuple[IndexDefinition, ...]:
    return load_index_definitions(DEMO_INDEX_FILE, INSTRUMENTS)


def test_the_house_takes_the_redemption_leg_under_min_notional_when_it_holds_the_asset() -> None:
    desk = _Desk(_demo())
    desk.apply(CollateralDeposited(deposit_id="d", chain_id=1, address=USER, asset="USDT",
                                   amount=Decimal(1000), ts=T0))  # fmt: skip
    assert desk.order("mint", "TW10", OrderSide.BUY, Decimal("250"))
    desk.run_until_all_end([OrderKey(1, USER, "mint")], limit=50)
    minted = desk.state.order(OrderKey(1, USER, "mint"))
    assert minted is not None and minted.filled_quantity > Decimal("2.4")
    # the mint's DOT leg was padded up to the venue's minimum: the house holds the rest
    held_dot = desk.state.house_inventory().get("DOT/USDT", Decimal(0))
    assert held_dot > 0
    half = (minted.filled_quantity / 2).quantize(Decimal("0.001"), ROUND_DOWN)
    dot_units = next(c.units for c in _demo()[0].constituents if c.symbol == "DOT/USDT")
    assert half * dot_units * MIDS["DOT/USDT"] < INSTRUMENTS["DOT/USDT"].filters.min_notional
    assert desk.order("redeem", "TW10", OrderSide.SELL, half)
    plans = desk.plans
    desk.run_until_all_end([OrderKey(1, USER, "redeem")], limit=50)
    assert desk.plans - plans <= 3
    redeemed = desk.invoices[-1]
    # the whole redemption went through: its DOT was sold to the house at the reference price
    assert redeemed.client_order_id == "redeem" and redeemed.reason is None
    assert redeemed.quantity == half and redeemed.amount_remaining == 0
    dot = [lot for lot in redeemed.lots if lot.symbol == "DOT/USDT"]
    assert [lot.lot_id.split(":")[1] for lot in dot] == ["house"]
    assert dot[0].quantity == half * dot_units and dot[0].price == BOOKS["DOT/USDT"].mid
    assert desk.state.house_inventory()["DOT/USDT"] == held_dot + half * dot_units


def test_the_redemption_ends_at_once_with_its_reason_when_the_house_holds_none() -> None:
    desk = _Desk(_demo())
    # TW10 minted earlier and handed back to redeem: this desk's house holds no constituent
    desk.apply(IndexTokensReturned(return_id="r", chain_id=1, address=USER, symbol="TW10",
                                   quantity=Decimal("2.497"), ts=T0))  # fmt: skip
    assert desk.state.house_inventory() == {}
    assert desk.order("redeem", "TW10", OrderSide.SELL, Decimal("1.248"))
    desk.batch()
    order = desk.state.order(OrderKey(1, USER, "redeem"))
    assert order is not None and not order.status.is_open
    [invoice] = desk.invoices
    assert invoice.quantity == 0 and invoice.amount_remaining == Decimal("1.248")
    assert invoice.reason is not None
    assert invoice.reason.startswith("no batch can sell its DOT/USDT leg")
    assert "min_notional 5 USDT" in invoice.reason and "house holds no DOT" in invoice.reason
    final = desk.reports[-1]
    assert final.client_order_id == "redeem" and final.reason == invoice.reason
    # the tokens are handed back, free to redeem again
    held = desk.state.account(1, USER).positions["TW10"]
    assert held.free == Decimal("2.497")


_SYMBOLS = sorted(s for s in MIDS if s.endswith("/USDT"))


@st.composite
def _definitions(draw: st.DrawFn) -> tuple[IndexDefinition, ...]:
    chosen = draw(st.lists(st.sampled_from(_SYMBOLS), min_size=1, max_size=5, unique=True))
    units: dict[str, str] = {}
    for symbol in chosen:
        value = Decimal(draw(st.integers(1, 60)))  # quote value of one index token's share
        step = INSTRUMENTS[symbol].filters.step_size
        quantity = max((value / MIDS[symbol]).quantize(step, ROUND_DOWN), step)
        units[symbol] = str(quantity)
    raw = {
        "index": [
            {
                "symbol": "RND",
                "quote_asset": "USDT",
                "quantity_step": draw(st.sampled_from(["0.001", "0.01", "0.1"])),
                "units": units,
                "fees": {"mint_bps": "10", "redeem_bps": "10", "min_fee": "0"},
            }
        ]
    }
    return load_index_definitions(raw, INSTRUMENTS)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    definitions=_definitions(),
    buys=st.lists(st.integers(5, 3000), min_size=1, max_size=4),
    sell_fractions=st.lists(st.integers(1, 100), min_size=0, max_size=3),
)
def test_every_order_progresses_or_ends_within_a_bounded_number_of_batches(
    definitions: tuple[IndexDefinition, ...], buys: list[int], sell_fractions: list[int]
) -> None:
    desk = _Desk(definitions)
    desk.apply(CollateralDeposited(deposit_id="d", chain_id=1, address=USER, asset="USDT",
                                   amount=Decimal(sum(buys) + 10), ts=T0))  # fmt: skip
    keys = [OrderKey(1, USER, f"buy-{n}") for n, _ in enumerate(buys)]
    placed = [k for k, amount in zip(keys, buys, strict=True)
              if desk.order(k.client_order_id, "RND", OrderSide.BUY, Decimal(amount))]  # fmt: skip
    desk.run_until_all_end(placed, limit=40 * len(buys) + 20)
    for n, percent in enumerate(sell_fractions):
        held = desk.state.account(1, USER).positions.get("RND")
        if held is None or held.free <= 0:
            break
        amount = (held.free * percent / 100).quantize(Decimal("0.001"), ROUND_DOWN)
        key = OrderKey(1, USER, f"sell-{n}")
        if amount <= 0 or not desk.order(key.client_order_id, "RND", OrderSide.SELL, amount):
            continue
        desk.run_until_all_end([key], limit=40)
    ended = {i.client_order_id for i in desk.invoices}
    assert {k.client_order_id for k in placed} <= ended
    for invoice in desk.invoices:
        # a redemption ended short of its amount says why
        if invoice.side is OrderSide.SELL and invoice.amount_remaining > 0:
            assert invoice.reason, invoice


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    definitions=_definitions(),
    returned=st.integers(1, 5000),
    sell_thousandths=st.lists(st.integers(1, 1000), min_size=1, max_size=3),
)
def test_redemptions_with_an_empty_house_progress_or_end_with_a_reason(
    definitions: tuple[IndexDefinition, ...], returned: int, sell_thousandths: list[int]
) -> None:
    desk = _Desk(definitions)
    # tokens minted earlier and handed back: the house holds nothing to pad or take legs with
    total = Decimal(returned) * definitions[0].quantity_step
    desk.apply(IndexTokensReturned(return_id="r", chain_id=1, address=USER, symbol="RND",
                                   quantity=total, ts=T0))  # fmt: skip
    keys: list[OrderKey] = []
    left = total
    for n, share in enumerate(sell_thousandths):
        amount = (total * share / 1000).quantize(definitions[0].quantity_step, ROUND_DOWN)
        amount = min(amount, left)
        key = OrderKey(1, USER, f"sell-{n}")
        if amount > 0 and desk.order(key.client_order_id, "RND", OrderSide.SELL, amount):
            keys.append(key)
            left -= amount
    desk.run_until_all_end(keys, limit=40)
    for invoice in desk.invoices:
        assert invoice.quantity + invoice.amount_remaining > 0
        if invoice.amount_remaining > 0:
            assert invoice.reason, invoice
