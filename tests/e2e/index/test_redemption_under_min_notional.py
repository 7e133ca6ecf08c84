"""Issue 12's stalled redemption, through a real FIX/JSON client against a desk trading on a
``tradewind sim`` process: selling 1.248 of 2.497 TW10 (~125 USDT) whose DOT leg (~3.25 USDT)
is under the venue's 5 USDT minimum notional. Before the fix it was answered ``new`` and then
nothing happened (``legs=0`` every batch) until a backstop ended it with the reason only in the
desk's log. Now, when the house holds DOT, it pads the venue leg up to the minimum or, holding
too little for that, takes the DOT itself (a lot at the reference price), and the whole
redemption goes through; when the house holds none, the order ends at once and the client
reads why in its final IndexOrderFill and MintInvoice."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest

from tradewind.desks.index.events import IndexTokensReturned
from tradewind.desks.index.runtime import IndexDeskRuntime, post_local_deposit
from tradewind.gateway.fixjson.client import FixJsonClient

from .conftest import USER, USER_KEY

pytestmark = [pytest.mark.e2e]

CHAIN = 42161


async def test_with_dot_in_the_house_the_whole_redemption_goes_through(
    desk_runtime: IndexDeskRuntime,
) -> None:
    await post_local_deposit(
        desk_runtime.url, token=desk_runtime.local_deposit_token, deposit_id="dep-1",
        chain_id=CHAIN, address=USER, amount="300",
    )  # fmt: skip
    async with FixJsonClient(desk_runtime.ws_url, USER_KEY, chain_id=CHAIN) as client:
        seq = await client.new_index_order("mint", "TW10", "buy", "250")
        assert (await client.ack_or_nak(seq)).msg_type == "ACK"
        minted = await client.wait_for(
            "MintInvoice", lambda m: m.client_order_id == "mint", timeout=60
        )
        # the mint's DOT leg was padded up to the venue's minimum: the house holds the rest
        held = desk_runtime.desk.state.house_inventory().get("DOT/USDT", Decimal(0))
        assert held > 0
        half = (Decimal(minted.quantity) / 2).quantize(Decimal("0.001"), ROUND_DOWN)
        seq = await client.new_index_order("redeem", "TW10", "sell", str(half))
        assert (await client.ack_or_nak(seq)).msg_type == "ACK"
        redeemed = await client.wait_for(
            "MintInvoice", lambda m: m.client_order_id == "redeem", timeout=30
        )
    assert redeemed.reason is None
    assert Decimal(redeemed.quantity) == half and Decimal(redeemed.amount_remaining) == 0
    [dot] = [lot for lot in redeemed.lots if lot.symbol == "DOT/USDT"]
    after = desk_runtime.desk.state.house_inventory().get("DOT/USDT", Decimal(0))
    if dot.lot_id.startswith("lot:house:"):
        # the house held too little to pad the leg: it took the order's DOT itself
        assert after == held + dot.quantity
    else:
        # the house held enough: the venue leg was padded up to the minimum with its DOT
        assert dot.lot_id.startswith("lot:sim:") and after < held
    assert Decimal(100) * half * Decimal("0.9") < Decimal(redeemed.amount_paid)


async def test_with_no_dot_in_the_house_the_redemption_ends_at_once_and_says_why(
    desk_runtime: IndexDeskRuntime,
) -> None:
    # TW10 minted earlier and sent back on chain to redeem (what the chain's returns follower
    # hands the desk); this desk's house holds no constituent at all
    await desk_runtime.desk.on_tokens_returned(
        IndexTokensReturned(
            return_id=f"{CHAIN}:0x{'ab' * 32}:0", chain_id=CHAIN, address=USER, symbol="TW10",
            quantity=Decimal("2.497"), ts=1,
        )
    )  # fmt: skip
    assert desk_runtime.desk.state.house_inventory() == {}
    async with FixJsonClient(desk_runtime.ws_url, USER_KEY, chain_id=CHAIN) as client:
        seq = await client.new_index_order("redeem", "TW10", "sell", "1.248")
        assert (await client.ack_or_nak(seq)).msg_type == "ACK"
        accepted = await client.wait_for("NewIndexOrder")
        assert accepted.status == "new", accepted
        invoice = await client.wait_for(
            "MintInvoice", lambda m: m.client_order_id == "redeem", timeout=30
        )
        fills = [
            m for m in client.received
            if m.msg_type == "IndexOrderFill" and m.client_order_id == "redeem"
        ]  # fmt: skip
    assert invoice.reason is not None
    assert invoice.reason.startswith("no batch can sell its DOT/USDT leg")
    assert "house holds no DOT" in invoice.reason
    assert Decimal(invoice.quantity) == 0 and Decimal(invoice.amount_remaining) == Decimal("1.248")
    assert fills and fills[-1].reason == invoice.reason
    assert fills[-1].status not in ("new", "partially_filled")
    assert desk_runtime.desk.state.account(CHAIN, USER).positions["TW10"].free == Decimal("2.497")
