"""What routing one vault deposit did and cost: kept so a restart resumes, shown on the invoice.

    RoutingRecord   one deposit's route: stage, every transaction paid (RoutingStep), the bridge
                    fee, the fill, the exchange credit, the gas price used, the routing fees
    RouteStage      DETECTED -> SWEPT -> BRIDGED -> FILLED -> TRANSFERRED -> CREDITED -> DELIVERED
                    (or FAILED, with the reason)

Token amounts are base units (int) unless named in USDC (Decimal); gas in wei; block times and
deadlines unix seconds; ``*_ns`` nanoseconds since the epoch. Records are JSON (Decimals as text).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from tradewind.chain.tx import SentTransaction
from tradewind.desks.index.routing.fees import GasPrice, units_to_decimal

__all__ = ["RouteStage", "RoutingRecord", "RoutingStep"]


class RouteStage(enum.StrEnum):
    """How far a deposit's route got; each stage is stored before the next one starts."""

    DETECTED = "detected"  # a confirmed vault deposit, nothing sent yet
    SWEPT = "swept"  # the vault paid it to the desk's wallet on the origin chain
    BRIDGED = "bridged"  # the desk deposited it into the origin spoke pool
    FILLED = "filled"  # a relayer paid the desk's wallet on the destination chain
    TRANSFERRED = "transferred"  # the desk sent it to the exchange's deposit address
    CREDITED = "credited"  # the exchange credited it
    DELIVERED = "delivered"  # handed to the desk as collateral
    FAILED = "failed"  # stopped; ``error`` says why


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingStep:
    """One transaction the desk paid for: gas used, effective gas price (wei per gas) and the
    fee (wei) from its receipt."""

    name: str
    chain_id: int
    intent_id: str
    tx_hash: str
    block_number: int
    gas_used: int
    effective_gas_price: int
    fee_wei: int

    @classmethod
    def from_sent(cls, name: str, sent: SentTransaction) -> RoutingStep:
        return cls(
            name=name,
            chain_id=sent.chain_id,
            intent_id=sent.intent_id,
            tx_hash=sent.tx_hash,
            block_number=sent.block_number,
            gas_used=sent.gas_used,
            effective_gas_price=sent.effective_gas_price,
            fee_wei=sent.fee_paid_wei,
        )


_DECIMAL_FIELDS = ("credited_amount", "gas_usdc", "routing_fees")


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingRecord:
    """One vault deposit on its way to the exchange (see the module docstring for units).

    ``deposit_id`` is ``"<origin chain id>:<vault deposit id>"``, the id the desk credits once.
    """

    deposit_id: str
    chain_id: int
    vault_deposit_id: int
    user: str
    token: str
    index_symbol: str
    amount_units: int
    decimals: int
    deposit_tx_hash: str
    deposit_block: int
    stage: RouteStage
    created_ns: int
    updated_ns: int
    steps: tuple[RoutingStep, ...] = ()
    approval_intent: str | None = None
    bridge_fee_units: int | None = None
    output_units: int | None = None
    fill_from_block: int | None = None
    spoke_deposit_id: int | None = None
    fill_deadline: int | None = None
    fill_tx_hash: str | None = None
    fill_block: int | None = None
    exchange_address: str | None = None
    credited_amount: Decimal | None = None
    gas_price: GasPrice | None = None
    gas_usdc: Decimal | None = None
    routing_fees: Decimal | None = None
    error: str | None = None

    # -- derived -------------------------------------------------------------------------------

    @property
    def amount(self) -> Decimal:
        """The deposit in token units (USDC)."""
        return units_to_decimal(self.amount_units, self.decimals)

    @property
    def bridge_fee(self) -> Decimal:
        """The relayer fee in token units (0 before the bridge step)."""
        return units_to_decimal(self.bridge_fee_units or 0, self.decimals)

    @property
    def gas_fee_wei(self) -> int:
        """Gas paid on every step so far, in wei."""
        return sum(step.fee_wei for step in self.steps)

    @property
    def finished(self) -> bool:
        return self.stage in (RouteStage.DELIVERED, RouteStage.FAILED)

    def step(self, name: str) -> RoutingStep | None:
        return next((step for step in self.steps if step.name == name), None)

    def with_step(self, step: RoutingStep, **changes: Any) -> RoutingRecord:
        """This record with ``step`` added (once per name) and ``changes`` applied."""
        steps = self.steps if self.step(step.name) is not None else (*self.steps, step)
        return replace(self, steps=steps, **changes)

    def with_changes(self, **changes: Any) -> RoutingRecord:
        return replace(self, **changes)

    # -- JSON ----------------------------------------------------------------------------------

    def to_json(self) -> str:
        body: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "steps":
                value = [{g.name: getattr(step, g.name) for g in fields(step)} for step in value]
            elif f.name == "gas_price" and value is not None:
                value = {"eth_usdt": str(value.eth_usdt), "usdc_usdt": str(value.usdc_usdt)}
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            body[f.name] = value
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RoutingRecord:
        body = json.loads(text)
        body["stage"] = RouteStage(body["stage"])
        body["steps"] = tuple(RoutingStep(**step) for step in body["steps"])
        price = body.get("gas_price")
        body["gas_price"] = (
            None
            if price is None
            else GasPrice(
                eth_usdt=Decimal(price["eth_usdt"]), usdc_usdt=Decimal(price["usdc_usdt"])
            )
        )
        for name in _DECIMAL_FIELDS:
            if body.get(name) is not None:
                body[name] = Decimal(body[name])
        return cls(**body)
