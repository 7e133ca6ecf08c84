"""Custody wired to the portfolio's Merkle audit log (re-exported; it lives in portfolio so
the desks can wire governance too).

sink = audit_sink(Path("custody-audit.db"), tenant="custody")   # an ``AuditSink``
"""

from __future__ import annotations

from tradewind.portfolio.audit.sink import TenantAuditSink, audit_sink

__all__ = ["TenantAuditSink", "audit_sink"]
