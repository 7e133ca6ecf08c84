"""Importing trades, deposits and withdrawals from any exchange CCXT speaks (async CCXT).

    CcxtImporter(exchange, account, cursor_store)
      fetch_trades(symbols, since)      fetch_my_trades per symbol, paginated
      fetch_deposits / fetch_withdrawals
      commit_cursors() / save_cursors() persist where each stream got to (async / blocking)
      sync(store, symbols, since)       all three, hand the transactions to `store`, then commit

Pagination walks forward in time: each page is requested from the newest timestamp of the last
one (inclusive) and records already seen (by id) are dropped, so records sharing a boundary
millisecond are neither lost nor doubled. For venues that answer only a bounded time range per
request, `window_ms` walks [since, now) in windows passed as CCXT's `until` parameter.

Cursors are staged by the fetch_* calls and saved only by `commit_cursors()`, which the caller
runs after it has stored the transactions: a crash in between re-imports (deduplicated by content
key), it never skips. Deposits and withdrawals still pending are not imported and hold the cursor
back so they are looked at again; failed and canceled ones moved nothing and are only logged.

Amounts from CCXT may be floats (CCXT's default number type); each is read through its shortest
repr, which reproduces the venue's decimal string up to 15 significant digits. Setting the
exchange's `number = str` gives exact strings and is read as such.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
from ccxt.base.errors import NetworkError, RateLimitExceeded

from tradewind.common.logging import get_logger
from tradewind.portfolio.importers.coalesce import coalesce_same_key
from tradewind.portfolio.importers.cursors import CursorStore, TimeCursor
from tradewind.portfolio.importers.errors import ImportInputError, SourcePayloadError
from tradewind.portfolio.importers.spot_trades import spot_trade
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = [
    "CcxtImporter",
    "RetryPolicy",
    "SyncResult",
    "trade_to_transaction",
    "transfer_to_transaction",
]

_log = get_logger("portfolio.import.ccxt")
Record = Mapping[str, Any]
_FINAL = frozenset({"ok", "failed", "canceled"})
Fetch = Callable[[int | None, int, dict[str, Any]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of rate-limited or failed network calls: attempts in all, delays in seconds."""

    attempts: int = 5
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one `sync` imported (counts of transactions handed to the store)."""

    trades: int
    deposits: int
    withdrawals: int


def _decimal(value: Any, name: str, ref: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except ArithmeticError:
            raise SourcePayloadError(f"{ref}: {name} {value!r} is not a number") from None
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # shortest repr: the decimal the venue sent
    else:
        raise SourcePayloadError(f"{ref}: {name} is missing or not a number ({value!r})")
    if not result.is_finite():
        raise SourcePayloadError(f"{ref}: {name} is not finite ({value!r})")
    return result


def _timestamp(record: Record, ref: str) -> int:
    value = record.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise SourcePayloadError(f"{ref}: timestamp is missing or not a number ({value!r})")
    return int(value)


def _ref(kind: str, record: Record) -> str:
    return f"{kind} {record.get('id')!r}"


def trade_to_transaction(trade: Record, account: str, source: str) -> Transaction:
    """A CCXT unified spot trade as a ledger TRADE (same movements as a CSV row of it)."""
    ref = _ref("trade", trade)
    symbol = trade.get("symbol")
    if not isinstance(symbol, str) or symbol.count("/") != 1:
        raise SourcePayloadError(f"{ref}: symbol {symbol!r} is not a spot BASE/QUOTE symbol")
    if ":" in symbol:
        raise SourcePayloadError(f"{ref}: {symbol} is a derivatives market; only spot is imported")
    base, quote = symbol.split("/")
    amount = _decimal(trade.get("amount"), "amount", ref)
    if trade.get("cost") is not None:
        cost = _decimal(trade.get("cost"), "cost", ref)
    else:
        cost = _decimal(trade.get("price"), "price", ref) * amount
    fee_list = [f for f in (trade.get("fees") or []) if f] or (
        [trade["fee"]] if trade.get("fee") else []
    )
    fees: list[tuple[str, Decimal]] = []
    for fee in fee_list:
        if fee.get("cost") is None:
            continue
        fee_cost = _decimal(fee.get("cost"), "fee cost", ref)
        currency = fee.get("currency")
        if fee_cost and not currency:
            raise SourcePayloadError(f"{ref}: fee {fee_cost} has no currency")
        if fee_cost:
            fees.append((str(currency), fee_cost))
    try:
        return spot_trade(
            account=account,
            base=base,
            quote=quote,
            side=str(trade.get("side") or ""),
            amount=amount,
            cost=cost,
            fees=fees,
            timestamp_ms=_timestamp(trade, ref),
            source=source,
            external_id=None if trade.get("id") is None else str(trade["id"]),
            note="" if trade.get("order") is None else f"order {trade['order']}",
        )
    except ValueError as exc:
        if isinstance(exc, SourcePayloadError):
            raise
        raise SourcePayloadError(f"{ref}: {exc}") from None


def transfer_to_transaction(record: Record, account: str, source: str) -> Transaction:
    """A CCXT unified deposit or withdrawal (status ok) as a ledger DEPOSIT or WITHDRAWAL.

    CCXT's `amount` excludes the fee, so a withdrawal moves -amount and pays -fee on top.
    """
    kind_name = record.get("type")
    ref = _ref(str(kind_name), record)
    if kind_name not in ("deposit", "withdrawal"):
        raise SourcePayloadError(f"{ref}: type must be deposit or withdrawal, got {kind_name!r}")
    currency = record.get("currency")
    if not isinstance(currency, str) or not currency:
        raise SourcePayloadError(f"{ref}: currency is missing")
    amount = _decimal(record.get("amount"), "amount", ref)
    if amount <= 0:
        raise SourcePayloadError(f"{ref}: amount must be > 0, got {amount}")
    fees: tuple[Movement, ...] = ()
    fee = record.get("fee")
    if fee and fee.get("cost") is not None:
        fee_cost = _decimal(fee.get("cost"), "fee cost", ref)
        if fee_cost < 0:
            raise SourcePayloadError(f"{ref}: fee must be >= 0, got {fee_cost}")
        if fee_cost:
            fees = (Movement(account, str(fee.get("currency") or currency).upper(), -fee_cost),)
    sign = 1 if kind_name == "deposit" else -1
    network = record.get("network")
    return Transaction(
        kind=EntryKind.DEPOSIT if kind_name == "deposit" else EntryKind.WITHDRAWAL,
        timestamp_ms=_timestamp(record, ref),
        movements=(Movement(account, currency.upper(), sign * amount),),
        fees=fees,
        source=source,
        external_id=None if record.get("id") is None else str(record["id"]),
        tx_hash=record.get("txid") or None,
        note=f"network {network}" if network else "",
    )


def _record_id(record: Record) -> str:
    if record.get("id") is not None:
        return str(record["id"])
    # No venue id: the record's own content identifies it within its millisecond.
    fields = ("timestamp", "symbol", "side", "amount", "price", "currency", "txid", "type")
    return "~" + json.dumps([str(record.get(f)) for f in fields])


class CcxtImporter:
    """Trades, deposits and withdrawals of one venue account through an async CCXT exchange.

    Timestamps are UTC epoch milliseconds; `page_limit` records per request.
    """

    def __init__(
        self,
        exchange: ccxt_async.Exchange,
        account: str,
        cursor_store: CursorStore,
        *,
        source: str | None = None,
        page_limit: int = 500,
        window_ms: int | None = None,
        retry: RetryPolicy | None = None,
        max_pages: int = 100_000,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not account:
            raise ImportInputError("an account (e.g. binance:main) is required")
        if page_limit < 1 or (window_ms is not None and window_ms < 1):
            raise ImportInputError("page_limit and window_ms must be positive")
        self._exchange = exchange
        # CCXT's own limiter spaces requests by the venue's declared rate limit.
        exchange.enableRateLimit = True
        self.account = account
        self.source = source or f"ccxt:{exchange.id}"
        self._cursors = cursor_store
        self._limit = page_limit
        self._window = window_ms
        self._retry = retry or RetryPolicy()
        self._max_pages = max_pages
        self._sleep = sleep
        self._pending: dict[str, TimeCursor] = {}

    # -- public -------------------------------------------------------------------------------
    async def fetch_trades(
        self, symbols: Sequence[str] | None = None, since: int | None = None
    ) -> list[Transaction]:
        """Own trades of each symbol (None: one call without a symbol, where the venue allows)."""
        result: list[Transaction] = []
        for symbol in symbols if symbols is not None else [None]:
            key = f"trades:{symbol or '*'}"

            async def fetch(
                page_since: int | None,
                limit: int,
                params: dict[str, Any],
                symbol: str | None = symbol,
            ) -> list[dict[str, Any]]:
                page: list[dict[str, Any]] = await self._exchange.fetch_my_trades(
                    symbol, page_since, limit, params
                )
                return page

            records = await self._stream(key, fetch, since, lambda _r: "ok")
            result += self._convert(
                records, lambda r: trade_to_transaction(r, self.account, self.source)
            )
        return coalesce_same_key(result)

    async def fetch_deposits(
        self, since: int | None = None, code: str | None = None
    ) -> list[Transaction]:
        """Completed deposits (all currencies, or `code`)."""
        return await self._transfers("deposits", self._exchange.fetch_deposits, since, code)

    async def fetch_withdrawals(
        self, since: int | None = None, code: str | None = None
    ) -> list[Transaction]:
        """Completed withdrawals (all currencies, or `code`)."""
        return await self._transfers("withdrawals", self._exchange.fetch_withdrawals, since, code)

    async def commit_cursors(self) -> None:
        """Save the cursors staged by the fetches (call after storing their transactions)."""
        pending, self._pending = self._pending, {}
        for key, cursor in pending.items():
            await asyncio.to_thread(self._cursors.set, self.source, key, cursor.dumps())

    def save_cursors(self) -> None:
        """`commit_cursors` for callers outside an event loop (blocking; not on a loop)."""
        pending, self._pending = self._pending, {}
        for key, cursor in pending.items():
            self._cursors.set(self.source, key, cursor.dumps())

    def discard_cursors(self) -> None:
        """Forget staged cursors (the fetched transactions were not stored)."""
        self._pending.clear()

    async def sync(
        self,
        store: Callable[[list[Transaction]], object],
        symbols: Sequence[str] | None = None,
        since: int | None = None,
        *,
        transfers: bool = True,
    ) -> SyncResult:
        """Fetch trades (and deposits and withdrawals), hand each batch to `store` (run in a
        worker thread), then save the cursors."""
        trades = await self.fetch_trades(symbols, since)
        deposits = await self.fetch_deposits(since) if transfers else []
        withdrawals = await self.fetch_withdrawals(since) if transfers else []
        try:
            await asyncio.to_thread(store, [*trades, *deposits, *withdrawals])
        except BaseException:
            self.discard_cursors()
            raise
        await self.commit_cursors()
        _log.info(
            "ccxt_sync",
            source=self.source,
            account=self.account,
            trades=len(trades),
            deposits=len(deposits),
            withdrawals=len(withdrawals),
        )
        return SyncResult(len(trades), len(deposits), len(withdrawals))

    # -- internals ----------------------------------------------------------------------------
    async def _transfers(
        self,
        name: str,
        method: Callable[..., Awaitable[list[dict[str, Any]]]],
        since: int | None,
        code: str | None,
    ) -> list[Transaction]:
        async def fetch(
            page_since: int | None, limit: int, params: dict[str, Any]
        ) -> list[dict[str, Any]]:
            return await method(code, page_since, limit, params)

        records = await self._stream(f"{name}:{code or '*'}", fetch, since, _transfer_status)
        settled = [r for r in records if _transfer_status(r) == "ok"]
        for record in records:
            status = _transfer_status(record)
            if status != "ok":
                # Failed or canceled ones moved nothing; pending (or unknown) ones are held back
                # by the cursor and looked at again on the next run.
                _log.info(
                    "ccxt_transfer_not_imported",
                    source=self.source,
                    id=record.get("id"),
                    status=status,
                )
        converted = self._convert(
            settled, lambda r: transfer_to_transaction(r, self.account, self.source)
        )
        return coalesce_same_key(converted)

    def _convert(
        self, records: list[dict[str, Any]], convert: Callable[[Record], Transaction]
    ) -> list[Transaction]:
        transactions, problems = [], []
        for record in records:
            try:
                transactions.append(convert(record))
            except SourcePayloadError as exc:
                problems.append(str(exc))
        if problems:
            self._pending.clear()  # nothing of this run may advance a cursor
            listed = "\n  ".join(problems[:20])
            count = len(problems)
            raise SourcePayloadError(
                f"{self.source}: {count} record(s) unreadable, nothing imported:\n  {listed}"
            )
        return transactions

    async def _stream(
        self,
        key: str,
        fetch: Fetch,
        since: int | None,
        status_of: Callable[[Record], str],
    ) -> list[dict[str, Any]]:
        """Every new record of one stream; stages the stream's next cursor."""
        saved = TimeCursor.loads(await asyncio.to_thread(self._cursors.get, self.source, key))
        starts = [s for s in (saved.since_ms, since) if s is not None]
        start = max(starts) if starts else None
        seen = set(saved.seen_ids)
        records: list[dict[str, Any]] = []
        if self._window is not None and start is not None:
            now = int(self._exchange.milliseconds())
            window_start = start
            while window_start <= now:
                until = window_start + self._window - 1
                records += await self._pages(key, fetch, window_start, {"until": until}, seen)
                window_start = until + 1
        else:
            records += await self._pages(key, fetch, start, {}, seen)
        self._stage(key, saved, records, status_of)
        return records

    async def _pages(
        self,
        key: str,
        fetch: Fetch,
        start: int | None,
        params: dict[str, Any],
        seen: set[str],
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        page_since = start
        for _ in range(self._max_pages):
            page = await self._call(fetch, page_since, self._limit, dict(params))
            fresh = []
            newest = page_since
            for record in page:
                ts = _timestamp(record, _ref(key, record))
                newest = ts if newest is None else max(newest, ts)
                if page_since is not None and ts < page_since:
                    continue  # the venue answered with older records than asked for
                rid = _record_id(record)
                if rid in seen:
                    continue
                seen.add(rid)
                fresh.append(record)
            records += fresh
            if len(page) < self._limit or newest is None:
                break
            if page_since is not None and newest <= page_since:
                # A full page inside one millisecond: step past it. Only if more records than a
                # page holds share that millisecond can any be out of reach of time paging.
                _log.warning("ccxt_page_saturated", source=self.source, stream=key, ms=page_since)
                page_since += 1
            else:
                page_since = newest
        else:
            raise ImportInputError(f"{self.source} {key}: more than {self._max_pages} pages")
        return records

    def _stage(
        self,
        key: str,
        saved: TimeCursor,
        records: list[dict[str, Any]],
        status_of: Callable[[Record], str],
    ) -> None:
        if not records:
            return
        stamped = [(_timestamp(r, key), _record_id(r), status_of(r)) for r in records]
        pending = [ts for ts, _rid, status in stamped if status not in _FINAL]
        since = min(pending) if pending else max(ts for ts, _rid, _s in stamped)
        ids = {rid for ts, rid, status in stamped if ts >= since and status in _FINAL}
        if saved.since_ms is not None and saved.since_ms >= since:
            ids |= saved.seen_ids
        self._pending[key] = TimeCursor(since, frozenset(ids))

    async def _call(
        self, fetch: Fetch, since: int | None, limit: int, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        delay = self._retry.first_delay_s
        for attempt in range(1, self._retry.attempts + 1):
            try:
                page = await fetch(since, limit, params)
            except (RateLimitExceeded, NetworkError) as exc:
                if attempt == self._retry.attempts:
                    raise
                _log.info(
                    "ccxt_retry",
                    source=self.source,
                    attempt=attempt,
                    error=type(exc).__name__,
                    delay_s=delay,
                )
                await self._sleep(delay)
                delay = min(delay * 2, self._retry.max_delay_s)
                continue
            if not isinstance(page, list):
                raise SourcePayloadError(
                    f"{self.source}: expected a list of records, got {type(page).__name__}"
                )
            return page
        raise AssertionError("unreachable")  # pragma: no cover


def _transfer_status(record: Record) -> str:
    status = record.get("status")
    # CCXT leaves status None where a venue does not report one; such records are final.
    return "ok" if status is None else str(status)
