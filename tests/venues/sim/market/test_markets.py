"""The default market list and the markets TOML loader."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.venues.sim.market import MarketsFileError, default_markets, load_markets

REQUIRED = (
    "BTCUSDT",
    "ETHUSDT",
    "SOLUSDT",
    "BNBUSDT",
    "XRPUSDT",
    "ADAUSDT",
    "DOGEUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
    "LTCUSDT",
    "ETHBTC",
)

GOOD = """
[[market]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_notional = "5"
initial_mid = "95000"
volatility = 0.5
jump_rate_per_day = 3
jump_sigma = 0.004
order_notional = "2500"

[[market]]
symbol = "LTCUSDT"
base_asset = "LTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_notional = 5
legacy_min_notional = true
initial_mid = "90"
volatility = 0.7
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_list_has_the_majors_with_binance_like_filters() -> None:
    markets = default_markets()
    assert set(REQUIRED) <= set(markets.symbols)
    for market in markets:
        spec, profile = market.spec, market.profile
        if spec.quote_asset == "USDT":
            assert spec.min_notional == Decimal(5)
        assert (spec.bid_multiplier_up, spec.bid_multiplier_down) == (Decimal(5), Decimal("0.2"))
        assert (spec.ask_multiplier_up, spec.ask_multiplier_down) == (Decimal(5), Decimal("0.2"))
        # the initial mid sits on the tick grid and leaves room for the percent-price band
        assert profile.initial_mid % spec.tick_size == 0
        assert spec.max_price >= profile.initial_mid * 5
        assert spec.min_qty == spec.step_size
        assert profile.order_notional >= spec.min_notional * 2
        assert 0 < profile.price.volatility < 2


def test_exactly_ltcusdt_uses_the_legacy_min_notional_filter() -> None:
    markets = default_markets()
    legacy = [m.spec.symbol for m in markets if m.spec.legacy_min_notional]
    assert legacy == ["LTCUSDT"]
    ltc = markets.get("LTCUSDT")
    assert ltc is not None
    filters = {f["filterType"] for f in ltc.spec.exchange_info_filters()}
    assert "MIN_NOTIONAL" in filters and "NOTIONAL" not in filters


def test_loads_a_good_file(tmp_path: Path) -> None:
    markets = load_markets(write(tmp_path, GOOD))
    assert markets.symbols == ("BTCUSDT", "LTCUSDT")
    btc = markets.profile("BTCUSDT")
    assert btc.initial_mid == Decimal("95000")
    assert btc.order_notional == Decimal("2500")
    assert btc.price.jump_rate_per_day == 3.0
    ltc = markets.get("LTCUSDT")
    assert ltc is not None
    assert ltc.spec.legacy_min_notional is True
    # min_qty defaults to one step; order_notional to max(100 x min notional, 10 x min lot)
    assert ltc.spec.min_qty == Decimal("0.001")
    assert ltc.profile.order_notional == Decimal(500)
    assert [s.symbol for s in markets.specs] == ["BTCUSDT", "LTCUSDT"]


BTC = "market #1 (BTCUSDT)"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('tick_size = "0.01"', 'tick_size = "0"', f"{BTC}: tick_size must be positive"),
        ('tick_size = "0.01"', 'tick_size = "-0.01"', f"{BTC}: tick_size must be positive"),
        ("volatility = 0.5", 'volatility = 0.5\ncolour = "red"', f"{BTC}: unknown key(s): colour"),
        ('tick_size = "0.01"', "tick_size = 0.01", "tick_size must be written as a string"),
        ('initial_mid = "95000"', 'initial_mid = "-1"', "initial_mid must be a positive Decimal"),
        ('initial_mid = "95000"', 'initial_mid = "abc"', "initial_mid is not a decimal number"),
        ("volatility = 0.5", "volatility = -0.5", "volatility must be in [0, 10]"),
        ("volatility = 0.5", 'volatility = "high"', "volatility must be a number"),
        ('order_notional = "2500"', 'order_notional = "6"', "order_notional must be at least"),
        ('symbol = "BTCUSDT"', 'symbol = "LTCUSDT"', "symbol LTCUSDT is listed twice"),
        ('symbol = "BTCUSDT"', 'symbol = "btc-usdt"', "symbol must be upper-case"),
        ('step_size = "0.00001"\n', "", f"{BTC}: missing key(s): step_size"),
        ("[[market]]", "extra = 1\n[[market]]", "unknown top-level key(s): extra"),
        ("legacy_min_notional = true", 'legacy_min_notional = "yes"', "must be true or false"),
    ],
)
def test_bad_files_name_the_entry_and_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(MarketsFileError) as caught:
        load_markets(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(MarketsFileError, match="cannot read"):
        load_markets(tmp_path / "missing.toml")
    with pytest.raises(MarketsFileError, match="not valid TOML"):
        load_markets(write(tmp_path, "[[market]\nsymbol ="))
    with pytest.raises(MarketsFileError, match=r"at least one \[\[market\]\]"):
        load_markets(write(tmp_path, "# nothing here\n"))
