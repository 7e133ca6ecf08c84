"""Custody's ``AuditSink`` over the portfolio's Merkle audit log (custody cannot import
portfolio itself; the app and the desks both wire governance through this).

sink = audit_sink(Path("custody-audit.db"), tenant="custody")   # an ``AuditSink``
sink.append(entry) -> leaf index; sink.log / sink.tenant for proofs and tree heads
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from tradewind.portfolio.audit.log import AuditLog

__all__ = ["TenantAuditSink", "audit_sink"]


class TenantAuditSink:
    """``custody.governance.AuditSink`` over one tenant of an ``AuditLog``."""

    def __init__(self, log: AuditLog, tenant: str) -> None:
        self.log = log
        self.tenant = tenant

    def append(self, entry: bytes) -> int:
        return self.log.append(self.tenant, entry)


def audit_sink(database: Path, tenant: str = "custody") -> TenantAuditSink:
    """An audit sink on a SQLite file (created with its tables when missing)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{database}")
    return TenantAuditSink(AuditLog(engine), tenant)
