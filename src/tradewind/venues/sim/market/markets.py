"""The symbols the simulated exchange lists: Binance-like filters plus how each one's market moves.

``default_markets()`` is the built-in list; ``load_markets(path)`` reads the same from TOML:

    [[market]]
    symbol = "BTCUSDT"
    base_asset = "BTC"
    quote_asset = "USDT"
    tick_size = "0.01"          # Decimal fields are strings (or integers), never TOML floats
    step_size = "0.00001"
    min_qty = "0.00001"
    min_notional = "5"
    initial_mid = "95000"
    volatility = 0.5            # statistics are plain numbers
    jump_rate_per_day = 3
    jump_sigma = 0.004

Every ``SymbolSpec`` field may be given (same names); the profile fields are those of
``MarketProfile``. Unknown keys, missing required keys and impossible values are errors that
name the file, the entry and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from tradewind.venues.sim.engine import SymbolSpec
from tradewind.venues.sim.market.price_process import JumpDiffusionParams


class MarketsFileError(ValueError):
    """A markets TOML file that cannot be used; the message names the file, entry and key."""


@dataclass(frozen=True, slots=True)
class MarketProfile:
    """How a symbol's simulated market behaves. ``initial_mid`` and ``order_notional`` in quote
    units; ``price`` the mid's jump diffusion (annualised volatility, jumps a day); ``activity``
    a weight on the symbol's share of background order flow (1 = average)."""

    initial_mid: Decimal
    order_notional: Decimal
    price: JumpDiffusionParams
    activity: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.initial_mid, Decimal) or not self.initial_mid > 0:
            raise ValueError(f"initial_mid must be a positive Decimal, got {self.initial_mid!r}")
        if not isinstance(self.order_notional, Decimal) or not self.order_notional > 0:
            raise ValueError(
                f"order_notional must be a positive Decimal, got {self.order_notional!r}"
            )
        if (
            isinstance(self.activity, bool)
            or not isinstance(self.activity, int | float)
            or not math.isfinite(self.activity)
            or not 0 < self.activity <= 100
        ):
            raise ValueError(f"activity must be in (0, 100], got {self.activity!r}")


@dataclass(frozen=True, slots=True)
class Market:
    """One listed symbol: its exchange filters and its simulated behaviour."""

    spec: SymbolSpec
    profile: MarketProfile

    def __post_init__(self) -> None:
        spec, profile = self.spec, self.profile
        if spec.min_price > 0 and profile.initial_mid < spec.min_price:
            raise ValueError("initial_mid is below min_price")
        if spec.max_price > 0 and profile.initial_mid > spec.max_price:
            raise ValueError("initial_mid is above max_price")
        if profile.initial_mid < spec.tick_size * 10:
            raise ValueError("initial_mid must be at least 10 ticks")
        if profile.order_notional < spec.min_notional * 2:
            raise ValueError("order_notional must be at least twice min_notional")


@dataclass(frozen=True, slots=True)
class Markets:
    """An ordered set of markets with unique symbols."""

    markets: tuple[Market, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for market in self.markets:
            if market.spec.symbol in seen:
                raise ValueError(f"symbol {market.spec.symbol} is listed twice")
            seen.add(market.spec.symbol)

    @property
    def specs(self) -> tuple[SymbolSpec, ...]:
        return tuple(m.spec for m in self.markets)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(m.spec.symbol for m in self.markets)

    def profile(self, symbol: str) -> MarketProfile:
        for market in self.markets:
            if market.spec.symbol == symbol:
                return market.profile
        raise KeyError(symbol)

    def get(self, symbol: str) -> Market | None:
        for market in self.markets:
            if market.spec.symbol == symbol:
                return market
        return None

    def __iter__(self) -> Iterator[Market]:
        return iter(self.markets)

    def __len__(self) -> int:
        return len(self.markets)


# -- the built-in list --------------------------------------------------------------------------
class _Row(NamedTuple):
    symbol: str
    base: str
    quote: str
    tick: str
    step: str  # also the minimum quantity
    max_qty: str
    max_price: str
    market_max_qty: str
    mid: str
    volatility: float
    jump_sigma: float
    activity: float
    notional: str


# Filters follow Binance Spot's published values for these pairs; mids are late-2025 levels;
# volatilities are typical realised annual figures; notional is a typical background order.
_DEFAULTS = (
    _Row(
        "BTCUSDT",
        "BTC",
        "USDT",
        "0.01",
        "0.00001",
        "9000",
        "1000000",
        "100",
        "95000",
        0.50,
        0.004,
        2.0,
        "3000",
    ),
    _Row(
        "ETHUSDT",
        "ETH",
        "USDT",
        "0.01",
        "0.0001",
        "9000",
        "1000000",
        "2000",
        "3100",
        0.65,
        0.006,
        1.6,
        "2000",
    ),
    _Row(
        "SOLUSDT",
        "SOL",
        "USDT",
        "0.01",
        "0.001",
        "9000000",
        "10000",
        "40000",
        "140",
        0.85,
        0.008,
        1.2,
        "1000",
    ),
    _Row(
        "BNBUSDT",
        "BNB",
        "USDT",
        "0.01",
        "0.001",
        "9000",
        "100000",
        "5000",
        "900",
        0.50,
        0.006,
        1.0,
        "1000",
    ),
    _Row(
        "XRPUSDT",
        "XRP",
        "USDT",
        "0.0001",
        "0.1",
        "9222449",
        "10000",
        "2000000",
        "2.2",
        0.80,
        0.008,
        1.0,
        "800",
    ),
    _Row(
        "ADAUSDT",
        "ADA",
        "USDT",
        "0.0001",
        "0.1",
        "9000000",
        "1000",
        "4000000",
        "0.45",
        0.85,
        0.009,
        0.7,
        "500",
    ),
    _Row(
        "DOGEUSDT",
        "DOGE",
        "USDT",
        "0.00001",
        "1",
        "9000000",
        "1000",
        "9000000",
        "0.16",
        0.95,
        0.010,
        1.0,
        "600",
    ),
    _Row(
        "AVAXUSDT",
        "AVAX",
        "USDT",
        "0.01",
        "0.01",
        "9000000",
        "10000",
        "100000",
        "14.5",
        0.90,
        0.010,
        0.7,
        "500",
    ),
    _Row(
        "LINKUSDT",
        "LINK",
        "USDT",
        "0.01",
        "0.01",
        "9000000",
        "10000",
        "100000",
        "13.5",
        0.85,
        0.009,
        0.7,
        "500",
    ),
    _Row(
        "DOTUSDT",
        "DOT",
        "USDT",
        "0.001",
        "0.01",
        "9000000",
        "10000",
        "400000",
        "2.6",
        0.80,
        0.009,
        0.6,
        "400",
    ),
    _Row(
        "LTCUSDT",
        "LTC",
        "USDT",
        "0.01",
        "0.001",
        "9000000",
        "100000",
        "20000",
        "90",
        0.70,
        0.008,
        0.6,
        "500",
    ),
    _Row(
        "ETHBTC",
        "ETH",
        "BTC",
        "0.00001",
        "0.0001",
        "100000",
        "922327",
        "1500",
        "0.0326",
        0.45,
        0.005,
        0.6,
        "0.02",
    ),
    # A stablecoin pair, so USDC collateral arriving over a chain becomes the USDT indexes are
    # quoted in: pinned near 1 (tiny volatility), so the book is one tick wide. Binance lists
    # a step of 1 USDC; 0.01 lets a desk convert a routed deposit to the cent.
    _Row(
        "USDCUSDT",
        "USDC",
        "USDT",
        "0.0001",
        "0.01",
        "9000000",
        "10",
        "9000000",
        "1.0000",
        0.01,
        0.0002,
        0.5,
        "2000",
    ),
)
# LTCUSDT carries the older MIN_NOTIONAL filter so clients' handling of it gets exercised.
_LEGACY_MIN_NOTIONAL = frozenset({"LTCUSDT"})
_MIN_NOTIONAL_BY_QUOTE = {"USDT": Decimal(5), "BTC": Decimal("0.0001")}
_JUMPS_PER_DAY = 4.0


def _default_market(row: _Row) -> Market:
    spec = SymbolSpec(
        symbol=row.symbol,
        base_asset=row.base,
        quote_asset=row.quote,
        tick_size=Decimal(row.tick),
        min_price=Decimal(row.tick),
        max_price=Decimal(row.max_price),
        step_size=Decimal(row.step),
        min_qty=Decimal(row.step),
        max_qty=Decimal(row.max_qty),
        market_max_qty=Decimal(row.market_max_qty),
        min_notional=_MIN_NOTIONAL_BY_QUOTE[row.quote],
        legacy_min_notional=row.symbol in _LEGACY_MIN_NOTIONAL,
    )
    profile = MarketProfile(
        initial_mid=Decimal(row.mid),
        order_notional=Decimal(row.notional),
        price=JumpDiffusionParams(
            volatility=row.volatility, jump_rate_per_day=_JUMPS_PER_DAY, jump_sigma=row.jump_sigma
        ),
        activity=row.activity,
    )
    return Market(spec, profile)


def default_markets() -> Markets:
    """The built-in market list: 12 major Binance Spot pairs and USDC/USDT."""
    return Markets(tuple(_default_market(row) for row in _DEFAULTS))


# -- TOML ---------------------------------------------------------------------------------------
_SPEC_DECIMALS = frozenset(f.name for f in fields(SymbolSpec) if f.type in ("Decimal", Decimal))
_SPEC_INTS = frozenset(
    ("base_asset_precision", "quote_asset_precision", "avg_price_mins", "max_num_orders")
)
_SPEC_BOOLS = frozenset(("apply_min_to_market", "apply_max_to_market", "legacy_min_notional"))
_SPEC_STRS = frozenset(("symbol", "base_asset", "quote_asset"))
_PRICE_FLOATS = frozenset(f.name for f in fields(JumpDiffusionParams))
_PROFILE_KEYS = frozenset(("initial_mid", "order_notional", "activity")) | _PRICE_FLOATS
_REQUIRED = (
    "symbol",
    "base_asset",
    "quote_asset",
    "tick_size",
    "step_size",
    "initial_mid",
    "volatility",
)
_ALLOWED = _SPEC_DECIMALS | _SPEC_INTS | _SPEC_BOOLS | _SPEC_STRS | _PROFILE_KEYS


def load_markets(path: Path | str) -> Markets:
    """Read a markets TOML file (see the module docstring); raises ``MarketsFileError``."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MarketsFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MarketsFileError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise MarketsFileError(f"{path}: not UTF-8 text") from exc
    return parse_markets(raw, source=str(path))


def parse_markets(raw: Mapping[str, Any], *, source: str = "<markets>") -> Markets:
    """Build ``Markets`` from parsed TOML data (``{"market": [{...}, ...]}``)."""
    unknown = sorted(set(raw) - {"market"})
    if unknown:
        raise MarketsFileError(f"{source}: unknown top-level key(s): {', '.join(unknown)}")
    entries = raw.get("market")
    if not isinstance(entries, list) or not entries:
        raise MarketsFileError(f"{source}: expected at least one [[market]] table")
    markets = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise MarketsFileError(f"{source}: market #{index} must be a table")
        where = f"{source}: market #{index}"
        if isinstance(entry.get("symbol"), str):
            where += f" ({entry['symbol']})"
        markets.append(_parse_market(entry, where))
    try:
        return Markets(tuple(markets))
    except ValueError as exc:
        raise MarketsFileError(f"{source}: {exc}") from exc


def _parse_market(entry: Mapping[str, Any], where: str) -> Market:
    unknown = sorted(set(entry) - _ALLOWED)
    if unknown:
        raise MarketsFileError(f"{where}: unknown key(s): {', '.join(unknown)}")
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise MarketsFileError(f"{where}: missing key(s): {', '.join(missing)}")
    spec_args: dict[str, Any] = {}
    for key, value in entry.items():
        if key in _SPEC_DECIMALS:
            spec_args[key] = _decimal(value, key, where)
        elif key in _SPEC_INTS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise MarketsFileError(f"{where}: {key} must be an integer")
            spec_args[key] = value
        elif key in _SPEC_BOOLS:
            if not isinstance(value, bool):
                raise MarketsFileError(f"{where}: {key} must be true or false")
            spec_args[key] = value
        elif key in _SPEC_STRS:
            if not isinstance(value, str):
                raise MarketsFileError(f"{where}: {key} must be a string")
            spec_args[key] = value
    # Without an explicit minimum a LOT_SIZE of one step is what Binance lists.
    spec_args.setdefault("min_qty", spec_args["step_size"])
    for key in ("tick_size", "step_size"):
        if spec_args[key] <= 0:
            raise MarketsFileError(f"{where}: {key} must be positive")
    try:
        spec = SymbolSpec(**spec_args)
    except ValueError as exc:
        raise MarketsFileError(f"{where}: {exc}") from exc
    price_args = {}
    for key in _PRICE_FLOATS & set(entry):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MarketsFileError(f"{where}: {key} must be a number")
        price_args[key] = float(value)
    activity = entry.get("activity", 1.0)
    if isinstance(activity, bool) or not isinstance(activity, int | float):
        raise MarketsFileError(f"{where}: activity must be a number")
    initial_mid = _decimal(entry["initial_mid"], "initial_mid", where)
    default_notional = max(spec.min_notional * 100, initial_mid * spec.min_qty * 10)
    order_notional = (
        _decimal(entry["order_notional"], "order_notional", where)
        if "order_notional" in entry
        else default_notional
    )
    try:
        profile = MarketProfile(
            initial_mid=initial_mid,
            order_notional=order_notional,
            price=JumpDiffusionParams(**price_args),
            activity=float(activity),
        )
        return Market(spec, profile)
    except ValueError as exc:
        raise MarketsFileError(f"{where}: {exc}") from exc


def _decimal(value: Any, key: str, where: str) -> Decimal:
    if isinstance(value, float):
        raise MarketsFileError(
            f'{where}: {key} must be written as a string ("{value!r}"), a TOML float is inexact'
        )
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MarketsFileError(f"{where}: {key} must be a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise MarketsFileError(f"{where}: {key} is not a decimal number: {value!r}") from exc
    if not number.is_finite():
        raise MarketsFileError(f"{where}: {key} must be finite")
    return number
