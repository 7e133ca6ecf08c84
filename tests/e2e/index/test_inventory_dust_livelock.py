"""An order one index step short by less than the state's inventory step must still end.

Found by the index desk's kill -9 test (seed 5): a TW3 buy filled 4.012 held exactly enough ETH
and SOL for 4.013 but 0.00000022 BTC too little, with 0.027 USDT left to spend. The planner
handed it 0.00000022 BTC of house inventory (affordable: about 0.021 USDT) and no legs; the
state refused it (``IndexDeskState._hand_inventory`` floors what an order can afford to the
inventory step min(step_size, quantity_step x units) = 0.0000005 BTC, about 0.047 USDT: too
dear), so nothing changed; the next plan was the same, the desk stops journaling a repeated
legless plan and waits, and the order stayed open with no invoice for good (fixed in
BatchPlanning: the same legless plan twice ends its orders with what they hold).

The same situation built from events: deposit, order, one batch whose lots leave the order in
that state and some BTC in the house. Planning and applying a few batches must end the order.
"""

from __future__ import annotations

from decimal import Decimal

from eth_utils import to_checksum_address

from tradewind.common.config import DeskConfig
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.desks.index.definitions import DEMO_INDEX_FILE, load_index_definitions
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    IndexOrderAccepted,
    LotRecorded,
    OrderKey,
    OrderTarget,
    PlannedLeg,
)
from tradewind.desks.index.planning import BatchPlanning
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.runtime import solver_config
from tradewind.desks.index.solver import BatchPlanner, BookLevels, OptimalAllocator
from tradewind.desks.index.state import IndexDeskState
from tradewind.venues.sim.market.markets import default_markets

T0 = 1_700_000_000_000_000_000
USER = to_checksum_address("0x" + "ab" * 20)
ORDER = OrderKey(1, USER, "dust")
# (symbol, target = lot net quantity assigned to the order, lot quantity, price)
FILLS = (
    ("BTC/USDT", Decimal("0.00200628"), Decimal("0.00201"), Decimal(95000)),
    ("ETH/USDT", Decimal("0.04013"), Decimal("0.04013"), Decimal(3100)),
    ("SOL/USDT", Decimal("0.60195"), Decimal("0.60195"), Decimal(140)),
)
# spent 399.2726 on the basket; 399.70 leaves 0.0281 spendable after the 10 bps fee
AMOUNT = Decimal("399.70")


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
                tick_size=spec.tick_size, step_size=spec.step_size, min_qty=spec.min_qty,
                max_qty=spec.max_qty, min_notional=spec.min_notional,
            ),
        )  # fmt: skip
        mids[symbol] = market.profile.initial_mid
    return instruments, mids


def test_an_order_short_by_inventory_dust_still_ends() -> None:
    instruments, mids = _sim_instruments()
    state = IndexDeskState(load_index_definitions(DEMO_INDEX_FILE, instruments))
    state.apply(CollateralDeposited(deposit_id="d", chain_id=1, address=USER, asset="USDT",
                                    amount=Decimal(1000), ts=T0))  # fmt: skip
    state.apply(
        IndexOrderAccepted(chain_id=1, address=USER, client_order_id="dust", symbol="TW3",
                           side=OrderSide.BUY, amount=AMOUNT, ts=T0)
    )  # fmt: skip
    legs = tuple(
        PlannedLeg(symbol=symbol, side=OrderSide.BUY, quantity=qty, limit_price=price,
                   client_order_id=f"leg-{n}")
        for n, (symbol, _, qty, price) in enumerate(FILLS)
    )  # fmt: skip
    targets = tuple(OrderTarget(order=ORDER, symbol=s, quantity=t) for s, t, _, _ in FILLS)
    state.apply(BatchPlanned(batch_id="B1", legs=legs, targets=targets,
                             inventory_assignments=(), completions=(), ts=T0))  # fmt: skip
    for n, (symbol, _, qty, price) in enumerate(FILLS):
        state.apply(LotRecorded(venue="sim", trade_id=str(n + 1), batch_id="B1",
                                client_order_id=f"leg-{n}", symbol=symbol, side=OrderSide.BUY,
                                price=price, qty=qty, fee=Decimal(0),
                                fee_asset=symbol.split("/")[0], ts=T0))  # fmt: skip
    state.apply(BatchClosed(batch_id="B1", ts=T0))
    order = state.order(ORDER)
    assert order is not None and order.filled_quantity == Decimal("4.012")
    assert state.house_inventory()["BTC/USDT"] == Decimal("0.00000372")

    books = {
        symbol: BookLevels(bids=((mid * Decimal("0.999"), Decimal(1000)),),
                           asks=((mid * Decimal("1.001"), Decimal(1000)),))
        for symbol, mid in mids.items()
    }  # fmt: skip
    planning = BatchPlanning(
        state, BatchPlanner(solver_config(DeskConfig()), OptimalAllocator()), instruments,
        venue="sim",
    )  # fmt: skip
    invoices: list[MintInvoice] = []
    for n in range(4):
        event = planning.plan(books, batch_id=f"P{n}", ts=T0 + n + 1)
        if event is None:
            break
        assert not event.legs  # too small for any venue order
        invoices += [o for o in state.apply(event) if isinstance(o, MintInvoice)]
        state.apply(BatchClosed(batch_id=f"P{n}", ts=T0 + n + 1))
    order = state.order(ORDER)
    assert order is not None and not order.status.is_open, order
    assert [i.client_order_id for i in invoices] == ["dust"]
