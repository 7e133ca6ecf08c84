"""What the solver plans from: index baskets, order demands and book levels (plain values).

    IndexBasket    an index: constituent units per index token, quantity step, fee rates
    OrderDemand    one index order's unfilled part: side, remaining amount, assigned so far, caps
    BookLevels     one constituent's book: (price, qty) levels best-first on each side

The solver imports nothing from the rest of the desk; the desk turns its state into these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.errors import (
    BasketError,
    BookLevelsError,
    OrderDemandError,
    SolverInputError,
)

__all__ = ["BookLevels", "IndexBasket", "Level", "OrderDemand"]

Level = tuple[Decimal, Decimal]
"""(price in quote per base, quantity in base units)."""


def _decimal(error: type[SolverInputError], subject: str, field: str, value: object) -> Decimal:
    # bool and float are refused on purpose: money is never a float
    if not isinstance(value, Decimal) or not value.is_finite():
        raise error(subject, field, f"must be a finite Decimal, got {value!r}")
    return value


def _positive(error: type[SolverInputError], subject: str, field: str, value: object) -> Decimal:
    number = _decimal(error, subject, field, value)
    if number <= 0:
        raise error(subject, field, f"must be > 0, got {number}")
    return number


def _non_negative(
    error: type[SolverInputError], subject: str, field: str, value: object
) -> Decimal:
    number = _decimal(error, subject, field, value)
    if number < 0:
        raise error(subject, field, f"must be >= 0, got {number}")
    return number


def _rate(error: type[SolverInputError], subject: str, field: str, value: object) -> Decimal:
    number = _non_negative(error, subject, field, value)
    if number >= 1:
        raise error(subject, field, f"must be a fraction below 1, got {number}")
    return number


def _text(error: type[SolverInputError], subject: str, field: str, value: object) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise error(subject, field, f"must be a non-empty trimmed string, got {value!r}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True, eq=True)
class IndexBasket:
    """An index as the solver sees it.

    ``units``: base units of each constituent ("BTC/USDT") per 1 index token; ``quantity_step``:
    index tokens; fee rates are fractions (10 bps = 0.001) of the quote collateral spent (mint)
    or of the proceeds (redeem).
    """

    symbol: str
    quote_asset: str
    units: Mapping[str, Decimal]
    quantity_step: Decimal
    mint_fee_rate: Decimal = Decimal(0)
    redeem_fee_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        subject = f"IndexBasket[{self.symbol!r}]"
        _text(BasketError, subject, "symbol", self.symbol)
        _text(BasketError, subject, "quote_asset", self.quote_asset)
        if not isinstance(self.units, Mapping) or not self.units:
            raise BasketError(subject, "units", "must map at least one constituent to its units")
        units: dict[str, Decimal] = {}
        for symbol, unit in self.units.items():
            _text(BasketError, subject, "units", symbol)
            units[symbol] = _positive(BasketError, subject, f"units[{symbol}]", unit)
        # a private copy behind a read-only view: the caller's dict may change, this may not
        object.__setattr__(self, "units", MappingProxyType(units))
        _positive(BasketError, subject, "quantity_step", self.quantity_step)
        _rate(BasketError, subject, "mint_fee_rate", self.mint_fee_rate)
        _rate(BasketError, subject, "redeem_fee_rate", self.redeem_fee_rate)

    def __hash__(self) -> int:
        return hash((self.symbol, self.quote_asset, tuple(self.units.items()), self.quantity_step))

    def fee_rate(self, side: OrderSide) -> Decimal:
        """The desk's fee rate on ``side``: mint for a buy, redeem for a sell."""
        return self.mint_fee_rate if side is OrderSide.BUY else self.redeem_fee_rate


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDemand:
    """One index order's unfilled part, as the solver plans for it.

    ``remaining``: for a buy, quote collateral still available for assets and the mint fee on
    them (the caller deducts any minimum fee still owed); for a sell, index tokens still to
    redeem beyond the order's filled quantity. ``assigned``: constituent base units already
    assigned to the order (bought for a buy, sold for a sell); the filled quantity is
    ``floor(min_j assigned_j / units_j)`` on the basket's quantity step. ``volley_cap``: most
    quote notional this order may put into one batch (None: only the config's cap).
    ``sequence``: acceptance order, lower first (ties and shrinking favour older orders).
    """

    key: str
    basket: IndexBasket
    side: OrderSide
    remaining: Decimal
    assigned: Mapping[str, Decimal]
    volley_cap: Decimal | None = None
    sequence: int = 0

    def __post_init__(self) -> None:
        subject = f"OrderDemand[{self.key!r}]"
        _text(OrderDemandError, subject, "key", self.key)
        if not isinstance(self.basket, IndexBasket):
            raise OrderDemandError(
                subject, "basket", f"must be an IndexBasket, got {self.basket!r}"
            )
        if not isinstance(self.side, OrderSide):
            raise OrderDemandError(subject, "side", f"must be an OrderSide, got {self.side!r}")
        _non_negative(OrderDemandError, subject, "remaining", self.remaining)
        if not isinstance(self.assigned, Mapping):
            raise OrderDemandError(subject, "assigned", "must map constituents to quantities")
        assigned: dict[str, Decimal] = {}
        for symbol, quantity in self.assigned.items():
            if symbol not in self.basket.units:
                raise OrderDemandError(
                    subject, "assigned", f"{symbol!r} is not a constituent of {self.basket.symbol}"
                )
            assigned[symbol] = _non_negative(
                OrderDemandError, subject, f"assigned[{symbol}]", quantity
            )
        object.__setattr__(self, "assigned", MappingProxyType(assigned))
        if self.volley_cap is not None:
            _positive(OrderDemandError, subject, "volley_cap", self.volley_cap)
        if not isinstance(self.sequence, int) or isinstance(self.sequence, bool):
            raise OrderDemandError(subject, "sequence", f"must be an int, got {self.sequence!r}")


@dataclass(frozen=True, slots=True)
class BookLevels:
    """One constituent's book: ``bids`` best (highest) first, ``asks`` best (lowest) first.

    Each level is (price in quote per base, quantity in base units); either side may be empty.
    """

    bids: tuple[Level, ...]
    asks: tuple[Level, ...]

    def __post_init__(self) -> None:
        for name, levels, better in (("bids", self.bids, 1), ("asks", self.asks, -1)):
            if not isinstance(levels, tuple):
                raise BookLevelsError("BookLevels", name, "must be a tuple of (price, qty)")
            previous: Decimal | None = None
            for index, level in enumerate(levels):
                if not isinstance(level, tuple) or len(level) != 2:
                    raise BookLevelsError(
                        "BookLevels", f"{name}[{index}]", f"must be (price, qty), got {level!r}"
                    )
                price = _positive(BookLevelsError, "BookLevels", f"{name}[{index}].price", level[0])
                _positive(BookLevelsError, "BookLevels", f"{name}[{index}].qty", level[1])
                if previous is not None and (price - previous) * better >= 0:
                    raise BookLevelsError(
                        "BookLevels",
                        f"{name}[{index}].price",
                        f"{price} after {previous}: levels must be strictly best-first",
                    )
                previous = price
        if self.bids and self.asks and self.bids[0][0] >= self.asks[0][0]:
            raise BookLevelsError(
                "BookLevels", "bids[0].price", f"{self.bids[0][0]} crosses ask {self.asks[0][0]}"
            )

    def side(self, taker_side: OrderSide) -> tuple[Level, ...]:
        """The levels a ``taker_side`` order takes from: asks for a buy, bids for a sell."""
        return self.asks if taker_side is OrderSide.BUY else self.bids

    @property
    def mid(self) -> Decimal | None:
        """Mid price, or the one best price present, or None for an empty book."""
        if self.bids and self.asks:
            return (self.bids[0][0] + self.asks[0][0]) / 2
        if self.bids:
            return self.bids[0][0]
        if self.asks:
            return self.asks[0][0]
        return None
