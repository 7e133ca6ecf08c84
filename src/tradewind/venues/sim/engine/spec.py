"""``SymbolSpec``: one tradable symbol and its Binance filters, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

_ZERO = Decimal(0)


def decimals_of(value: Decimal) -> int:
    """How many decimal places ``value`` needs (0.0100 needs 2, 5 needs 0)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _fixed(value: Decimal, places: int = 8) -> str:
    """Binance's filter format: at least 8 places, more only if the value needs them."""
    return f"{value:.{max(places, decimals_of(value))}f}"


def _plain(value: Decimal) -> str:
    """Binance prints the PERCENT_PRICE_BY_SIDE multipliers without padding: "5", "0.2"."""
    return f"{value.normalize():f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolSpec:
    """A symbol's assets and filters. Prices in quote asset units, quantities in base asset units,
    notionals in quote; ``avg_price_mins`` in minutes. A ``min_price``/``max_price`` of 0 and a
    ``market_step_size`` of 0 disable that rule, as on Binance."""

    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    step_size: Decimal
    base_asset_precision: int = 8
    quote_asset_precision: int = 8
    min_price: Decimal = _ZERO
    max_price: Decimal = _ZERO
    min_qty: Decimal = _ZERO
    max_qty: Decimal = Decimal("9000000")
    market_step_size: Decimal = _ZERO
    market_min_qty: Decimal = _ZERO
    market_max_qty: Decimal = Decimal("9000000")
    min_notional: Decimal = _ZERO
    apply_min_to_market: bool = True
    max_notional: Decimal = Decimal("9000000")
    apply_max_to_market: bool = False
    avg_price_mins: int = 5
    bid_multiplier_up: Decimal = Decimal(5)
    bid_multiplier_down: Decimal = Decimal("0.2")
    ask_multiplier_up: Decimal = Decimal(5)
    ask_multiplier_down: Decimal = Decimal("0.2")
    max_num_orders: int = 200
    legacy_min_notional: bool = False

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError(f"invalid SymbolSpec {self.symbol!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        out: list[str] = []
        if not self.symbol or not self.symbol.isalnum() or self.symbol != self.symbol.upper():
            out.append("symbol must be upper-case letters and digits")
        for name in ("base_asset", "quote_asset"):
            asset = getattr(self, name)
            if not asset or not asset.isalnum() or asset != asset.upper():
                out.append(f"{name} must be upper-case letters and digits")
        if self.base_asset == self.quote_asset:
            out.append("base_asset and quote_asset must differ")
        for name in ("base_asset_precision", "quote_asset_precision"):
            precision = getattr(self, name)
            if not isinstance(precision, int) or not 0 <= precision <= 18:
                out.append(f"{name} must be an integer in 0..18")
        decimal_fields = (
            "tick_size",
            "step_size",
            "min_price",
            "max_price",
            "min_qty",
            "max_qty",
            "market_step_size",
            "market_min_qty",
            "market_max_qty",
            "min_notional",
            "max_notional",
            "bid_multiplier_up",
            "bid_multiplier_down",
            "ask_multiplier_up",
            "ask_multiplier_down",
        )
        for name in decimal_fields:
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                out.append(f"{name} must be a finite Decimal")
            elif value < 0:
                out.append(f"{name} must not be negative")
        if out:
            return out
        for name in ("tick_size", "step_size", "max_qty", "market_max_qty", "max_notional"):
            if getattr(self, name) <= 0:
                out.append(f"{name} must be positive")
        for name in (
            "bid_multiplier_up",
            "bid_multiplier_down",
            "ask_multiplier_up",
            "ask_multiplier_down",
        ):
            if getattr(self, name) <= 0:
                out.append(f"{name} must be positive")
        if self.bid_multiplier_down > self.bid_multiplier_up:
            out.append("bid_multiplier_down must not exceed bid_multiplier_up")
        if self.ask_multiplier_down > self.ask_multiplier_up:
            out.append("ask_multiplier_down must not exceed ask_multiplier_up")
        if self.max_price > 0 and self.min_price > self.max_price:
            out.append("min_price must not exceed max_price")
        if self.min_qty > self.max_qty:
            out.append("min_qty must not exceed max_qty")
        if self.market_min_qty > self.market_max_qty:
            out.append("market_min_qty must not exceed market_max_qty")
        if self.min_notional > self.max_notional:
            out.append("min_notional must not exceed max_notional")
        if any("precision" in problem for problem in out):
            return out
        price_places = self.quote_asset_precision
        qty_places = self.base_asset_precision
        for name in ("tick_size", "min_price", "max_price"):
            if decimals_of(getattr(self, name)) > price_places:
                out.append(f"{name} has more decimals than quote_asset_precision")
        for name in (
            "step_size",
            "min_qty",
            "max_qty",
            "market_step_size",
            "market_min_qty",
            "market_max_qty",
        ):
            if decimals_of(getattr(self, name)) > qty_places:
                out.append(f"{name} has more decimals than base_asset_precision")
        if not isinstance(self.avg_price_mins, int) or self.avg_price_mins < 0:
            out.append("avg_price_mins must be a non-negative integer")
        if not isinstance(self.max_num_orders, int) or self.max_num_orders < 1:
            out.append("max_num_orders must be a positive integer")
        return out

    def exchange_info_filters(self) -> list[dict[str, object]]:
        """The ``filters`` array of this symbol in GET /api/v3/exchangeInfo, in Binance's order."""
        filters: list[dict[str, object]] = [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": _fixed(self.min_price),
                "maxPrice": _fixed(self.max_price),
                "tickSize": _fixed(self.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": _fixed(self.min_qty),
                "maxQty": _fixed(self.max_qty),
                "stepSize": _fixed(self.step_size),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": _fixed(self.market_min_qty),
                "maxQty": _fixed(self.market_max_qty),
                "stepSize": _fixed(self.market_step_size),
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": _plain(self.bid_multiplier_up),
                "bidMultiplierDown": _plain(self.bid_multiplier_down),
                "askMultiplierUp": _plain(self.ask_multiplier_up),
                "askMultiplierDown": _plain(self.ask_multiplier_down),
                "avgPriceMins": self.avg_price_mins,
            },
        ]
        if self.legacy_min_notional:
            filters.append(
                {
                    "filterType": "MIN_NOTIONAL",
                    "minNotional": _fixed(self.min_notional),
                    "applyToMarket": self.apply_min_to_market,
                    "avgPriceMins": self.avg_price_mins,
                }
            )
        else:
            filters.append(
                {
                    "filterType": "NOTIONAL",
                    "minNotional": _fixed(self.min_notional),
                    "applyMinToMarket": self.apply_min_to_market,
                    "maxNotional": _fixed(self.max_notional),
                    "applyMaxToMarket": self.apply_max_to_market,
                    "avgPriceMins": self.avg_price_mins,
                }
            )
        filters.append({"filterType": "MAX_NUM_ORDERS", "maxNumOrders": self.max_num_orders})
        return filters
