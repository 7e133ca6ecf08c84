"""Tenant isolation, enforced by the tenant session: nothing crosses, whatever the statement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, func, insert, select, text, update

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.store import (
    CursorRepository,
    LedgerRepository,
    LotSelectionRepository,
    PriceCacheRepository,
    ReportRepository,
    TenantScopeError,
    TenantSession,
)
from tradewind.portfolio.store.schema import (
    CursorRow,
    MovementRow,
    PriceRow,
    SavedReportRow,
    TransactionRow,
)

T0 = 1_735_689_600_000


def _deposit(ts: int, qty: str) -> Transaction:
    return Transaction(EntryKind.DEPOSIT, ts, (Movement("binance:main", "BTC", Decimal(qty)),))


@pytest.fixture
def two_tenants(store_engine: Engine) -> tuple[LedgerRepository, LedgerRepository]:
    alice = LedgerRepository(store_engine, "alice")
    bob = LedgerRepository(store_engine, "bob")
    alice.add_many([_deposit(T0, "1"), _deposit(T0 + 1000, "2")])
    bob.add(_deposit(T0, "7"))
    CursorRepository(alice).set("ccxt", "BTC/USDT", "alice-cursor")
    PriceCacheRepository(alice).store("binance", "BTC/USDT", "1h", [(T0, Decimal(1))], T0)
    LotSelectionRepository(alice).select("ref", {"lot/0": Decimal(1)})
    ReportRepository(alice).save("json", {}, "alice's report")
    return alice, bob


def test_repositories_only_see_their_tenant(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    alice, bob = two_tenants
    assert alice.count() == 2 and bob.count() == 1
    assert bob.balances() == {("binance:main", "BTC"): Decimal(7)}
    assert alice.balances() == {("binance:main", "BTC"): Decimal(3)}
    assert CursorRepository(bob).get("ccxt", "BTC/USDT") is None
    assert PriceCacheRepository(bob).closes("binance", "BTC/USDT", "1h", 0, 2 * T0) == []
    assert LotSelectionRepository(bob).all() == {}
    assert ReportRepository(bob).all() == []


def test_the_same_transaction_is_stored_once_per_tenant(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    alice, bob = two_tenants
    assert bob.add(_deposit(T0, "1")) is True  # alice has it; for bob it is new
    assert alice.add(_deposit(T0, "1")) is False


def test_every_kind_of_orm_query_is_filtered(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    _alice, bob = two_tenants
    with bob.session() as session:
        assert len(session.scalars(select(TransactionRow)).all()) == 1
        assert session.scalar(select(func.count()).select_from(MovementRow)) == 1
        joined = (
            session.execute(select(MovementRow.amount).join(MovementRow.transaction))
            .scalars()
            .all()
        )
        assert joined == ["7"]
        assert session.scalars(select(CursorRow)).all() == []
        assert session.scalars(select(PriceRow)).all() == []
        # A relationship load stays inside the tenant too.
        row = session.scalars(select(TransactionRow)).one()
        assert [m.amount for m in row.movements] == ["7"]
        # Primary keys of the other tenant are not reachable by get().
        alice_ids = range(1, 10)
        found = [session.get(SavedReportRow, i) for i in alice_ids]
        assert found == [None] * len(found)


def test_bulk_update_and_delete_touch_only_the_bound_tenant(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    alice, bob = two_tenants
    with bob.session() as session, session.begin():
        changed = session.execute(update(MovementRow).values(amount="0")).rowcount
        removed = session.execute(delete(CursorRow)).rowcount
        session.execute(delete(TransactionRow))
    assert changed == 1 and removed == 0
    assert alice.balances() == {("binance:main", "BTC"): Decimal(3)}
    assert alice.count() == 2
    assert CursorRepository(alice).get("ccxt", "BTC/USDT") == "alice-cursor"
    assert bob.count() == 0


def test_writes_naming_another_tenant_are_refused_and_change_nothing(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    alice, bob = two_tenants
    with bob.session() as session:
        with pytest.raises(TenantScopeError, match="insert of tenant 'alice'"):
            session.execute(
                insert(CursorRow),
                [
                    {
                        "tenant_id": "alice",
                        "source": "s",
                        "key": "k",
                        "value": "evil",
                        "updated_ms": 0,
                    }
                ],
            )
        session.rollback()
        with pytest.raises(TenantScopeError, match="cannot be changed"):
            session.execute(update(TransactionRow).values(tenant_id="alice"))
        session.rollback()
        with pytest.raises(TenantScopeError, match="insert of tenant 'alice'"):
            session.execute(
                insert(CursorRow).values(
                    tenant_id="alice", source="s", key="k", value="evil", updated_ms=0
                )
            )
        session.rollback()
        # Bulk UPDATE by primary key would address alice's rows by id alone: refused.
        with pytest.raises(TenantScopeError, match="by primary key"):
            session.execute(update(MovementRow), [{"id": i, "amount": "999"} for i in range(1, 4)])
        session.rollback()
        session.add(CursorRow(tenant_id="alice", source="s", key="k", value="evil", updated_ms=0))
        with pytest.raises(TenantScopeError, match="new row of tenant 'alice'"):
            session.flush()
        session.rollback()
        # Moving one's own row to another tenant is refused at flush as well.
        row = session.scalars(select(TransactionRow)).one()
        row.tenant_id = "alice"
        with pytest.raises(TenantScopeError, match="changed in a session of 'bob'"):
            session.flush()
        session.rollback()
    assert alice.count() == 2 and bob.count() == 1
    assert alice.balances() == {("binance:main", "BTC"): Decimal(3)}
    assert CursorRepository(alice).all() == {("ccxt", "BTC/USDT"): "alice-cursor"}
    # The same statements for the bound tenant work.
    with bob.session() as session, session.begin():
        session.execute(
            insert(CursorRow).values(
                tenant_id="bob", source="s", key="k", value="mine", updated_ms=0
            )
        )
    assert CursorRepository(bob).get("s", "k") == "mine"


def test_raw_sql_and_core_statements_are_refused(
    two_tenants: tuple[LedgerRepository, LedgerRepository],
) -> None:
    _alice, bob = two_tenants
    with bob.session() as session:
        with pytest.raises(TenantScopeError, match="only ORM statements"):
            session.execute(text("SELECT * FROM portfolio_transactions"))
        with pytest.raises(TenantScopeError, match="only ORM statements"):
            session.execute(select(TransactionRow.__table__))


def test_tenant_ids_are_checked(store_engine: Engine) -> None:
    for bad in ["", "a b", "x" * 65, "alice;drop"]:
        with pytest.raises(TenantScopeError):
            LedgerRepository(store_engine, bad)
    with pytest.raises(TenantScopeError):
        TenantSession(store_engine, "")
