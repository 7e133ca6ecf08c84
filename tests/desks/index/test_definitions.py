"""Index definitions: the demo file, weights turned into units, and every refusal."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.core.instruments import Instrument
from tradewind.desks.index.definitions import (
    DEMO_INDEX_FILE,
    IndexDefinitionError,
    load_index_definitions,
)


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "symbol": "IDX",
        "quote_asset": "USDT",
        "quantity_step": "0.01",
        "units": {"BTC/USDT": "0.001", "ETH/USDT": "0.01"},
        "fees": {"mint_bps": "10", "redeem_bps": "5", "min_fee": "0.1"},
    }
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


def _refusal(
    instruments: dict[str, Instrument],
    raw: dict[str, Any],
    prices: dict[str, Decimal] | None = None,
) -> IndexDefinitionError:
    with pytest.raises(IndexDefinitionError) as caught:
        load_index_definitions(raw, instruments, prices)
    return caught.value


def test_demo_file_defines_tw10_at_about_100_usdt_and_tw3(
    instruments: dict[str, Instrument], mids: dict[str, Decimal]
) -> None:
    definitions = load_index_definitions(DEMO_INDEX_FILE, instruments)
    by_symbol = {d.symbol: d for d in definitions}
    assert set(by_symbol) == {"TW10", "TW3"}
    tw10 = by_symbol["TW10"]
    assert [c.symbol for c in tw10.constituents] == [
        "BTC/USDT",
        "ETH/USDT",
        "SOL/USDT",
        "BNB/USDT",
        "XRP/USDT",
        "ADA/USDT",
        "DOGE/USDT",
        "AVAX/USDT",
        "LINK/USDT",
        "DOT/USDT",
    ]
    value = sum(c.units * mids[c.symbol] for c in tw10.constituents)
    assert Decimal(95) <= value <= Decimal(105)
    assert tw10.quantity_step == Decimal("0.001")
    assert tw10.fees.mint_bps == 10 and tw10.fees.redeem_bps == 10
    assert tw10.fees.mint_rate == Decimal("0.001")
    for definition in definitions:
        assert definition.quote_asset == "USDT"
        for constituent in definition.constituents:
            assert constituent.units % constituent.step_size == 0
    assert [c.symbol for c in by_symbol["TW3"].constituents] == [
        "BTC/USDT",
        "ETH/USDT",
        "SOL/USDT",
    ]


def test_path_string_and_mapping_sources_agree(
    instruments: dict[str, Instrument], tmp_path: Path
) -> None:
    copy_path = tmp_path / "indexes.toml"
    copy_path.write_text(DEMO_INDEX_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    from_path = load_index_definitions(copy_path, instruments)
    from_string = load_index_definitions(str(copy_path), instruments)
    from_mapping = load_index_definitions({"index": [_entry()]}, instruments)
    assert from_path == from_string
    assert from_mapping[0].units == {"BTC/USDT": Decimal("0.001"), "ETH/USDT": Decimal("0.01")}
    assert from_mapping[0].fees.min_fee == Decimal("0.1")


def test_missing_fees_default_to_zero(instruments: dict[str, Instrument]) -> None:
    (definition,) = load_index_definitions({"index": [_entry(fees=None)]}, instruments)
    assert definition.fees.mint_bps == definition.fees.redeem_bps == definition.fees.min_fee == 0


def test_weights_become_units_rounded_down_to_the_step(instruments: dict[str, Instrument]) -> None:
    raw = {
        "index": [
            _entry(units=None, weights={"BTC/USDT": "0.6", "ETH/USDT": "0.4"}, initial_price="1000")
        ]
    }
    prices = {"BTC/USDT": Decimal("95000"), "ETH/USDT": Decimal("3100")}
    (definition,) = load_index_definitions(raw, instruments, prices)
    # 0.6 * 1000 / 95000 = 0.0063157.. -> step 0.00001; 0.4 * 1000 / 3100 = 0.129.. -> 0.0001
    assert definition.units == {"BTC/USDT": Decimal("0.00631"), "ETH/USDT": Decimal("0.1290")}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {
                "units": None,
                "weights": {"BTC/USDT": "0.5", "ETH/USDT": "0.4"},
                "initial_price": "1000",
            },
            "weights",
            "sum to exactly 1",
        ),
        (
            {
                "units": None,
                "weights": {"BTC/USDT": "1.2", "ETH/USDT": "-0.2"},
                "initial_price": "1000",
            },
            "weights.ETH/USDT",
            "> 0",
        ),
        ({"units": {"BTC/USDT": "0", "ETH/USDT": "0.01"}}, "units.BTC/USDT", "> 0"),
        ({"units": {"BTC/USDT": "-0.001"}}, "units.BTC/USDT", "> 0"),
        ({"units": {"NOPE/USDT": "1"}}, "units.NOPE/USDT", "unknown symbol"),
        ({"units": {"ETH/BTC": "1"}}, "units.ETH/BTC", "quote asset BTC"),
        ({"units": {"BTC/USDT": "0.000015"}}, "units.BTC/USDT", "multiple of the step"),
        ({"units": {"BTC/USDT": "0.001", "btc/usdt": "0.001"}}, "units.btc/usdt", "twice"),
        ({"units": {"BTC/USDT": 0.001}}, "units.BTC/USDT", "decimal string"),
        ({"colour": "blue"}, "colour", "unknown key"),
        ({"fees": {"mint_bps": "10", "burn_bps": "1"}}, "fees.burn_bps", "unknown key"),
        ({"fees": {"mint_bps": "10000"}}, "fees.mint_bps", "< 10000"),
        ({"fees": {"min_fee": "-1"}}, "fees.min_fee", ">= 0"),
        ({"quantity_step": "0"}, "quantity_step", "> 0"),
        ({"quantity_step": None}, "quantity_step", "missing"),
        ({"units": None}, "units", "exactly one of units or weights"),
        ({"weights": {"BTC/USDT": "1"}}, "units", "exactly one of units or weights"),
        ({"units": None, "weights": {"BTC/USDT": "1"}}, "initial_price", "missing"),
        ({"initial_price": "100"}, "initial_price", "only used with weights"),
        ({"units": {}}, "units", "expected a table"),
        ({"symbol": "tw-1"}, "symbol", "upper-case"),
        ({"quote_asset": "usdt"}, "quote_asset", "upper-case"),
    ],
)
def test_bad_definition_is_refused_naming_index_and_field(
    instruments: dict[str, Instrument], changes: dict[str, Any], field: str, words: str
) -> None:
    error = _refusal(
        instruments,
        {"index": [_entry(**changes)]},
        {"BTC/USDT": Decimal("95000"), "ETH/USDT": Decimal("3100")},
    )
    assert error.field == field
    assert words in str(error)
    label = "tw-1" if changes.get("symbol") == "tw-1" else "IDX"
    assert error.index == label
    assert str(error).startswith(f"index {label}: {field}:")


def test_duplicate_index_symbols_are_refused(instruments: dict[str, Instrument]) -> None:
    error = _refusal(instruments, {"index": [_entry(), _entry()]})
    assert (error.index, error.field) == ("IDX", "symbol")
    assert "defined twice" in str(error)


def test_constituent_listed_twice_in_a_file_is_refused(
    instruments: dict[str, Instrument], tmp_path: Path
) -> None:
    path = tmp_path / "dup.toml"
    path.write_text(
        '[[index]]\nsymbol = "IDX"\nquote_asset = "USDT"\nquantity_step = "1"\n'
        '[index.units]\n"BTC/USDT" = "0.001"\n"BTC/USDT" = "0.002"\n',
        encoding="utf-8",
    )
    error = _refusal(instruments, path)  # type: ignore[arg-type]
    assert "not valid TOML" in str(error)


def test_instrument_without_filters_is_refused(instruments: dict[str, Instrument]) -> None:
    broken = copy.copy(instruments)
    bare = object.__new__(Instrument)
    object.__setattr__(bare, "venue", "sim")
    object.__setattr__(bare, "symbol", "BTC/USDT")
    object.__setattr__(bare, "filters", None)
    broken["BTC/USDT"] = bare
    error = _refusal(broken, {"index": [_entry()]})
    assert (error.index, error.field) == ("IDX", "units.BTC/USDT")
    assert "no filters" in str(error)


def test_weights_need_a_price_for_every_constituent(instruments: dict[str, Instrument]) -> None:
    raw = {
        "index": [
            _entry(units=None, weights={"BTC/USDT": "0.5", "ETH/USDT": "0.5"}, initial_price="1000")
        ]
    }
    error = _refusal(instruments, raw, {"BTC/USDT": Decimal("95000")})
    assert error.field == "weights.ETH/USDT"
    assert "no positive price" in str(error)


def test_weight_too_small_for_one_step_is_refused(instruments: dict[str, Instrument]) -> None:
    raw = {
        "index": [
            _entry(
                units=None, weights={"BTC/USDT": "0.001", "ETH/USDT": "0.999"}, initial_price="100"
            )
        ]
    }
    prices = {"BTC/USDT": Decimal("95000"), "ETH/USDT": Decimal("3100")}
    error = _refusal(instruments, raw, prices)
    assert error.field == "weights.BTC/USDT"
    assert "round down to 0" in str(error)


def test_unreadable_or_empty_sources_are_refused(
    instruments: dict[str, Instrument], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    assert "cannot read" in str(_refusal(instruments, missing))  # type: ignore[arg-type]
    assert "at least one" in str(_refusal(instruments, {"index": []}))
    assert _refusal(instruments, {"indexes": []}).field == "indexes"
