"""A stand-in for an async CCXT exchange: records calls, pages by `since`/`limit`, can fail."""

from __future__ import annotations

from typing import Any


class FakeExchange:
    """Serves unified trades, deposits and withdrawals the way CCXT returns them."""

    id = "fakex"

    def __init__(
        self,
        trades: dict[str | None, list[dict[str, Any]]] | None = None,
        deposits: list[dict[str, Any]] | None = None,
        withdrawals: list[dict[str, Any]] | None = None,
        now_ms: int = 2_000_000_000_000,
    ) -> None:
        self.trades = trades or {}
        self.deposits = deposits or []
        self.withdrawals = withdrawals or []
        self.now_ms = now_ms
        self.failures: list[Exception] = []
        self.calls: list[tuple[str, Any, int | None, int | None, dict[str, Any]]] = []
        self.enableRateLimit = False

    def milliseconds(self) -> int:
        return self.now_ms

    def _page(
        self,
        name: str,
        key: Any,
        rows: list[dict[str, Any]],
        since: int | None,
        limit: int | None,
        params: dict[str, Any],
    ) -> list[dict[str, Any]]:
        self.calls.append((name, key, since, limit, dict(params)))
        if self.failures:
            raise self.failures.pop(0)
        selected = [r for r in rows if since is None or r["timestamp"] >= since]
        if "until" in params:
            selected = [r for r in selected if r["timestamp"] <= params["until"]]
        selected.sort(key=lambda r: r["timestamp"])
        return [dict(r) for r in selected[: limit or len(selected)]]

    async def fetch_my_trades(
        self,
        symbol: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return self._page("trades", symbol, self.trades.get(symbol, []), since, limit, params or {})

    async def fetch_deposits(
        self,
        code: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return self._page("deposits", code, self.deposits, since, limit, params or {})

    async def fetch_withdrawals(
        self,
        code: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return self._page("withdrawals", code, self.withdrawals, since, limit, params or {})


def unified_trade(
    trade_id: int,
    ts: int,
    *,
    symbol: str = "BTC/USDT",
    side: str = "buy",
    amount: float = 0.001,
    price: float = 50000.0,
    fee: float = 0.0,
    fee_currency: str = "BNB",
) -> dict[str, Any]:
    """A trade shaped like CCXT's unified structure (floats, as CCXT's default number type)."""
    return {
        "id": str(trade_id),
        "order": f"o{trade_id}",
        "timestamp": ts,
        "symbol": symbol,
        "side": side,
        "amount": amount,
        "price": price,
        "cost": round(amount * price, 10),
        "fee": {"cost": fee, "currency": fee_currency},
        "fees": [{"cost": fee, "currency": fee_currency}],
    }


def unified_transfer(
    transfer_id: str,
    ts: int,
    kind: str,
    *,
    currency: str = "USDT",
    amount: float = 100.0,
    fee: float | None = None,
    status: str = "ok",
    txid: str | None = None,
) -> dict[str, Any]:
    """A deposit or withdrawal shaped like CCXT's unified transaction structure."""
    return {
        "id": transfer_id,
        "txid": txid,
        "timestamp": ts,
        "type": kind,
        "currency": currency,
        "amount": amount,
        "status": status,
        "network": "ETH",
        "fee": None if fee is None else {"cost": fee, "currency": currency},
    }
