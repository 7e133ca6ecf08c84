"""KernelStore on SQLite and PostgreSQL: exact money, fills once, cursors, balances, migrations."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from tradewind.core import Balance, Fill, LiquiditySide, Order, OrderSide, OrderStatus, OrderType
from tradewind.store import KernelStore, resolve_url
from tradewind.store.migrate import current_revision, head
from tradewind.store.schema import fills as fills_table
from tradewind.store.schema import metadata

T0 = 1_700_000_000_000_000_000


def _order(client_id: str = "tw-1", **changes: object) -> Order:
    order = Order(
        client_order_id=client_id,
        strategy_id="mm",
        venue="sim",
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("0.30"),
        price=Decimal("25000.10"),
        ts_init=T0,
        ts_last=T0,
    )
    return order.evolve(**changes) if changes else order


def _fill(trade_id: str, qty: str = "0.1", **changes: object) -> Fill:
    values: dict[str, object] = {
        "venue": "sim",
        "symbol": "BTC/USDT",
        "trade_id": trade_id,
        "venue_order_id": "900",
        "client_order_id": "tw-1",
        "side": OrderSide.BUY,
        "price": Decimal("25000.10"),
        "qty": Decimal(qty),
        "fee": Decimal("0.0001"),
        "fee_asset": "BTC",
        "liquidity_side": LiquiditySide.MAKER,
        "ts_event": T0 + 1,
    }
    values.update(changes)
    return Fill(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(db_url: str) -> Iterator[KernelStore]:
    opened = KernelStore.open(db_url)
    yield opened
    opened.close()


def test_migration_creates_the_schema_the_code_declares(store: KernelStore) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= tables
    for table in metadata.tables.values():
        columns = {column["name"] for column in inspect(store.engine).get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    with store.engine.connect() as connection:
        assert current_revision(connection) == head()


def test_reopening_migrated_database_keeps_data(db_url: str) -> None:
    first = KernelStore.open(db_url)
    first.save_order(_order())
    first.close()
    again = KernelStore.open(db_url)  # upgrade to head is a no-op now
    assert [o.client_order_id for o in again.load_orders()] == ["tw-1"]
    again.close()


def test_order_round_trips_exactly_and_upserts(store: KernelStore) -> None:
    store.save_order(_order())
    # 0.30 keeps its trailing zero: text storage, not a float
    (loaded,) = store.load_orders("sim")
    assert loaded == _order()
    assert str(loaded.quantity) == "0.30"
    filled = _order(
        status=OrderStatus.PARTIALLY_FILLED,
        venue_order_id="900",
        filled_qty=Decimal("0.1"),
        filled_notional=Decimal("2500.010"),
        ts_last=T0 + 5,
    )
    store.save_order(filled)
    assert store.load_orders() == [filled]
    assert store.load_orders("other") == []


def test_fill_is_stored_once_with_its_order_snapshot(store: KernelStore) -> None:
    after = _order(
        status=OrderStatus.PARTIALLY_FILLED, venue_order_id="900", filled_qty=Decimal("0.1")
    )
    assert store.record_fill(_fill("7"), after) is True
    # the same trade again, even with a different order snapshot, changes nothing
    later = after.evolve(filled_qty=Decimal("0.2"))
    assert store.record_fill(_fill("7"), later) is False
    assert store.load_orders() == [after]
    assert store.load_fills() == [_fill("7")]
    assert store.has_fill("sim", "BTC/USDT", "7") and not store.has_fill("sim", "BTC/USDT", "8")
    # the same trade id on another symbol is another trade
    assert store.record_fill(_fill("7", symbol="ETH/USDT"), None) is True
    assert store.has_fill("sim", "ETH/USDT", "7")


def test_fill_table_refuses_a_second_row_for_a_venue_trade(store: KernelStore) -> None:
    row = {
        "venue": "sim", "trade_id": "1", "symbol": "BTC/USDT", "venue_order_id": "9",
        "client_order_id": None, "side": "buy", "price": Decimal(1), "qty": Decimal(1),
        "fee": Decimal(0), "fee_asset": "BTC", "liquidity_side": "maker", "ts_event": 1, "seq": 1,
    }  # fmt: skip
    with store.engine.begin() as connection:
        connection.execute(insert(fills_table).values(**row))
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(fills_table).values(**{**row, "seq": 2}))
    # the same trade id on another venue is a different trade
    with store.engine.begin() as connection:
        connection.execute(insert(fills_table).values(**{**row, "venue": "other", "seq": 3}))


def test_fills_load_in_recorded_order_and_cursor_only_moves_forward(store: KernelStore) -> None:
    for trade_id in ("10", "9", "12"):
        store.record_fill(_fill(trade_id))
    assert [f.trade_id for f in store.load_fills("sim")] == ["10", "9", "12"]
    # a stored fill does not move the cursor: only reconciliation vouches for "all up to here"
    assert store.last_trade_ids("sim") == {}
    store.advance_trade_cursor("sim", "BTC/USDT", "9")
    store.advance_trade_cursor("sim", "BTC/USDT", "12")
    # numeric ids compare as numbers: "12" > "9" although "12" < "9" as text
    assert store.last_trade_ids("sim") == {"BTC/USDT": "12"}
    store.advance_trade_cursor("sim", "BTC/USDT", "11")
    assert store.last_trade_ids("sim") == {"BTC/USDT": "12"}
    store.advance_trade_cursor("sim", "ETH/USDT", "3")
    assert store.last_trade_ids("sim") == {"BTC/USDT": "12", "ETH/USDT": "3"}


def test_balances_replace_the_venue_snapshot(store: KernelStore) -> None:
    store.save_balances(
        "sim", [Balance(asset="BTC", free=Decimal("1.5"), locked=Decimal("0.25"))], T0
    )
    store.save_balances("other", [Balance(asset="ETH", free=Decimal(3))], T0)
    store.save_balances("sim", [Balance(asset="USDT", free=Decimal("100.00"))], T0 + 1)
    assert store.load_balances("sim") == {"USDT": Balance(asset="USDT", free=Decimal("100.00"))}
    assert set(store.load_balances("other")) == {"ETH"}


def test_failed_write_leaves_nothing_behind(store: KernelStore) -> None:
    # a float is refused inside the transaction, after the fill row was inserted: all rolls back
    bad = _order().evolve()
    object.__setattr__(bad, "filled_notional", 1.5)
    with pytest.raises(Exception, match="DecimalText"):
        store.record_fill(_fill("1"), bad)
    assert store.load_fills() == []
    assert store.last_trade_ids("sim") == {}


def test_default_url_is_sqlite_under_var_and_env_overrides() -> None:
    assert resolve_url(environ={}) == "sqlite:///var/kernel.sqlite"
    assert resolve_url(environ={"TRADEWIND_DB_URL": "postgresql://x/y"}) == "postgresql://x/y"
    assert resolve_url("sqlite:///a.db", environ={"TRADEWIND_DB_URL": "p://"}) == "sqlite:///a.db"


@settings(max_examples=40, deadline=None)
@given(
    st.decimals(min_value=Decimal("1e-12"), max_value=Decimal("1e12"), places=12, allow_nan=False)
)
def test_any_decimal_amount_round_trips_exactly(
    tmp_path_factory: pytest.TempPathFactory, qty: Decimal
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'k.sqlite'}"
    store = KernelStore.open(url)
    try:
        store.record_fill(_fill("1", qty=str(qty)))
        (loaded,) = store.load_fills()
        assert loaded.qty == qty and str(loaded.qty) == str(qty)
    finally:
        store.close()


def test_a_stored_external_fill_can_be_attributed_to_its_order(store: KernelStore) -> None:
    orphan = _fill("11", client_order_id=None)
    assert store.record_fill(orphan, None) is True
    order = _order().evolve(filled_qty=Decimal("0.1"))
    store.attribute_fill(_fill("11"), order)
    [loaded] = [f for f in store.load_fills() if f.trade_id == "11"]
    assert loaded.client_order_id == "tw-1"
    assert order in store.load_orders()
