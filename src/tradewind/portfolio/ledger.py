"""The ledger's value model, shared by importers, the store, cost basis and reports.

    Transaction  one economic event (trade, deposit, …) at one instant
      └─ Movement  one signed change of one asset in one account (amount > 0 in, < 0 out)

A transaction's identity is its content key: a SHA-256 over the economic content only, so the
same event imported from an API (millisecond timestamps) and from a CSV (second timestamps) is
stored once.
Tenancy is not part of a transaction; the store binds a tenant to a repository.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "AUDIT_ENTRY_VERSION",
    "SELECTION_ENTRY_VERSION",
    "EntryKind",
    "InvalidTransactionError",
    "Movement",
    "Transaction",
    "canonical_entry_bytes",
    "canonical_selection_bytes",
    "normalize_amount",
]


class InvalidTransactionError(ValueError):
    """A transaction or movement that cannot be recorded as given."""


class EntryKind(StrEnum):
    """What kind of economic event a transaction records."""

    TRADE = "trade"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    INCOME = "income"
    AIRDROP = "airdrop"
    SPEND = "spend"
    FEE = "fee"


def normalize_amount(amount: Decimal) -> str:
    """Canonical text of a Decimal: no exponent, no trailing zeros, no negative zero.

    "1.50", "1.5" and "15E-1" all give "1.5"; "0E-8" and "-0" give "0".
    """
    if not amount.is_finite():
        raise ValueError(f"amount must be finite, got {amount}")
    if amount.is_zero():
        return "0"
    text = format(amount.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True, slots=True)
class Movement:
    """One signed change of one asset in one account. amount > 0 in, < 0 out (asset units)."""

    account: str  # "binance:main", "sim:demo", "evm:8453:0xabc…" (lower-case address)
    asset: str  # "BTC"
    amount: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidTransactionError(
                f"amount of {self.asset} in {self.account} must be a finite Decimal, "
                f"got {self.amount!r}"
            )
        if not self.account or not self.asset:
            raise InvalidTransactionError("movement needs a non-empty account and asset")


@dataclass(frozen=True, slots=True)
class Transaction:
    """One economic event: a trade (base in, quote out, or reverse), a deposit, … with its fees.

    timestamp_ms is UTC epoch milliseconds; fee movements have amount < 0.
    """

    kind: EntryKind
    timestamp_ms: int  # UTC epoch milliseconds
    movements: tuple[Movement, ...]  # non-fee movements
    fees: tuple[Movement, ...] = ()  # fee movements (amount < 0)
    source: str = ""  # "csv:koinly", "csv:binance", "ccxt:binance", "evm", "tradewind"
    external_id: str | None = None  # venue trade id / deposit id, informational
    tx_hash: str | None = None  # chain tx hash when known (transfer matching)
    note: str = ""
    # The source's own valuation of the whole event (Koinly's "Net Worth"), in worth_currency.
    # Not part of the content key: an API import of the same trade has none.
    worth: Decimal | None = None
    worth_currency: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EntryKind):
            try:
                object.__setattr__(self, "kind", EntryKind(self.kind))
            except ValueError:
                raise InvalidTransactionError(f"unknown entry kind {self.kind!r}") from None
        if isinstance(self.timestamp_ms, bool) or not isinstance(self.timestamp_ms, int):
            raise InvalidTransactionError(f"timestamp_ms must be int, got {self.timestamp_ms!r}")
        if self.worth is not None:
            if not isinstance(self.worth, Decimal) or not self.worth.is_finite() or self.worth < 0:
                raise InvalidTransactionError(f"worth must be a Decimal >= 0, got {self.worth!r}")
            if not self.worth_currency:
                raise InvalidTransactionError("worth needs a worth_currency")
        for fee in self.fees:
            if fee.amount > 0:
                raise InvalidTransactionError(
                    f"fee {fee.asset} in {fee.account} must be <= 0, got {fee.amount}"
                )

    def canonical_form(self) -> str:
        """The text the content key hashes: kind, second, sorted movements and sorted fees.

        Source, external id, tx hash and note are deliberately left out: they differ between
        import paths of the same event.
        """
        second = self.timestamp_ms // 1000
        moves = sorted((m.account, m.asset, normalize_amount(m.amount)) for m in self.movements)
        # A zero fee is the same event as no fee: an API reports cost 0, a CSV may omit the column.
        fees = sorted(
            (f.account, f.asset, normalize_amount(f.amount)) for f in self.fees if f.amount != 0
        )
        parts = [str(self.kind), str(second)]
        parts.append("M:" + ";".join(f"{a}|{s}|{q}" for a, s, q in moves))
        parts.append("F:" + ";".join(f"{a}|{s}|{q}" for a, s, q in fees))
        return "\n".join(parts)

    def content_key(self) -> str:
        """SHA-256 hex of canonical_form(); equal for the same event from any source."""
        return hashlib.sha256(self.canonical_form().encode("utf-8")).hexdigest()


AUDIT_ENTRY_VERSION = "tradewind-ledger-entry-v2"


def canonical_entry_bytes(tx: Transaction) -> bytes:
    """The bytes one ledger write appends to the audit log: every stored field of ``tx``.

    Unlike the content key (which leaves out what differs between import paths), the audit form
    covers everything that can change a number or an identity: the exact millisecond, every
    movement and fee (zero fees too), source, external id, tx hash and note. It is JSON, so no
    choice of account or asset text can make two different transactions encode alike.
    """

    def moves(items: tuple[Movement, ...]) -> list[list[str]]:
        return sorted([m.account, m.asset, normalize_amount(m.amount)] for m in items)

    body = {
        "v": AUDIT_ENTRY_VERSION,
        "kind": str(tx.kind),
        "timestamp_ms": tx.timestamp_ms,
        "movements": moves(tx.movements),
        "fees": moves(tx.fees),
        "source": tx.source,
        "external_id": tx.external_id,
        "tx_hash": tx.tx_hash,
        "note": tx.note,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


SELECTION_ENTRY_VERSION = "tradewind-lot-selections-v1"


def canonical_selection_bytes(selections: Mapping[str, Mapping[str, Decimal]]) -> bytes:
    """The audit entry of a lot-selection write: the tenant's whole selection set after it
    (disposal ref -> lot id -> amount in asset units), so the last such entry must equal the
    store's current selections."""
    body = {
        "v": SELECTION_ENTRY_VERSION,
        "selections": {
            ref: {lot: normalize_amount(amount) for lot, amount in lots.items()}
            for ref, lots in selections.items()
        },
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
