"""What the index desk tells its users: a fill report on every change of an order, a mint invoice
when an order ends with something filled.

    Output
      ├─ IndexOrderFillReport   status new | partially_filled | filled | cancelled | rejected
      └─ MintInvoice            lots (InvoiceLot), amounts, fees, fill rate, position

Amounts are Decimals in the index's quote asset unless named otherwise; quantities of the index
in index tokens, lot quantities in base units; timestamps integer nanoseconds. For a sell
(redemption) ``collateral_spent`` of a fill report is the collateral credited so far and
``collateral_remaining`` the index quantity not yet redeemed (names kept for FIX).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tradewind.core.enums import OrderSide

__all__ = [
    "IndexOrderFillReport",
    "IndexOrderStatus",
    "InvalidInvoice",
    "InvoiceLot",
    "MintInvoice",
    "Output",
    "invoice_id_of",
]


class IndexOrderStatus(StrEnum):
    """Where an index order is, as its fill reports say it."""

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (IndexOrderStatus.NEW, IndexOrderStatus.PARTIALLY_FILLED)


class InvalidInvoice(ValueError):
    """Stored invoice JSON that does not decode to a MintInvoice."""


def invoice_id_of(chain_id: int, address: str, client_order_id: str) -> str:
    """The invoice id of an order: sha256 hex of "chain_id:address:client_order_id"."""
    return hashlib.sha256(f"{chain_id}:{address}:{client_order_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOrderFillReport:
    """The state of one index order after a change. ``filled_quantity`` index tokens; buy:
    ``collateral_spent`` on the basket (desk fee excluded), ``collateral_remaining`` collateral
    not spent nor owed as fee; sell: collateral credited so far, index tokens not redeemed.
    ``fill_rate`` in [0, 1]; ``reason`` says why for a rejection or a cancel without a fill."""

    chain_id: int
    address: str
    client_order_id: str
    symbol: str
    side: OrderSide
    filled_quantity: Decimal
    collateral_spent: Decimal
    collateral_remaining: Decimal
    fill_rate: Decimal
    status: IndexOrderStatus
    ts: int
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLot:
    """One exchange fill's share in an order: ``quantity`` base units at ``price``, ``fee`` in
    ``fee_asset`` (this share of the fill's fee), ``cost`` in quote (buy: charged to the order;
    sell: proceeds credited to it)."""

    lot_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str
    cost: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "price": _dec(self.price),
            "quantity": _dec(self.quantity),
            "fee": _dec(self.fee),
            "fee_asset": self.fee_asset,
            "cost": _dec(self.cost),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MintInvoice:
    """What an ended order got and paid. Buy: ``quantity`` index tokens minted, ``amount_paid``
    = assets_value + desk_fee + routing_fees, ``amount_remaining`` collateral returned to the
    account. Sell: ``quantity`` redeemed (burned), ``amount_paid`` collateral credited (proceeds
    after the desk fee), ``amount_remaining`` index tokens handed back. ``assets_value`` sums the
    lots' costs (proceeds for a sell); ``exchange_fees`` is their venue fees valued in quote;
    ``position`` the account's index tokens after this invoice; ``reason`` why the order ended
    short of its amount when the desk ended it (or None)."""

    invoice_id: str
    chain_id: int
    address: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    lots: tuple[InvoiceLot, ...]
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
    reason: str | None = None

    def to_json(self) -> str:
        """Compact JSON with sorted keys; Decimals as strings."""
        body: dict[str, Any] = {
            "invoice_id": self.invoice_id,
            "chain_id": self.chain_id,
            "address": self.address,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "quantity": _dec(self.quantity),
            "lots": [lot.to_dict() for lot in self.lots],
            "tx_hash": self.tx_hash,
            "ts": self.ts,
        }
        if self.reason is not None:  # absent from invoices stored before it existed
            body["reason"] = self.reason
        for name in _INVOICE_DECIMALS:
            body[name] = _dec(getattr(self, name))
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> MintInvoice:
        """The invoice ``to_json`` wrote; raises ``InvalidInvoice``."""
        try:
            data = json.loads(text)
            lots = tuple(
                InvoiceLot(
                    lot_id=str(lot["lot_id"]),
                    symbol=str(lot["symbol"]),
                    side=OrderSide(lot["side"]),
                    price=Decimal(lot["price"]),
                    quantity=Decimal(lot["quantity"]),
                    fee=Decimal(lot["fee"]),
                    fee_asset=str(lot["fee_asset"]),
                    cost=Decimal(lot["cost"]),
                )
                for lot in data["lots"]
            )
            decimals = {name: Decimal(data[name]) for name in _INVOICE_DECIMALS}
            return cls(
                invoice_id=str(data["invoice_id"]),
                chain_id=int(data["chain_id"]),
                address=str(data["address"]),
                client_order_id=str(data["client_order_id"]),
                symbol=str(data["symbol"]),
                side=OrderSide(data["side"]),
                quantity=Decimal(data["quantity"]),
                lots=lots,
                tx_hash=data["tx_hash"],
                ts=int(data["ts"]),
                reason=None if data.get("reason") is None else str(data["reason"]),
                **decimals,
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise InvalidInvoice(f"not a stored mint invoice: {exc!r}") from None


_INVOICE_DECIMALS = (
    "amount_paid",
    "amount_remaining",
    "assets_value",
    "exchange_fees",
    "desk_fee",
    "routing_fees",
    "fill_rate",
    "position",
)


def _dec(value: Decimal) -> str:
    return format(value, "f")


Output = IndexOrderFillReport | MintInvoice
"""What ``IndexDeskState.apply`` returns."""
