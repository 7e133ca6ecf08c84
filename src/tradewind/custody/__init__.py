"""Custody: keys, offline signing, Safe multisig, governance of capital moves, OTC escrow.

errors.py      every refusal, one class each (the CLI prints one line, exit status 2)
safe.py        SafeTx: EIP-712 hash, owner signatures, packing, execution on a Safe 1.4.1
               (the Safe artifacts are deployed by ``tradewind.chain.safe_contracts``)
keys.py        BIP-39 mnemonic, BIP-32/44 tier paths (hot 0', warm 1', cold 2'), keystores
transactions.py  EIP-1559 transactions signed by any digest signer (keystore key or HSM)
hsm.py         secp256k1 keys generated in a PKCS#11 token (SoftHSM2 in tests), never exported
offline.py     prepare -> sign (offline) -> submit files, tamper-evident by content hash
cli.py         `tradewind custody keys-init|prepare|sign|submit|safe-deploy|safe-create`
otc.py         OTC escrow deals in a 2-of-3 Safe: propose, fund, settle (one MultiSend), refund
otc_cli.py     `tradewind otc propose|fund|settle|refund|status`
policy.py      the governance policy (TOML): approvers, per-asset limits, whitelist, timelock
governance.py  capital moves: request -> signed approvals -> execute; journal + audit sink
gate.py        CapitalGate: the one call desks make to move capital (request + execute)
wallet.py      the hot wallet that sends approved moves on chain
sweep.py       cold storage sweep: hot balances above a ceiling -> the cold Safe

Custody sits below portfolio: it writes to the audit log only through the ``AuditSink``
protocol, which the app wires to ``tradewind.portfolio.audit.AuditLog``.
"""
