"""Custody: keys, offline signing, Safe multisig, governance of capital moves, OTC escrow.

errors.py      every refusal, one class each (the CLI prints one line, exit status 2)
safe.py        SafeTx: EIP-712 hash, owner signatures, packing, execution on a Safe 1.4.1
               (the Safe artifacts are deployed by ``tradewind.chain.safe_contracts``)
policy.py      the governance policy (TOML): approvers, per-asset limits, whitelist, timelock
governance.py  capital moves: request -> signed approvals -> execute; journal + audit sink

Custody sits below portfolio: it writes to the audit log only through the ``AuditSink``
protocol, which the app wires to ``tradewind.portfolio.audit.AuditLog``.
"""
