"""The one tenant-isolation mechanism of the portfolio store: a session bound to one tenant.

Every statement a `TenantSession` runs goes through `do_orm_execute`:
  SELECT / UPDATE / DELETE  get `with_loader_criteria(TenantScoped, tenant_id == bound)`, so
                            no query, join, relationship load or bulk change can see other rows;
  INSERT                    every parameter set must carry the bound tenant_id;
  UPDATE … VALUES           may not assign tenant_id at all;
  bulk UPDATE by primary key  (a list of parameter sets) is refused: it bypasses criteria;
  anything not ORM-enabled  (text(), Core table statements) is refused.
Objects flushed through the unit of work are checked in `before_flush`: new rows get the bound
tenant when they have none and are refused when they name another; changed or deleted rows of
another tenant are refused. There is no repository API that takes SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria
from sqlalchemy.sql.dml import Insert, Update

from tradewind.portfolio.store.schema import TenantScoped

__all__ = ["TenantScopeError", "TenantSession", "validate_tenant_id"]

_TENANT_KEY = "tradewind_tenant_id"


class TenantScopeError(PermissionError):
    """A statement or row would cross the tenant boundary of a tenant session."""


def validate_tenant_id(tenant: str) -> str:
    """Return `tenant` if it is a usable tenant id (1–64 chars of [A-Za-z0-9_.-]), else raise."""
    if not isinstance(tenant, str) or not 1 <= len(tenant) <= 64:
        raise TenantScopeError(f"tenant id must be a 1-64 character string, got {tenant!r}")
    if not all(c.isascii() and (c.isalnum() or c in "_.-") for c in tenant):
        raise TenantScopeError(f"tenant id may use only letters, digits, '_', '.', '-': {tenant!r}")
    return tenant


class TenantSession(Session):
    """A SQLAlchemy session that can only read and write rows of the tenant it is bound to."""

    def __init__(self, bind: Engine, tenant: str, **kwargs: Any) -> None:
        super().__init__(bind=bind, **kwargs)
        self.info[_TENANT_KEY] = validate_tenant_id(tenant)

    @property
    def tenant(self) -> str:
        """The tenant id this session is bound to."""
        return str(self.info[_TENANT_KEY])


def _bound_tenant(session: Session) -> str:
    tenant = session.info.get(_TENANT_KEY)
    if tenant is None:
        raise TenantScopeError("session is not bound to a tenant")
    return str(tenant)


def _check_insert(tenant: str, statement: Insert, params: Any) -> None:
    if getattr(statement, "_multi_values", ()):
        raise TenantScopeError("multi-row VALUES inserts are not accepted; pass parameter sets")
    inline: dict[str, Any] = {
        str(getattr(k, "key", k)): getattr(v, "value", v)
        for k, v in (statement._values or {}).items()
    }
    if "tenant_id" in inline and inline["tenant_id"] != tenant:
        raise TenantScopeError(
            f"insert of tenant {inline['tenant_id']!r} in a session of tenant {tenant!r}"
        )
    rows: Iterable[Any] = params if isinstance(params, list | tuple) else [params or {}]
    for row in rows:
        if not isinstance(row, dict):
            raise TenantScopeError(f"unrecognised insert parameters {type(row).__name__}")
        owner = row.get("tenant_id", inline.get("tenant_id"))
        if owner != tenant:
            raise TenantScopeError(f"insert of tenant {owner!r} in a session of tenant {tenant!r}")


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    tenant = _bound_tenant(state.session)
    statement = state.statement
    if not state.is_orm_statement:
        raise TenantScopeError("only ORM statements over tenant-scoped entities may run here")
    if isinstance(statement, Insert):
        _check_insert(tenant, statement, state.parameters)
        return
    if (state.is_update or state.is_delete) and isinstance(state.parameters, list | tuple):
        # "Bulk UPDATE by primary key" addresses rows by id alone and skips loader criteria.
        raise TenantScopeError("bulk UPDATE/DELETE by primary key is not accepted; use WHERE")
    if isinstance(statement, Update):
        assigned = {str(getattr(k, "key", k)) for k in (statement._values or {})}
        params = state.parameters
        for row in params if isinstance(params, list | tuple) else [params or {}]:
            if isinstance(row, dict):
                assigned.update(row)
        if "tenant_id" in assigned:
            raise TenantScopeError("tenant_id of a stored row cannot be changed")
    if state.is_select or state.is_update or state.is_delete:
        state.statement = statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant,
                include_aliases=True,
                propagate_to_loaders=True,
            )
        )


@event.listens_for(TenantSession, "before_flush")
def _guard_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    tenant = _bound_tenant(session)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            raise TenantScopeError(f"{type(obj).__name__} is not tenant-scoped")
        current = getattr(obj, "tenant_id", None)
        if current is None:
            obj.tenant_id = tenant
        elif current != tenant:
            raise TenantScopeError(f"new row of tenant {current!r} in a session of {tenant!r}")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            raise TenantScopeError(f"{type(obj).__name__} is not tenant-scoped")
        history = inspect(obj).attrs.tenant_id.history
        owners = {*history.deleted, *history.unchanged, *history.added}
        if owners != {tenant}:
            raise TenantScopeError(
                f"row of tenant(s) {sorted(map(str, owners))} changed in a session of {tenant!r}"
            )
