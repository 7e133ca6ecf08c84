"""Cell parsers shared by the CSV formats: UTC date-times, exact decimals, asset-suffixed amounts.

Each parser raises ValueError with a message meant to follow "line N, column C: ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

__all__ = ["parse_decimal", "parse_suffixed_amount", "parse_utc_ms"]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DATETIME = re.compile(
    r"(?P<y>\d{4}|\d{2})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?"
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_utc_ms(text: str) -> int:
    """UTC epoch milliseconds of "2025-01-02 03:04:05", "2025-01-02 03:04 UTC",
    "2025-01-02T03:04:05.123Z", "2025-01-02T03:04:05+01:00", "25-01-02 03:04:05" or "2025-01-02".

    A two-digit year means 20YY (Binance's short export format). No zone means UTC.
    """
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a date-time like 2025-01-02 03:04:05 (UTC)")
    year = int(match["y"])
    if len(match["y"]) == 2:
        year += 2000
    try:
        day = date(year, int(match["mo"]), int(match["d"])).toordinal() - _EPOCH_ORDINAL
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    hour, minute = int(match["h"] or 0), int(match["mi"] or 0)
    second = int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} has an invalid time of day")
    fraction = match["f"] or ""
    millis = int(fraction[:3].ljust(3, "0")) if fraction else 0
    offset_minutes = 0
    zone = match["tz"]
    if zone and zone not in ("Z", "UTC"):
        digits = zone[1:].replace(":", "")
        offset_minutes = int(digits[:2]) * 60 + int(digits[2:])
        if zone[0] == "-":
            offset_minutes = -offset_minutes
    seconds = ((day * 24 + hour) * 60 + minute - offset_minutes) * 60 + second
    return seconds * 1000 + millis


def parse_decimal(text: str, *, allow_empty: bool = False) -> Decimal | None:
    """An exact Decimal of a plain number ("1234.5", "1,234.5", "1e-8"); None for "" if allowed."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        if allow_empty:
            return None
        raise ValueError("a number is required here")
    if _NUMBER.fullmatch(cleaned) is None:
        raise ValueError(f"{text!r} is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ValueError(f"{text!r} is not a number") from None
    return value


def parse_suffixed_amount(text: str, assets: Iterable[str]) -> tuple[Decimal, str | None]:
    """(amount, asset) of "0.00100000BTC" / "25.5 USDT" / "25.5" (asset None).

    The asset suffix is matched against `assets` first (so "10.51INCH" with asset "1INCH" reads as
    10.5 1INCH); otherwise the longest leading number is taken and the rest is the asset.
    """
    cleaned = text.strip().replace(",", "")
    for asset in sorted({a.upper() for a in assets if a}, key=len, reverse=True):
        if cleaned.upper().endswith(asset) and len(cleaned) > len(asset):
            number = cleaned[: -len(asset)].strip()
            if _NUMBER.fullmatch(number):
                return Decimal(number), asset
    match = re.fullmatch(
        r"([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*([A-Za-z][A-Za-z0-9]*)?", cleaned
    )
    if match is None:
        raise ValueError(f"{text!r} is not an amount like 0.001BTC")
    suffix = match[2].upper() if match[2] else None
    return Decimal(match[1]), suffix
