"""IndexDeskState, buy side: batches, lots shared among orders, house inventory, completion,
cancels, fees and rejections. Index IDX = 0.001 BTC + 0.01 ETH (70 USDT at 50000 / 2000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument
from tradewind.desks.index.definitions import IndexDefinition, load_index_definitions
from tradewind.desks.index.events import (
    IndexOrderAccepted,
    IndexOrderCancelled,
    OrderKey,
)
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice, invoice_id_of
from tradewind.desks.index.state import IndexDeskState

D = Decimal
BTC, ETH = "BTC/USDT", "ETH/USDT"
PRICES = {BTC: D(50000), ETH: D(2000)}


def _idx(
    instruments: dict[str, Instrument], *, min_fee: str = "0", mint_bps: str = "10"
) -> tuple[IndexDefinition, ...]:
    return load_index_definitions(
        {
            "index": [
                {
                    "symbol": "IDX",
                    "quote_asset": "USDT",
                    "quantity_step": "0.01",
                    "units": {BTC: "0.001", ETH: "0.01"},
                    "fees": {"mint_bps": mint_bps, "redeem_bps": "10", "min_fee": min_fee},
                }
            ]
        },
        instruments,
    )


@pytest.fixture
def idx(instruments: dict[str, Instrument], make_desk: Any) -> Any:
    return make_desk(_idx(instruments), PRICES)


def _basket(qty: str) -> dict[str, Decimal]:
    return {BTC: D("0.001") * D(qty), ETH: D("0.01") * D(qty)}


def _check_conserved(desk: Any, address: str) -> None:
    for view in desk.state.account(1, address).collateral.values():
        assert view.conserved, view
        assert view.free >= 0 and view.reserved >= 0


def test_buy_fills_over_two_batches_then_completes_with_an_invoice(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    assert idx.state.account(1, alice).collateral["USDT"].reserved == D(500)

    idx.plan("b1", targets={key: _basket("5")})
    idx.lot("b1", BTC, "0.005")  # 250 USDT
    out = idx.lot("b1", ETH, "0.02")  # 40 USDT: 2 index units backed
    assert isinstance(out[-1], IndexOrderFillReport)
    assert out[-1].status == "partially_filled"
    assert out[-1].filled_quantity == D(2)
    assert out[-1].collateral_spent == D(290)
    idx.close("b1")

    idx.plan("b2", targets={key: {ETH: D("0.03")}})
    idx.lot("b2", ETH, "0.03")
    idx.close("b2")
    outputs = idx.complete("b3", key)

    report, invoice = outputs
    assert isinstance(report, IndexOrderFillReport) and isinstance(invoice, MintInvoice)
    assert report.status == "filled" and report.filled_quantity == D(5)
    assert invoice.invoice_id == invoice_id_of(1, alice, "o1")
    assert invoice.quantity == D(5)
    assert invoice.assets_value == D(350)
    assert invoice.desk_fee == D("0.35")
    assert invoice.amount_paid == D("350.35")
    assert invoice.amount_remaining == D("149.65")
    assert invoice.fill_rate == D("0.7007")
    assert invoice.position == D(5)
    assert invoice.routing_fees == 0 and invoice.tx_hash is None
    assert [(lot.symbol, lot.quantity, lot.cost) for lot in invoice.lots] == [
        (BTC, D("0.005"), D(250)),
        (ETH, D("0.02"), D(40)),
        (ETH, D("0.03"), D(60)),
    ]
    account = idx.state.account(1, alice)
    usdt = account.collateral["USDT"]
    assert (usdt.free, usdt.reserved, usdt.spent, usdt.fees) == (D("649.65"), 0, D(350), D("0.35"))
    assert account.positions["IDX"].free == D(5)
    _check_conserved(idx, alice)
    assert idx.state.invoice(key) == invoice
    assert idx.state.open_orders() == ()

    statuses = [r.status for r in idx.reports(key)]
    assert statuses == ["new", "new", "partially_filled", "partially_filled", "filled"]
    filled = [r.filled_quantity for r in idx.reports(key)]
    assert filled == sorted(filled)


def test_lot_is_shared_in_proportion_residual_first_come(idx: Any, alice: str, bob: str) -> None:
    idx.deposit(alice, "1000")
    idx.deposit(bob, "1000")
    first = idx.buy(alice, "a1", "IDX", "500")
    second = idx.buy(bob, "b1", "IDX", "500")
    idx.plan("b1", targets={first: {BTC: D("0.003")}, second: {BTC: D("0.006")}})

    idx.lot("b1", BTC, "0.00455", trade_id="x1")
    # 0.00455 * 3/9 = 0.0015166 -> 0.00151; * 6/9 = 0.0030333 -> 0.00303; residual 0.00001 FIFO
    (lot,) = idx.state.lots()
    assert lot.allocations == {first.text: D("0.00152"), second.text: D("0.00303")}

    idx.lot("b1", BTC, "0.01", trade_id="x2")
    second_lot = idx.state.lots()[1]
    assert second_lot.allocations == {
        first.text: D("0.00148"),
        second.text: D("0.00297"),
        "house": D("0.00555"),
    }
    assert idx.state.house_inventory() == {BTC: D("0.00555")}
    view = idx.state.order(first)
    assert view is not None and view.assigned == {BTC: D("0.003")}
    batch = idx.state.in_flight("b1")
    assert batch is not None
    assert batch.remaining_targets == {first: {BTC: D(0)}, second: {BTC: D(0)}}


def test_house_inventory_is_handed_to_the_next_order_at_its_cost(
    idx: Any, alice: str, bob: str
) -> None:
    idx.deposit(alice, "1000")
    idx.deposit(bob, "1000")
    first = idx.buy(alice, "a1", "IDX", "500")
    idx.plan("b1", targets={first: {BTC: D("0.001")}})
    idx.lot("b1", BTC, "0.003", price="50000", trade_id="x1")  # 150 USDT, 0.002 left over
    idx.close("b1")
    assert idx.state.house_inventory() == {BTC: D("0.002")}

    second = idx.buy(bob, "b1", "IDX", "500")
    out = idx.plan(
        "b2", targets={second: {BTC: D("0.0015")}}, inventory={second: {BTC: D("0.0015")}}
    )
    assert isinstance(out[-1], IndexOrderFillReport)
    assert out[-1].collateral_spent == D(75)
    (lot,) = idx.state.lots()
    assert lot.allocations == {
        first.text: D("0.001"),
        "house": D("0.0005"),
        second.text: D("0.0015"),
    }
    assert idx.state.house_inventory() == {BTC: D("0.0005")}
    # the batch's target counted the inventory: nothing left for legs to bring
    batch = idx.state.in_flight("b2")
    assert batch is not None and batch.remaining_targets[second] == {BTC: D(0)}
    _check_conserved(idx, bob)


def test_completion_returns_slices_beyond_the_filled_quantity_and_refunds_them(
    idx: Any, alice: str
) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    idx.plan("b1", targets={key: _basket("2")})
    idx.lot("b1", BTC, "0.002")  # 100
    idx.lot("b1", ETH, "0.015")  # 30 -> 1.5 units backed
    before = idx.state.order(key)
    assert before is not None and before.collateral_spent == D(130)
    idx.close("b1")
    _, invoice = idx.complete("b2", key)

    assert invoice.quantity == D("1.5")
    assert invoice.assets_value == D(105)  # 0.0015 BTC (75) + 0.015 ETH (30)
    assert invoice.desk_fee == D("0.105")
    assert [(lot.symbol, lot.quantity, lot.cost) for lot in invoice.lots] == [
        (BTC, D("0.0015"), D(75)),
        (ETH, D("0.015"), D(30)),
    ]
    assert idx.state.house_inventory() == {BTC: D("0.0005")}
    usdt = idx.state.account(1, alice).collateral["USDT"]
    assert usdt.free == D(1000) - D(105) - D("0.105")
    assert usdt.spent == D(105) and usdt.reserved == 0
    lot = idx.state.lots()[0]
    assert lot.allocations == {key.text: D("0.0015"), "house": D("0.0005")}
    # the desk paid 130 to the venue, got 105.105 from alice: it holds 0.0005 BTC for 25
    assert idx.state.house_cash() == {"USDT": D("-24.895")}


def test_partial_cancel_then_cancel_of_the_rest_issues_an_invoice(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    idx.plan("b1", targets={key: _basket("4")})
    idx.fill_basket("b1", _basket("2"))  # 140 spent, fee 0.14
    (report,) = idx.cancel(key, "100")
    assert report.status == "partially_filled"
    assert report.collateral_remaining == D(400) - D(140) - D("0.14")
    assert idx.state.account(1, alice).collateral["USDT"].free == D(600)

    report, invoice = idx.cancel(key, "100000")
    assert report.status == "cancelled" and report.filled_quantity == D(2)
    assert isinstance(invoice, MintInvoice)
    assert invoice.quantity == D(2)
    assert invoice.amount_remaining == D("259.86")
    assert invoice.fill_rate == D("0.350350")  # 140.14 / 400
    usdt = idx.state.account(1, alice).collateral["USDT"]
    assert usdt.free == D(1000) - D("140.14")
    # a late fill of the ended order's batch goes to the house
    idx.lot("b1", BTC, "0.001", trade_id="late")
    assert idx.state.lots()[-1].allocations == {"house": D("0.001")}
    assert idx.state.order(key).filled_quantity == D(2)  # type: ignore[union-attr]
    check = IndexOrderCancelled(
        chain_id=1, address=alice, client_order_id="o1", cancel_id="again", amount=D(1), ts=idx.ts()
    )
    assert "already cancelled" in (idx.state.check_cancel(check) or "")


def test_cancel_before_any_fill_returns_everything_with_a_final_invoice(
    idx: Any, alice: str
) -> None:
    idx.deposit(alice, "300")
    key = idx.buy(alice, "o1", "IDX", "300")
    report, invoice = idx.cancel(key, "300")
    assert report.status == "cancelled" and report.filled_quantity == 0
    # the final invoice says how it ended: nothing minted, nothing paid, everything returned
    assert idx.invoices() == [invoice]
    assert (invoice.quantity, invoice.amount_paid, invoice.lots) == (0, 0, ())
    assert invoice.amount_remaining == D(300) and invoice.client_order_id == "o1"
    usdt = idx.state.account(1, alice).collateral["USDT"]
    assert (usdt.free, usdt.reserved, usdt.spent, usdt.fees) == (D(300), 0, 0, 0)


def test_min_fee_applies_once_anything_is_spent(
    instruments: dict[str, Instrument], make_desk: Any, alice: str
) -> None:
    desk = make_desk(_idx(instruments, min_fee="1"), PRICES)
    desk.deposit(alice, "1000")
    too_small = desk.order_event(alice, "tiny", "IDX", OrderSide.BUY, "1")
    assert "minimum fee" in (desk.state.check_new_order(too_small) or "")
    key = desk.buy(alice, "o1", "IDX", "100")
    desk.plan("b1", targets={key: _basket("1")})
    desk.fill_basket("b1", _basket("1"))  # 70 spent: 7 bps would be 0.07
    _, invoice = desk.complete("b2", key)
    assert invoice.desk_fee == D(1)
    assert invoice.amount_remaining == D(29)


def test_a_buy_never_takes_more_than_it_can_pay_for(idx: Any, alice: str) -> None:
    idx.deposit(alice, "100")
    key = idx.buy(alice, "o1", "IDX", "100")
    idx.plan("b1", targets={key: {BTC: D("0.003")}})  # 150 USDT: more than the order holds
    (report,) = idx.lot("b1", BTC, "0.003")
    # largest spend with its 10 bps fee within 100: 99.9000999; at 50000 -> 0.00199 BTC
    assert report.collateral_spent == D("99.5")
    assert report.collateral_spent + D("0.0995") + report.collateral_remaining == D(100)
    assert idx.state.house_inventory() == {BTC: D("0.00101")}
    _check_conserved(idx, alice)


def test_charges_round_up_and_the_house_keeps_the_dust(idx: Any, alice: str, bob: str) -> None:
    idx.deposit(alice, "10")
    idx.deposit(bob, "10")
    first = idx.buy(alice, "a1", "IDX", "5")
    second = idx.buy(bob, "b1", "IDX", "5")
    idx.plan("b1", targets={first: {BTC: D("0.00001")}, second: {BTC: D("0.00002")}})
    # 0.00003 x 10000.01 + 0.00000001 fee = 0.30000031 USDT
    idx.lot("b1", BTC, "0.00003", price="10000.01", fee="0.00000001")
    assert idx.state.order(first).collateral_spent == D("0.10000011")  # type: ignore[union-attr]
    assert idx.state.order(second).collateral_spent == D("0.20000021")  # type: ignore[union-attr]
    # charged 0.30000032 plus fees (ceil 0.0001.. each) for a lot that cost 0.30000031
    assert idx.state.house_cash()["USDT"] == D("0.00000001") + D("0.00010001") + D("0.00020001")


def test_base_fee_reduces_the_net_quantity(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    idx.plan("b1", targets={key: {BTC: D("0.002")}})
    idx.lot("b1", BTC, "0.002", fee="0.000002", fee_asset="BTC")
    (lot,) = idx.state.lots()
    assert lot.net_qty == D("0.001998") and lot.value == D(100)
    assert lot.allocations == {key.text: D("0.001998")}


def test_an_event_seen_before_is_ignored(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    idx.plan("b1", targets={key: _basket("1")})
    idx.lot("b1", BTC, "0.001", trade_id="same")
    lot_event = idx.journal[-1]
    before = (idx.state.lots(), idx.state.order(key), idx.state.account(1, alice))
    assert idx.state.apply(lot_event) == []
    assert idx.state.apply(idx.journal[0]) == []  # the deposit again
    assert (idx.state.lots(), idx.state.order(key), idx.state.account(1, alice)) == before
    assert idx.state.has_applied(lot_event.key)


def test_new_orders_are_checked_before_journaling(idx: Any, alice: str, bob: str) -> None:
    idx.deposit(alice, "100")
    idx.buy(alice, "o1", "IDX", "60")

    def problem(**fields: Any) -> str:
        values: dict[str, Any] = {
            "address": alice,
            "client_order_id": "o2",
            "symbol": "IDX",
            "side": OrderSide.BUY,
            "amount": "10",
        }
        values.update(fields)
        event = idx.order_event(
            values["address"],
            values["client_order_id"],
            values["symbol"],
            values["side"],
            values["amount"],
        )
        return idx.state.check_new_order(event) or ""

    assert "duplicate client_order_id" in problem(client_order_id="o1")
    assert "unknown index" in problem(symbol="NOPE")
    assert "insufficient collateral" in problem(amount="40.00000001")
    assert "decimal places" in problem(amount="1.000000001")
    assert "insufficient index tokens" in problem(side=OrderSide.SELL, amount="1")
    assert "multiple of 0.01" in problem(side=OrderSide.SELL, amount="0.001")
    assert "insufficient collateral" in problem(address=bob)
    assert problem(amount="40") == ""


def test_an_order_failing_its_checks_when_applied_is_rejected_and_changes_nothing(
    idx: Any, alice: str
) -> None:
    idx.deposit(alice, "50")
    before = idx.state.account(1, alice)
    event = IndexOrderAccepted(
        chain_id=1,
        address=alice,
        client_order_id="big",
        symbol="IDX",
        side=OrderSide.BUY,
        amount=D(80),
        ts=idx.ts(),
    )
    (report,) = idx.apply(event)
    assert report.status == "rejected" and "insufficient collateral" in (report.reason or "")
    assert idx.state.account(1, alice) == before
    assert idx.state.order(OrderKey(1, alice, "big")) is None


def test_routing_fees_are_charged_on_the_next_invoice_only(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000", routing_fees="2.5")
    assert idx.state.account(1, alice).collateral["USDT"].free == D("997.5")
    invoices = []
    for n in (1, 2):
        key = idx.buy(alice, f"o{n}", "IDX", "100")
        idx.plan(f"b{n}", targets={key: _basket("1")})
        idx.fill_basket(f"b{n}", _basket("1"))
        invoices.append(idx.complete(f"c{n}", key)[-1])
    assert [i.routing_fees for i in invoices] == [D("2.5"), D(0)]
    assert invoices[0].amount_paid == D(70) + D("0.07") + D("2.5")
    assert invoices[1].position == D(2)
    _check_conserved(idx, alice)


def test_completion_with_nothing_filled_cancels_with_an_empty_invoice(idx: Any, alice: str) -> None:
    idx.deposit(alice, "100")
    key = idx.buy(alice, "o1", "IDX", "100")
    idx.plan("b1", targets={key: _basket("1")})
    idx.lot("b1", BTC, "0.001")  # BTC only: nothing backed
    report, invoice = idx.complete("b2", key)
    assert invoice.quantity == 0 and invoice.amount_remaining == D(100)
    assert report.status == "cancelled" and report.reason == "nothing could be filled"
    assert report.collateral_spent == 0
    assert idx.state.account(1, alice).collateral["USDT"].free == D(100)
    assert idx.state.house_inventory() == {BTC: D("0.001")}


def test_demands_and_batches_tell_the_solver_what_is_left(idx: Any, alice: str) -> None:
    idx.deposit(alice, "1000")
    key = idx.buy(alice, "o1", "IDX", "500")
    idx.plan("b1", targets={key: _basket("3")})
    idx.lot("b1", BTC, "0.003")
    idx.lot("b1", ETH, "0.01")
    (demand,) = idx.state.demands()
    assert demand.key == key and demand.side is OrderSide.BUY and demand.sequence == 1
    assert demand.filled_quantity == D(1)
    assert demand.assigned == {BTC: D("0.003"), ETH: D("0.01")}
    assert demand.assigned_beyond_filled == {BTC: D("0.002"), ETH: D(0)}
    assert demand.in_flight == {ETH: D("0.02")}
    assert demand.remaining == D(500) - D(170) - D("0.17")
    assert demand.spendable == D("499.50049950") - D(170)
    batch = idx.state.in_flight("b1")
    assert batch is not None and not batch.closed
    assert batch.leg_filled == {"b1-BTC": D("0.003"), "b1-ETH": D("0.01")}
    assert batch.in_flight_quote == D("0.02") * D(2000)
    assert idx.state.in_flight_quote() == D(40)
    idx.close("b1")
    assert idx.state.open_batches() == ()
    assert idx.state.demands()[0].in_flight == {}
    assert idx.state.in_flight("never") is None


def test_indexes_sharing_a_constituent_share_its_lots(desk: Any, alice: str, bob: str) -> None:
    desk.deposit(alice, "1000")
    desk.deposit(bob, "1000")
    tw10 = desk.buy(alice, "a", "TW10", "500")
    tw3 = desk.buy(bob, "b", "TW3", "500")
    desk.plan("b1", targets={tw10: desk.basket(tw10, "1"), tw3: desk.basket(tw3, "1")})
    desk.lot("b1", BTC, "0.0009")  # exactly TW10's 0.0004 + TW3's 0.0005
    (lot,) = desk.state.lots()
    assert lot.allocations == {tw10.text: D("0.0004"), tw3.text: D("0.0005")}


def test_tokens_minted_on_chain_are_redeemable_only_once_sent_back(
    instruments: dict[str, Instrument], make_desk: Any, alice: str
) -> None:
    desk = make_desk(_idx(instruments), PRICES)
    desk.state = IndexDeskState(desk.definitions.values(), tokens_on_chain=True)
    desk.deposit(alice, "1000")
    key = desk.buy(alice, "o1", "IDX", "500")
    desk.plan("b1", targets={key: _basket("2")})
    desk.lot("b1", BTC, "0.002")
    desk.lot("b1", ETH, "0.02")
    desk.close("b1")
    invoice = desk.complete("b2", key)[-1]
    assert isinstance(invoice, MintInvoice) and invoice.quantity == D(2)
    # the tokens went to alice's wallet: nothing to redeem at the desk yet
    assert invoice.position == 0
    assert desk.state.check_new_order(desk.order_event(alice, "s1", "IDX", OrderSide.SELL, "1"))
    desk.return_tokens(alice, "IDX", "1")
    assert (
        desk.state.check_new_order(desk.order_event(alice, "s1", "IDX", OrderSide.SELL, "1"))
        is None
    )
