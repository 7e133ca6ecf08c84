"""Accounts of the index desk: collateral per (account, asset), index tokens per (account, index).

    CollateralBook   deposited + proceeds = spent + fees + routing_fees + free + reserved
    PositionBook     index tokens: free (redeemable) and reserved (by open sell orders)

An account is (chain_id, EIP-55 address). Collateral amounts are in the asset named (an index's
quote asset); index positions in index tokens. Every move keeps the collateral identity above
exact; a move that would make a balance negative raises ``InsufficientBalance`` and changes
nothing (the state checks first, so in a consistent desk it never fires).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Account",
    "CollateralBook",
    "CollateralView",
    "IndexPositionView",
    "InsufficientBalance",
    "PositionBook",
]

Account = tuple[int, str]
"""(chain_id, EIP-55 address)."""

_ZERO = Decimal(0)


class InsufficientBalance(ValueError):
    """A move asked for more than a balance holds; nothing was changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CollateralView:
    """One account's collateral in one asset, quote units. ``proceeds`` are gross proceeds of
    redemptions, ``fees`` the desk's mint and redeem fees, ``routing_fees`` what deposits cost to
    route, ``reserved`` what open buy orders hold back."""

    chain_id: int
    address: str
    asset: str
    deposited: Decimal
    proceeds: Decimal
    spent: Decimal
    fees: Decimal
    routing_fees: Decimal
    free: Decimal
    reserved: Decimal

    @property
    def conserved(self) -> bool:
        """deposited + proceeds == spent + fees + routing_fees + free + reserved, exactly."""
        inflow = self.deposited + self.proceeds
        return inflow == self.spent + self.fees + self.routing_fees + self.free + self.reserved


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexPositionView:
    """An account's index tokens of one index: ``free`` to redeem, ``reserved`` by open sells."""

    symbol: str
    free: Decimal
    reserved: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.reserved


@dataclass(slots=True)
class _Balance:
    deposited: Decimal = _ZERO
    proceeds: Decimal = _ZERO
    spent: Decimal = _ZERO
    fees: Decimal = _ZERO
    routing_fees: Decimal = _ZERO
    routing_fees_pending: Decimal = _ZERO
    free: Decimal = _ZERO
    reserved: Decimal = _ZERO


class CollateralBook:
    """Collateral balances per (account, asset); quote units."""

    def __init__(self) -> None:
        self._balances: dict[tuple[Account, str], _Balance] = {}

    def _get(self, account: Account, asset: str) -> _Balance:
        key = (account, asset)
        balance = self._balances.get(key)
        if balance is None:
            balance = self._balances[key] = _Balance()
        return balance

    def deposit(self, account: Account, asset: str, amount: Decimal, routing_fees: Decimal) -> None:
        """Credit ``amount`` of which ``routing_fees`` were already paid to route it."""
        balance = self._get(account, asset)
        balance.deposited += amount
        balance.routing_fees += routing_fees
        balance.routing_fees_pending += routing_fees
        balance.free += amount - routing_fees

    def free(self, account: Account, asset: str) -> Decimal:
        balance = self._balances.get((account, asset))
        return _ZERO if balance is None else balance.free

    def reserve(self, account: Account, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to reserved."""
        balance = self._get(account, asset)
        if amount > balance.free:
            raise InsufficientBalance(f"reserve {amount} {asset}: only {balance.free} free")
        balance.free -= amount
        balance.reserved += amount

    def release(self, account: Account, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from reserved back to free."""
        balance = self._get(account, asset)
        if amount > balance.reserved:
            raise InsufficientBalance(f"release {amount} {asset}: only {balance.reserved} reserved")
        balance.reserved -= amount
        balance.free += amount

    def charge(self, account: Account, asset: str, spent: Decimal, fees: Decimal) -> None:
        """Move ``spent + fees`` from reserved to spent and fees; negative values refund."""
        balance = self._get(account, asset)
        if spent + fees > balance.reserved:
            raise InsufficientBalance(
                f"charge {spent} + {fees} {asset}: only {balance.reserved} reserved"
            )
        if balance.spent + spent < 0 or balance.fees + fees < 0:
            raise InsufficientBalance(f"refund of {-spent} / {-fees} {asset} exceeds the charges")
        balance.reserved -= spent + fees
        balance.spent += spent
        balance.fees += fees

    def credit_proceeds(self, account: Account, asset: str, gross: Decimal, fee: Decimal) -> None:
        """A redemption's ``gross`` proceeds, of which the desk keeps ``fee``; the rest is free."""
        if fee > gross:
            raise InsufficientBalance(f"a fee of {fee} exceeds the proceeds {gross}")
        balance = self._get(account, asset)
        balance.proceeds += gross
        balance.fees += fee
        balance.free += gross - fee

    def take_routing_fees(self, account: Account, asset: str) -> Decimal:
        """Routing fees not yet shown on an invoice (then zero)."""
        balance = self._get(account, asset)
        pending, balance.routing_fees_pending = balance.routing_fees_pending, _ZERO
        return pending

    def view(self, account: Account, asset: str) -> CollateralView:
        balance = self._balances.get((account, asset)) or _Balance()
        return CollateralView(
            chain_id=account[0],
            address=account[1],
            asset=asset,
            deposited=balance.deposited,
            proceeds=balance.proceeds,
            spent=balance.spent,
            fees=balance.fees,
            routing_fees=balance.routing_fees,
            free=balance.free,
            reserved=balance.reserved,
        )

    def assets(self, account: Account) -> tuple[str, ...]:
        return tuple(sorted(asset for (acc, asset) in self._balances if acc == account))

    def accounts(self) -> tuple[Account, ...]:
        """Every account that ever held a balance, in order."""
        return tuple(sorted({account for account, _ in self._balances}))


@dataclass(slots=True)
class _Position:
    free: Decimal = _ZERO
    reserved: Decimal = _ZERO


class PositionBook:
    """Index tokens per (account, index symbol)."""

    def __init__(self) -> None:
        self._positions: dict[tuple[Account, str], _Position] = {}

    def _get(self, account: Account, symbol: str) -> _Position:
        key = (account, symbol)
        position = self._positions.get(key)
        if position is None:
            position = self._positions[key] = _Position()
        return position

    def credit(self, account: Account, symbol: str, quantity: Decimal) -> None:
        """Tokens minted for the account, or handed back by it."""
        self._get(account, symbol).free += quantity

    def free(self, account: Account, symbol: str) -> Decimal:
        position = self._positions.get((account, symbol))
        return _ZERO if position is None else position.free

    def reserve(self, account: Account, symbol: str, quantity: Decimal) -> None:
        position = self._get(account, symbol)
        if quantity > position.free:
            raise InsufficientBalance(f"reserve {quantity} {symbol}: only {position.free} free")
        position.free -= quantity
        position.reserved += quantity

    def release(self, account: Account, symbol: str, quantity: Decimal) -> None:
        position = self._get(account, symbol)
        if quantity > position.reserved:
            raise InsufficientBalance(
                f"release {quantity} {symbol}: only {position.reserved} reserved"
            )
        position.reserved -= quantity
        position.free += quantity

    def burn(self, account: Account, symbol: str, quantity: Decimal) -> None:
        """Reserved tokens redeemed: they leave the account."""
        position = self._get(account, symbol)
        if quantity > position.reserved:
            raise InsufficientBalance(
                f"burn {quantity} {symbol}: only {position.reserved} reserved"
            )
        position.reserved -= quantity

    def view(self, account: Account, symbol: str) -> IndexPositionView:
        position = self._positions.get((account, symbol)) or _Position()
        return IndexPositionView(symbol=symbol, free=position.free, reserved=position.reserved)

    def symbols(self, account: Account) -> tuple[str, ...]:
        return tuple(sorted(symbol for (acc, symbol) in self._positions if acc == account))
