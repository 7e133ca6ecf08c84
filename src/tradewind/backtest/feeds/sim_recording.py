"""The JSONL that ``tradewind sim --replay`` reads (tradewind.venues.sim.market.replay), as a
backtest feed: ``{"ts": ms, "type": "book", "symbol": "BTCUSDT", "bids": [[p, q], ...],
"asks": [...]}`` (the whole book, best first) and ``{"ts": ms, "type": "trade", "symbol": ...,
"price": p, "qty": q, "side": "BUY"|"SELL"}`` (the taker's side). A book line is a snapshot; a
trade's id is its line number. Lines of other symbols are skipped (one file may hold several).
Errors name the file and line: bad JSON, a truncated last line, unknown keys, times going
backwards, off-grid values, a crossed book."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.feeds.events import DepthEvent, MarketEvent, TradeEvent
from tradewind.backtest.feeds.lines import NumberedLines, line_error
from tradewind.backtest.units import Scale

__all__ = ["SimRecordingFeed"]

_MS = 1_000_000
_BOOK_KEYS = frozenset({"ts", "type", "symbol", "bids", "asks"})
_TRADE_KEYS = frozenset({"ts", "type", "symbol", "price", "qty", "side"})


class SimRecordingFeed:
    """One symbol's books and trades from a sim recording."""

    def __init__(self, path: Path | str, scale: Scale, *, symbol: str) -> None:
        self._lines = NumberedLines(Path(path))
        self._scale = scale
        self._symbol = symbol

    @property
    def source(self) -> str:
        return self._lines.source

    def events(self) -> Iterator[MarketEvent]:
        source, symbol = self.source, self._symbol
        ticks, lots = self._scale.ticks, self._scale.lots
        last_ts = -1
        for number, line, complete in self._lines:
            if not line.strip():
                continue
            try:
                raw = orjson.loads(line)
                if not isinstance(raw, dict):
                    raise ValueError("an event must be a JSON object")
                kind = raw.get("type")
                if kind not in ("book", "trade"):
                    raise ValueError(f'\'type\' must be "book" or "trade", got {kind!r}')
                unknown = sorted(set(raw) - (_BOOK_KEYS if kind == "book" else _TRADE_KEYS))
                if unknown:
                    raise ValueError(f"unknown key(s): {', '.join(unknown)}")
                ts = raw["ts"]
                if type(ts) is not int or ts < 0:
                    raise ValueError("'ts' must be a non-negative integer (epoch ms)")
                ts *= _MS
                if raw["symbol"] != symbol:
                    continue
                event: MarketEvent
                if kind == "book":
                    bids = [(ticks(p), lots(q)) for p, q in raw["bids"]]
                    asks = [(ticks(p), lots(q)) for p, q in raw["asks"]]
                    if bids and asks and bids[0][0] >= asks[0][0]:
                        raise ValueError(
                            f"crossed book: best bid {bids[0][0]} >= best ask {asks[0][0]} ticks"
                        )
                    event = DepthEvent(ts, bids, asks, snapshot=True, line=number)
                else:
                    side = raw["side"]
                    if side not in ("BUY", "SELL"):
                        raise ValueError(f'\'side\' must be "BUY" or "SELL", got {side!r}')
                    event = TradeEvent(
                        ts,
                        ticks(raw["price"]),
                        lots(raw["qty"]),
                        side == "BUY",
                        str(number),
                        number,
                    )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise line_error(source, number, complete, exc, missing="key") from None
            if ts < last_ts:
                raise BacktestDataError(
                    source,
                    number,
                    f"ts {ts // _MS} ms is earlier than the previous {last_ts // _MS}",
                )
            last_ts = ts
            yield event
