"""What the live measures need that the node does not have yet, as small protocols.

An on-chain wallet, a lending protocol's collateral, gas prices: each comes through a provider
the wiring adds; without one the measures it feeds read UNKNOWN, never a made-up 0.
Amounts are exact (Decimal): ``value`` fields in quote units, quantities in asset units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tradewind.risk.live.inventory import Holding

__all__ = ["BorrowState", "BorrowingProvider", "GasPriceProvider", "OnChainBalanceProvider"]


class OnChainBalanceProvider(Protocol):
    """Balances of our on-chain wallets (Holdings with ``on_chain=True``)."""

    async def holdings(self) -> list[Holding]: ...


@dataclass(frozen=True, slots=True)
class BorrowState:
    """Borrowed liquidity: ``collateral_value`` and ``required_value`` (quote units) of the
    lending positions, ``borrowed`` quantities per asset (owed, so held as negatives)."""

    collateral_value: Decimal
    required_value: Decimal
    borrowed: dict[str, Decimal]


class BorrowingProvider(Protocol):
    """The lending positions (collateral, requirement, what is owed)."""

    async def state(self) -> BorrowState: ...


class GasPriceProvider(Protocol):
    """The current gas price of the chain we settle on, in wei per gas unit."""

    async def gas_price_wei(self) -> int: ...
