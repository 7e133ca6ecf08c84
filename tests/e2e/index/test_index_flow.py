"""Index orders through a real WebSocket client, against a desk trading on a ``tradewind sim``
process: deposit, buy (mint) and sell (redeem), fill reports, invoices over WS and REST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradewind.desks.index.runtime import IndexDeskRuntime, post_local_deposit
from tradewind.gateway.fixjson.client import FixJsonClient

from .conftest import USER, USER_KEY

pytestmark = [pytest.mark.e2e]

CHAIN = 42161


async def _deposit(runtime: IndexDeskRuntime, deposit_id: str, amount: str) -> None:
    await post_local_deposit(
        runtime.url, token=runtime.local_deposit_token, deposit_id=deposit_id, chain_id=CHAIN,
        address=USER, amount=amount,
    )  # fmt: skip


async def _invoice_rest(runtime: IndexDeskRuntime, client_order_id: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{runtime.url}/invoices/{CHAIN}/{USER}/{client_order_id}"
        async with http.get(url) as response:
            assert response.status == 200, await response.text()
            result: dict[str, Any] = await response.json()
            return result


async def test_buy_then_redeem_end_to_end(desk_runtime: IndexDeskRuntime) -> None:
    await _deposit(desk_runtime, "dep-1", "2000")
    async with FixJsonClient(desk_runtime.ws_url, USER_KEY, chain_id=CHAIN) as client:
        seq = await client.new_index_order("buy-1", "TW10", "buy", "1000")
        assert (await client.ack_or_nak(seq)).msg_type == "ACK"
        accepted = await client.wait_for("NewIndexOrder")
        assert accepted.status == "new", accepted
        invoice = await client.wait_for(
            "MintInvoice", lambda m: m.client_order_id == "buy-1", timeout=60
        )
        fills = [m for m in client.received if m.msg_type == "IndexOrderFill"]
        assert fills and fills[-1].status == "filled"
        quantity = Decimal(invoice.quantity)
        assert quantity > 0
        # about 9.98 TW10 for 1000 USDT at ~100 USDT each, after the 10 bps fee
        assert Decimal("9") < quantity < Decimal("10.1")
        lots_cost = sum(Decimal(lot.cost) for lot in invoice.lots)
        assert lots_cost == Decimal(invoice.assets_value)
        assert Decimal(invoice.amount_paid) + Decimal(invoice.amount_remaining) == Decimal(1000)
        stored = await _invoice_rest(desk_runtime, "buy-1")
        assert Decimal(stored["quantity"]) == quantity

        seq = await client.new_index_order("sell-1", "TW10", "sell", "5")
        assert (await client.ack_or_nak(seq)).msg_type == "ACK"
        redeemed = await client.wait_for(
            "MintInvoice", lambda m: m.client_order_id == "sell-1", timeout=60
        )
        # a residual too small for the venue's minimum notional is handed back, not sold
        sold = Decimal(redeemed.quantity)
        assert Decimal(4) < sold <= Decimal(5)
        assert sold + Decimal(redeemed.amount_remaining) == Decimal(5)
        # about 100 USDT per TW10 back, less the 10 bps redeem fee
        assert Decimal(90) * sold < Decimal(redeemed.amount_paid) < Decimal(110) * sold
        assert Decimal(redeemed.position) == quantity - sold
    view = desk_runtime.desk.state.account(CHAIN, USER)
    assert view.positions["TW10"].free == quantity - sold
