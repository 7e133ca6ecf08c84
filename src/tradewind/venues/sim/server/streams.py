"""Binance market and user-data streams: who is subscribed to what, and what each stream says.

Stream names follow Binance: ``btcusdt@depth``, ``btcusdt@depth@100ms``, ``btcusdt@depth5``,
``btcusdt@depth10@100ms``, ``btcusdt@trade``, ``btcusdt@aggTrade``, ``btcusdt@bookTicker``,
``btcusdt@kline_1m``, and a listenKey for a user data stream. Depth diffs are drained from the
engine every 100 ms whether or not anyone listens, so update ids stay contiguous for a client that
subscribes later; the 1000 ms stream is the merge of ten 100 ms windows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradewind.venues.sim.engine import (
    BalancesChanged,
    DepthChanges,
    EngineEvent,
    ExecutionType,
    MatchingEngine,
    OrderUpdated,
    TradeExecuted,
)
from tradewind.venues.sim.market import AggTrade, Kline
from tradewind.venues.sim.server.connections import StreamConnection
from tradewind.venues.sim.server.wire import (
    agg_trade_json,
    fmt,
    fmt_balance,
    kline_stream_json,
    levels_json,
)

KLINE_INTERVALS = (
    "1s",
    "1m",
    "3m",
    "5m",
    "15m",
    "30m",
    "1h",
    "2h",
    "4h",
    "6h",
    "8h",
    "12h",
    "1d",
    "3d",
    "1w",
    "1M",
)
_STREAM = re.compile(
    r"^(?P<symbol>[a-z0-9]+)@(?P<kind>depth(?P<levels>5|10|20)?(?:@(?P<speed>100ms|1000ms))?"
    r"|trade|aggTrade|bookTicker|kline_(?P<interval>[0-9]+[smhdwM]))$"
)


@dataclass(frozen=True, slots=True)
class StreamName:
    """A parsed market stream name."""

    symbol: str  # upper case, as the engine knows it
    kind: str  # depth | partial | trade | aggTrade | bookTicker | kline
    levels: int = 0
    fast: bool = False  # 100 ms cadence
    interval: str = ""


def parse_stream(name: str, symbols: set[str]) -> StreamName | None:
    match = _STREAM.match(name)
    if match is None:
        return None
    symbol = match.group("symbol").upper()
    if symbol not in symbols:
        return None
    kind = match.group("kind")
    if kind.startswith("depth"):
        levels = int(match.group("levels") or 0)
        fast = match.group("speed") == "100ms"
        return StreamName(symbol, "partial" if levels else "depth", levels, fast)
    if kind.startswith("kline_"):
        interval = match.group("interval")
        if interval not in KLINE_INTERVALS:
            return None
        return StreamName(symbol, "kline", interval=interval)
    return StreamName(symbol, kind)


@dataclass(slots=True)
class _PendingDepth:
    first_update_id: int
    final_update_id: int
    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)

    def merge(self, changes: DepthChanges) -> None:
        self.final_update_id = changes.final_update_id
        self.bids.update(changes.bids)
        self.asks.update(changes.asks)


def _side_levels(levels: dict[Decimal, Decimal], reverse: bool) -> list[list[str]]:
    return [[fmt(p), fmt(q)] for p, q in sorted(levels.items(), reverse=reverse)]


class StreamHub:
    """Fans engine events and periodic book state out to WebSocket subscribers."""

    def __init__(self, engine: MatchingEngine, now_ms: Callable[[], int]) -> None:
        self._engine = engine
        self._now_ms = now_ms
        self._symbols = set(engine.specs)
        self._by_stream: dict[str, set[StreamConnection]] = {}
        self._connections: set[StreamConnection] = set()
        # listen key -> account id, and the reverse for routing events to their owner
        self._listen_keys: dict[str, str] = {}
        self._keys_by_account: dict[str, set[str]] = {}
        # (connection, subscription id) per account, for WebSocket API subscribers
        self._ws_api_users: dict[str, set[tuple[StreamConnection, int]]] = {}
        self._pending_1s: dict[str, _PendingDepth] = {}
        self._last_book_ticker: dict[str, tuple[Any, Any]] = {}
        self._ticks = 0
        # fault injection: symbols whose next depth diff is swallowed (a sequence gap)
        self.gap_symbols: set[str] = set()
        self.kline_source: Callable[[str, str, int], Kline | None] | None = None
        engine.add_listener(self.on_engine_event)

    @property
    def connection_count(self) -> int:
        """Open WebSocket connections (market streams and the WebSocket API)."""
        return len(self._connections)

    # -- subscriptions -------------------------------------------------------------------------
    def is_valid_stream(self, name: str) -> bool:
        return name in self._listen_keys or parse_stream(name, self._symbols) is not None

    def add_connection(self, conn: StreamConnection) -> None:
        self._connections.add(conn)

    def remove_connection(self, conn: StreamConnection) -> None:
        self._connections.discard(conn)
        for stream in list(conn.streams):
            self._by_stream.get(stream, set()).discard(conn)
        conn.streams.clear()
        for subscribers in self._ws_api_users.values():
            subscribers.difference_update({s for s in subscribers if s[0] is conn})

    def subscribe(self, conn: StreamConnection, stream: str) -> None:
        conn.streams.add(stream)
        self._by_stream.setdefault(stream, set()).add(conn)

    def unsubscribe(self, conn: StreamConnection, stream: str) -> None:
        conn.streams.discard(stream)
        self._by_stream.get(stream, set()).discard(conn)

    def register_listen_key(self, listen_key: str, account_id: str) -> None:
        self._listen_keys[listen_key] = account_id
        self._keys_by_account.setdefault(account_id, set()).add(listen_key)

    def listen_key_owner(self, listen_key: str) -> str | None:
        return self._listen_keys.get(listen_key)

    def close_listen_key(self, listen_key: str) -> None:
        owner = self._listen_keys.pop(listen_key, None)
        if owner is not None:
            self._keys_by_account[owner].discard(listen_key)
        for conn in list(self._by_stream.get(listen_key, ())):
            self.unsubscribe(conn, listen_key)

    def subscribe_user(self, conn: StreamConnection, account_id: str, subscription_id: int) -> None:
        conn.user_subscriptions[subscription_id] = account_id
        self._ws_api_users.setdefault(account_id, set()).add((conn, subscription_id))

    def unsubscribe_user(self, conn: StreamConnection, subscription_id: int) -> bool:
        account_id = conn.user_subscriptions.pop(subscription_id, None)
        if account_id is None:
            return False
        self._ws_api_users.get(account_id, set()).discard((conn, subscription_id))
        return True

    def drop_all_connections(self) -> int:
        """Fault injection: cut every WebSocket without a close handshake."""
        count = 0
        for conn in list(self._connections):
            conn.abort()
            self.remove_connection(conn)
            count += 1
        return count

    def _publish(self, stream: str, payload: Any) -> None:
        subscribers = self._by_stream.get(stream)
        if subscribers:
            for conn in tuple(subscribers):
                conn.send_stream(stream, payload)

    def _has(self, stream: str) -> bool:
        return bool(self._by_stream.get(stream))

    # -- engine events -------------------------------------------------------------------------
    def on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, TradeExecuted):
            self._on_trade(event)
            return
        # Most events belong to background participants nobody listens to: skip the payload.
        account_id = event.order.account_id if isinstance(event, OrderUpdated) else event.account_id
        if not self._keys_by_account.get(account_id) and not self._ws_api_users.get(account_id):
            return
        if isinstance(event, OrderUpdated):
            payload = execution_report(event, self._now_ms())
        elif isinstance(event, BalancesChanged):
            payload = account_position(event)
        else:
            payload = {
                "e": "balanceUpdate",
                "E": event.time,
                "a": event.asset,
                "d": fmt(event.delta),
                "T": event.time,
            }
        for listen_key in tuple(self._keys_by_account.get(account_id, ())):
            self._publish(listen_key, payload)
        for conn, subscription_id in tuple(self._ws_api_users.get(account_id, ())):
            conn.send_json({"subscriptionId": subscription_id, "event": payload})

    def _on_trade(self, event: TradeExecuted) -> None:
        trade = event.trade
        name = trade.symbol.lower()
        if self._has(f"{name}@trade"):
            self._publish(
                f"{name}@trade",
                {
                    "e": "trade",
                    "E": self._now_ms(),
                    "s": trade.symbol,
                    "t": trade.trade_id,
                    "p": fmt(trade.price),
                    "q": fmt(trade.qty),
                    "T": trade.time,
                    "m": trade.is_buyer_maker,
                    "M": True,
                },
            )

    def on_agg_trade(self, agg: AggTrade) -> None:
        """A finished aggregate trade from the market-data recorder."""
        stream = f"{agg.symbol.lower()}@aggTrade"
        if self._has(stream):
            self._publish(
                stream,
                {"e": "aggTrade", "E": self._now_ms(), "s": agg.symbol, **agg_trade_json(agg)},
            )

    # -- periodic ------------------------------------------------------------------------------
    def tick_100ms(self) -> None:
        """Drain depth changes and publish the 100 ms streams; every 10th call the 1000 ms ones."""
        self._ticks += 1
        slow = self._ticks % 10 == 0
        now = self._now_ms()
        for symbol in self._symbols:
            name = symbol.lower()
            changes = self._engine.take_depth_changes(symbol)
            if changes is not None:
                if symbol in self.gap_symbols:
                    # The diff is lost on the wire: ids stay consumed, so clients see a gap.
                    self.gap_symbols.discard(symbol)
                    self._pending_1s.pop(symbol, None)
                else:
                    self._publish(f"{name}@depth@100ms", diff_event(symbol, now, changes))
                    pending = self._pending_1s.get(symbol)
                    if pending is None:
                        pending = self._pending_1s[symbol] = _PendingDepth(
                            changes.first_update_id, changes.final_update_id
                        )
                    pending.merge(changes)
                self._book_ticker(symbol, name)
            if slow:
                pending = self._pending_1s.pop(symbol, None)
                if pending is not None:
                    payload = {
                        "e": "depthUpdate",
                        "E": now,
                        "s": symbol,
                        "U": pending.first_update_id,
                        "u": pending.final_update_id,
                        "b": _side_levels(pending.bids, reverse=True),
                        "a": _side_levels(pending.asks, reverse=False),
                    }
                    self._publish(f"{name}@depth", payload)
                    self._publish(f"{name}@depth@1000ms", payload)
            for levels in (5, 10, 20):
                fast_stream = f"{name}@depth{levels}@100ms"
                slow_streams = [f"{name}@depth{levels}", f"{name}@depth{levels}@1000ms"]
                if self._has(fast_stream) or (slow and any(self._has(s) for s in slow_streams)):
                    snapshot = self._engine.depth(symbol, levels)
                    payload = {
                        "lastUpdateId": snapshot.last_update_id,
                        "bids": levels_json(snapshot.bids),
                        "asks": levels_json(snapshot.asks),
                    }
                    self._publish(fast_stream, payload)
                    if slow:
                        for stream in slow_streams:
                            self._publish(stream, payload)
            if slow and self.kline_source is not None:
                for interval in KLINE_INTERVALS:
                    stream = f"{name}@kline_{interval}"
                    if self._has(stream):
                        kline = self.kline_source(symbol, interval, now)
                        if kline is not None:
                            self._publish(
                                stream,
                                {
                                    "e": "kline",
                                    "E": now,
                                    "s": symbol,
                                    "k": kline_stream_json(kline, now),
                                },
                            )

    def _book_ticker(self, symbol: str, name: str) -> None:
        stream = f"{name}@bookTicker"
        if not self._has(stream):
            return
        bid, ask = self._engine.best_bid_ask(symbol)
        if self._last_book_ticker.get(symbol) == (bid, ask):
            return
        self._last_book_ticker[symbol] = (bid, ask)
        snapshot_id = self._engine.depth(symbol, 1).last_update_id
        self._publish(
            stream,
            {
                "u": snapshot_id,
                "s": symbol,
                "b": fmt(bid[0]) if bid else "0.00000000",
                "B": fmt(bid[1]) if bid else "0.00000000",
                "a": fmt(ask[0]) if ask else "0.00000000",
                "A": fmt(ask[1]) if ask else "0.00000000",
            },
        )


def diff_event(symbol: str, now_ms: int, changes: DepthChanges) -> dict[str, Any]:
    return {
        "e": "depthUpdate",
        "E": now_ms,
        "s": symbol,
        "U": changes.first_update_id,
        "u": changes.final_update_id,
        "b": levels_json(list(changes.bids)),
        "a": levels_json(list(changes.asks)),
    }


def execution_report(event: OrderUpdated, now_ms: int) -> dict[str, Any]:
    order = event.order
    fill = event.fill
    execution_type = event.execution_type
    return {
        "e": "executionReport",
        "E": now_ms,
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side.value,
        "o": order.type.value,
        "f": order.time_in_force.value,
        "q": fmt(order.orig_qty),
        "p": fmt(order.price),
        "P": "0.00000000",
        "F": "0.00000000",
        "g": -1,
        "C": (order.orig_client_order_id or "") if execution_type is ExecutionType.CANCELED else "",
        "x": execution_type.value,
        "X": order.status.value,
        "r": event.reject_reason or "NONE",
        "i": order.order_id,
        "l": fmt(fill.qty) if fill else "0.00000000",
        "z": fmt(order.executed_qty),
        "L": fmt(fill.price) if fill else "0.00000000",
        "n": fmt(fill.commission) if fill else "0",
        "N": fill.commission_asset if fill else None,
        "T": fill.time if fill else order.update_time,
        "t": fill.trade_id if fill else -1,
        "I": 0,
        "w": order.status.value in ("NEW", "PARTIALLY_FILLED"),
        "m": fill.is_maker if fill else False,
        "M": False,
        "O": order.time,
        "Z": fmt(order.cumulative_quote_qty),
        "Y": fmt(fill.quote_qty) if fill else "0.00000000",
        "Q": fmt(order.orig_quote_order_qty),
        "W": order.working_time,
        "V": order.stp_mode.value,
    }


def account_position(event: BalancesChanged) -> dict[str, Any]:
    return {
        "e": "outboundAccountPosition",
        "E": event.time,
        "u": event.time,
        "B": [
            {"a": asset, "f": fmt_balance(free), "l": fmt_balance(locked)}
            for asset, (free, locked) in sorted(event.balances.items())
        ],
    }
