"""Fixtures for the FIX/JSON gateway: a recording desk handler, in-memory invoices, and a
factory that serves the gateway on 127.0.0.1 (port 0) inside the test's loop."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tradewind.core.clock import SimulatedClock
from tradewind.gateway.fixjson import (
    AccountKey,
    FixJsonClient,
    GatewayLimits,
    GatewayPublisher,
    GatewayServer,
    OrderResponse,
    QuoteRejected,
    address_of,
    build_gateway_app,
)

SERVER_KEY = "0x" + "5e" * 32
ALICE_KEY = "0x" + "a1" * 32
BOB_KEY = "0x" + "b0" * 32
CHAIN_ID = 31337
COMP_ID = "TRADEWIND"
SERVER_ADDRESS = address_of(SERVER_KEY)
ALICE = address_of(ALICE_KEY)
BOB = address_of(BOB_KEY)


@dataclass(frozen=True)
class Keys:
    """Fixed keys and what the tests call them; tests get it from the ``keys`` fixture."""

    server: str = SERVER_KEY
    alice: str = ALICE_KEY
    bob: str = BOB_KEY
    server_address: str = SERVER_ADDRESS
    alice_address: str = ALICE
    bob_address: str = BOB
    chain_id: int = CHAIN_ID
    comp_id: str = COMP_ID


ROOMY_LIMITS = GatewayLimits(
    rate_capacity=10_000,
    rate_refill_per_second=Decimal(1),
    unsigned_rate_capacity=10_000,
    unsigned_global_capacity=10_000,
    frame_rate_capacity=1_000_000,
    address_frame_rate_capacity=1_000_000,
    nak_rate_capacity=1_000_000,
)
"""Limits that never rate-limit a test that is not about rate limiting."""


class RecordingHandler:
    """A desk that records every call. Orders whose client id starts with "reject" are
    rejected, "boom" raise; quotes for symbol "NOPE" are rejected, others quote 12.5."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, AccountKey, Any]] = []

    def of(self, method: str) -> list[Any]:
        return [msg for name, _, msg in self.calls if name == method]

    async def new_index_order(self, account: AccountKey, msg: Any) -> OrderResponse:
        self.calls.append(("new_index_order", account, msg))
        if msg.client_order_id.startswith("boom"):
            raise RuntimeError("secret database password is hunter2")
        if msg.client_order_id.startswith("reject"):
            return OrderResponse(status="rejected", reason="insufficient collateral")
        return OrderResponse(status="new")

    async def cancel_index_order(self, account: AccountKey, msg: Any) -> OrderResponse:
        self.calls.append(("cancel_index_order", account, msg))
        return OrderResponse(status="cancelled")

    async def quote(self, account: AccountKey, msg: Any) -> Decimal:
        self.calls.append(("quote", account, msg))
        if msg.symbol == "NOPE":
            raise QuoteRejected("unknown index NOPE")
        return Decimal("12.5")

    async def cancel_quote(self, account: AccountKey, msg: Any) -> None:
        self.calls.append(("cancel_quote", account, msg))


@dataclass
class MemoryInvoices:
    """Invoices kept in a list; ``between`` is sync, ``get`` async (both shapes are allowed)."""

    invoices: list[dict[str, Any]] = field(default_factory=list)

    async def get(self, chain_id: int, address: str, client_order_id: str) -> Any:
        for invoice in self.invoices:
            key = (invoice["chain_id"], invoice["address"], invoice["client_order_id"])
            if key == (chain_id, address, client_order_id):
                return invoice
        return None

    def between(
        self, start_ns: int, end_ns: int, *, chain_id: int | None, address: str | None
    ) -> list[dict[str, Any]]:
        return [
            invoice
            for invoice in self.invoices
            if start_ns <= invoice["ts"] < end_ns
            and chain_id in (None, invoice["chain_id"])
            and address in (None, invoice["address"])
        ]


@dataclass
class Gateway:
    """A served gateway and the parts a test pokes at."""

    server: GatewayServer
    handler: RecordingHandler
    invoices: MemoryInvoices
    clock: SimulatedClock
    clients: list[FixJsonClient]

    @property
    def publisher(self) -> GatewayPublisher:
        publisher: GatewayPublisher = self.server.app.state.publisher
        return publisher

    async def client(self, key: str = ALICE_KEY, **kwargs: Any) -> FixJsonClient:
        options: dict[str, Any] = {
            "chain_id": CHAIN_ID,
            # distinct per connection: two sessions sending the same signed text in the same
            # millisecond would otherwise look like a replay (the test clock stands still)
            "sender_comp_id": f"C{address_of(key)[2:8]}-{len(self.clients) + 1}",
            "target_comp_id": COMP_ID,
            "server_address": SERVER_ADDRESS,
            "clock": self.clock,
            **kwargs,
        }
        client = FixJsonClient(self.server.ws_url, key, **options)
        await client.connect()
        self.clients.append(client)
        return client


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway() -> AsyncIterator[GatewayFactory]:
    """Serve a gateway (stopped after the test); the clock starts at the wall clock and moves
    only when a test advances it, shared by server and clients."""
    started: list[Gateway] = []

    async def start(limits: GatewayLimits = ROOMY_LIMITS, **kwargs: Any) -> Gateway:
        handler = kwargs.pop("handler", RecordingHandler())
        invoices = kwargs.pop("invoices", MemoryInvoices())
        clock = SimulatedClock(time.time_ns())
        app = build_gateway_app(
            handler,
            invoices,
            comp_id=COMP_ID,
            server_key=SERVER_KEY,
            clock=clock,
            limits=limits,
            **kwargs,
        )
        server = GatewayServer(app)
        await server.start()
        gateway = Gateway(server, handler, invoices, clock, [])
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        for client in gateway.clients:
            await client.close()
        await gateway.server.stop()


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
async def gateway(start_gateway: GatewayFactory) -> Gateway:
    return await start_gateway()
