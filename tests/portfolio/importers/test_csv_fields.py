"""Cell parsers: dates to UTC milliseconds, exact decimals, amounts with asset suffixes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.portfolio.importers.csv_fields import (
    parse_decimal,
    parse_suffixed_amount,
    parse_utc_ms,
)

# 2025-01-02 03:04:05 UTC: 2025-01-01 is day 20089 since the epoch (1735689600 s), +1 day
# = 1735776000, + 3 h 4 min 5 s (11045 s) = 1735787045 s.
T = 1_735_787_045_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-02 03:04:05", T),
        ("2025-01-02 03:04:05 UTC", T),
        ("2025-01-02T03:04:05Z", T),
        ("2025-01-02T03:04:05.123Z", T + 123),
        ("2025-01-02T03:04:05.1Z", T + 100),
        ("25-01-02 03:04:05", T),  # Binance's short year
        ("2025-01-02 03:04 UTC", T - 5_000),  # Koinly without seconds
        ("2025-01-02", T - 11_045_000),
        ("2025-01-02T04:04:05+01:00", T),  # an offset is converted to UTC
        ("2025-01-01T22:04:05-05:00", T),
        ("  2025-01-02 03:04:05  ", T),
    ],
)
def test_dates_parse_to_utc_milliseconds(text: str, expected: int) -> None:
    assert parse_utc_ms(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "02/01/2025 03:04", "2025-13-01 00:00:00", "2025-02-30", "2025-01-02 24:00:00", "soon"],
)
def test_bad_dates_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_utc_ms(text)


def test_decimals_are_exact_and_strict() -> None:
    assert parse_decimal("0.1") == Decimal("0.1")
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal("1e-8") == Decimal("1E-8")
    assert parse_decimal("", allow_empty=True) is None
    for bad in ["", "1.2.3", "NaN", "inf", "12 BTC", "0x10"]:
        with pytest.raises(ValueError):
            parse_decimal(bad)


@pytest.mark.parametrize(
    ("text", "assets", "expected"),
    [
        ("0.00100000BTC", ["BTC", "USDT"], (Decimal("0.001"), "BTC")),
        ("25.5 USDT", ["BTC", "USDT"], (Decimal("25.5"), "USDT")),
        ("25.5", ["USDT"], (Decimal("25.5"), None)),
        ("10.51INCH", ["1INCH", "USDT"], (Decimal("10.5"), "1INCH")),  # not 10.51 INCH
        ("0.0001BNB", ["BTC"], (Decimal("0.0001"), "BNB")),
        ("1,000.5USDT", ["USDT"], (Decimal("1000.5"), "USDT")),
    ],
)
def test_suffixed_amounts(
    text: str, assets: list[str], expected: tuple[Decimal, str | None]
) -> None:
    value, asset = parse_suffixed_amount(text, assets)
    assert (value, asset) == expected
    assert value.normalize() == expected[0].normalize()


def test_unparseable_amount_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_suffixed_amount("BTC0.1", ["BTC"])
