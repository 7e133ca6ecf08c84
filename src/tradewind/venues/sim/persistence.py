"""SQLite persistence of the simulated exchange: accounts, keys, orders, fills, balances, deposits.

Writes are group-committed on one writer thread: engine events become row operations as they
happen, and a request that changed state awaits ``flush()`` before it answers, so an
acknowledged order survives a kill -9. Every account's balances are stored, the exchange's fee
account and the background participants' (accounts named ``__*__``) included, so the total of
every asset is the same after a restart; the participants' orders are not stored: after a
restart the market is rebuilt around the restored user orders, and what those orders had locked
is free again. The file (and SQLite's WAL beside it) is created mode 0600: it holds API secrets.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass, replace
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tradewind.common.logging import get_logger
from tradewind.common.private_files import private_sqlite_file
from tradewind.venues.sim.deposits import DepositRecord
from tradewind.venues.sim.engine import (
    AccountState,
    BalanceAdjusted,
    BalancesChanged,
    EngineEvent,
    EngineState,
    Fill,
    MatchingEngine,
    OrderUpdated,
    OrderView,
    SymbolState,
    TradedVolume,
)
from tradewind.venues.sim.server.auth import ApiCredential

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

log = get_logger("sim.persistence")
_ZERO = Decimal(0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    account_id TEXT PRIMARY KEY, api_key TEXT NOT NULL UNIQUE, api_secret TEXT NOT NULL,
    maker_commission TEXT NOT NULL, taker_commission TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, symbol TEXT NOT NULL,
    status TEXT NOT NULL, data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
    account_id TEXT NOT NULL, symbol TEXT NOT NULL, trade_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (account_id, symbol, trade_id)
);
CREATE TABLE IF NOT EXISTS balances (
    account_id TEXT NOT NULL, asset TEXT NOT NULL, free TEXT NOT NULL, locked TEXT NOT NULL,
    PRIMARY KEY (account_id, asset)
);
CREATE TABLE IF NOT EXISTS deposits (
    tx_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def stored_credential(path: Path, account_id: str) -> ApiCredential | None:
    """The key pair ``account_id`` has in the sim database at ``path`` (read-only), or None when
    the file or the account is not there; lets a client on this machine find the demo pair."""
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute(
                "SELECT api_key, api_secret FROM credentials WHERE account_id = ?", (account_id,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else ApiCredential(row[0], row[1], account_id)


def _is_persistent(account_id: str) -> bool:
    """Whether an account's orders and fills are stored (its balances always are)."""
    return not account_id.startswith("__")


def to_plain(value: Any) -> Any:
    """A dataclass tree as JSON-able data; Decimals as strings so nothing is rounded."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


Operation = tuple[str, tuple[Any, ...]]


class SimStore:
    """The exchange's SQLite file, written by one thread, read once at start."""

    def __init__(self, path: Path) -> None:
        # SQLite gives the WAL and SHM files the database file's mode
        private_sqlite_file(path)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._pending: list[Operation] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-store")
        self._flush_lock: asyncio.Lock | None = None
        self._guard = threading.Lock()

    # -- capture -------------------------------------------------------------------------------
    def on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, OrderUpdated):
            order = event.order
            if not _is_persistent(order.account_id):
                return
            if order.orig_client_order_id is not None:
                # A cancel report carries the cancel's id; the order itself keeps its own.
                order = replace(
                    order, client_order_id=order.orig_client_order_id, orig_client_order_id=None
                )
            self._pending.append(
                (
                    "INSERT INTO orders (order_id, account_id, symbol, status, data) "
                    "VALUES (?,?,?,?,?) ON CONFLICT(order_id) "
                    "DO UPDATE SET status=excluded.status, data=excluded.data",
                    (
                        order.order_id,
                        order.account_id,
                        order.symbol,
                        order.status.value,
                        orjson.dumps(to_plain(order)),
                    ),
                )
            )
            fill = event.fill
            if fill is not None:
                self._pending.append(
                    (
                        "INSERT OR IGNORE INTO fills "
                        "(account_id, symbol, trade_id, order_id, data) "
                        "VALUES (?,?,?,?,?)",
                        (
                            fill.account_id,
                            fill.symbol,
                            fill.trade_id,
                            fill.order_id,
                            orjson.dumps(to_plain(fill)),
                        ),
                    )
                )
        elif isinstance(event, BalancesChanged):
            for asset, (free, locked) in event.balances.items():
                self._pending.append(
                    (
                        "INSERT INTO balances (account_id, asset, free, locked) VALUES (?,?,?,?) "
                        "ON CONFLICT(account_id, asset) DO UPDATE SET free=excluded.free, "
                        "locked=excluded.locked",
                        (event.account_id, asset, str(free), str(locked)),
                    )
                )
        elif isinstance(event, BalanceAdjusted):
            # The absolute balances follow in a BalancesChanged; nothing to store here.
            return

    def save_credential(self, credential: ApiCredential, maker: Decimal, taker: Decimal) -> None:
        self._pending.append(
            (
                "INSERT OR REPLACE INTO credentials VALUES (?,?,?,?,?)",
                (
                    credential.account_id,
                    credential.api_key,
                    credential.api_secret,
                    str(maker),
                    str(taker),
                ),
            )
        )

    def save_deposit(self, record: DepositRecord) -> None:
        # The tx_id column holds the deposit key: tx id, plus ":<log index>" for a token log.
        self._pending.append(
            (
                "INSERT OR REPLACE INTO deposits (tx_id, account_id, data) VALUES (?,?,?)",
                (record.key, record.account_id, orjson.dumps(to_plain(record))),
            )
        )

    def delete_deposit(self, key: str) -> None:
        """Forget a pending deposit whose block left the chain."""
        self._pending.append(("DELETE FROM deposits WHERE tx_id = ?", (key,)))

    def save_meta(self, key: str, value: str) -> None:
        self._pending.append(("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value)))

    # -- commit --------------------------------------------------------------------------------
    async def flush(self) -> None:
        """Commit everything captured so far; concurrent callers share one commit."""
        if self._flush_lock is None:
            self._flush_lock = asyncio.Lock()
        async with self._flush_lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, []
            await asyncio.get_running_loop().run_in_executor(self._executor, self._write, batch)

    def flush_sync(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            self._write(batch)

    def _write(self, batch: list[Operation]) -> None:
        with self._guard:
            cur = self._conn.cursor()
            cur.execute("BEGIN")
            try:
                for sql, args in batch:
                    cur.execute(sql, args)
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                log.exception("sim_store_write_failed", rows=len(batch))
                raise

    async def close(self) -> None:
        await self.flush()
        self._executor.shutdown(wait=True)
        self._conn.close()

    # -- load ----------------------------------------------------------------------------------
    def load_credentials(self) -> list[tuple[ApiCredential, Decimal, Decimal]]:
        rows = self._conn.execute(
            "SELECT account_id, api_key, api_secret, maker_commission, taker_commission "
            "FROM credentials"
        ).fetchall()
        return [(ApiCredential(r[1], r[2], r[0]), Decimal(r[3]), Decimal(r[4])) for r in rows]

    def load_orders(self) -> list[dict[str, Any]]:
        rows = self._conn.execute("SELECT data FROM orders ORDER BY order_id").fetchall()
        return [orjson.loads(r[0]) for r in rows]

    def load_fills(self) -> list[dict[str, Any]]:
        rows = self._conn.execute("SELECT data FROM fills ORDER BY symbol, trade_id").fetchall()
        return [orjson.loads(r[0]) for r in rows]

    def load_balances(self) -> dict[str, dict[str, tuple[Decimal, Decimal]]]:
        out: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}
        for account_id, asset, free, locked in self._conn.execute(
            "SELECT account_id, asset, free, locked FROM balances"
        ):
            out.setdefault(account_id, {})[asset] = (Decimal(free), Decimal(locked))
        return out

    def load_deposits(self) -> list[dict[str, Any]]:
        return [orjson.loads(r[0]) for r in self._conn.execute("SELECT data FROM deposits")]

    def load_meta(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())


def order_from_plain(data: dict[str, Any]) -> OrderView:
    from tradewind.venues.sim.engine import OrderStatus, OrderType, Side, StpMode, TimeInForce

    enums: dict[str, Any] = {
        "side": Side,
        "type": OrderType,
        "time_in_force": TimeInForce,
        "status": OrderStatus,
        "stp_mode": StpMode,
    }
    kwargs: dict[str, Any] = {}
    for f in fields(OrderView):
        raw = data.get(f.name)
        if f.name in enums:
            kwargs[f.name] = enums[f.name](raw)
        elif isinstance(raw, str) and f.name in _DECIMAL_ORDER_FIELDS:
            kwargs[f.name] = Decimal(raw)
        else:
            kwargs[f.name] = raw
    return OrderView(**kwargs)


def fill_from_plain(data: dict[str, Any]) -> Fill:
    kwargs: dict[str, Any] = {
        f.name: Decimal(data[f.name]) if f.name in _DECIMAL_FILL_FIELDS else data[f.name]
        for f in fields(Fill)
    }
    return Fill(**kwargs)


_DECIMAL_ORDER_FIELDS = frozenset(
    {"price", "orig_qty", "executed_qty", "cumulative_quote_qty", "orig_quote_order_qty"}
)
_DECIMAL_FILL_FIELDS = frozenset({"price", "qty", "quote_qty", "commission"})


# Counters are saved about once a second, so after a crash they can lag ids the exchange already
# handed out (to background participants, whose records are not kept). Restarting well past the
# saved values keeps every id the exchange ever printed unique.
ID_GAP_AFTER_RESTART = 1_000_000


def save_counters(store: SimStore, engine: MatchingEngine) -> None:
    """Record per-symbol counters and the average-price window (cheap: no accounts exported)."""
    state = engine.export_state(account_ids=[])
    store.save_meta(
        "counters",
        orjson.dumps(
            {
                "next_order_id": state.next_order_id,
                "next_client_order_id": state.next_client_order_id,
                "symbols": [to_plain(s) for s in state.symbols],
            }
        ).decode(),
    )


def restore_exchange(exchange: SimExchange, store: SimStore) -> None:
    """Load keys, accounts, orders, fills and deposits from ``store`` into a fresh exchange."""
    credentials = store.load_credentials()
    if not credentials:
        return
    balances = store.load_balances()
    orders = [order_from_plain(o) for o in store.load_orders()]
    fills = [fill_from_plain(f) for f in store.load_fills()]
    meta = store.load_meta()
    counters = orjson.loads(meta["counters"]) if "counters" in meta else {}
    saved_symbols = {s["symbol"]: s for s in counters.get("symbols", [])}
    max_trade: dict[str, int] = {}
    for fill in fills:
        max_trade[fill.symbol] = max(max_trade.get(fill.symbol, 0), fill.trade_id)
    symbols = []
    for symbol in exchange.engine.specs:
        saved = saved_symbols.get(symbol, {})
        next_trade = max(int(saved.get("next_trade_id", 1)), max_trade.get(symbol, 0) + 1)
        symbols.append(
            SymbolState(
                symbol=symbol,
                next_trade_id=next_trade + ID_GAP_AFTER_RESTART,
                update_id=int(saved.get("update_id", 0)) + ID_GAP_AFTER_RESTART,
                last_price=Decimal(saved["last_price"]) if saved.get("last_price") else None,
                recent_volume=tuple(
                    TradedVolume(int(t["time"]), Decimal(t["qty"]), Decimal(t["notional"]))
                    for t in saved.get("recent_volume", [])
                ),
            )
        )
    max_order = max((o.order_id for o in orders), default=0)
    users = {cred.account_id for cred, _maker, _taker in credentials}
    # the fee account and the participants: balances only, what their unstored orders had
    # locked is free again (those orders are gone)
    house = tuple(
        AccountState(
            account_id,
            _ZERO,
            _ZERO,
            {asset: (free + locked, _ZERO) for asset, (free, locked) in held.items()},
        )
        for account_id, held in sorted(balances.items())
        if account_id not in users and not _is_persistent(account_id)
    )
    state = EngineState(
        accounts=tuple(
            AccountState(cred.account_id, maker, taker, balances.get(cred.account_id, {}))
            for cred, maker, taker in credentials
        )
        + house,
        orders=tuple(orders),
        fills=tuple(fills),
        symbols=tuple(symbols),
        next_order_id=max(int(counters.get("next_order_id", 1)), max_order + 1)
        + ID_GAP_AFTER_RESTART,
        next_client_order_id=int(counters.get("next_client_order_id", 1)) + ID_GAP_AFTER_RESTART,
    )
    exchange.engine.restore_state(state)
    for cred, _maker, _taker in credentials:
        exchange.api_keys.add(cred)
    for data in store.load_deposits():
        exchange.deposits.record(DepositRecord(**{**data, "amount": Decimal(data["amount"])}))
    log.info(
        "sim_state_restored",
        accounts=len(credentials),
        orders=len(orders),
        fills=len(fills),
    )
