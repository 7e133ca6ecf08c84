"""SolverConfig: how far from the touch the solver may trade, how much depth it takes, its caps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.desks.index.solver.errors import SolverConfigError

__all__ = ["SolverConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SolverConfig:
    """Batch sizing parameters; unknown fields are refused (keyword-only dataclass).

    Units: ``price_threshold``, ``liquidity_fraction``, ``min_notional_padding`` and
    ``taker_fee_rate`` are fractions (0.01 = 1%); ``depth_levels`` a count of book levels; the
    three volleys are quote notional (limit price x quantity):
      - ``max_order_volley``: per order and batch (an order's own ``volley_cap`` may lower it),
      - ``max_batch_volley``: all legs of one batch,
      - ``max_in_flight_volley``: all legs not yet terminal, this batch's included.
    ``min_notional_padding`` lifts a leg padded for the venue's min notional this much above it.
    ``taker_fee_rate`` is the venue's fee on a leg, taken from what the leg receives (base on a
    buy, as Binance does): buys are grossed up by it and collateral budgets include it.
    """

    price_threshold: Decimal = Decimal("0.01")
    depth_levels: int = 5
    liquidity_fraction: Decimal = Decimal("0.5")
    max_order_volley: Decimal = Decimal(25_000)
    max_batch_volley: Decimal = Decimal(250_000)
    max_in_flight_volley: Decimal = Decimal(500_000)
    min_notional_padding: Decimal = Decimal("0.01")
    taker_fee_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self._fraction("price_threshold", self.price_threshold, allow_zero=True, allow_one=False)
        self._fraction("liquidity_fraction", self.liquidity_fraction, allow_zero=False)
        self._fraction("taker_fee_rate", self.taker_fee_rate, allow_zero=True, allow_one=False)
        padding = self._decimal("min_notional_padding", self.min_notional_padding)
        if padding < 0:
            raise SolverConfigError(
                "SolverConfig", "min_notional_padding", f"must be >= 0, got {padding}"
            )
        if not isinstance(self.depth_levels, int) or isinstance(self.depth_levels, bool):
            raise SolverConfigError(
                "SolverConfig", "depth_levels", f"must be an int, got {self.depth_levels!r}"
            )
        if self.depth_levels < 1:
            raise SolverConfigError(
                "SolverConfig", "depth_levels", f"must be >= 1, got {self.depth_levels}"
            )
        for name in ("max_order_volley", "max_batch_volley", "max_in_flight_volley"):
            value = self._decimal(name, getattr(self, name))
            if value <= 0:
                raise SolverConfigError("SolverConfig", name, f"must be > 0, got {value}")

    @staticmethod
    def _decimal(name: str, value: object) -> Decimal:
        # a float here would leak binary rounding into prices sent to a venue
        if not isinstance(value, Decimal) or not value.is_finite():
            raise SolverConfigError(
                "SolverConfig", name, f"must be a finite Decimal, got {value!r}"
            )
        return value

    def _fraction(
        self, name: str, value: object, *, allow_zero: bool, allow_one: bool = True
    ) -> None:
        number = self._decimal(name, value)
        low_ok = number >= 0 if allow_zero else number > 0
        high_ok = number <= 1 if allow_one else number < 1
        if not (low_ok and high_ok):
            low = "[0" if allow_zero else "(0"
            high = "1]" if allow_one else "1)"
            raise SolverConfigError(
                "SolverConfig", name, f"must be a fraction in {low}, {high}, got {number}"
            )
