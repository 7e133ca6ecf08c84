"""The index desk behind the FIX/JSON gateway: client messages in, desk answers out.

``DeskGatewayHandler`` implements the gateway's DeskHandler protocol over an IndexDesk;
``JournalInvoiceReader`` serves stored invoices to the REST routes, reading the journal's
database off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradewind.core.enums import OrderSide
from tradewind.desks.index.desk import DeskRejection, IndexDesk
from tradewind.desks.index.journal import DeskJournal
from tradewind.desks.index.report_log import ReportsNotKept, SeqNumInFuture
from tradewind.desks.index.reports import IndexOrderFillReport, MintInvoice
from tradewind.gateway.fixjson.messages import (
    CancelIndexOrder,
    CancelQuoteRequest,
    NewIndexOrder,
    NewQuoteRequest,
    ReplayRequest,
)
from tradewind.gateway.fixjson.protocols import (
    AccountKey,
    OrderResponse,
    QuoteRejected,
    ReplayRejected,
)
from tradewind.gateway.fixjson.wire_types import iso_from_ns

__all__ = ["DeskGatewayHandler", "JournalInvoiceReader", "account_status_of"]


def _side(wire: str) -> OrderSide:
    return OrderSide.BUY if wire == "buy" else OrderSide.SELL


class DeskGatewayHandler:
    """Answers admitted gateway messages (already parsed, signed and sequenced) with the desk."""

    def __init__(self, desk: IndexDesk) -> None:
        self._desk = desk

    async def new_index_order(self, account: AccountKey, msg: NewIndexOrder) -> OrderResponse:
        try:
            await self._desk.new_order(
                chain_id=account.chain_id,
                address=account.address,
                client_order_id=msg.client_order_id,
                symbol=msg.symbol,
                side=_side(msg.side),
                amount=msg.amount,
            )
        except DeskRejection as exc:
            return OrderResponse(status="rejected", reason=exc.reason)
        return OrderResponse(status="new")

    async def cancel_index_order(self, account: AccountKey, msg: CancelIndexOrder) -> OrderResponse:
        try:
            await self._desk.cancel_order(
                chain_id=account.chain_id,
                address=account.address,
                client_order_id=msg.client_order_id,
                # the signed header's sequence and time make each cancel message distinct
                cancel_id=f"{msg.standard_header.seq_num}-{msg.standard_header.timestamp}",
                amount=msg.amount,
            )
        except DeskRejection as exc:
            return OrderResponse(status="rejected", reason=exc.reason)
        return OrderResponse(status="cancelled")

    async def quote(self, account: AccountKey, msg: NewQuoteRequest) -> Decimal:
        try:
            return self._desk.quote(msg.symbol, _side(msg.side), msg.amount)
        except DeskRejection as exc:
            raise QuoteRejected(exc.reason) from exc

    async def cancel_quote(self, account: AccountKey, msg: CancelQuoteRequest) -> None:
        # quotes are answered at once and hold nothing, so there is nothing to release
        return None

    async def account_status(self, account: AccountKey) -> Mapping[str, Any]:
        # read from the state the journal built: what the account's reports added up to
        return account_status_of(self._desk, account.chain_id, account.address)

    async def replay(self, account: AccountKey, msg: ReplayRequest) -> Sequence[tuple[str, Any]]:
        chain_id, address = account.chain_id, account.address
        if msg.last_report_seq_num is None:
            assert msg.since is not None, "ReplayRequest carries one of the two"
            reports = await self._desk.outputs_since(chain_id, address, msg.since)
        else:
            try:
                reports = await self._desk.outputs_after(chain_id, address, msg.last_report_seq_num)
            except SeqNumInFuture as exc:
                raise ReplayRejected(ReplayRejected.SEQ_NUM_IN_FUTURE, str(exc)) from exc
            except ReportsNotKept as exc:
                raise ReplayRejected(ReplayRejected.SEQ_NUM_TOO_OLD, str(exc)) from exc
        return [
            (
                "IndexOrderFill" if isinstance(r.output, IndexOrderFillReport) else "MintInvoice",
                r.body(),
            )
            for r in reports
        ]


def account_status_of(desk: IndexDesk, chain_id: int, address: str) -> dict[str, Any]:
    """The AccountStatus fields of ``(chain_id, address)``: collateral per asset, index
    positions, open orders (amounts as Decimals, times as ISO-8601)."""
    view = desk.state.account(chain_id, address)
    collateral = [
        {
            "asset": c.asset, "deposited": c.deposited, "proceeds": c.proceeds,
            "spent": c.spent, "fees": c.fees, "routing_fees": c.routing_fees, "free": c.free,
            "reserved": c.reserved,
        }
        for _, c in sorted(view.collateral.items())
    ]  # fmt: skip
    positions = [
        {"symbol": p.symbol, "free": p.free, "reserved": p.reserved}
        for _, p in sorted(view.positions.items())
    ]
    open_orders = [
        {
            "client_order_id": o.key.client_order_id, "symbol": o.symbol, "side": o.side.value,
            "amount": o.amount, "filled_quantity": o.filled_quantity,
            "collateral_spent": o.collateral_spent,
            "collateral_remaining": o.collateral_remaining, "fill_rate": o.fill_rate,
            "status": o.status.value, "ts": iso_from_ns(o.ts_last),
        }
        for o in desk.state.open_orders()
        if (o.key.chain_id, o.key.address) == (chain_id, address)
    ]  # fmt: skip
    return {"collateral": collateral, "positions": positions, "open_orders": open_orders}


class JournalInvoiceReader:
    """Invoices from the desk journal's store, for ``GET /invoices``."""

    def __init__(self, journal: DeskJournal) -> None:
        self._journal = journal

    async def get(self, chain_id: int, address: str, client_order_id: str) -> MintInvoice | None:
        return await asyncio.to_thread(
            self._journal.get_invoice, chain_id, address, client_order_id
        )

    async def between(
        self, start_ns: int, end_ns: int, *, chain_id: int | None, address: str | None
    ) -> Iterable[MintInvoice]:
        return await asyncio.to_thread(
            self._journal.invoices_between, start_ns, end_ns - 1, chain_id=chain_id, address=address
        )
