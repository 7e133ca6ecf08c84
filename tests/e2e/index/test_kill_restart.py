"""SIGKILL the index desk (``tradewind serve``) at seeded random moments while its batches run,
restart it on the same databases each time, and check its journal against the venue's records.

Kill points: right after an order's ACK (the order may or may not be journaled yet), as soon as
a batch is journaled (its legs may or may not be at the venue), after a batch's first lot (some
fills journaled, others only at the venue), and after a random delay. After each restart the
client reconnects, deposits are announced again (a redelivery must not credit twice) and orders
that got no answer are sent again (``duplicate`` means the first copy was journaled).

At the end every order must have its invoice, and the journal replayed into a fresh state must
show: each venue trade of the desk's account exactly once as a lot (same trade ids, prices,
quantities, fees), no lot over-assigned, every minted quantity backed by its lots, collateral
conserved per account, the stored invoices equal to the replayed ones, the venue's balances
explained by the lots, and no venue order the journal does not name.

The seed is ``INDEX_KILLTEST_SEED`` (default below); a failure message names it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from tradewind.core.enums import OrderSide
from tradewind.desks.index.definitions import (
    DEMO_INDEX_FILE,
    IndexDefinition,
    load_index_definitions,
)
from tradewind.desks.index.events import (
    BatchPlanned,
    CollateralDeposited,
    IndexEvent,
    IndexOrderAccepted,
    LotRecorded,
    OrderKey,
)
from tradewind.desks.index.journal import DeskJournal
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.state import IndexDeskState
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAdmin
from ..kernel.runner_support import VenueTruth
from .desk_process import DeskEndpoints, DeskProcess, JournalProbe, fetch_invoice, post_deposit

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = int(os.environ.get("INDEX_KILLTEST_SEED", "20260611"))
CHAIN = 42161
START_USDT = Decimal(1_000_000)
GATEWAY_KEY = "0x" + "5a" * 32  # fixed, so clients check the same signer across restarts
USER_KEYS = ("0x" + "31" * 32, "0x" + "32" * 32, "0x" + "33" * 32)
USERS = tuple(Account.from_key(key).address for key in USER_KEYS)
DEPOSITS = (("kd-0", "3000"), ("kd-1", "2500"), ("kd-2", "2000"))
# (user, client order id, index, collateral): both indexes, sizes from ~1 to ~9 index tokens
ORDERS = (
    (0, "k0-a", "TW10", "900"), (0, "k0-b", "TW3", "400"), (0, "k0-c", "TW10", "250"),
    (1, "k1-a", "TW3", "700"), (1, "k1-b", "TW10", "350"), (1, "k1-c", "TW3", "150"),
    (2, "k2-a", "TW10", "600"), (2, "k2-b", "TW3", "300"), (2, "k2-c", "TW10", "120"),
)  # fmt: skip
KILL_MODES = ("ack", "planned", "lot", "delay")

Order = tuple[int, str, str, str]


class Scenario:
    """The desk process, its clients and what the test knows about each order."""

    def __init__(self, desk: DeskProcess, rng: random.Random) -> None:
        self.desk = desk
        self.rng = rng
        self.probe = JournalProbe(desk.database)
        self.endpoints: DeskEndpoints | None = None
        self.clients: list[FixJsonClient] = []
        self.accepted: set[str] = set()
        self.unanswered: list[Order] = []
        self.kills: list[dict[str, Any]] = []
        self.signer = Account.from_key(GATEWAY_KEY).address

    @property
    def url(self) -> str:
        assert self.endpoints is not None
        return self.endpoints.url

    async def start(self) -> None:
        self.endpoints = await asyncio.to_thread(self.desk.start)
        self.clients = []
        for key in USER_KEYS:
            client = FixJsonClient(
                self.endpoints.ws_url, key, chain_id=CHAIN, server_address=self.signer
            )
            await client.connect()
            self.clients.append(client)
        # announced again after every restart: a redelivered deposit must not count twice
        for user, (deposit_id, amount) in enumerate(DEPOSITS):
            await post_deposit(self.url, deposit_id, CHAIN, USERS[user], amount)

    async def send(self, orders: list[Order]) -> dict[str, int]:
        seqs: dict[str, int] = {}
        for user, coid, symbol, amount in orders:
            seqs[coid] = await self.clients[user].new_index_order(coid, symbol, "buy", amount)
        return seqs

    async def resend_unanswered(self) -> None:
        """Orders a killed desk never answered: a duplicate means the first copy was journaled."""
        pending, self.unanswered = self.unanswered, []
        for user, coid, symbol, amount in pending:
            client = self.clients[user]
            await client.new_index_order(coid, symbol, "buy", amount)
            answer = await client.wait_for(
                "NewIndexOrder", lambda m, c=coid: m.client_order_id == c, timeout=30
            )
            if answer.status == "new" or "duplicate" in (answer.reason or ""):
                self.accepted.add(coid)
            else:
                raise AssertionError(f"seed {SEED}: resent {coid} rejected: {answer.reason}")

    async def wait_point(self, found: Callable[[], object], timeout_s: float = 10.0) -> bool:
        """Poll the journal until ``found()`` is truthy; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.probe.poll()
            if found():
                return True
            await asyncio.sleep(0.002)
        return False

    async def run_wave_and_kill(self, orders: list[Order], mode: str) -> None:
        self.probe.poll()
        known = set(self.probe.planned)

        def new_open() -> list[str]:
            return [b for b in self.probe.open_batches() if b not in known]

        def new_open_with_lot() -> bool:
            return any(self.probe.lots_of.get(b, 0) > 0 for b in new_open())

        seqs = await self.send(orders)
        reached = True
        if mode == "ack":
            user, coid = orders[-1][0], orders[-1][1]
            answer = await self.clients[user].ack_or_nak(seqs[coid], timeout=30)
            assert answer.msg_type == "ACK", answer
            await asyncio.sleep(self.rng.uniform(0, 0.02))
        elif mode == "planned":
            reached = await self.wait_point(new_open)
            await asyncio.sleep(self.rng.uniform(0, 0.01))
        elif mode == "lot":
            reached = await self.wait_point(new_open_with_lot)
            await asyncio.sleep(self.rng.uniform(0, 0.005))
        else:
            await asyncio.sleep(self.rng.uniform(0.02, 0.5))
        code = await asyncio.to_thread(self.desk.kill)
        assert code == -signal.SIGKILL, f"seed {SEED}: desk exited {code} before the kill"
        self.probe.poll()
        self.kills.append(
            {"mode": mode, "reached": reached, "open_batches": self.probe.open_batches()}
        )
        for client in self.clients:
            await client.close()
        self._collect_answers(orders)

    def _collect_answers(self, orders: list[Order]) -> None:
        for user, coid, symbol, amount in orders:
            answers = [
                m for m in self.clients[user].received
                if m.msg_type == "NewIndexOrder" and m.client_order_id == coid
            ]  # fmt: skip
            if not answers:
                self.unanswered.append((user, coid, symbol, amount))
                continue
            assert answers[0].status == "new", f"seed {SEED}: {coid} {answers[0].reason}"
            self.accepted.add(coid)

    async def send_and_confirm(self, orders: list[Order]) -> None:
        await self.send(orders)
        for user, coid, _, _ in orders:
            answer = await self.clients[user].wait_for(
                "NewIndexOrder", lambda m, c=coid: m.client_order_id == c, timeout=30
            )
            assert answer.status == "new", f"seed {SEED}: {coid}: {answer.reason}"
            self.accepted.add(coid)

    async def wait_invoices(self, timeout_s: float = 90.0) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for user, coid, _, _ in ORDERS:
                if coid not in found:
                    invoice = await fetch_invoice(self.url, CHAIN, USERS[user], coid)
                    if invoice is not None:
                        found[coid] = invoice
            if len(found) == len(ORDERS):
                return found
            await asyncio.sleep(0.2)
        missing = sorted({coid for _, coid, _, _ in ORDERS} - set(found))
        raise AssertionError(f"seed {SEED}: no invoice for {missing} (see {self.desk.log_path})")

    async def close_clients(self) -> None:
        for client in self.clients:
            await client.close()


def _waves(rng: random.Random, kills: int) -> list[list[Order]]:
    """The orders shuffled into ``kills + 1`` non-empty waves."""
    orders = list(ORDERS)
    rng.shuffle(orders)
    cuts = sorted(rng.sample(range(1, len(orders)), kills))
    bounds = [0, *cuts, len(orders)]
    return [orders[a:b] for a, b in itertools.pairwise(bounds)]


async def _definitions(
    sim: SimEndpoints, api_key: str, api_secret: str
) -> tuple[IndexDefinition, ...]:
    """The demo indexes checked against the venue's instruments, as the desk loads them."""
    settings = VenueSettings(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url, api_key=api_key,
        api_secret=api_secret,
    )  # fmt: skip
    adapter = open_venue("binance", settings, limiter=None)
    try:
        instruments = {i.symbol: i for i in await adapter.load_instruments()}
    finally:
        await adapter.close()
    return load_index_definitions(DEMO_INDEX_FILE, instruments)


async def test_sigkill_mid_batch_then_restart_loses_nothing_and_assigns_nothing_twice(
    sim: SimEndpoints, admin: SimAdmin, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    account = admin.create_account({"USDT": str(START_USDT)})
    desk = DeskProcess(
        sim, account.api_key, account.api_secret, tmp_path / "desk", gateway_key=GATEWAY_KEY
    )
    scenario = Scenario(desk, rng)
    modes = list(KILL_MODES)
    rng.shuffle(modes)
    waves = _waves(rng, len(modes))
    try:
        await scenario.start()
        for wave, mode in zip(waves, modes, strict=False):
            await scenario.run_wave_and_kill(wave, mode)
            await scenario.start()
            await scenario.resend_unanswered()
        await scenario.send_and_confirm(waves[-1])
        rest_invoices = await scenario.wait_invoices()
        # all orders ended: the solver has nothing left to run; stop it cleanly
        assert await scenario.wait_point(lambda: not scenario.probe.open_batches())
        await scenario.close_clients()
        assert await asyncio.to_thread(desk.terminate) == 0
    finally:
        await scenario.close_clients()
        desk.close()

    context = f"seed {SEED}, kills {scenario.kills}, log {desk.log_path}"
    print(context)  # shown with -rP: which kill points the run reached
    # the test killed the desk inside a running batch at least once (else it proves little)
    assert any(kill["open_batches"] for kill in scenario.kills), context
    assert scenario.accepted == {coid for _, coid, _, _ in ORDERS}, context

    definitions = await _definitions(sim, account.api_key, account.api_secret)
    journal = DeskJournal.open(f"sqlite:///{desk.database}")
    try:
        events = list(journal.replay())
        stored = {i.client_order_id: i for i in journal.invoices_between(0, 2**63 - 1)}
    finally:
        journal.close()
    state = IndexDeskState(definitions)
    replayed: list[MintInvoice] = []
    for event in events:
        replayed += [o for o in state.apply(event) if isinstance(o, MintInvoice)]

    venue = VenueTruth(sim, account.api_key, account.api_secret)
    symbols = sorted({c.symbol for d in definitions for c in d.constituents})
    trades = {s: await asyncio.to_thread(venue.trades, s.replace("/", "")) for s in symbols}
    venue_orders = {s: await asyncio.to_thread(venue.orders, s.replace("/", "")) for s in symbols}
    balances = await asyncio.to_thread(venue.balances)

    _check_orders_and_invoices(state, events, stored, replayed, rest_invoices, context)
    _check_deposits(state, events, context)
    _check_lots_against_venue(events, trades, venue_orders, context)
    _check_assignments(state, {d.symbol: d for d in definitions}, context)
    _check_collateral(state, stored, context)
    _check_venue_balances(state, balances, context)


def _check_orders_and_invoices(
    state: IndexDeskState,
    events: list[IndexEvent],
    stored: dict[str, MintInvoice],
    replayed: list[MintInvoice],
    rest: dict[str, dict[str, Any]],
    context: str,
) -> None:
    """Nothing lost: every order journaled once, ended filled, with one invoice, the same one
    the desk stored, served over REST and rebuilt by a replay."""
    accepted = [e for e in events if isinstance(e, IndexOrderAccepted)]
    by_coid = Counter(e.client_order_id for e in accepted)
    assert by_coid == Counter(coid for _, coid, _, _ in ORDERS), context
    for user, coid, symbol, amount in ORDERS:
        event = next(e for e in accepted if e.client_order_id == coid)
        assert (event.address, event.symbol, event.side, event.amount) == (
            USERS[user],
            symbol,
            OrderSide.BUY,
            Decimal(amount),
        ), context
    orders = state.orders()
    assert len(orders) == len(ORDERS) and not state.open_orders(), context
    assert all(o.status.value == "filled" and o.filled_quantity > 0 for o in orders), context
    # a replay issues each invoice once, and the same invoice the live desk stored
    assert sorted(i.client_order_id for i in replayed) == sorted(stored), context
    assert {i.client_order_id: i for i in replayed} == stored, context
    assert set(stored) == {coid for _, coid, _, _ in ORDERS}, context
    for coid, invoice in stored.items():
        served = rest[coid]
        assert served["invoice_id"] == invoice.invoice_id, context
        assert Decimal(served["quantity"]) == invoice.quantity, context
        assert Decimal(served["amount_paid"]) == invoice.amount_paid, context
        assert len(served["lots"]) == len(invoice.lots), context


def _check_deposits(state: IndexDeskState, events: list[IndexEvent], context: str) -> None:
    """Each deposit credited once, though announced again after every restart."""
    deposits = [e for e in events if isinstance(e, CollateralDeposited)]
    assert sorted(e.deposit_id for e in deposits) == sorted(d for d, _ in DEPOSITS), context
    for user, (_, amount) in enumerate(DEPOSITS):
        view = state.account(CHAIN, USERS[user]).collateral["USDT"]
        assert view.deposited == Decimal(amount), context


def _check_lots_against_venue(
    events: list[IndexEvent],
    trades: dict[str, list[dict[str, Any]]],
    venue_orders: dict[str, list[dict[str, Any]]],
    context: str,
) -> None:
    """Each venue trade of the desk's account is exactly one lot, with the venue's figures;
    every venue order is a leg some journaled batch named, sent once."""
    lots: dict[str, dict[str, LotRecorded]] = defaultdict(dict)
    for event in events:
        if isinstance(event, LotRecorded):
            assert event.trade_id not in lots[event.symbol], context  # once per trade
            lots[event.symbol][event.trade_id] = event
    legs = {
        leg.client_order_id: leg
        for event in events if isinstance(event, BatchPlanned) for leg in event.legs
    }  # fmt: skip
    assert sum(len(t) for t in trades.values()) > 0, context
    for symbol, venue_trades in trades.items():
        ours = lots.get(symbol, {})
        assert sorted(ours) == sorted(str(t["id"]) for t in venue_trades), (symbol, context)
        for trade in venue_trades:
            lot = ours[str(trade["id"])]
            assert lot.price == Decimal(trade["price"]), (symbol, trade, context)
            assert lot.qty == Decimal(trade["qty"]), (symbol, trade, context)
            assert lot.fee == Decimal(trade["commission"]), (symbol, trade, context)
            assert lot.fee_asset == trade["commissionAsset"], (symbol, trade, context)
        traded = sum((Decimal(t["qty"]) for t in venue_trades), Decimal(0))
        assert sum((lot.qty for lot in ours.values()), Decimal(0)) == traded, (symbol, context)
        client_ids = [o["clientOrderId"] for o in venue_orders[symbol]]
        assert len(client_ids) == len(set(client_ids)), (symbol, context)  # no leg sent twice
        for order in venue_orders[symbol]:
            leg = legs.get(order["clientOrderId"])
            assert leg is not None and leg.symbol == symbol, (order, context)
            filled = sum(
                (lot.qty for lot in ours.values()
                 if lot.client_order_id == order["clientOrderId"]),
                Decimal(0),
            )  # fmt: skip
            assert filled == Decimal(order["executedQty"]), (order, context)
            assert Decimal(order["executedQty"]) <= leg.quantity, (order, context)


def _check_assignments(
    state: IndexDeskState, definitions: dict[str, IndexDefinition], context: str
) -> None:
    """No lot over-assigned; each minted quantity backed by its lots in the index's units."""
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in state.lots():
        assert all(q > 0 for q in lot.allocations.values()), (lot, context)
        assert sum(lot.allocations.values(), Decimal(0)) <= lot.net_qty, (lot, context)
        for owner, qty in lot.allocations.items():
            held[(owner, lot.symbol)] += qty
    lot_net = {lot.lot_id: lot.net_qty for lot in state.lots()}
    invoiced: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in state.invoices():
        definition = definitions[invoice.symbol]
        owner = OrderKey(invoice.chain_id, invoice.address, invoice.client_order_id).text
        per_symbol: dict[str, Decimal] = defaultdict(Decimal)
        for lot in invoice.lots:
            per_symbol[lot.symbol] += lot.quantity
            invoiced[lot.lot_id] += lot.quantity
        for constituent in definition.constituents:
            need = invoice.quantity * constituent.units
            assert per_symbol[constituent.symbol] >= need, (invoice.client_order_id, context)
            assert held[(owner, constituent.symbol)] >= need, (invoice.client_order_id, context)
        lots_cost = sum((lot.cost for lot in invoice.lots), Decimal(0))
        assert lots_cost == invoice.assets_value, (invoice.client_order_id, context)
    for lot_id, qty in invoiced.items():
        assert qty <= lot_net[lot_id], (lot_id, context)


def _check_collateral(state: IndexDeskState, stored: dict[str, MintInvoice], context: str) -> None:
    """deposited = spent + fees + free + reserved per account, and the invoices explain it."""
    for user, address in enumerate(USERS):
        view = state.account(CHAIN, address).collateral["USDT"]
        assert view.conserved, (view, context)
        assert view.deposited == view.spent + view.fees + view.free + view.reserved, context
        assert view.reserved == 0 and view.proceeds == 0 and view.routing_fees == 0, context
        invoices = [i for i in stored.values() if i.address == address]
        assert len(invoices) == sum(1 for u, *_ in ORDERS if u == user), context
        assert view.spent == sum((i.assets_value for i in invoices), Decimal(0)), context
        assert view.fees == sum((i.desk_fee for i in invoices), Decimal(0)), context
        paid = sum((i.amount_paid for i in invoices), Decimal(0))
        assert view.free == view.deposited - paid, context
        for invoice in invoices:
            amount = next(Decimal(a) for _, c, _, a in ORDERS if c == invoice.client_order_id)
            assert invoice.amount_paid + invoice.amount_remaining == amount, context
        minted = {
            symbol: sum((i.quantity for i in invoices if i.symbol == symbol), Decimal(0))
            for symbol in ("TW10", "TW3")
        }
        positions = state.account(CHAIN, address).positions
        for symbol, quantity in minted.items():
            assert positions[symbol].total == quantity, (symbol, context)


def _check_venue_balances(
    state: IndexDeskState, balances: dict[str, Decimal], context: str
) -> None:
    """The venue's balances are the starting USDT moved by exactly the desk's lots."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    expected["USDT"] = START_USDT
    for lot in state.lots():
        base, quote = lot.symbol.split("/")
        assert lot.side is OrderSide.BUY, context
        expected[base] += lot.net_qty
        expected[quote] -= lot.value
    assert balances == {a: q for a, q in expected.items() if q != 0}, context
