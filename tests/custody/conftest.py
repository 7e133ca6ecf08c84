"""Custody fixtures: a fresh local anvil chain with the Safe 1.4.1 stack deployed on it.

``safe_chain`` (function): a new ``AnvilNode`` ("arbitrum", 42161), a sync ``Web3`` on it, the
Safe stack (singleton, factory, MultiSend, handler) deployed by anvil dev account #0, which also
executes Safe transactions. Owner keys are derived in each test, never funded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.nodes import ARBITRUM, AnvilNode
from tradewind.chain.safe_contracts import SafeStack, deploy_safe_stack


@dataclass(frozen=True)
class SafeChain:
    """A running chain with the Safe stack and a funded executor (dev account #0)."""

    node: AnvilNode
    w3: Web3
    stack: SafeStack
    executor: LocalAccount


@pytest.fixture
def safe_chain(anvil_path: Path) -> Iterator[SafeChain]:
    node = AnvilNode(ARBITRUM.name, ARBITRUM.chain_id, anvil_path=anvil_path).start_blocking()
    try:
        w3 = Web3(HTTPProvider(node.rpc_url))
        executor = Account.from_key(ANVIL_DEV_ACCOUNTS[0].private_key)
        yield SafeChain(node, w3, deploy_safe_stack(w3, executor), executor)
    finally:
        node.stop_blocking()


def owner_keys(count: int, label: str = "owner") -> list[LocalAccount]:
    """Deterministic test owner keys (sorted by nothing in particular)."""
    return [Account.from_key(Web3.keccak(text=f"{label}-{i}")) for i in range(count)]
