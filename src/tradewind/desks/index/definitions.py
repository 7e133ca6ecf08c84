"""Index definitions: what one index token holds, and the fees the desk charges to mint or redeem.

    IndexDefinition("TW10", quote "USDT", quantity_step 0.001)
      ├─ Constituent("BTC/USDT", units 0.0004 BTC per index token, the venue's Instrument)
      ├─ ...
      └─ FeeSchedule(mint_bps, redeem_bps, min_fee)

Read from TOML (``load_index_definitions``)::

    [[index]]
    symbol = "TW10"
    quote_asset = "USDT"
    quantity_step = "0.001"
    [index.units]                 # base units per index token ...
    "BTC/USDT" = "0.0004"
    # [index.weights]             # ... or weights summing to exactly 1, plus
    # "BTC/USDT" = "0.5"          #     initial_price (quote per index token): units are then
    # initial_price = "100"       #     weight * initial_price / price, down to the step size
    [index.fees]
    mint_bps = "10"
    redeem_bps = "10"
    min_fee = "0"

Decimals are strings (or integers), never TOML floats. Every refusal is an
``IndexDefinitionError`` naming the index and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tradewind.core.instruments import Instrument
from tradewind.desks.index.rounding import EXACT, floor_to

__all__ = [
    "DEMO_INDEX_FILE",
    "Constituent",
    "FeeSchedule",
    "IndexDefinition",
    "IndexDefinitionError",
    "load_index_definitions",
]

DEMO_INDEX_FILE = Path(__file__).with_name("demo_index.toml")
"""The packaged demo indexes: TW10 (ten majors, about 100 USDT) and TW3 (BTC, ETH, SOL)."""

_INDEX_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}$")
_ASSET = re.compile(r"^[A-Z0-9]{1,20}$")
_INDEX_KEYS = frozenset(
    ("symbol", "quote_asset", "quantity_step", "units", "weights", "initial_price", "fees")
)
_FEE_KEYS = frozenset(("mint_bps", "redeem_bps", "min_fee"))
_BPS = Decimal(10_000)


class IndexDefinitionError(ValueError):
    """An index definition that cannot be used; names the index (or "?") and the field."""

    def __init__(self, index: str, field: str, problem: str) -> None:
        super().__init__(f"index {index}: {field}: {problem}")
        self.index = index
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeSchedule:
    """The desk's fees. ``mint_bps`` on collateral spent buying the basket, ``redeem_bps`` on the
    proceeds of selling it (basis points, 0 <= bps < 10000); ``min_fee`` per order, quote units."""

    mint_bps: Decimal = Decimal(0)
    redeem_bps: Decimal = Decimal(0)
    min_fee: Decimal = Decimal(0)

    @property
    def mint_rate(self) -> Decimal:
        """mint_bps as a fraction (10 bps → 0.001)."""
        return self.mint_bps / _BPS

    @property
    def redeem_rate(self) -> Decimal:
        """redeem_bps as a fraction."""
        return self.redeem_bps / _BPS


@dataclass(frozen=True, slots=True, kw_only=True)
class Constituent:
    """One asset of the basket: ``units`` base units of ``symbol`` per index token, a multiple of
    the instrument's step size."""

    symbol: str
    units: Decimal
    instrument: Instrument

    @property
    def base_asset(self) -> str:
        return self.instrument.base

    @property
    def step_size(self) -> Decimal:
        """The venue's quantity step for this pair (base units)."""
        return self.instrument.filters.step_size


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexDefinition:
    """An index token: its constituents (in definition order), its quote (collateral) asset, the
    step its quantities move by (index tokens) and its fee schedule."""

    symbol: str
    quote_asset: str
    quantity_step: Decimal
    constituents: tuple[Constituent, ...]
    fees: FeeSchedule

    @property
    def units(self) -> dict[str, Decimal]:
        """Base units per index token, by constituent symbol."""
        return {c.symbol: c.units for c in self.constituents}

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(c.symbol for c in self.constituents)

    def constituent(self, symbol: str) -> Constituent | None:
        for constituent in self.constituents:
            if constituent.symbol == symbol:
                return constituent
        return None


# -- loading ------------------------------------------------------------------------------------
def load_index_definitions(
    source: Path | str | Mapping[str, Any],
    instruments: Mapping[str, Instrument],
    prices: Mapping[str, Decimal] | None = None,
) -> tuple[IndexDefinition, ...]:
    """Read definitions from a TOML file (Path or path string) or parsed TOML data.

    ``instruments`` are the venue's, by unified symbol; ``prices`` (quote per base, by symbol)
    are needed only by indexes given as weights. Raises ``IndexDefinitionError``.
    """
    raw = source if isinstance(source, Mapping) else _read(Path(source))
    extra = sorted(set(raw) - {"index"})
    if extra:
        raise IndexDefinitionError("?", extra[0], "unknown key (expected [[index]] tables)")
    entries = raw.get("index")
    if not isinstance(entries, list) or not entries:
        raise IndexDefinitionError("?", "index", "expected at least one [[index]] table")
    definitions: list[IndexDefinition] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise IndexDefinitionError(f"#{position + 1}", "index", "expected a table")
        definition = _definition(entry, position, instruments, prices or {})
        if definition.symbol in seen:
            raise IndexDefinitionError(definition.symbol, "symbol", "index defined twice")
        seen.add(definition.symbol)
        definitions.append(definition)
    return tuple(definitions)


def _read(path: Path) -> Mapping[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IndexDefinitionError("?", str(path), f"cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        # duplicate keys (a constituent listed twice) land here too: TOML refuses them
        raise IndexDefinitionError("?", str(path), f"not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise IndexDefinitionError("?", str(path), "not UTF-8 text") from exc


def _decimal(index: str, field: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        # a TOML float has already lost exactness: refuse it rather than guess
        raise IndexDefinitionError(index, field, f"must be a decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise IndexDefinitionError(index, field, f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise IndexDefinitionError(index, field, f"must be finite, got {value!r}")
    return number


def _positive(index: str, field: str, value: object) -> Decimal:
    number = _decimal(index, field, value)
    if number <= 0:
        raise IndexDefinitionError(index, field, f"must be > 0, got {number}")
    return number


def _text(index: str, field: str, value: object, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise IndexDefinitionError(
            index, field, f"must be upper-case letters/digits (1-20), got {value!r}"
        )
    return value


def _definition(
    entry: Mapping[str, Any],
    position: int,
    instruments: Mapping[str, Instrument],
    prices: Mapping[str, Decimal],
) -> IndexDefinition:
    raw_symbol = entry.get("symbol")
    label = raw_symbol if isinstance(raw_symbol, str) and raw_symbol else f"#{position + 1}"
    extra = sorted(set(entry) - _INDEX_KEYS)
    if extra:
        raise IndexDefinitionError(label, extra[0], "unknown key")
    for required in ("symbol", "quote_asset", "quantity_step"):
        if required not in entry:
            raise IndexDefinitionError(label, required, "missing")
    symbol = _text(label, "symbol", raw_symbol, _INDEX_SYMBOL)
    quote = _text(symbol, "quote_asset", entry["quote_asset"], _ASSET)
    quantity_step = _positive(symbol, "quantity_step", entry["quantity_step"])
    fees = _fees(symbol, entry.get("fees", {}))
    has_units, has_weights = "units" in entry, "weights" in entry
    if has_units == has_weights:
        raise IndexDefinitionError(symbol, "units", "give exactly one of units or weights")
    if has_units and "initial_price" in entry:
        raise IndexDefinitionError(symbol, "initial_price", "only used with weights")
    table_name = "units" if has_units else "weights"
    table = entry[table_name]
    if not isinstance(table, Mapping) or not table:
        raise IndexDefinitionError(symbol, table_name, "expected a table of symbol = amount")
    resolved = _instruments(symbol, quote, table_name, table, instruments)
    if has_units:
        units = {s: _positive(symbol, f"units.{s}", table[s]) for s in resolved}
    else:
        units = _units_from_weights(symbol, entry, table, resolved, prices)
    constituents = []
    for constituent_symbol, instrument in resolved.items():
        amount = units[constituent_symbol]
        step = instrument.filters.step_size
        if EXACT.remainder(amount, step) != 0:
            raise IndexDefinitionError(
                symbol,
                f"{table_name}.{constituent_symbol}",
                f"units {amount} are not a multiple of the step size {step}",
            )
        constituents.append(
            Constituent(symbol=constituent_symbol, units=amount, instrument=instrument)
        )
    return IndexDefinition(
        symbol=symbol,
        quote_asset=quote,
        quantity_step=quantity_step,
        constituents=tuple(constituents),
        fees=fees,
    )


def _fees(symbol: str, raw: object) -> FeeSchedule:
    if not isinstance(raw, Mapping):
        raise IndexDefinitionError(symbol, "fees", "expected a table")
    extra = sorted(set(raw) - _FEE_KEYS)
    if extra:
        raise IndexDefinitionError(symbol, f"fees.{extra[0]}", "unknown key")
    values: dict[str, Decimal] = {}
    for name in sorted(_FEE_KEYS):
        number = _decimal(symbol, f"fees.{name}", raw.get(name, "0"))
        if number < 0:
            raise IndexDefinitionError(symbol, f"fees.{name}", f"must be >= 0, got {number}")
        if name.endswith("_bps") and number >= _BPS:
            raise IndexDefinitionError(symbol, f"fees.{name}", f"must be < 10000, got {number}")
        values[name] = number
    return FeeSchedule(**values)


def _instruments(
    symbol: str,
    quote: str,
    table_name: str,
    table: Mapping[str, Any],
    instruments: Mapping[str, Instrument],
) -> dict[str, Instrument]:
    resolved: dict[str, Instrument] = {}
    normalised: set[str] = set()
    for constituent_symbol in table:
        field = f"{table_name}.{constituent_symbol}"
        key = str(constituent_symbol).strip().upper()
        if key in normalised:
            raise IndexDefinitionError(symbol, field, "constituent listed twice")
        normalised.add(key)
        instrument = instruments.get(constituent_symbol)
        if instrument is None:
            raise IndexDefinitionError(symbol, field, "unknown symbol (the venue does not list it)")
        if getattr(instrument, "filters", None) is None:
            raise IndexDefinitionError(symbol, field, "the venue gives no filters for it")
        if instrument.quote != quote:
            raise IndexDefinitionError(
                symbol, field, f"quote asset {instrument.quote} differs from the index's {quote}"
            )
        resolved[constituent_symbol] = instrument
    return resolved


def _units_from_weights(
    symbol: str,
    entry: Mapping[str, Any],
    table: Mapping[str, Any],
    resolved: Mapping[str, Instrument],
    prices: Mapping[str, Decimal],
) -> dict[str, Decimal]:
    if "initial_price" not in entry:
        raise IndexDefinitionError(symbol, "initial_price", "missing (needed with weights)")
    initial_price = _positive(symbol, "initial_price", entry["initial_price"])
    weights = {s: _positive(symbol, f"weights.{s}", table[s]) for s in resolved}
    total = EXACT.plus(sum(weights.values(), Decimal(0)))
    if total != 1:
        raise IndexDefinitionError(symbol, "weights", f"must sum to exactly 1, sum is {total}")
    units: dict[str, Decimal] = {}
    for constituent_symbol, instrument in resolved.items():
        field = f"weights.{constituent_symbol}"
        price = prices.get(constituent_symbol)
        if price is None or not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            raise IndexDefinitionError(symbol, field, f"no positive price to size it: {price!r}")
        raw_units = EXACT.divide(EXACT.multiply(weights[constituent_symbol], initial_price), price)
        amount = floor_to(raw_units, instrument.filters.step_size)
        if amount <= 0:
            raise IndexDefinitionError(
                symbol,
                field,
                f"units {raw_units:.12g} round down to 0 at step {instrument.filters.step_size}",
            )
        units[constituent_symbol] = amount
    return units
