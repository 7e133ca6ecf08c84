"""CCXT importer: pagination, saved cursors, retries, pending transfers, all-or-nothing."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from ccxt.base.errors import NetworkError, RateLimitExceeded

from tradewind.portfolio.importers.ccxt_import import (
    CcxtImporter,
    RetryPolicy,
    trade_to_transaction,
    transfer_to_transaction,
)
from tradewind.portfolio.importers.cursors import MemoryCursorStore, TimeCursor
from tradewind.portfolio.importers.errors import SourcePayloadError
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

from .fake_exchange import FakeExchange, unified_trade, unified_transfer

ACC = "fakex:main"
T0 = 1_735_787_045_000


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def _importer(
    exchange: FakeExchange, cursors: MemoryCursorStore | None = None, **kw: object
) -> CcxtImporter:
    return CcxtImporter(exchange, ACC, cursors or MemoryCursorStore(), sleep=Sleeps(), **kw)  # type: ignore[arg-type]


def test_trade_conversion_by_hand() -> None:
    # Sell 0.5 ETH at 2000 USDT = 1000 USDT, fee 0.001 BNB.
    tx = trade_to_transaction(
        unified_trade(
            7, T0 + 123, symbol="ETH/USDT", side="sell", amount=0.5, price=2000.0, fee=0.001
        ),
        ACC,
        "ccxt:fakex",
    )
    assert tx.kind is EntryKind.TRADE
    assert tx.movements == (
        Movement(ACC, "ETH", Decimal("-0.5")),
        Movement(ACC, "USDT", Decimal("1000")),
    )
    assert tx.fees == (Movement(ACC, "BNB", Decimal("-0.001")),)
    assert (tx.external_id, tx.timestamp_ms, tx.note) == ("7", T0 + 123, "order o7")


def test_transfer_conversion_by_hand() -> None:
    # CCXT's amount excludes the fee: withdrawing 100 USDT with a 1 USDT fee costs 101 USDT.
    out = transfer_to_transaction(
        unified_transfer("w1", T0, "withdrawal", fee=1.0, txid="0xab"), ACC, "s"
    )
    assert out.kind is EntryKind.WITHDRAWAL
    assert out.movements == (Movement(ACC, "USDT", Decimal("-100")),)
    assert out.fees == (Movement(ACC, "USDT", Decimal("-1")),)
    assert out.tx_hash == "0xab"
    into = transfer_to_transaction(
        unified_transfer("d1", T0, "deposit", amount=0.25, currency="btc"), ACC, "s"
    )
    assert (into.kind, into.movements) == (
        EntryKind.DEPOSIT,
        (Movement(ACC, "BTC", Decimal("0.25")),),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"symbol": "BTC/USDT:USDT"}, "derivatives"),
        ({"symbol": "BTCUSDT"}, "not a spot"),
        ({"amount": None}, "amount"),
        ({"side": "hold"}, "side"),
        ({"timestamp": None}, "timestamp"),
        ({"fees": [{"cost": -0.1, "currency": "BNB"}]}, "rebates"),
        ({"fees": [{"cost": 0.1, "currency": None}], "fee": None}, "no currency"),
    ],
)
def test_malformed_trades_are_rejected_by_name(change: dict[str, object], message: str) -> None:
    trade = {**unified_trade(9, T0), **change}
    with pytest.raises(SourcePayloadError, match=message) as caught:
        trade_to_transaction(trade, ACC, "s")
    assert "trade '9'" in str(caught.value)


async def test_pagination_crosses_a_shared_millisecond_without_loss_or_doubles() -> None:
    # Seven trades, three of them in the same millisecond, paged three at a time.
    stamps = [T0, T0 + 1, T0 + 2, T0 + 2, T0 + 2, T0 + 3, T0 + 4]
    trades = [unified_trade(i, ts, amount=0.001 * (i + 1)) for i, ts in enumerate(stamps)]
    exchange = FakeExchange(trades={"BTC/USDT": trades})
    result = await _importer(exchange, page_limit=3).fetch_trades(["BTC/USDT"])
    assert sorted(tx.external_id or "" for tx in result) == [str(i) for i in range(7)]
    sinces = [call[2] for call in exchange.calls]
    assert sinces[0] is None and sinces[1] == T0 + 2  # inclusive restart at the boundary ms
    assert sinces[2] == T0 + 3  # a page full of one millisecond steps past it


async def test_cursors_make_the_next_run_incremental_only_after_commit() -> None:
    cursors = MemoryCursorStore()
    exchange = FakeExchange(
        trades={"BTC/USDT": [unified_trade(1, T0), unified_trade(2, T0 + 1000)]}
    )
    first = _importer(exchange, cursors)
    assert len(await first.fetch_trades(["BTC/USDT"])) == 2
    # Not committed (the caller did not store them): a new run starts over.
    assert len(await _importer(exchange, cursors).fetch_trades(["BTC/USDT"])) == 2
    await first.commit_cursors()
    saved = TimeCursor.loads(cursors.get("ccxt:fakex", "trades:BTC/USDT"))
    assert saved == TimeCursor(T0 + 1000, frozenset({"2"}))
    exchange.trades["BTC/USDT"].append(unified_trade(3, T0 + 1000, amount=0.002))  # same ms as #2
    exchange.trades["BTC/USDT"].append(unified_trade(4, T0 + 5000))
    second = await _importer(exchange, cursors).fetch_trades(["BTC/USDT"])
    assert sorted(tx.external_id or "" for tx in second) == ["3", "4"]
    assert exchange.calls[-1][2] == T0 + 1000


async def test_explicit_since_applies_when_later_than_the_cursor() -> None:
    exchange = FakeExchange(
        trades={"BTC/USDT": [unified_trade(1, T0), unified_trade(2, T0 + 9000)]}
    )
    result = await _importer(exchange).fetch_trades(["BTC/USDT"], since=T0 + 5000)
    assert [tx.external_id for tx in result] == ["2"]


async def test_rate_limits_and_network_errors_are_retried_with_backoff() -> None:
    exchange = FakeExchange(trades={"BTC/USDT": [unified_trade(1, T0)]})
    exchange.failures = [RateLimitExceeded("429"), NetworkError("reset"), RateLimitExceeded("429")]
    sleeps = Sleeps()
    importer = CcxtImporter(
        exchange,  # type: ignore[arg-type]
        ACC,
        MemoryCursorStore(),
        retry=RetryPolicy(attempts=5, first_delay_s=0.5, max_delay_s=1.5),
        sleep=sleeps,
    )
    assert len(await importer.fetch_trades(["BTC/USDT"])) == 1
    assert sleeps.delays == [0.5, 1.0, 1.5]  # doubled, capped
    assert exchange.enableRateLimit is True


async def test_retries_give_up_after_the_last_attempt() -> None:
    exchange = FakeExchange(trades={"BTC/USDT": [unified_trade(1, T0)]})
    exchange.failures = [NetworkError("down")] * 3
    importer = _importer(exchange, retry=RetryPolicy(attempts=3, first_delay_s=0.01))
    with pytest.raises(NetworkError):
        await importer.fetch_trades(["BTC/USDT"])


async def test_a_malformed_record_imports_nothing_and_moves_no_cursor() -> None:
    cursors = MemoryCursorStore()
    bad = {**unified_trade(2, T0 + 1), "amount": "lots"}
    exchange = FakeExchange(trades={"BTC/USDT": [unified_trade(1, T0), bad]})
    importer = _importer(exchange, cursors)
    with pytest.raises(SourcePayloadError, match="1 record"):
        await importer.fetch_trades(["BTC/USDT"])
    await importer.commit_cursors()
    assert cursors.values == {}


async def test_pending_deposit_holds_the_cursor_until_it_completes() -> None:
    cursors = MemoryCursorStore()
    deposits = [
        unified_transfer("d1", T0, "deposit", amount=1.0),
        unified_transfer("d2", T0 + 10, "deposit", amount=2.0, status="pending"),
        unified_transfer("d3", T0 + 20, "deposit", amount=3.0),
        unified_transfer("d4", T0 + 30, "deposit", amount=4.0, status="failed"),
    ]
    exchange = FakeExchange(deposits=deposits)
    first = _importer(exchange, cursors)
    assert [tx.external_id for tx in await first.fetch_deposits()] == ["d1", "d3"]
    await first.commit_cursors()
    assert TimeCursor.loads(cursors.get("ccxt:fakex", "deposits:*")) == TimeCursor(
        T0 + 10, frozenset({"d3", "d4"})
    )
    deposits[1]["status"] = "ok"
    second = await _importer(exchange, cursors).fetch_deposits()
    assert [tx.external_id for tx in second] == ["d2"]


async def test_window_mode_walks_time_ranges_with_until() -> None:
    trades = [unified_trade(1, T0 + 10), unified_trade(2, T0 + 250, amount=0.002)]
    exchange = FakeExchange(trades={"BTC/USDT": trades}, now_ms=T0 + 300)
    importer = _importer(exchange, window_ms=100)
    result = await importer.fetch_trades(["BTC/USDT"], since=T0)
    assert sorted(tx.external_id or "" for tx in result) == ["1", "2"]
    windows = [(call[2], call[4].get("until")) for call in exchange.calls]
    assert windows == [
        (T0, T0 + 99),
        (T0 + 100, T0 + 199),
        (T0 + 200, T0 + 299),
        (T0 + 300, T0 + 399),
    ]


async def test_sync_stores_then_commits_and_a_failing_store_commits_nothing() -> None:
    cursors = MemoryCursorStore()
    exchange = FakeExchange(
        trades={"BTC/USDT": [unified_trade(1, T0)]},
        deposits=[unified_transfer("d1", T0, "deposit")],
        withdrawals=[unified_transfer("w1", T0 + 5, "withdrawal", fee=1.0)],
    )
    stored: list[Transaction] = []

    def failing(_batch: list[Transaction]) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await _importer(exchange, cursors).sync(failing, ["BTC/USDT"])
    assert cursors.values == {}
    result = await _importer(exchange, cursors).sync(stored.extend, ["BTC/USDT"])
    assert (result.trades, result.deposits, result.withdrawals) == (1, 1, 1)
    assert [tx.kind for tx in stored] == [EntryKind.TRADE, EntryKind.DEPOSIT, EntryKind.WITHDRAWAL]
    assert set(cursors.values) == {
        ("ccxt:fakex", "trades:BTC/USDT"),
        ("ccxt:fakex", "deposits:*"),
        ("ccxt:fakex", "withdrawals:*"),
    }


async def test_store_cursor_repository_serves_as_cursor_store(tmp_path: Path) -> None:
    from tradewind.portfolio.migrations import upgrade
    from tradewind.portfolio.store import CursorRepository, LedgerRepository, open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    upgrade(engine)
    cursors = CursorRepository(LedgerRepository(engine, "acme"))
    exchange = FakeExchange(trades={"BTC/USDT": [unified_trade(1, T0)]})
    importer = CcxtImporter(exchange, ACC, cursors, sleep=Sleeps())  # type: ignore[arg-type]
    await importer.fetch_trades(["BTC/USDT"])
    await importer.commit_cursors()
    assert TimeCursor.loads(cursors.get("ccxt:fakex", "trades:BTC/USDT")).since_ms == T0
    exchange.trades["BTC/USDT"].append(unified_trade(2, T0 + 50, amount=0.5))
    again = CcxtImporter(exchange, ACC, cursors, sleep=Sleeps())  # type: ignore[arg-type]
    assert [tx.external_id for tx in await again.fetch_trades(["BTC/USDT"])] == ["2"]
    await asyncio.to_thread(again.save_cursors)  # the blocking variant, off the loop
    assert TimeCursor.loads(cursors.get("ccxt:fakex", "trades:BTC/USDT")).since_ms == T0 + 50
    other = CursorRepository(LedgerRepository(engine, "zeta"))
    assert other.get("ccxt:fakex", "trades:BTC/USDT") is None  # cursors are per tenant
    engine.dispose()


def test_unreadable_cursor_is_an_error_not_a_restart() -> None:
    with pytest.raises(ValueError, match="unreadable import cursor"):
        TimeCursor.loads("{not json")
