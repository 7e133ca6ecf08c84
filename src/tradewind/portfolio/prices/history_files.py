"""Price history files read offline: OHLC exports and the ECB's EUR reference rates.

    coingecko  CSV "snapped_at,price,market_cap,total_volume", one row a day
               (snapped_at "2024-01-01 00:00:00 UTC"); the price is the day's close
    kraken     OHLCVT CSV without header: unix seconds, open, high, low, close, volume, trades
    binance    kline CSV from data.binance.vision, with or without header: open time (ms, or
               µs from 2025), open, high, low, close, volume, close time, …
    sim        the JSON array `tradewind sim` (and Binance) answer on GET /api/v3/klines
    ecb        the ECB's euro reference rates: eurofxref-hist.csv ("Date,USD,JPY,…", USD per
               1 EUR, "N/A" on holidays) or the data portal's SDMX CSV (TIME_PERIOD, OBS_VALUE,
               CURRENCY columns; series EXR.D.USD.EUR.SP00.A)
The candle length of kraken/binance/sim files is read from the data (close time, or the gap
between rows); it must be one of the timeframes prices are cached in. Every bad row is reported
in one pass and nothing of a bad file is kept (all or nothing, like the ledger imports).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tradewind.portfolio.importers.csv_fields import parse_utc_ms
from tradewind.portfolio.importers.errors import CsvImportError, ImportInputError, RowProblem

__all__ = ["HISTORY_FORMATS", "Candles", "FrameError", "read_history"]

HISTORY_FORMATS = ("coingecko", "kraken", "binance", "sim", "ecb")
_FRAMES = {
    60_000: "1m",
    300_000: "5m",
    900_000: "15m",
    3_600_000: "1h",
    14_400_000: "4h",
    86_400_000: "1d",
}


class FrameError(ImportInputError):
    """The candles' length is not one the price cache knows."""


@dataclass(frozen=True, slots=True)
class Candles:
    """Closes of one symbol (`base`/`quote`): (open time UTC ms, close in quote units)."""

    base: str
    quote: str
    timeframe: str
    closes: tuple[tuple[int, Decimal], ...]

    @property
    def symbol(self) -> str:
        """ "BTC/USD"."""
        return f"{self.base}/{self.quote}"


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportInputError(f"file not found: {path}") from None
    except OSError as exc:
        raise ImportInputError(f"cannot open {path}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, [c.strip() for c in cells]


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"price must be > 0, got {text!r}")
    return value


def _frame(ms: int, path: Path) -> str:
    try:
        return _FRAMES[ms]
    except KeyError:
        known = ", ".join(_FRAMES.values())
        raise FrameError(f"{path}: candles of {ms} ms are not one of {known}") from None


def _gap_frame(opens: list[int], path: Path) -> str:
    gaps = [b - a for a, b in itertools.pairwise(opens) if b > a]
    if not gaps:
        raise FrameError(f"{path}: one candle cannot show its length; give at least two rows")
    return _frame(min(gaps), path)


def read_history(path: Path, fmt: str, asset: str, quote: str) -> list[Candles]:
    """The closes in `path` (format `fmt`) of `asset` in `quote` (ecb: EUR in each currency)."""
    fmt = fmt.strip().lower()
    if fmt not in HISTORY_FORMATS:
        raise ImportInputError(f"unknown price format {fmt!r}; known: {', '.join(HISTORY_FORMATS)}")
    path = Path(path)
    if not path.exists():
        raise ImportInputError(f"file not found: {path}")
    if fmt == "ecb":
        return _ecb(path)
    base, quote = asset.strip().upper(), quote.strip().upper()
    if not base:
        raise ImportInputError("--asset is required for a price history (e.g. --asset BTC)")
    if fmt == "sim":
        closes, frame = _sim(path)
        return [Candles(base, quote, frame, closes)]
    problems: list[RowProblem] = []
    closes_list: list[tuple[int, Decimal]] = []
    lengths: set[int] = set()
    header_seen = False
    for line, cells in _rows(path):
        try:
            if fmt == "coingecko":
                if not header_seen:
                    header_seen = True
                    names = [c.lower() for c in cells]
                    if names[:2] != ["snapped_at", "price"]:
                        raise ValueError("CoinGecko header snapped_at,price,… expected")
                    continue
                if len(cells) < 2:
                    raise ValueError(f"{len(cells)} cells, snapped_at and price expected")
                closes_list.append((parse_utc_ms(cells[0]), _number(cells[1])))
            elif fmt == "kraken":
                if len(cells) < 5:
                    raise ValueError(f"{len(cells)} cells, time,open,high,low,close,… expected")
                closes_list.append((int(cells[0]) * 1000, _number(cells[4])))
            else:  # binance
                if not header_seen and not cells[0].isdigit():
                    header_seen = True
                    continue
                header_seen = True
                if len(cells) < 7:
                    raise ValueError(f"{len(cells)} cells, a Binance kline has 12")
                open_t, close_t = int(cells[0]), int(cells[6])
                scale = 1000 if open_t >= 10**14 else 1  # µs from 2025 on
                lengths.add((close_t - open_t + 1) // scale)
                closes_list.append((open_t // scale, _number(cells[4])))
        except ValueError as exc:
            problems.append(RowProblem(line, None, str(exc)))
    if problems:
        raise CsvImportError(path, problems)
    if not closes_list:
        raise ImportInputError(f"{path}: no prices in the file")
    if fmt == "coingecko":
        # CoinGecko's snapshot at 00:00 UTC is the close of the day before it.
        closes = tuple((ms - 86_400_000, close) for ms, close in closes_list)
        frame = "1d"
    elif fmt == "binance":
        if len(lengths) != 1:
            raise FrameError(f"{path}: candles of different lengths in one file")
        frame = _frame(lengths.pop(), path)
        closes = tuple(closes_list)
    else:
        frame = _gap_frame(sorted(ms for ms, _c in closes_list), path)
        closes = tuple(closes_list)
    return [Candles(base, quote, frame, tuple(sorted(closes)))]


def _sim(path: Path) -> tuple[tuple[tuple[int, Decimal], ...], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ImportInputError(f"{path}: not JSON klines: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ImportInputError(f"{path}: a JSON array of klines expected")
    problems = []
    closes = []
    lengths = set()
    for i, row in enumerate(data):
        try:
            if not isinstance(row, list) or len(row) < 7:
                raise ValueError(
                    "a kline is [open time, open, high, low, close, volume, close time]"
                )
            lengths.add(int(row[6]) - int(row[0]) + 1)
            closes.append((int(row[0]), _number(str(row[4]))))
        except (ValueError, TypeError) as exc:
            problems.append(RowProblem(i + 1, None, f"kline {i + 1}: {exc}"))
    if problems:
        raise CsvImportError(path, problems)
    if len(lengths) != 1:
        raise FrameError(f"{path}: candles of different lengths in one file")
    return tuple(sorted(closes)), _frame(lengths.pop(), path)


def _ecb(path: Path) -> list[Candles]:
    rows = list(_rows(path))
    if not rows:
        raise ImportInputError(f"{path}: empty file")
    header = [c.upper() for c in rows[0][1]]
    problems: list[RowProblem] = []
    by_currency: dict[str, list[tuple[int, Decimal]]] = {}
    if "TIME_PERIOD" in header and "OBS_VALUE" in header:
        t, v = header.index("TIME_PERIOD"), header.index("OBS_VALUE")
        c = header.index("CURRENCY") if "CURRENCY" in header else None
        for line, cells in rows[1:]:
            try:
                currency = cells[c].upper() if c is not None else "USD"
                by_currency.setdefault(currency, []).append(
                    (parse_utc_ms(cells[t]), _number(cells[v]))
                )
            except (ValueError, IndexError) as exc:
                problems.append(RowProblem(line, None, str(exc)))
    elif header and header[0] == "DATE":
        for line, cells in rows[1:]:
            try:
                day = parse_utc_ms(cells[0])
                for name, cell in zip(header[1:], cells[1:], strict=False):
                    if name and cell and cell.upper() != "N/A":
                        by_currency.setdefault(name, []).append((day, _number(cell)))
            except ValueError as exc:
                problems.append(RowProblem(line, None, str(exc)))
    else:
        raise ImportInputError(
            f"{path}: not an ECB file (eurofxref-hist.csv 'Date,USD,…' or SDMX CSV expected)"
        )
    if problems:
        raise CsvImportError(path, problems)
    # A reference rate is published for a day: stored as that day's daily candle.
    return [
        Candles("EUR", currency, "1d", tuple(sorted(closes)))
        for currency, closes in sorted(by_currency.items())
    ]
