"""DashboardState: the JSON snapshot of a node the dashboard shows.

    {
      "ts_ms": ..., "node": {"name", "state", "detail", "ready"},
      "trading": "ACTIVE" | "REDUCING" | "HALTED",   the global trading state (node halts too)
      "risk": {"global": "active", "strategy:quoter": "reducing", ...},
      "positions": [...], "pnl": {"total": "1.23", "unit": "USDT"},
      "quotes": [open orders], "fills": [newest first, at most ``fills_kept``],
      "measures": [{"name", "scope", "value", "unit", "band", "limit", "warning", "direction"}],
      "alerts": [newest first], "series": {"pnl": [[ts_ms, v], ...], "inventory": [...]}
    }

Amounts are strings of the exact Decimal (the page shows them as they are); measure values and
chart points are floats (statistics). Alerts are what changed for the worse: a measure entering
WARNING or CRITICAL, a trading state leaving ACTIVE; plus any given alert source's. Building a
snapshot costs O(orders + positions + readings + fills kept).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from tradewind.core.identifiers import InstrumentId, parse_symbol
from tradewind.node import NodeState, TradingNode
from tradewind.risk.readings import Band, MeasureReading

__all__ = ["AlertSource", "DashboardState"]

AlertSource = Callable[[], list[Mapping[str, Any]]]

_NS_PER_MS = 1_000_000
_ZERO = Decimal(0)


class DashboardState:
    """Snapshots of ``node`` for the page: ``fills_kept`` latest fills, ``points_kept`` chart
    points per series (one at most every ``point_interval_ms``)."""

    def __init__(
        self,
        node: TradingNode,
        *,
        alert_source: AlertSource | None = None,
        fills_kept: int = 50,
        points_kept: int = 600,
        point_interval_ms: int = 1000,
    ) -> None:
        self._node = node
        self._alert_source = alert_source
        self._fills_kept = fills_kept
        self._point_interval_ms = point_interval_ms
        self._pnl: deque[tuple[int, float]] = deque(maxlen=points_kept)
        self._inventory: deque[tuple[int, float]] = deque(maxlen=points_kept)
        self._alerts: deque[dict[str, Any]] = deque(maxlen=100)
        self._bands: dict[tuple[str, str], Band] = {}
        self._states: dict[str, str] = {}

    def snapshot(self) -> dict[str, Any]:
        node = self._node
        now_ms = node.clock.now_ns() // _NS_PER_MS
        health = node.health()
        risk = dict(health.risk)
        readings = node.measure_readings()
        self._note_changes(now_ms, risk, readings)
        positions, pnl_total, unit = self._positions()
        inventory = _reading(readings, "inventory_value")
        self._chart(now_ms, pnl_total, inventory)
        alerts = list(self._alerts)
        if self._alert_source is not None:
            alerts = [dict(a) for a in self._alert_source()] + alerts
        return {
            "ts_ms": now_ms,
            "node": {
                "name": node.config.node.name,
                "state": str(health.state),
                "detail": health.detail,
                "ready": health.ready,
            },
            "trading": _trading(health.state, risk),
            "risk": risk,
            "positions": positions,
            "pnl": {"total": None if pnl_total is None else str(pnl_total), "unit": unit},
            "quotes": self._quotes(),
            "fills": self._fills(),
            "measures": [_measure(r) for r in readings],
            "alerts": alerts,
            "series": {
                "pnl": [list(p) for p in self._pnl],
                "inventory": [list(p) for p in self._inventory],
            },
        }

    # -- parts ---------------------------------------------------------------------------------

    def _mark(self, venue: str, symbol: str) -> Decimal | None:
        top = self._node.cache.top(InstrumentId(symbol, venue))
        if top is None or top.best_bid is None or top.best_ask is None:
            return None
        return (top.best_bid + top.best_ask) / 2

    def _positions(self) -> tuple[list[dict[str, Any]], Decimal | None, str]:
        rows: list[dict[str, Any]] = []
        total: Decimal | None = _ZERO
        unit = ""
        for engine in self._node.router:
            for position in engine.ledger.positions():
                _, quote = parse_symbol(position.symbol)
                unit = unit or quote
                mark = self._mark(position.venue, position.symbol)
                if position.is_flat:
                    pnl: Decimal | None = position.realised_pnl - position.fees
                    unrealised: Decimal | None = _ZERO
                elif mark is None:
                    pnl = unrealised = None
                else:
                    unrealised = position.unrealised_pnl(mark)
                    pnl = position.total_pnl(mark)
                total = None if pnl is None or total is None else total + pnl
                rows.append(
                    {
                        "venue": position.venue,
                        "symbol": position.symbol,
                        "quantity": str(position.quantity),
                        "avg_price": _rounded(position.avg_price),
                        "mark": _text(mark),
                        "realised": str(position.realised_pnl),
                        "unrealised": _text(unrealised),
                        "fees": str(position.fees),
                        "pnl": _text(pnl),
                    }
                )
        return rows, total, unit

    def _quotes(self) -> list[dict[str, Any]]:
        return [
            {
                "client_order_id": order.client_order_id,
                "strategy_id": order.strategy_id,
                "venue": order.venue,
                "symbol": order.symbol,
                "side": str(order.side),
                "price": _text(order.price),
                "quantity": str(order.quantity),
                "filled": str(order.filled_qty),
                "status": str(order.status),
            }
            for order in self._node.cache.orders(open_only=True)
        ]

    def _fills(self) -> list[dict[str, Any]]:
        fills = self._node.cache.fills()[-self._fills_kept :]
        return [
            {
                "ts_ms": fill.ts_event // _NS_PER_MS,
                "venue": fill.venue,
                "symbol": fill.symbol,
                "trade_id": fill.trade_id,
                "client_order_id": fill.client_order_id,
                "side": str(fill.side),
                "price": str(fill.price),
                "quantity": str(fill.qty),
                "fee": str(fill.fee),
                "fee_asset": fill.fee_asset,
            }
            for fill in reversed(fills)
        ]

    def _chart(self, now_ms: int, pnl: Decimal | None, inventory: float | None) -> None:
        for series, value in (
            (self._pnl, None if pnl is None else float(pnl)),
            (self._inventory, inventory),
        ):
            if value is None:
                continue
            if series and now_ms - series[-1][0] < self._point_interval_ms:
                series[-1] = (series[-1][0], value)  # same point, newer value
            else:
                series.append((now_ms, value))

    def _note_changes(
        self, now_ms: int, risk: Mapping[str, str], readings: list[MeasureReading]
    ) -> None:
        for scope, state in risk.items():
            before = self._states.get(scope, "active")
            if state != before and state != "active":
                self._alert(
                    now_ms,
                    "critical" if state == "halted" else "warning",
                    f"{scope} is {state.upper()}",
                    scope,
                )
            self._states[scope] = state
        for reading in readings:
            key = (reading.name, reading.scope)
            band = reading.band
            before = self._bands.get(key, Band.OK)
            if band in (Band.WARNING, Band.CRITICAL) and band is not before:
                limit = "" if reading.threshold is None else f" (limit {reading.threshold.limit:g})"
                self._alert(
                    now_ms,
                    str(band),
                    f"{reading.name} {reading.scope} = {_number(reading.value)}{limit}",
                    reading.scope,
                )
            self._bands[key] = band

    def _alert(self, now_ms: int, severity: str, message: str, scope: str) -> None:
        self._alerts.appendleft(
            {"ts_ms": now_ms, "severity": severity, "message": message, "scope": scope}
        )


def _trading(state: NodeState, risk: Mapping[str, str]) -> str:
    # the node-wide state; per-venue and per-strategy states are in "risk"
    if state is NodeState.HALTED:
        return "HALTED"
    return risk.get("global", "active").upper()


def _reading(readings: list[MeasureReading], name: str) -> float | None:
    for reading in readings:
        if reading.name == name and reading.scope == "global":
            return reading.value
    return None


def _measure(reading: MeasureReading) -> dict[str, Any]:
    threshold = reading.threshold
    value = reading.value
    return {
        "name": reading.name,
        "scope": reading.scope,
        "value": None if value is None or not math.isfinite(value) else value,
        "unit": reading.unit,
        "band": str(reading.band),
        "direction": None if threshold is None else threshold.direction,
        "limit": None if threshold is None else threshold.limit,
        "warning": None if threshold is None else threshold.warning,
    }


def _rounded(value: Decimal | None) -> str | None:
    # an average price is a division: shown to 10 decimals, trailing zeros dropped
    if value is None:
        return None
    return f"{value.quantize(Decimal('1e-10')).normalize():f}"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.4g}"
