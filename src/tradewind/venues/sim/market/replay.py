"""Replay a recorded market into the engine instead of simulating one.

A recording is JSON lines, one event each, in time order (``ts`` in epoch ms)::

    {"ts": 1700000000000, "type": "book", "symbol": "BTCUSDT",
     "bids": [["95000.00", "0.5"], ...], "asks": [["95000.01", "0.2"], ...]}
    {"ts": 1700000000250, "type": "trade", "symbol": "BTCUSDT",
     "price": "95000.01", "qty": "0.01", "side": "BUY"}

``book`` is the full L2 book at that instant (best first); ``trade`` a print with its taker's
side. The whole file is validated when the feeder is built, so a broken line is reported with
its line number before anything reaches the engine.

How the engine is made to match the tape:

- Book: one replay account rests the bids and another the asks, one order per level. A book
  event cancels every replay level that vanished or changed size and then places the new ones
  (cancels first, so an old level can never cross a new one). User orders stay in the book on
  top of the replayed levels and trade with them when they cross.
- Trade (say a BUY of q at P): the replay asks better than P are cancelled (the tape proves they
  were gone), the replay ask at P is topped up to at least q, and a replay taker sends an IOC
  limit BUY of q at P. The engine matches it by price-time priority, so the print is P x q,
  unless a user's order at a better price or earlier at P takes part of it, as it would have
  on the real venue.
- Sizes the engine's filters cannot accept (a level or trade under the minimum notional) are
  raised to the smallest accepted size and counted in ``stats.adjusted``; prices are never
  changed.

Times: the first ``step`` aligns the tape's first ``ts`` with the clock; events are then applied
when ``ts - first_ts <= now - start``. With ``loop=True`` the tape starts over when it ends.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from tradewind.common.logging import get_logger
from tradewind.venues.sim.engine import (
    EngineEvent,
    MatchingEngine,
    NewOrder,
    OrderStatus,
    OrderType,
    PlaceResult,
    Side,
    SimError,
    SymbolSpec,
    TimeInForce,
    TradeExecuted,
)
from tradewind.venues.sim.market.markets import Markets, default_markets
from tradewind.venues.sim.market.price_process import JumpDiffusion, stream_seed, to_step, to_tick

log = get_logger("sim.replay")

REPLAY_BIDS = "__replay_bids__"
REPLAY_ASKS = "__replay_asks__"
REPLAY_TAKER = "__replay_taker__"
REPLAY_ACCOUNTS = (REPLAY_BIDS, REPLAY_ASKS, REPLAY_TAKER)
_FUNDING = Decimal(10) ** 12
_BOOK_KEYS = frozenset({"ts", "type", "symbol", "bids", "asks"})
_TRADE_KEYS = frozenset({"ts", "type", "symbol", "price", "qty", "side"})
_OPEN = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})

Levels = tuple[tuple[Decimal, Decimal], ...]


class ReplayFileError(ValueError):
    """A recording that cannot be replayed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class BookEvent:
    """The full book of ``symbol`` at ``ts`` (epoch ms): (price, qty) levels, best first."""

    ts: int
    symbol: str
    bids: Levels
    asks: Levels


@dataclass(frozen=True, slots=True)
class TradeEvent:
    """A print of ``qty`` (base units) at ``price`` (quote units); ``side`` is the taker's."""

    ts: int
    symbol: str
    price: Decimal
    qty: Decimal
    side: Side


ReplayEvent = BookEvent | TradeEvent


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """Counters since start: events applied, engine calls made, sizes raised to the filters'
    minimum, engine rejections, and completed passes over the tape."""

    applied: int
    actions: int
    adjusted: int
    rejected: int
    passes: int


# -- reading --------------------------------------------------------------------------------
def read_recording(path: Path, specs: Mapping[str, SymbolSpec]) -> list[ReplayEvent]:
    """Parse and validate a whole recording; raises ``ReplayFileError`` naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ReplayFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReplayFileError(f"{path}: not UTF-8 text") from exc
    events: list[ReplayEvent] = []
    last_ts = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = _parse_line(line, specs)
        except ValueError as exc:
            raise ReplayFileError(f"{path}:{number}: {exc}") from None
        if event.ts < last_ts:
            raise ReplayFileError(f"{path}:{number}: ts {event.ts} is earlier than {last_ts}")
        last_ts = event.ts
        events.append(event)
    if not events:
        raise ReplayFileError(f"{path}: the recording has no events")
    return events


def _parse_line(line: str, specs: Mapping[str, SymbolSpec]) -> ReplayEvent:
    try:
        raw = json.loads(line, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, dict):
        raise ValueError("an event must be a JSON object")
    kind = raw.get("type")
    if kind not in ("book", "trade"):
        raise ValueError(f'\'type\' must be "book" or "trade", got {kind!r}')
    allowed = _BOOK_KEYS if kind == "book" else _TRADE_KEYS
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s): {', '.join(unknown)}")
    missing = sorted(allowed - set(raw))
    if missing:
        raise ValueError(f"missing key(s): {', '.join(missing)}")
    ts = raw["ts"]
    if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
        raise ValueError("'ts' must be a non-negative integer (epoch ms)")
    symbol = raw["symbol"]
    if not isinstance(symbol, str) or symbol not in specs:
        raise ValueError(f"unknown symbol {symbol!r}")
    spec = specs[symbol]
    if kind == "book":
        bids = _levels(raw["bids"], "bids", spec, descending=True)
        asks = _levels(raw["asks"], "asks", spec, descending=False)
        if bids and asks and bids[0][0] >= asks[0][0]:
            raise ValueError(f"crossed book: best bid {bids[0][0]} >= best ask {asks[0][0]}")
        return BookEvent(ts, symbol, bids, asks)
    side = raw["side"]
    if side not in ("BUY", "SELL"):
        raise ValueError(f'\'side\' must be "BUY" or "SELL", got {side!r}')
    price = _number(raw["price"], "price")
    qty = _number(raw["qty"], "qty")
    _on_grid(price, qty, spec, "trade")
    return TradeEvent(ts, symbol, price, qty, Side(side))


def _number(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"{name} must be a decimal string")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{name} is not a decimal number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return number


def _on_grid(price: Decimal, qty: Decimal, spec: SymbolSpec, what: str) -> None:
    if price % spec.tick_size:
        raise ValueError(f"{what} price {price} is not a multiple of tick size {spec.tick_size}")
    if qty % spec.step_size:
        raise ValueError(f"{what} qty {qty} is not a multiple of step size {spec.step_size}")


def _levels(raw: Any, name: str, spec: SymbolSpec, *, descending: bool) -> Levels:
    if not isinstance(raw, list):
        raise ValueError(f"'{name}' must be a list of [price, qty] pairs")
    if len(raw) > spec.max_num_orders:
        raise ValueError(
            f"'{name}' has {len(raw)} levels; at most {spec.max_num_orders} can be replayed"
        )
    levels: list[tuple[Decimal, Decimal]] = []
    for position, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"{name}[{position}] must be a [price, qty] pair")
        price = _number(pair[0], f"{name}[{position}] price")
        qty = _number(pair[1], f"{name}[{position}] qty")
        _on_grid(price, qty, spec, f"{name}[{position}]")
        if levels and (price >= levels[-1][0] if descending else price <= levels[-1][0]):
            order = "descending" if descending else "ascending"
            raise ValueError(f"'{name}' prices must be strictly {order} (at {name}[{position}])")
        levels.append((price, qty))
    return tuple(levels)


# -- feeding --------------------------------------------------------------------------------
class _Resting:
    """One replay order: its id and what is left of it (base units)."""

    __slots__ = ("left", "order_id")

    def __init__(self, order_id: int, left: Decimal) -> None:
        self.order_id = order_id
        self.left = left


class ReplayFeeder:
    """Drives an engine's books and trades from a recording. Times in epoch ms."""

    def __init__(self, engine: MatchingEngine, path: Path | str, *, loop: bool = False) -> None:
        self._engine = engine
        self._path = Path(path)
        self._events = read_recording(self._path, engine.specs)
        self._loop = loop
        self._next = 0
        self._offset: int | None = None  # now - ts for the current pass
        self._span = self._events[-1].ts - self._events[0].ts
        # symbol -> price -> our resting order there
        self._bids: dict[str, dict[Decimal, _Resting]] = {s: {} for s in engine.specs}
        self._asks: dict[str, dict[Decimal, _Resting]] = {s: {} for s in engine.specs}
        self._by_order: dict[int, tuple[str, bool, Decimal]] = {}
        self._applied = self._actions = self._adjusted = self._rejected = self._passes = 0
        self._open_accounts()
        engine.add_listener(self._on_event)

    @property
    def events(self) -> Sequence[ReplayEvent]:
        return self._events

    @property
    def finished(self) -> bool:
        return not self._loop and self._next >= len(self._events)

    @property
    def stats(self) -> ReplayStats:
        return ReplayStats(
            self._applied, self._actions, self._adjusted, self._rejected, self._passes
        )

    def step(self, now_ms: int) -> int:
        """Apply every event due by ``now_ms``; returns the number of engine calls made."""
        before = self._actions
        events = self._events
        if self._offset is None:
            self._offset = now_ms - events[0].ts
        while True:
            if self._next >= len(events):
                if not self._loop:
                    break
                self._passes += 1
                self._next = 0
                # the next pass starts one second after this one's last event
                self._offset += self._span + 1_000
            event = events[self._next]
            if event.ts + self._offset > now_ms:
                break
            self._next += 1
            if self._next == len(events) and not self._loop:
                self._passes += 1
            self._apply(event)
        return self._actions - before

    # -- setup and tracking --------------------------------------------------------------------
    def _open_accounts(self) -> None:
        engine = self._engine
        assets: dict[str, None] = {}
        for spec in engine.specs.values():
            assets[spec.base_asset] = None
            assets[spec.quote_asset] = None
        zero = Decimal(0)
        for account in REPLAY_ACCOUNTS:
            if engine.has_account(account):
                continue
            engine.create_account(account, maker_commission=zero, taker_commission=zero)
            for asset in assets:
                engine.credit(account, asset, _FUNDING, reason="replay")

    def _on_event(self, event: EngineEvent) -> None:
        if not isinstance(event, TradeExecuted):
            return
        trade = event.trade
        maker_id = trade.buyer_order_id if trade.is_buyer_maker else trade.seller_order_id
        owner = self._by_order.get(maker_id)
        if owner is None:
            return
        symbol, is_bid, price = owner
        book = (self._bids if is_bid else self._asks)[symbol]
        resting = book.get(price)
        if resting is None or resting.order_id != maker_id:
            return
        resting.left -= trade.qty
        if resting.left <= 0:
            del book[price]
            del self._by_order[maker_id]

    # -- applying ------------------------------------------------------------------------------
    def _apply(self, event: ReplayEvent) -> None:
        self._applied += 1
        if isinstance(event, BookEvent):
            self._apply_book(event)
        else:
            self._apply_trade(event)

    def _apply_book(self, event: BookEvent) -> None:
        symbol = event.symbol
        spec = self._engine.specs[symbol]
        targets = (
            (self._bids[symbol], dict(event.bids), True),
            (self._asks[symbol], dict(event.asks), False),
        )
        for book, target, _ in targets:
            for price in list(book):
                wanted = target.get(price)
                if wanted is None or book[price].left != self._accepted_qty(spec, price, wanted):
                    self._withdraw(symbol, book, price)
        for book, target, is_bid in targets:
            for price, qty in target.items():
                if price not in book:
                    self._rest(symbol, is_bid, price, qty)

    def _apply_trade(self, event: TradeEvent) -> None:
        symbol, price = event.symbol, event.price
        spec = self._engine.specs[symbol]
        is_buy = event.side is Side.BUY
        # The makers' side of the print: asks for a buying taker, bids for a selling one.
        book = self._asks[symbol] if is_buy else self._bids[symbol]
        for level in [p for p in book if (p < price if is_buy else p > price)]:
            self._withdraw(symbol, book, level)
        qty = self._accepted_qty(spec, price, event.qty)
        resting = book.get(price)
        if resting is not None and resting.left < qty:
            self._withdraw(symbol, book, price)
            resting = None
        if resting is None:
            self._rest(symbol, not is_buy, price, qty)
        order = NewOrder(
            symbol,
            event.side,
            OrderType.LIMIT,
            quantity=qty,
            price=price,
            time_in_force=TimeInForce.IOC,
        )
        self._call_place(REPLAY_TAKER, order)

    def _accepted_qty(self, spec: SymbolSpec, price: Decimal, qty: Decimal) -> Decimal:
        """``qty``, or the smallest size the filters accept at ``price`` when it is below it."""
        floor = (spec.min_notional / price / spec.step_size).to_integral_value(
            rounding=ROUND_CEILING
        ) * spec.step_size
        least = max(floor, spec.min_qty, spec.step_size)
        return qty if qty >= least else least

    def _rest(self, symbol: str, is_bid: bool, price: Decimal, qty: Decimal) -> None:
        spec = self._engine.specs[symbol]
        accepted = self._accepted_qty(spec, price, qty)
        if accepted != qty:
            self._adjusted += 1
        order = NewOrder(
            symbol,
            Side.BUY if is_bid else Side.SELL,
            OrderType.LIMIT,
            quantity=accepted,
            price=price,
            time_in_force=TimeInForce.GTC,
        )
        result = self._call_place(REPLAY_BIDS if is_bid else REPLAY_ASKS, order)
        if result is None:
            return
        view = result.order
        left = view.orig_qty - view.executed_qty
        if view.status in _OPEN and left > 0:
            book = self._bids[symbol] if is_bid else self._asks[symbol]
            book[price] = _Resting(view.order_id, left)
            self._by_order[view.order_id] = (symbol, is_bid, price)

    def _withdraw(self, symbol: str, book: dict[Decimal, _Resting], price: Decimal) -> None:
        resting = book.pop(price)
        self._by_order.pop(resting.order_id, None)
        account = REPLAY_BIDS if book is self._bids[symbol] else REPLAY_ASKS
        self._actions += 1
        try:
            self._engine.cancel(account, symbol, order_id=resting.order_id)
        except SimError as exc:
            self._rejected += 1
            log.debug("replay_cancel_rejected", symbol=symbol, code=exc.code, msg=exc.msg)

    def _call_place(self, account: str, order: NewOrder) -> PlaceResult | None:
        self._actions += 1
        try:
            return self._engine.place(account, order)
        except SimError as exc:
            self._rejected += 1
            log.warning(
                "replay_order_rejected",
                symbol=order.symbol,
                code=exc.code,
                msg=exc.msg,
                price=str(order.price),
                qty=str(order.quantity),
            )
            return None


# -- sample recordings ----------------------------------------------------------------------
def record_sample(
    path: Path | str,
    *,
    symbols: Iterable[str] = ("BTCUSDT",),
    seed: int = 7,
    start_ms: int = 1_700_000_000_000,
    duration_ms: int = 60_000,
    book_interval_ms: int = 1_000,
    levels: int = 10,
    trades_per_interval: int = 2,
    markets: Markets | None = None,
) -> int:
    """Write a synthetic, self-consistent recording; returns the number of lines written.

    Per symbol and interval: a book of ``levels`` levels a side around a jump-diffusion mid,
    then up to ``trades_per_interval`` trades that take from its touch (each within the level's
    size and above the minimum notional), then the next book.
    """
    markets = markets or default_markets()
    rng = random.Random(stream_seed(seed, "replay-sample"))
    lines: list[tuple[int, str]] = []
    for symbol in symbols:
        market = markets.get(symbol)
        if market is None:
            raise ValueError(f"unknown symbol {symbol!r}")
        spec, profile = market.spec, market.profile
        process = JumpDiffusion(
            float(profile.initial_mid),
            profile.price,
            random.Random(stream_seed(seed, symbol, "replay-price")),
            start_ms,
        )
        tick = spec.tick_size
        for t in range(start_ms, start_ms + duration_ms, book_interval_ms):
            mid = process.advance_to(t)
            gap = max(float(tick), mid * profile.price.sigma_over(500))
            bids = [
                [
                    to_tick(mid - (0.5 + i) * gap, tick, "down"),
                    _sample_qty(spec, profile.order_notional, mid, rng),
                ]
                for i in range(levels)
            ]
            asks = [
                [
                    to_tick(mid + (0.5 + i) * gap, tick, "up"),
                    _sample_qty(spec, profile.order_notional, mid, rng),
                ]
                for i in range(levels)
            ]
            bids = _dedupe(bids)
            asks = _dedupe(asks)
            lines.append((t, _book_line(t, symbol, bids, asks)))
            spacing = book_interval_ms // (trades_per_interval + 1)
            for n in range(rng.randint(0, trades_per_interval)):
                side = "BUY" if rng.random() < 0.5 else "SELL"
                touch = asks if side == "BUY" else bids
                price, available = touch[0]
                least = _least_qty(spec, price)
                if available < least:
                    continue
                qty = max(
                    least, to_step(available * Decimal(repr(rng.uniform(0.1, 0.6))), spec.step_size)
                )
                ts = t + spacing * (n + 1)
                lines.append(
                    (
                        ts,
                        json.dumps(
                            {
                                "ts": ts,
                                "type": "trade",
                                "symbol": symbol,
                                "price": str(price),
                                "qty": str(qty),
                                "side": side,
                            }
                        ),
                    )
                )
                touch[0][1] = available - qty
                if touch[0][1] < least:
                    touch.pop(0)
                    if not touch:
                        break
    # a stable sort keeps each symbol's book before the trades that follow it
    lines.sort(key=lambda item: item[0])
    Path(path).write_text("".join(line + "\n" for _, line in lines), encoding="utf-8")
    return len(lines)


def _least_qty(spec: SymbolSpec, price: Decimal) -> Decimal:
    floor = (spec.min_notional * 2 / price / spec.step_size).to_integral_value(
        rounding=ROUND_CEILING
    ) * spec.step_size
    return max(floor, spec.min_qty)


def _sample_qty(spec: SymbolSpec, notional: Decimal, mid: float, rng: random.Random) -> Decimal:
    price = Decimal(repr(mid))
    qty = to_step(notional * Decimal(repr(rng.uniform(0.5, 2.0))) / price, spec.step_size)
    return max(qty, _least_qty(spec, price) * 2)


def _dedupe(levels: list[list[Decimal]]) -> list[list[Decimal]]:
    out: list[list[Decimal]] = []
    for price, qty in levels:
        if out and out[-1][0] == price:
            out[-1][1] += qty
        else:
            out.append([price, qty])
    return out


def _book_line(ts: int, symbol: str, bids: list[list[Decimal]], asks: list[list[Decimal]]) -> str:
    return json.dumps(
        {
            "ts": ts,
            "type": "book",
            "symbol": symbol,
            "bids": [[str(p), str(q)] for p, q in bids],
            "asks": [[str(p), str(q)] for p, q in asks],
        }
    )
