"""Binance's recorded formats, read lazily line by line into DepthEvent / TradeEvent.

Depth (``BinanceDepthFeed``): an optional REST snapshot file (``{"lastUpdateId": N, "bids":
[[p, q], ...], "asks": [...]}``) and a JSONL file of diff-depth stream messages
(``{"e": "depthUpdate", "E": ms, "s": "BTCUSDT", "U": first, "u": last, "b": [...], "a":
[...]}``, also wrapped as a combined-stream ``{"stream": ..., "data": {...}}``). A JSONL line
holding a snapshot object (``lastUpdateId``; optional ``E`` or ``T`` in ms) is a later snapshot,
which is how a recorder that re-fetched the book after a gap writes it. The file's snapshot is
emitted at the time of the first diff.

Trades (``BinanceTradesFeed``): the public data dumps' CSV, trades
(``id,price,qty,quote_qty,time,is_buyer_maker,is_best_match``) or aggTrades
(``agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,
is_best_match``), with or without a header row, times in ms or (2025+ dumps) µs; or stream
JSONL (``"e": "trade"`` / ``"aggTrade"``, timed by ``E``).

Checked here, each as BacktestDataError naming the file and line: unreadable JSON / CSV, a
truncated last line, a wrong symbol, values off the tick grid, timestamps going backwards, a
crossed snapshot. Update-id gaps are the venue's to handle (tradewind.backtest.venue): they
depend on the book's state, and the documented response is a resync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.feeds.events import DepthEvent, MarketEvent, TradeEvent
from tradewind.backtest.feeds.lines import NumberedLines, line_error
from tradewind.backtest.units import Scale

__all__ = ["BinanceDepthFeed", "BinanceTradesFeed", "read_snapshot"]

_MS = 1_000_000
_US = 1_000
_MICROS_FROM = 10**15  # a dump time at or above this is in µs (2025+ spot dumps), below in ms


def _memo(parse: Callable[[str], int], limit: int = 1 << 16) -> Callable[[str], int]:
    """``parse`` with a bounded cache (cleared when full; errors are not cached)."""
    cache: dict[str, int] = {}

    def cached(text: str) -> int:
        value = cache.get(text)
        if value is None:
            if len(cache) >= limit:
                cache.clear()
            value = cache[text] = parse(text)
        return value

    return cached


def read_snapshot(path: Path | str, scale: Scale) -> DepthEvent:
    """A REST depth snapshot file as a snapshot DepthEvent (ts 0: the caller times it)."""
    source = str(path)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BacktestDataError(source, 0, f"cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        what = "truncated" if exc.pos >= len(exc.doc.rstrip()) else f"not valid JSON ({exc.msg})"
        raise BacktestDataError(source, exc.lineno, what) from None
    if not isinstance(raw, dict) or "lastUpdateId" not in raw:
        raise BacktestDataError(source, 1, "not a depth snapshot (no lastUpdateId)")
    try:
        return _snapshot(raw, scale, 0, 1)
    except ValueError as exc:
        raise BacktestDataError(source, 1, str(exc)) from None


def _snapshot(raw: dict[str, Any], scale: Scale, ts: int, line: int) -> DepthEvent:
    update_id = raw["lastUpdateId"]
    if isinstance(update_id, bool) or not isinstance(update_id, int) or update_id < 0:
        raise ValueError("lastUpdateId must be a non-negative integer")
    bids = _levels(raw.get("bids"), scale, "bids")
    asks = _levels(raw.get("asks"), scale, "asks")
    best_bid = max((p for p, q in bids if q), default=None)
    best_ask = min((p for p, q in asks if q), default=None)
    if best_bid is not None and best_ask is not None and best_bid >= best_ask:
        raise ValueError(
            f"crossed snapshot: best bid {scale.price(best_bid)} >= best ask "
            f"{scale.price(best_ask)}"
        )
    return DepthEvent(
        ts, bids, asks, snapshot=True, first_id=update_id, last_id=update_id, line=line
    )


def _levels(raw: Any, scale: Scale, name: str) -> list[tuple[int, int]]:
    if not isinstance(raw, list):
        raise ValueError(f"'{name}' must be a list of [price, qty] pairs")
    ticks, lots = scale.ticks, scale.lots
    try:
        return [(ticks(p), lots(q)) for p, q in raw]
    except (TypeError, AttributeError):
        raise ValueError(f"'{name}' must hold [price, qty] pairs of decimal strings") from None


def _time_ns(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'{what}' must be a non-negative integer time in ms")
    return value * _MS


class BinanceDepthFeed:
    """One symbol's depth: a snapshot file (optional) then diff-depth JSONL. See module doc."""

    def __init__(
        self,
        depth: Path | str,
        scale: Scale,
        *,
        symbol: str,
        snapshot: Path | str | None = None,
    ) -> None:
        self._lines = NumberedLines(Path(depth))
        self._snapshot = None if snapshot is None else Path(snapshot)
        self._scale = scale
        self._symbol = symbol

    @property
    def source(self) -> str:
        return self._lines.source

    def events(self) -> Iterator[MarketEvent]:
        pending = None if self._snapshot is None else read_snapshot(self._snapshot, self._scale)
        source, scale, symbol = self.source, self._scale, self._symbol
        lots = scale.lots
        ticks = _memo(scale.ticks)  # a book's prices repeat: parse each once
        loads = orjson.loads  # several times json.loads on these short lines
        last_ts = -1
        for number, line, complete in self._lines:
            if not line.strip():
                continue
            try:
                raw = loads(line)
                if "data" in raw and "stream" in raw:
                    raw = raw["data"]
                if "lastUpdateId" in raw:
                    stamp = raw.get("E", raw.get("T"))
                    ts = last_ts if stamp is None else _time_ns(stamp, "E")
                    event = _snapshot(raw, scale, max(ts, 0), number)
                else:
                    if raw.get("e") != "depthUpdate":
                        raise ValueError(f"not a depthUpdate message (e={raw.get('e')!r})")
                    if raw.get("s") != symbol:
                        raise ValueError(f"symbol {raw.get('s')!r}, this feed reads {symbol}")
                    ts = _time_ns(raw["E"], "E")
                    first, last = raw["U"], raw["u"]
                    if not (type(first) is int and type(last) is int and 0 <= first <= last):
                        raise ValueError(
                            f"update ids must satisfy 0 <= U <= u (U={first} u={last})"
                        )
                    event = DepthEvent(
                        ts,
                        [(ticks(p), lots(q)) for p, q in raw["b"]],
                        [(ticks(p), lots(q)) for p, q in raw["a"]],
                        first_id=first,
                        last_id=last,
                        line=number,
                    )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise line_error(source, number, complete, exc) from None
            if event.ts < last_ts:
                raise BacktestDataError(
                    source, number, f"time {event.ts} ns is earlier than the previous {last_ts}"
                )
            last_ts = event.ts
            if pending is not None:
                pending.ts = event.ts
                yield pending
                pending = None
            yield event
        if pending is not None:
            yield pending


class BinanceTradesFeed:
    """One symbol's trades or aggTrades, as dump CSV (``.csv``) or stream JSONL (otherwise)."""

    def __init__(self, path: Path | str, scale: Scale, *, symbol: str) -> None:
        self._lines = NumberedLines(Path(path))
        self._scale = scale
        self._symbol = symbol
        self._csv = Path(path).suffix.lower() == ".csv"

    @property
    def source(self) -> str:
        return self._lines.source

    def events(self) -> Iterator[MarketEvent]:
        return self._csv_events() if self._csv else self._jsonl_events()

    def _csv_events(self) -> Iterator[MarketEvent]:
        source = self.source
        ticks, lots = self._scale.ticks, self._scale.lots
        last_ts = -1
        columns = 0
        for number, line, complete in self._lines:
            text = line.strip()
            if not text:
                continue
            if number == 1 and not text[0].isdigit():
                continue  # a header row
            parts = text.split(",")
            if columns == 0:
                if len(parts) not in (7, 8):
                    raise BacktestDataError(
                        source,
                        number,
                        f"expected 7 (trades) or 8 (aggTrades) columns, got {len(parts)}",
                    )
                columns = len(parts)
            if len(parts) != columns:
                reason = (
                    "truncated (incomplete last line)" if not complete else "wrong column count"
                )
                raise BacktestDataError(
                    source, number, f"{reason}: {len(parts)} columns, expected {columns}"
                )
            try:
                time_text, maker_text = (
                    (parts[4], parts[5]) if columns == 7 else (parts[5], parts[6])
                )
                stamp = int(time_text)
                ts = stamp * (_US if stamp >= _MICROS_FROM else _MS)
                maker = maker_text.lower()
                if maker not in ("true", "false"):
                    raise ValueError(f"is_buyer_maker must be True or False, got {maker_text!r}")
                event = TradeEvent(
                    ts, ticks(parts[1]), lots(parts[2]), maker == "false", parts[0], number
                )
            except ValueError as exc:
                if not complete:
                    raise BacktestDataError(source, number, f"truncated: {exc}") from None
                raise BacktestDataError(source, number, str(exc)) from None
            if event.qty <= 0:
                raise BacktestDataError(source, number, "a trade needs a positive quantity")
            if ts < last_ts:
                raise BacktestDataError(
                    source, number, f"time {ts} ns is earlier than the previous {last_ts}"
                )
            last_ts = ts
            yield event

    def _jsonl_events(self) -> Iterator[MarketEvent]:
        source, symbol = self.source, self._symbol
        ticks, lots = self._scale.ticks, self._scale.lots
        last_ts = -1
        for number, line, complete in self._lines:
            if not line.strip():
                continue
            try:
                raw = orjson.loads(line)
                if "data" in raw and "stream" in raw:
                    raw = raw["data"]
                kind = raw.get("e")
                if kind not in ("trade", "aggTrade"):
                    raise ValueError(f"not a trade or aggTrade message (e={kind!r})")
                if raw.get("s") != symbol:
                    raise ValueError(f"symbol {raw.get('s')!r}, this feed reads {symbol}")
                maker = raw["m"]
                if not isinstance(maker, bool):
                    raise ValueError("'m' must be true or false")
                trade_id = raw["t"] if kind == "trade" else raw["a"]
                event = TradeEvent(
                    _time_ns(raw["E"], "E"),
                    ticks(raw["p"]),
                    lots(raw["q"]),
                    not maker,
                    str(trade_id),
                    number,
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise line_error(source, number, complete, exc) from None
            if event.qty <= 0:
                raise BacktestDataError(source, number, "a trade needs a positive quantity")
            if event.ts < last_ts:
                raise BacktestDataError(
                    source, number, f"time {event.ts} ns is earlier than the previous {last_ts}"
                )
            last_ts = event.ts
            yield event
