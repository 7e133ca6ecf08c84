"""IndexDeskState, sell side (redemption): tokens reserved, basket sold, proceeds credited less
the redeem fee, tokens burned; partial sells, cancels and the house deficit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.definitions import load_index_definitions
from tradewind.desks.index.events import OrderKey
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice

D = Decimal
BTC, ETH = "BTC/USDT", "ETH/USDT"
SELL = OrderSide.SELL


@pytest.fixture
def idx(instruments: dict[str, Instrument], make_desk: Any) -> Any:
    definitions = load_index_definitions(
        {
            "index": [
                {
                    "symbol": "IDX",
                    "quote_asset": "USDT",
                    "quantity_step": "0.01",
                    "units": {BTC: "0.001", ETH: "0.01"},
                    "fees": {"mint_bps": "10", "redeem_bps": "10"},
                }
            ]
        },
        instruments,
    )
    return make_desk(definitions, {BTC: D(50000), ETH: D(2000)})


def _basket(qty: str) -> dict[str, Decimal]:
    return {BTC: D("0.001") * D(qty), ETH: D("0.01") * D(qty)}


def _minted(idx: Any, address: str, qty: str) -> None:
    """Give ``address`` ``qty`` IDX through a whole buy."""
    idx.deposit(address, "10000")
    key = idx.buy(address, f"mint-{qty}", "IDX", "10000")
    idx.plan(f"mint-{qty}", targets={key: _basket(qty)})
    idx.fill_basket(f"mint-{qty}", _basket(qty))
    idx.close(f"mint-{qty}")
    idx.complete(f"mint-{qty}-done", key)


def test_sell_sells_the_basket_burns_and_credits_proceeds(idx: Any, alice: str) -> None:
    _minted(idx, alice, "5")
    before = idx.state.account(1, alice).collateral["USDT"]
    key = idx.sell(alice, "s1", "IDX", "3")
    assert idx.state.account(1, alice).positions["IDX"].reserved == D(3)

    idx.plan("s", targets={key: _basket("3")}, side=SELL)
    # BTC alone backs no whole unit: nothing the user sees changed, so no report
    assert idx.lot("s", BTC, "0.003", side=SELL, price="52000", fee="0.156") == []
    outputs = idx.lot("s", ETH, "0.03", side=SELL, price="2100", fee="0.063")
    report, invoice = outputs
    assert isinstance(report, IndexOrderFillReport) and isinstance(invoice, MintInvoice)
    # proceeds 156 - 0.156 + 63 - 0.063 = 218.781; redeem fee 10 bps = 0.218781
    assert report.status == "filled" and report.filled_quantity == D(3)
    assert report.collateral_spent == D("218.562219")
    assert report.collateral_remaining == 0 and report.fill_rate == 1
    assert invoice.side is SELL and invoice.quantity == D(3)
    assert invoice.assets_value == D("218.781")
    assert invoice.desk_fee == D("0.218781")
    assert invoice.amount_paid == D("218.562219")
    assert invoice.amount_remaining == 0
    assert invoice.exchange_fees == D("0.219")
    assert invoice.position == D(2)
    after = idx.state.account(1, alice)
    usdt = after.collateral["USDT"]
    assert usdt.free == before.free + D("218.562219")
    assert usdt.proceeds == D("218.781") and usdt.conserved
    assert (after.positions["IDX"].free, after.positions["IDX"].reserved) == (D(2), 0)
    assert idx.state.house_deficits() == {}


def test_sell_cancelled_midway_burns_what_was_sold_and_owes_the_rest(idx: Any, alice: str) -> None:
    _minted(idx, alice, "5")
    key = idx.sell(alice, "s1", "IDX", "3")
    idx.plan("s", targets={key: _basket("3")}, side=SELL)
    idx.lot("s", BTC, "0.003", side=SELL)  # 150
    (report,) = idx.lot("s", ETH, "0.01", side=SELL)  # 20 -> 1 unit fully sold
    assert report.status == "partially_filled" and report.filled_quantity == 1
    assert report.collateral_spent == D(70) - D("0.07")
    # all three units have started selling (BTC): nothing can be given back but by ending it
    report, invoice = idx.cancel(key, "0.5")
    assert report.status == "cancelled"
    assert invoice.quantity == 1 and invoice.amount_remaining == D(2)
    assert invoice.amount_paid == D("69.93")
    assert [(lot.symbol, lot.quantity, lot.cost) for lot in invoice.lots] == [
        (BTC, D("0.001"), D(50)),
        (ETH, D("0.01"), D(20)),
    ]
    # BTC sold for the two units not burned: the desk owes it to their backing
    assert idx.state.house_deficits() == {BTC: D("0.002")}
    positions = idx.state.account(1, alice).positions["IDX"]
    assert (positions.free, positions.reserved) == (D(4), 0)
    # a later buy's surplus covers the deficit before it becomes inventory
    bob_key = idx.buy(alice, "b2", "IDX", "100")
    idx.plan("b", targets={bob_key: {BTC: D("0.001")}})
    idx.lot("b", BTC, "0.004")
    assert idx.state.house_deficits() == {}
    assert idx.state.house_inventory() == {BTC: D("0.001")}


def test_partial_cancel_of_a_sell_gives_tokens_back(idx: Any, alice: str) -> None:
    _minted(idx, alice, "5")
    key = idx.sell(alice, "s1", "IDX", "4")
    idx.plan("s", targets={key: _basket("1")}, side=SELL)
    idx.lot("s", BTC, "0.001", side=SELL)
    (report,) = idx.cancel(key, "2")
    assert report.collateral_remaining == D(2) and report.status == "new"
    positions = idx.state.account(1, alice).positions["IDX"]
    assert (positions.free, positions.reserved) == (D(3), D(2))
    idx.lot("s", ETH, "0.01", side=SELL)
    idx.close("s")
    report, invoice = idx.complete("s2", key)
    assert report.status == "filled" and invoice.quantity == 1 and invoice.amount_remaining == 1
    positions = idx.state.account(1, alice).positions["IDX"]
    assert (positions.free, positions.reserved) == (D(4), 0)


def test_returned_tokens_can_be_redeemed(idx: Any, alice: str) -> None:
    idx.return_tokens(alice, "IDX", "1.5")
    event = idx.order_event(alice, "s", "IDX", SELL, "2")
    assert "insufficient index tokens" in (idx.state.check_new_order(event) or "")
    key = idx.sell(alice, "s", "IDX", "1.5")
    idx.plan("s", targets={key: _basket("1.5")}, side=SELL)
    outputs = idx.fill_basket("s", _basket("1.5"), side=SELL)
    invoice = outputs[-1]
    assert isinstance(invoice, MintInvoice) and invoice.quantity == D("1.5")
    assert invoice.amount_paid == D(105) - D("0.105")
    usdt = idx.state.account(1, alice).collateral["USDT"]
    assert usdt.free == D("104.895") and usdt.deposited == 0 and usdt.conserved


def test_sell_lots_beyond_what_orders_need_are_sold_by_the_house(idx: Any, alice: str) -> None:
    _minted(idx, alice, "5")
    key = idx.sell(alice, "s1", "IDX", "1")
    idx.plan("s", targets={key: _basket("1")}, side=SELL)
    idx.lot("s", BTC, "0.0015", side=SELL)  # padded leg: 0.0005 beyond the order
    lot = idx.state.lots()[-1]
    assert lot.allocations == {key.text: D("0.001"), "house": D("0.0005")}
    assert idx.state.house_deficits() == {BTC: D("0.0005")}
    view = idx.state.order(OrderKey(1, alice, "s1"))
    assert view is not None and view.assigned == {BTC: D("0.001")}
