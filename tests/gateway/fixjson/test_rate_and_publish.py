"""Per-account rate limiting across sessions, and desk outputs pushed to an account's sessions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from tests.gateway.fixjson.conftest import RecordingHandler

from tradewind.core.enums import OrderSide
from tradewind.gateway.fixjson import GatewayLimits, InvalidPublication, MintInvoiceMessage
from tradewind.gateway.fixjson.protocols import AccountKey, OrderResponse
from tradewind.gateway.fixjson.publisher import GatewayPublisher

TIGHT = GatewayLimits(
    rate_capacity=10, rate_refill_per_second=Decimal(1), unsigned_rate_capacity=10
)
"""NewIndexOrder costs 5, a quote 2: two orders empty the bucket; 1 token back per second."""


async def _answer(client, seq):
    return await client.ack_or_nak(seq)


async def _order(client, client_order_id: str) -> str:
    """Send a 1-unit buy; the msg_type of its ACK or NAK."""
    seq = await client.new_index_order(client_order_id, "TW10", "1", "1")
    return (await client.ack_or_nak(seq)).msg_type


async def test_rate_limit_is_per_account_across_sessions(start_gateway, keys) -> None:
    gateway = await start_gateway(TIGHT)
    alice_1 = await gateway.client()
    alice_2 = await gateway.client()
    bob = await gateway.client(keys.bob)
    assert await _order(alice_1, "a1") == "ACK"
    assert await _order(alice_2, "a2") == "ACK"
    # Alice's bucket is empty, whichever session she uses
    for client in (alice_1, alice_2):
        nak = await _answer(client, await client.new_index_order("a3", "TW10", "1", "1"))
        assert (nak.msg_type, nak.reason) == ("NAK", "rate_limited")
        nak = await _answer(client, await client.quote("q", "TW10", "1", "1"))
        assert (nak.msg_type, nak.reason) == ("NAK", "rate_limited")
    # Bob has his own bucket
    assert await _order(bob, "b1") == "ACK"
    # two seconds give back two tokens: a quote passes, an order still does not
    gateway.clock.advance_by(2 * 10**9)
    assert (await _answer(alice_1, await alice_1.quote("q2", "TW10", "1", "1"))).msg_type == "ACK"
    nak = await _answer(alice_1, await alice_1.new_index_order("a4", "TW10", "1", "1"))
    assert nak.reason == "rate_limited"
    gateway.clock.advance_by(5 * 10**9)
    assert await _order(alice_2, "a5") == "ACK"
    ids = [msg.client_order_id for msg in gateway.handler.of("new_index_order")]
    assert ids == ["a1", "a2", "b1", "a5"]


async def test_unsigned_quotes_spend_their_address_budget_not_the_account(
    start_gateway, keys
) -> None:
    gateway = await start_gateway(TIGHT)
    stranger = await gateway.client(keys.bob)
    # a stranger's unsigned quotes naming Alice's address run out on the stranger's source
    # address budget, never on Alice's account
    answers = []
    for n in range(6):
        body = stranger.build(
            "NewQuoteRequest",
            {"client_quote_id": f"q{n}", "symbol": "TW10", "side": "1", "amount": "1"},
            sign=False,
        )
        body["address"] = keys.alice_address
        answers.append((await _answer(stranger, await stranger.send_message(body))).msg_type)
    assert answers == ["ACK"] * 5 + ["NAK"]
    alice = await gateway.client()
    seq = await alice.new_index_order("a1", "TW10", "1", "1")
    assert (await _answer(alice, seq)).msg_type == "ACK"


FILL = {
    "client_order_id": "o-1",
    "symbol": "TW10",
    "side": OrderSide.BUY,
    "filled_quantity": Decimal("0.5000"),
    "collateral_spent": Decimal("499.12345678"),
    "collateral_remaining": Decimal("500.87654322"),
    "fill_rate": Decimal("0.5"),
    "status": "partially_filled",
    "ts": 1_735_689_600_123_456_789,
}


@dataclass(frozen=True, slots=True)
class DeskLot:
    lot_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class DeskInvoice:
    """Shaped like the desk's MintInvoice (which the gateway must not import)."""

    invoice_id: str
    chain_id: int
    address: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    lots: tuple[DeskLot, ...]
    amount_paid: Decimal
    amount_remaining: Decimal
    assets_value: Decimal
    exchange_fees: Decimal
    desk_fee: Decimal
    routing_fees: Decimal
    fill_rate: Decimal
    position: Decimal
    tx_hash: str | None
    ts: int


def desk_invoice(chain_id: int, address: str, ts: int = 1_735_689_600_000_000_000) -> DeskInvoice:
    lot = DeskLot(
        "sim:42",
        "BTC/USDT",
        OrderSide.BUY,
        Decimal("50000"),
        Decimal("0.0001"),
        Decimal("0.005"),
        "USDT",
        Decimal("5.005"),
    )
    return DeskInvoice(
        invoice_id="ab" * 32,
        chain_id=chain_id,
        address=address,
        client_order_id="o-1",
        symbol="TW10",
        side=OrderSide.BUY,
        quantity=Decimal("1"),
        lots=(lot,),
        amount_paid=Decimal("5.01"),
        amount_remaining=Decimal("994.99"),
        assets_value=Decimal("5.005"),
        exchange_fees=Decimal("0.005"),
        desk_fee=Decimal("0.005"),
        routing_fees=Decimal(0),
        fill_rate=Decimal("0.00501"),
        position=Decimal("1"),
        tx_hash=None,
        ts=ts,
    )


async def test_publish_reaches_every_signed_session_of_the_account_only(gateway, keys) -> None:
    alice_1 = await gateway.client()
    alice_2 = await gateway.client()
    bob = await gateway.client(keys.bob)
    lurker = await gateway.client(keys.bob)  # only sends an unsigned quote naming Alice
    for client in (alice_1, alice_2, bob):
        await _answer(client, await client.quote("q", "TW10", "1", "1"))
    body = lurker.build(
        "NewQuoteRequest",
        {"client_quote_id": "q", "symbol": "TW10", "side": "1", "amount": "1"},
        sign=False,
    )
    body["address"] = keys.alice_address
    assert (await _answer(lurker, await lurker.send_message(body))).msg_type == "ACK"

    reached = await gateway.publisher.publish(
        keys.chain_id, keys.alice_address, "IndexOrderFill", FILL
    )
    assert reached == 2
    for client in (alice_1, alice_2):
        fill = await client.wait_for("IndexOrderFill")
        assert (fill.chain_id, fill.address, fill.client_order_id) == (
            keys.chain_id,
            keys.alice_address,
            "o-1",
        )
        assert (fill.side, fill.status, fill.filled_quantity) == (
            "buy",
            "partially_filled",
            Decimal("0.5000"),
        )
        assert fill.collateral_spent == Decimal("499.12345678")
        assert fill.ts == 1_735_689_600_123_000_000  # ISO with ms on the wire
    # the sessions that did not prove Alice's key got nothing
    await gateway.publisher.publish(keys.chain_id, keys.bob_address, "IndexOrderFill", FILL)
    assert (await bob.wait_for("IndexOrderFill")).address == keys.bob_address
    assert [m.msg_type for m in lurker.received] == ["ACK", "IndexQuoteResponse"]
    assert [m.msg_type for m in bob.received].count("IndexOrderFill") == 1


async def test_publish_invoice_from_a_desk_dataclass(gateway, keys) -> None:
    alice = await gateway.client()
    await _answer(alice, await alice.quote("q", "TW10", "1", "1"))
    invoice = desk_invoice(keys.chain_id, keys.alice_address)
    publisher = gateway.publisher
    assert await publisher.publish(keys.chain_id, keys.alice_address, "MintInvoice", invoice) == 1
    message = await alice.wait_for("MintInvoice")
    assert isinstance(message, MintInvoiceMessage)
    assert message.lots[0].cost == Decimal("5.005")
    assert (message.amount_paid, message.tx_hash) == (Decimal("5.01"), None)
    # server messages to a session are numbered in order: ACK, quote answer, invoice
    assert [m.standard_header.seq_num for m in alice.received] == [1, 2, 3]


@pytest.mark.parametrize(
    ("msg_type", "body", "match"),
    [
        ("ACK", {"ref_seq_num": 1}, "cannot publish"),
        ("Nope", {}, "cannot publish"),
        ("IndexOrderFill", {**FILL, "fill_rate": 0.5}, "does not fit"),
        ("IndexOrderFill", {k: v for k, v in FILL.items() if k != "status"}, "does not fit"),
        ("IndexOrderFill", {**FILL, "address": "0x" + "00" * 20}, "differs"),
        ("IndexOrderFill", ["not", "a", "body"], "expected a dataclass"),
    ],
)
async def test_publish_refuses_bad_bodies_even_with_nobody_listening(
    gateway, keys, msg_type, body, match
) -> None:
    with pytest.raises(InvalidPublication, match=match):
        await gateway.publisher.publish(keys.chain_id, keys.alice_address, msg_type, body)


async def test_publish_checksums_a_lowercase_address(gateway, keys) -> None:
    alice = await gateway.client()
    await _answer(alice, await alice.quote("q", "TW10", "1", "1"))
    reached = await gateway.publisher.publish(
        keys.chain_id, keys.alice_address.lower(), "IndexOrderFill", FILL
    )
    assert reached == 1
    with pytest.raises(InvalidPublication, match="not an address"):
        await gateway.publisher.publish(keys.chain_id, "alice", "IndexOrderFill", FILL)


class _PublishingHandler(RecordingHandler):
    """A desk that reports a fill (and, on cancel, the invoice) while it answers, as a fast
    batch or a cancel does: the publication happens before the answer is returned."""

    publisher: GatewayPublisher | None = None

    async def new_index_order(self, account: AccountKey, msg: Any) -> OrderResponse:
        assert self.publisher is not None
        await self.publisher.publish(account.chain_id, account.address, "IndexOrderFill", FILL)
        return await super().new_index_order(account, msg)

    async def cancel_index_order(self, account: AccountKey, msg: Any) -> OrderResponse:
        assert self.publisher is not None
        await self.publisher.publish(account.chain_id, account.address, "IndexOrderFill", FILL)
        invoice = desk_invoice(account.chain_id, account.address)
        await self.publisher.publish(account.chain_id, account.address, "MintInvoice", invoice)
        return await super().cancel_index_order(account, msg)


async def test_the_answer_comes_before_the_reports_published_while_answering(
    start_gateway, keys
) -> None:
    handler = _PublishingHandler()
    gateway = await start_gateway(handler=handler)
    handler.publisher = gateway.publisher
    alice = await gateway.client()
    await _answer(alice, await alice.quote("q", "TW10", "1", "1"))  # binds the account
    await alice.new_index_order("o-1", "TW10", "buy", "100")
    await alice.wait_for("IndexOrderFill")
    await alice.cancel_index_order("o-1", "TW10", "100")
    await alice.wait_for("MintInvoice")
    assert [m.msg_type for m in alice.received[2:]] == [
        "ACK", "NewIndexOrder", "IndexOrderFill",
        "ACK", "CancelIndexOrder", "IndexOrderFill", "MintInvoice",
    ]  # fmt: skip


class _AccountHandler(RecordingHandler):
    async def account_status(self, account: AccountKey) -> dict[str, Any]:
        self.calls.append(("account_status", account, None))
        return {
            "collateral": [
                {"asset": "USDT", "deposited": Decimal(1000), "proceeds": Decimal(0),
                 "spent": Decimal("400.5"), "fees": Decimal("0.4"), "routing_fees": Decimal(0),
                 "free": Decimal("599.1"), "reserved": Decimal(0)}
            ],
            "positions": [{"symbol": "TW10", "free": Decimal("4"), "reserved": Decimal(0)}],
            "open_orders": [],
        }  # fmt: skip


async def test_account_status_answers_a_signed_request_only(start_gateway, keys) -> None:
    handler = _AccountHandler()
    gateway = await start_gateway(handler=handler)
    alice = await gateway.client()
    unsigned = alice.build("AccountStatusRequest", {"request_id": "r-0"}, sign=False)
    nak = await alice.ack_or_nak(await alice.send_message(unsigned))
    assert (nak.msg_type, nak.reason) == ("NAK", "unsigned")
    assert handler.of("account_status") == []
    assert (await _answer(alice, await alice.account_status("r-1"))).msg_type == "ACK"
    status = await alice.wait_for("AccountStatus")
    assert status.request_id == "r-1" and status.address == keys.alice_address
    (usdt,) = status.collateral
    assert (usdt.asset, usdt.free, usdt.spent) == ("USDT", Decimal("599.1"), Decimal("400.5"))
    assert [(p.symbol, p.free) for p in status.positions] == [("TW10", Decimal(4))]
    assert status.open_orders == ()


async def test_signed_rest_reads_of_an_account(start_gateway, keys) -> None:
    import aiohttp
    from tests.gateway.fixjson.conftest import ALICE_KEY, BOB_KEY

    from tradewind.gateway.fixjson.account_routes import signed_headers

    gateway = await start_gateway(handler=_AccountHandler())
    base = f"/accounts/{keys.chain_id}/{keys.alice_address}"
    now = gateway.clock.now_ns()
    async with aiohttp.ClientSession(gateway.server.http_url) as http:

        async def get(path: str, headers: dict[str, str]) -> tuple[int, Any]:
            async with http.get(path, headers=headers) as response:
                return response.status, await response.json()

        status, body = await get(
            f"{base}/collateral", signed_headers(ALICE_KEY, f"{base}/collateral", now)
        )
        assert status == 200 and body[0]["asset"] == "USDT" and body[0]["free"] == "599.1"
        status, body = await get(
            f"{base}/positions", signed_headers(ALICE_KEY, f"{base}/positions", now)
        )
        assert (status, body) == (200, [{"symbol": "TW10", "free": "4", "reserved": "0"}])
        status, body = await get(
            f"{base}/open-orders", signed_headers(ALICE_KEY, f"{base}/open-orders", now)
        )
        assert (status, body) == (200, [])
        # refused, each with the REST error shape
        status, body = await get(f"{base}/collateral", {})
        assert (status, body["error"]) == (401, "unsigned")
        status, body = await get(
            f"{base}/collateral", signed_headers(BOB_KEY, f"{base}/collateral", now)
        )
        assert (status, body["error"]) == (401, "signer_mismatch")
        # a signature of another path does not open this one
        status, body = await get(
            f"{base}/collateral", signed_headers(ALICE_KEY, f"{base}/positions", now)
        )
        assert (status, body["error"]) == (401, "bad_signature")
        stale = signed_headers(ALICE_KEY, f"{base}/collateral", now - 10 * 60 * 10**9)
        status, body = await get(f"{base}/collateral", stale)
        assert (status, body["error"]) == (401, "stale_timestamp")
