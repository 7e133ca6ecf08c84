"""How a desk plugs into the gateway: the calls the gateway makes, and what they return.

    DeskHandler     async new_index_order / cancel_index_order / quote / cancel_quote /
                    account_status / replay
    InvoiceReader   get / between, sync (quick, in-memory) or async (I/O)
    AccountKey      (chain_id, address) a message acts for
    OrderResponse   the desk's answer to an order or a cancel
    QuoteRejected   raised by ``quote`` when the desk cannot quote
    ReplayRejected  raised by ``replay`` when it cannot replay from the asked sequence number

Invoices may come back as ``MintInvoiceModel``, a mapping or a dataclass with the same fields
(Decimals or decimal strings; ``ts`` integer nanoseconds or ISO-8601 text).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from tradewind.gateway.fixjson.messages import (
    CancelIndexOrder,
    CancelQuoteRequest,
    MintInvoiceModel,
    NewIndexOrder,
    NewQuoteRequest,
    ReplayRequest,
)

__all__ = [
    "AccountKey",
    "DeskHandler",
    "InvoiceLike",
    "InvoiceReader",
    "OrderResponse",
    "QuoteRejected",
    "ReplayRejected",
]


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The account a message acts for: ``chain_id`` and EIP-55 ``address``."""

    chain_id: int
    address: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderResponse:
    """The desk's answer to an order (``status`` "new" | "rejected") or a cancel ("cancelled" |
    "rejected"); ``reason`` says why for a rejection."""

    status: str
    reason: str | None = None


class QuoteRejected(ValueError):
    """The desk cannot quote (unknown index, no liquidity, ...); ``reason`` goes to the client."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ReplayRejected(ValueError):
    """The desk cannot replay from the asked sequence number. ``code`` is ``seq_num_in_future``
    (above the account's last report) or ``seq_num_too_old`` (reports after it are no longer all
    kept); the client reads "<code>: <words>" as the ``ReplayResponse`` reason."""

    SEQ_NUM_IN_FUTURE = "seq_num_in_future"
    SEQ_NUM_TOO_OLD = "seq_num_too_old"

    def __init__(self, code: str, words: str) -> None:
        self.code = code
        self.reason = f"{code}: {words}"
        super().__init__(self.reason)


class DeskHandler(Protocol):
    """What the gateway calls for each admitted client message (signature, sequence, clock and
    rate already checked). Money-moving calls only ever carry a verified signer; a quote's
    ``account`` is as claimed when the request was unsigned (``msg.signer is None``)."""

    async def new_index_order(self, account: AccountKey, msg: NewIndexOrder) -> OrderResponse: ...

    async def cancel_index_order(
        self, account: AccountKey, msg: CancelIndexOrder
    ) -> OrderResponse: ...

    async def quote(self, account: AccountKey, msg: NewQuoteRequest) -> Decimal: ...

    async def cancel_quote(self, account: AccountKey, msg: CancelQuoteRequest) -> None: ...

    async def account_status(self, account: AccountKey) -> Mapping[str, Any]:
        """``collateral``, ``positions``, ``open_orders`` as the AccountStatus fields want
        them (desk dataclasses or mappings; Decimals, ``ts`` in integer ns)."""
        ...

    async def replay(self, account: AccountKey, msg: ReplayRequest) -> Sequence[tuple[str, Any]]:
        """The account's pushed messages since ``msg.since`` (ns) or numbered above
        ``msg.last_report_seq_num``, oldest first, as ``(msg_type, body)`` pairs like
        ``GatewayPublisher.publish`` takes. Raises ``ReplayRejected`` for a sequence number it
        cannot replay from."""
        ...


InvoiceLike = MintInvoiceModel | Mapping[str, Any] | Any
"""A MintInvoiceModel, or a mapping / dataclass with its fields."""


class InvoiceReader(Protocol):
    """Where the REST routes find invoices. Either method may be sync (must be quick: it runs
    on the event loop) or async."""

    def get(
        self, chain_id: int, address: str, client_order_id: str
    ) -> InvoiceLike | Awaitable[InvoiceLike | None] | None: ...

    def between(
        self, start_ns: int, end_ns: int, *, chain_id: int | None, address: str | None
    ) -> Iterable[InvoiceLike] | Awaitable[Iterable[InvoiceLike]]:
        """Invoices with ``start_ns <= ts < end_ns``, optionally of one chain and/or address."""
        ...
